"""What several replicas share: the Redis-or-local KV, leader election, the scheduler's
once-per-slot runs and the heartbeats."""

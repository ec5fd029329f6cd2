"""Where updates come in: the once-only gate, the leader's long polling, the webhook."""

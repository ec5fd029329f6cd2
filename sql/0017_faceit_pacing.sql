-- Reason: FACEIT admits 10 requests a second per key (issue 18). Each replica reports how many
-- 429s FACEIT answered it since it started, so the dashboard shows when pacing fails.
ALTER TABLE replica_heartbeats ADD COLUMN faceit_429 BIGINT NOT NULL DEFAULT 0;

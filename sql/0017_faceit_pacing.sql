-- Reason: FACEIT admits 10 requests a second per key (issue 18). Each replica reports how many
-- 429s FACEIT answered it since it started, so the dashboard shows when pacing fails.
ALTER TABLE replica_heartbeats ADD COLUMN faceit_429 BIGINT NOT NULL DEFAULT 0;

-- A fair queue (issue 18): a user's live jobs of a kind are counted at submit, and the claim
-- looks up when each user was last served, per kind.
CREATE INDEX jobs_live_user_idx ON jobs (kind, (payload->>'user_id')) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_user_started_idx ON jobs (kind, (payload->>'user_id'), started_at DESC)
    WHERE started_at IS NOT NULL;

-- Reason: an update that cannot be parsed, or whose handling fails outside a handler, is kept
-- with its JSON and the error, marked failed and skipped (never replayed, never redelivered
-- for ever); operators see them in /admin and on the dashboard.
-- An analysis request remembers the update that asked for it, so a replay of that update
-- (its replica died before the update was marked handled) finds the job instead of
-- acknowledging and charging a second time.

ALTER TABLE processed_updates ADD COLUMN error TEXT;

CREATE INDEX processed_updates_failed_idx ON processed_updates (created_at) WHERE status = 'failed';

ALTER TABLE jobs ADD COLUMN update_id BIGINT;

CREATE UNIQUE INDEX jobs_update_idx ON jobs (update_id) WHERE update_id IS NOT NULL;

-- Reason: the polling leader confirms a getUpdates batch to Telegram as soon as it has claimed
-- it, instead of after every update of the batch is handled, so the next batch is fetched while
-- this one is handled. Telegram then forgets the batch, so each claimed update keeps its JSON
-- here: a claim whose replica died (no renewal before claimed_until) is taken over and replayed
-- from it. attempts bounds the replays of an update whose handling keeps failing.

ALTER TABLE processed_updates
    ADD COLUMN payload  TEXT,
    ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

ALTER TABLE processed_updates DROP CONSTRAINT processed_updates_status_check;
ALTER TABLE processed_updates
    ADD CONSTRAINT processed_updates_status_check CHECK (status IN ('handling', 'done', 'failed'));

CREATE INDEX processed_updates_replay_idx ON processed_updates (claimed_until)
    WHERE status = 'handling' AND payload IS NOT NULL;

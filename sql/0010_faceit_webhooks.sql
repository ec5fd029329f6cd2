-- Reason: FACEIT webhooks for monitoring (issue 4). FACEIT may deliver an event more than once
-- (retry_count) and to several replicas: each (event, match) is taken once here, in the same
-- transaction that queues its handling. A tracked player named by an event recently is
-- "covered" (webhook_at): polling looks at them less often, since the event brings the news.
-- Old outbox rows are pruned by housekeeping; the index keeps that a range scan.

CREATE TABLE faceit_events (
    event_key    TEXT PRIMARY KEY,  -- '<event>:<match id>'
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX faceit_events_received_idx ON faceit_events (received_at);

ALTER TABLE tracked_players ADD COLUMN webhook_at TIMESTAMPTZ;

CREATE INDEX notifications_settled_idx ON notifications (created_at) WHERE status <> 'pending';

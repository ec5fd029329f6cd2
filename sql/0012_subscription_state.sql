-- Reason: Telegram reports when a user cancels a Stars subscription, re-enables it, or its renewal
-- payment fails (Update.subscription). The paid period stays; what changes is whether it renews,
-- which /subscribe shows and support needs. Each update is kept once, by its update_id.

ALTER TABLE users ADD COLUMN subscription_state TEXT
    CHECK (subscription_state IN ('active', 'canceled', 'failed'));

CREATE TABLE subscription_events (
    update_id        BIGINT PRIMARY KEY,
    telegram_id      BIGINT NOT NULL,
    invoice_payload  TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('active', 'canceled', 'failed')),
    received_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX subscription_events_user_idx ON subscription_events (telegram_id, received_at);

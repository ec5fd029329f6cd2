-- Reason: several identical replicas. Telegram may deliver an update twice (webhook retries,
-- two replicas behind a load balancer, a polling leader handing over), so each update_id is
-- claimed once here before it is handled: a claim expires, so a replica that died mid-update
-- does not lose it. The polling leader keeps its getUpdates offset here, so a new leader
-- resumes exactly where the old one confirmed. Legacy imports remember what they wrote.

CREATE TABLE processed_updates (
    update_id      BIGINT PRIMARY KEY,
    owner          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('handling', 'done')),
    claimed_until  TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX processed_updates_created_idx ON processed_updates (created_at);

CREATE TABLE polling_offsets (
    bot_id       BIGINT PRIMARY KEY,
    next_offset  BIGINT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per user a legacy import wrote, with the legacy record's own timestamp: a second
-- run of the same file sees nothing newer and changes nothing.
CREATE TABLE legacy_imports (
    telegram_id   BIGINT PRIMARY KEY,
    source_seen_at TIMESTAMPTZ NOT NULL,
    imported_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Reason: the operator web dashboard (issue 8) shows every replica, not only the one that
-- serves the page. Each replica upserts its own row every few seconds; a row whose heartbeat
-- is old belongs to a replica that died or was scaled away. FACEIT calls per minute by
-- endpoint and Telegram 429s are this replica's own counters, summed by the dashboard.
CREATE TABLE replica_heartbeats (
    replica          TEXT PRIMARY KEY,
    leader           BOOLEAN,                       -- NULL: this replica does not poll (webhook)
    busy             INTEGER NOT NULL,
    workers          INTEGER NOT NULL,
    rss_bytes        BIGINT NOT NULL,
    telegram_429     BIGINT NOT NULL DEFAULT 0,
    faceit_per_min   JSONB NOT NULL DEFAULT '{}',   -- endpoint -> calls in the last minute
    started_at       TIMESTAMPTZ NOT NULL,
    beat_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX replica_heartbeats_beat_idx ON replica_heartbeats (beat_at);

-- Reason: tracked players and match notifications (issue 4). A tracked player is stored once,
-- however many users follow them, with its own next check time and adaptive cadence; every
-- follower is a row. A finished match is resolved once for all tracked players in it
-- (monitored_matches), and each follower's message is an outbox row unique per (user, match,
-- kind), written in the same transaction that moves the polled player's watermark past the
-- match: a crash loses both or neither, and a repeat inserts nothing.

-- Set when Telegram answers 403 (blocked, deactivated): notifications stay off until the
-- user writes /start again; an explicit /notify off leaves it NULL.
ALTER TABLE users ADD COLUMN notify_blocked_at TIMESTAMPTZ;

CREATE TABLE tracked_players (
    player_id         TEXT PRIMARY KEY REFERENCES players (player_id) ON DELETE CASCADE,
    -- Watermark, unix seconds: finished matches up to here are handled, or older than the
    -- tracking itself (a fresh track starts at "now", so old matches are never sent).
    seen_until        BIGINT NOT NULL,
    next_check_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_checked_at   TIMESTAMPTZ,
    -- The cadence's wish before the budget governor stretches it, and whether it is the short
    -- in-session kind (never stretched) or the idle kind.
    interval_s        INTEGER NOT NULL DEFAULT 600 CHECK (interval_s > 0),
    in_session        BOOLEAN NOT NULL DEFAULT FALSE,
    -- The newest finished match in the player's history (for /tracked and the cadence).
    last_match_id     TEXT,
    last_finished_at  BIGINT,
    last_win          BOOLEAN,
    recent_matches    SMALLINT NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX tracked_players_due_idx ON tracked_players (next_check_at);

CREATE TABLE follows (
    telegram_id  BIGINT NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    player_id    TEXT NOT NULL REFERENCES players (player_id) ON DELETE CASCADE,
    linked       BOOLEAN NOT NULL DEFAULT FALSE,  -- the user's own linked account: not counted in the tier limit
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (telegram_id, player_id)
);

CREATE INDEX follows_player_idx ON follows (player_id);

-- A finished match resolved for every tracked player in it: fetched once, never again.
CREATE TABLE monitored_matches (
    match_id     TEXT PRIMARY KEY,
    finished_at  BIGINT NOT NULL,
    lines        JSONB NOT NULL,  -- one result line per tracked player in the match
    resolved_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The outbox: one row per message a follower is owed, sent by a queue job and marked after.
CREATE TABLE notifications (
    id           BIGSERIAL PRIMARY KEY,
    telegram_id  BIGINT NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    match_id     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('result', 'pregame')),
    payload      JSONB NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sent', 'skipped', 'blocked', 'failed')),
    message_id   BIGINT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at      TIMESTAMPTZ,
    UNIQUE (telegram_id, match_id, kind)
);

CREATE INDEX notifications_pending_idx ON notifications (telegram_id, id) WHERE status = 'pending';

-- Accounts linked before tracking existed are tracked from now on, like new links.
INSERT INTO tracked_players (player_id, seen_until)
SELECT DISTINCT u.faceit_player_id, extract(epoch FROM now())::bigint
FROM users u JOIN players p ON p.player_id = u.faceit_player_id
ON CONFLICT DO NOTHING;

INSERT INTO follows (telegram_id, player_id, linked)
SELECT u.telegram_id, u.faceit_player_id, TRUE
FROM users u JOIN players p ON p.player_id = u.faceit_player_id
ON CONFLICT DO NOTHING;

-- Reason: the foundation: Telegram users with their linked FACEIT account, and the FACEIT
-- players we have looked at (one row per player however many users link or follow them).

CREATE TABLE users (
    telegram_id       BIGINT PRIMARY KEY,
    language          TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ru')),
    language_chosen   BOOLEAN NOT NULL DEFAULT FALSE,
    username          TEXT,
    faceit_player_id  TEXT,
    faceit_nickname   TEXT,
    linked_at         TIMESTAMPTZ,
    tier              TEXT NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'premium', 'pro')),
    tier_expires_at   TIMESTAMPTZ,
    notifications     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX users_faceit_player_idx ON users (faceit_player_id) WHERE faceit_player_id IS NOT NULL;

CREATE TABLE players (
    player_id   TEXT PRIMARY KEY,
    nickname    TEXT NOT NULL,
    country     TEXT NOT NULL DEFAULT '',
    level       SMALLINT NOT NULL DEFAULT 0,
    elo         INTEGER NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX players_nickname_idx ON players (lower(nickname));

-- Every time we read a player's ELO we keep it, so trends and ELO changes need no extra calls.
CREATE TABLE elo_snapshots (
    player_id  TEXT NOT NULL REFERENCES players (player_id) ON DELETE CASCADE,
    taken_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    elo        INTEGER NOT NULL,
    level      SMALLINT NOT NULL,
    PRIMARY KEY (player_id, taken_at)
);

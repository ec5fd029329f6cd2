-- Reason: squads (issue 15). A Telegram group the bot is in keeps a squad: the members who
-- joined it (only then do their figures appear there), its settings (language, digest day,
-- hour and zone), the pinned leaderboard message it edits in place, and one row per weekly
-- digest: its primary key (chat, week) is what makes the digest go out once per group and
-- week, whichever replica plans it and however often. The personal weekly recap is opt-in per
-- user, with one row per user and week for the same reason.

CREATE TABLE squads (
    chat_id          BIGINT PRIMARY KEY,
    language         TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ru')),
    time_zone        TEXT NOT NULL DEFAULT 'UTC',
    digest_day       SMALLINT NOT NULL DEFAULT 0 CHECK (digest_day BETWEEN 0 AND 6),  -- 0 is Monday
    digest_hour      SMALLINT NOT NULL DEFAULT 10 CHECK (digest_hour BETWEEN 0 AND 23),
    digest_on        BOOLEAN NOT NULL DEFAULT TRUE,
    created_by       BIGINT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The bot was removed from the group: the squad is kept this long, then deleted.
    removed_at       TIMESTAMPTZ,
    -- The leaderboard message kept current by edits, and what it last showed.
    board_message_id BIGINT,
    board_pinned     BOOLEAN NOT NULL DEFAULT FALSE,
    board_text       TEXT,
    board_checked_at TIMESTAMPTZ  -- when a replica last compared it with the figures
);

CREATE INDEX squads_removed_idx ON squads (removed_at) WHERE removed_at IS NOT NULL;
CREATE INDEX squads_board_idx ON squads (board_checked_at) WHERE board_message_id IS NOT NULL;

CREATE TABLE squad_members (
    chat_id      BIGINT NOT NULL REFERENCES squads (chat_id) ON DELETE CASCADE,
    telegram_id  BIGINT NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    joined_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, telegram_id)
);

CREATE INDEX squad_members_user_idx ON squad_members (telegram_id);

CREATE TABLE squad_digests (
    chat_id      BIGINT NOT NULL REFERENCES squads (chat_id) ON DELETE CASCADE,
    week_end     TIMESTAMPTZ NOT NULL,  -- the digest's slot: the week is the 7 days before it
    job_id       BIGINT,
    text_message_id  BIGINT,
    photo_message_id BIGINT,
    sent_at      TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, week_end)
);

-- Opted in to the personal weekly recap since then (NULL: not wanted).
ALTER TABLE users ADD COLUMN weekly_recap_since TIMESTAMPTZ;

CREATE TABLE weekly_recaps (
    telegram_id  BIGINT NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    week_end     TIMESTAMPTZ NOT NULL,
    sent_at      TIMESTAMPTZ,
    PRIMARY KEY (telegram_id, week_end)
);

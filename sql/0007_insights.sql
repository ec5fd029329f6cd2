-- Reason: player insights. Each user's time zone (their "today" starts at local midnight), the
-- one question the bot is waiting for an answer to in a chat (a typed nickname counts only then),
-- and nothing else: images and inline results are cached by content in the shared cache.

CREATE TABLE user_settings (
    telegram_id  BIGINT PRIMARY KEY REFERENCES users (telegram_id) ON DELETE CASCADE,
    time_zone    TEXT NOT NULL DEFAULT 'Europe/Moscow',
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One open prompt per user and chat; answering it deletes the row (DELETE … RETURNING), so two
-- replicas handling the same answer cannot both act on it.
CREATE TABLE prompts (
    chat_id      BIGINT NOT NULL,
    telegram_id  BIGINT NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('find', 'link')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, telegram_id)
);

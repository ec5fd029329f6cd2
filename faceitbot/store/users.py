"""users: one row per Telegram user. Functions take a pool or a connection as first argument."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class UserRow:
    telegram_id: int
    language: str
    language_chosen: bool
    faceit_player_id: str | None
    faceit_nickname: str | None
    tier: str
    tier_expires_at: datetime | None
    notifications: bool
    subscription_state: str | None  # a Stars subscription's renewal: active, canceled, failed
    # Invited by someone and not rewarded yet: only then can linking FACEIT pay a referral bonus.
    referral_pending: bool = False


_COLUMNS = (
    "telegram_id, language, language_chosen, faceit_player_id, faceit_nickname, tier, tier_expires_at,"
    " notifications, subscription_state"
)
# Read with the row, so the updates of users nobody invited (nearly all) skip the reward check.
_PENDING = (
    "EXISTS (SELECT 1 FROM referrals AS r WHERE r.referred_id = {0}.telegram_id"
    " AND r.rewarded_at IS NULL) AS referral_pending"
)


def _row(record: asyncpg.Record) -> UserRow:
    return UserRow(**dict(record))


# last_seen is for "active today" figures: minute precision is plenty, and skipping the write
# keeps the hot path of every update a single read. The day's user_activity row (daily active
# users) is written by the same statement, so a user's first update of the day is one round trip too.
SEEN_RESOLUTION = "5 minutes"


async def touch(db: Executor, telegram_id: int, language: str, username: str | None, day: date) -> UserRow:
    """Create the user on first contact; refresh last_seen, the day's activity and, until they
    choose one, the language."""
    return (await touch_many(db, [(telegram_id, language, username)], day))[telegram_id]


async def touch_many(
    db: Executor, seen: list[tuple[int, str, str | None]], day: date, *, write: bool = True
) -> dict[int, UserRow]:
    """touch() for a batch of distinct (telegram_id, language, username), in one round trip: the
    rows seen lately, with today's activity and nothing changed, are only read; the others are
    created or updated and marked active today. With write=False only the first kind comes back."""
    fresh_columns = ", ".join("u." + c.strip() for c in _COLUMNS.split(","))
    read = f"""
        WITH s AS (
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) AS s (telegram_id, language, username)
        ), fresh AS (
            SELECT {fresh_columns}, {_PENDING.format("u")} FROM s JOIN users AS u USING (telegram_id)
            WHERE u.last_seen_at > now() - interval '{SEEN_RESOLUTION}'
              AND u.username IS NOT DISTINCT FROM s.username AND (u.language_chosen OR u.language = s.language)
              AND EXISTS (SELECT 1 FROM user_activity AS a WHERE a.day = $4 AND a.telegram_id = u.telegram_id)
        )"""
    written = f"""{read}, stale AS (
            SELECT * FROM s WHERE telegram_id NOT IN (SELECT telegram_id FROM fresh)
        ), seen AS (
            INSERT INTO users AS u (telegram_id, language, username)
            SELECT telegram_id, language, username FROM stale ORDER BY telegram_id
            ON CONFLICT (telegram_id) DO UPDATE
                SET last_seen_at = now(),
                    username = EXCLUDED.username,
                    language = CASE WHEN u.language_chosen THEN u.language ELSE EXCLUDED.language END
            RETURNING {_COLUMNS}, {_PENDING.format("u")}
        ), active AS (
            INSERT INTO user_activity (day, telegram_id)
            SELECT $4, telegram_id FROM stale ORDER BY telegram_id ON CONFLICT DO NOTHING
        )
        SELECT * FROM fresh UNION ALL SELECT * FROM seen
        """
    rows = await db.fetch(
        written if write else read + " SELECT * FROM fresh",
        [t for t, _, _ in seen],
        [lang for _, lang, _ in seen],
        [name for _, _, name in seen],
        day,
    )
    return {r["telegram_id"]: _row(r) for r in rows}


async def get(db: Executor, telegram_id: int) -> UserRow | None:
    record = await db.fetchrow(
        f"SELECT {_COLUMNS}, {_PENDING.format('users')} FROM users WHERE telegram_id = $1", telegram_id
    )
    return _row(record) if record else None


async def set_language(db: Executor, telegram_id: int, language: str) -> None:
    await db.execute(
        "UPDATE users SET language = $2, language_chosen = TRUE WHERE telegram_id = $1", telegram_id, language
    )


async def link(db: Executor, telegram_id: int, player_id: str, nickname: str) -> None:
    await db.execute(
        """
        UPDATE users SET faceit_player_id = $2, faceit_nickname = $3, linked_at = now()
        WHERE telegram_id = $1
        """,
        telegram_id,
        player_id,
        nickname,
    )


async def unlink(db: Executor, telegram_id: int) -> str | None:
    """Returns the nickname that was linked, or None when nothing was."""
    return await db.fetchval(
        """
        UPDATE users AS u SET faceit_player_id = NULL, faceit_nickname = NULL, linked_at = NULL
        FROM users AS old
        WHERE u.telegram_id = $1 AND old.telegram_id = u.telegram_id AND old.faceit_player_id IS NOT NULL
        RETURNING old.faceit_nickname
        """,
        telegram_id,
    )

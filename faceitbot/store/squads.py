"""squads, squad_members, squad_digests and weekly_recaps (sql/0019_squads.sql).

Functions take a pool or a connection first, so callers compose them in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

Executor = asyncpg.Pool | asyncpg.Connection

KEEP_REMOVED = "30 days"  # a squad whose group removed the bot is kept this long


@dataclass(frozen=True, slots=True)
class SquadRow:
    chat_id: int
    language: str
    time_zone: str
    digest_day: int
    digest_hour: int
    digest_on: bool
    created_at: datetime
    removed_at: datetime | None
    board_message_id: int | None
    board_pinned: bool
    board_text: str | None
    board_checked_at: datetime | None


@dataclass(frozen=True, slots=True)
class MemberRow:
    telegram_id: int
    player_id: str | None  # None: the member unlinked their FACEIT account since joining
    nickname: str
    level: int
    elo: int
    updated_at: datetime | None  # when we last read their ELO


@dataclass(frozen=True, slots=True)
class DigestRow:
    chat_id: int
    week_end: datetime
    text_message_id: int | None
    photo_message_id: int | None
    sent_at: datetime | None


_SQUAD = (
    "chat_id, language, time_zone, digest_day, digest_hour, digest_on, created_at, removed_at,"
    " board_message_id, board_pinned, board_text, board_checked_at"
)


async def get(db: Executor, chat_id: int) -> SquadRow | None:
    row = await db.fetchrow(f"SELECT {_SQUAD} FROM squads WHERE chat_id = $1", chat_id)
    return SquadRow(**dict(row)) if row else None


async def ensure(db: Executor, chat_id: int, language: str, created_by: int) -> SquadRow:
    """The group's squad, created with the language of whoever set it up; a squad of a group
    that had removed the bot and added it back is live again."""
    row = await db.fetchrow(
        f"""
        INSERT INTO squads (chat_id, language, created_by) VALUES ($1, $2, $3)
        ON CONFLICT (chat_id) DO UPDATE SET removed_at = NULL
        RETURNING {_SQUAD}
        """,
        chat_id,
        language,
        created_by,
    )
    return SquadRow(**dict(row))


async def add_member(db: Executor, chat_id: int, telegram_id: int) -> bool:
    status = await db.execute(
        "INSERT INTO squad_members (chat_id, telegram_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        chat_id,
        telegram_id,
    )
    return status.endswith(" 1")


async def remove_member(db: Executor, chat_id: int, telegram_id: int) -> bool:
    status = await db.execute(
        "DELETE FROM squad_members WHERE chat_id = $1 AND telegram_id = $2", chat_id, telegram_id
    )
    return status.endswith(" 1")


async def is_member(db: Executor, chat_id: int, telegram_id: int) -> bool:
    return bool(
        await db.fetchval(
            "SELECT true FROM squad_members WHERE chat_id = $1 AND telegram_id = $2", chat_id, telegram_id
        )
    )


async def member_by_nickname(db: Executor, chat_id: int, nickname: str) -> int | None:
    """The member whose linked FACEIT nickname this is (any case)."""
    return await db.fetchval(
        """
        SELECT m.telegram_id FROM squad_members m JOIN users u USING (telegram_id)
        WHERE m.chat_id = $1 AND lower(u.faceit_nickname) = lower($2)
        """,
        chat_id,
        nickname,
    )


async def members(db: Executor, chat_id: int) -> list[MemberRow]:
    """Members with a linked account, with the ELO we last saw; strongest first."""
    rows = await db.fetch(
        """
        SELECT m.telegram_id, u.faceit_player_id AS player_id,
               coalesce(p.nickname, u.faceit_nickname, '') AS nickname,
               coalesce(p.level, 0) AS level, coalesce(p.elo, 0) AS elo, p.updated_at
        FROM squad_members m
        JOIN users u USING (telegram_id)
        LEFT JOIN players p ON p.player_id = u.faceit_player_id
        WHERE m.chat_id = $1 AND u.faceit_player_id IS NOT NULL
        ORDER BY coalesce(p.elo, 0) DESC, m.joined_at
        """,
        chat_id,
    )
    return [MemberRow(**dict(r)) for r in rows]


async def set_language(db: Executor, chat_id: int, language: str) -> None:
    await db.execute("UPDATE squads SET language = $2 WHERE chat_id = $1", chat_id, language)


async def set_digest(db: Executor, chat_id: int, *, on: bool, day: int, hour: int, zone: str) -> None:
    await db.execute(
        """
        UPDATE squads SET digest_on = $2, digest_day = $3, digest_hour = $4, time_zone = $5
        WHERE chat_id = $1
        """,
        chat_id,
        on,
        day,
        hour,
        zone,
    )


# -- the bot leaving and coming back -----------------------------------------------------------
async def mark_removed(db: Executor, chat_id: int) -> bool:
    status = await db.execute(
        "UPDATE squads SET removed_at = now() WHERE chat_id = $1 AND removed_at IS NULL", chat_id
    )
    return status.endswith(" 1")


async def mark_back(db: Executor, chat_id: int) -> bool:
    status = await db.execute(
        "UPDATE squads SET removed_at = NULL WHERE chat_id = $1 AND removed_at IS NOT NULL", chat_id
    )
    return status.endswith(" 1")


async def delete_removed(db: Executor) -> int:
    """Squads of groups that removed the bot more than KEEP_REMOVED ago, with all they hold."""
    status = await db.execute(f"DELETE FROM squads WHERE removed_at < now() - interval '{KEEP_REMOVED}'")
    return int(status.split()[-1])


# -- the leaderboard message ------------------------------------------------------------------
async def set_board(db: Executor, chat_id: int, message_id: int, pinned: bool, text: str) -> None:
    await db.execute(
        """
        UPDATE squads SET board_message_id = $2, board_pinned = $3, board_text = $4, board_checked_at = now()
        WHERE chat_id = $1
        """,
        chat_id,
        message_id,
        pinned,
        text,
    )


async def board_edited(db: Executor, chat_id: int, message_id: int, text: str) -> None:
    await db.execute(
        """
        UPDATE squads SET board_text = $3, board_checked_at = now()
        WHERE chat_id = $1 AND board_message_id = $2
        """,
        chat_id,
        message_id,
        text,
    )


async def drop_board(db: Executor, chat_id: int) -> None:
    await db.execute(
        "UPDATE squads SET board_message_id = NULL, board_pinned = FALSE, board_text = NULL WHERE chat_id = $1",
        chat_id,
    )


async def claim_boards(db: Executor, every_s: int, limit: int) -> list[int]:
    """Groups whose pinned leaderboard was not looked at for `every_s` seconds; taking them moves
    their clock on, so one replica looks at each and none again before `every_s` pass."""
    rows = await db.fetch(
        """
        WITH due AS (
            SELECT chat_id FROM squads
            WHERE board_message_id IS NOT NULL AND removed_at IS NULL
              AND (board_checked_at IS NULL OR board_checked_at <= now() - make_interval(secs => $1))
            ORDER BY board_checked_at NULLS FIRST
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        UPDATE squads s SET board_checked_at = now() FROM due WHERE s.chat_id = due.chat_id
        RETURNING s.chat_id
        """,
        float(every_s),
        limit,
    )
    return [r["chat_id"] for r in rows]


# -- figures of the week that cost no FACEIT call ---------------------------------------------
async def elo_at(db: Executor, player_ids: list[str], at: datetime) -> dict[str, int]:
    """Each player's ELO as of `at`: the last snapshot taken then or before, else the first
    one after (a member we first saw later)."""
    rows = await db.fetch(
        """
        SELECT DISTINCT ON (player_id) player_id, elo
        FROM elo_snapshots
        WHERE player_id = ANY($1::text[])
        ORDER BY player_id, (taken_at > $2), abs(extract(epoch FROM taken_at - $2))
        """,
        player_ids,
        at,
    )
    return {r["player_id"]: r["elo"] for r in rows}


async def elo_before(db: Executor, player_ids: list[str], at: datetime) -> dict[str, int]:
    """Each player's last snapshot taken at or before `at` (none: unknown then)."""
    rows = await db.fetch(
        """
        SELECT DISTINCT ON (player_id) player_id, elo FROM elo_snapshots
        WHERE player_id = ANY($1::text[]) AND taken_at <= $2
        ORDER BY player_id, taken_at DESC
        """,
        player_ids,
        at,
    )
    return {r["player_id"]: r["elo"] for r in rows}


async def week_lines(db: Executor, player_ids: list[str], since: datetime) -> list[dict]:
    """The result lines monitoring recorded for these players in matches finished since `since`."""
    rows = await db.fetch(
        """
        SELECT line FROM monitored_matches mm, jsonb_array_elements(mm.lines) AS line
        WHERE mm.finished_at >= extract(epoch FROM $2::timestamptz)::bigint
          AND line ->> 'player_id' = ANY($1::text[])
        """,
        player_ids,
        since,
    )
    return [dict(r["line"]) for r in rows]


# -- the weekly digest -------------------------------------------------------------------------
async def digest_candidates(db: Executor) -> list[SquadRow]:
    rows = await db.fetch(
        f"SELECT {_SQUAD} FROM squads WHERE digest_on AND removed_at IS NULL ORDER BY chat_id"
    )
    return [SquadRow(**dict(r)) for r in rows]


async def open_digest(db: Executor, chat_id: int, week_end: datetime) -> bool:
    """The (group, week) row: True for the one caller that created it."""
    status = await db.execute(
        "INSERT INTO squad_digests (chat_id, week_end) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        chat_id,
        week_end,
    )
    return status.endswith(" 1")


async def digest(db: Executor, chat_id: int, week_end: datetime) -> DigestRow | None:
    row = await db.fetchrow(
        """
        SELECT chat_id, week_end, text_message_id, photo_message_id, sent_at FROM squad_digests
        WHERE chat_id = $1 AND week_end = $2
        """,
        chat_id,
        week_end,
    )
    return DigestRow(**dict(row)) if row else None


async def digest_part_sent(
    db: Executor, chat_id: int, week_end: datetime, part: str, message_id: int
) -> None:
    column = {"text": "text_message_id", "photo": "photo_message_id"}[part]
    await db.execute(
        f"UPDATE squad_digests SET {column} = $3 WHERE chat_id = $1 AND week_end = $2",
        chat_id,
        week_end,
        message_id,
    )


async def digest_done(db: Executor, chat_id: int, week_end: datetime) -> None:
    await db.execute(
        "UPDATE squad_digests SET sent_at = now() WHERE chat_id = $1 AND week_end = $2",
        chat_id,
        week_end,
    )


# -- the personal weekly recap -----------------------------------------------------------------
async def recap_wanted(db: Executor, telegram_id: int) -> bool:
    return bool(
        await db.fetchval(
            "SELECT weekly_recap_since IS NOT NULL FROM users WHERE telegram_id = $1", telegram_id
        )
    )


async def set_recap(db: Executor, telegram_id: int, on: bool) -> None:
    await db.execute(
        """
        UPDATE users SET weekly_recap_since = CASE WHEN $2 THEN coalesce(weekly_recap_since, now()) END
        WHERE telegram_id = $1
        """,
        telegram_id,
        on,
    )


@dataclass(frozen=True, slots=True)
class RecapUser:
    telegram_id: int
    language: str
    player_id: str
    nickname: str
    time_zone: str | None
    since: datetime


async def recap_users(db: Executor) -> list[RecapUser]:
    rows = await db.fetch(
        """
        SELECT u.telegram_id, u.language, u.faceit_player_id AS player_id,
               coalesce(u.faceit_nickname, '') AS nickname, s.time_zone, u.weekly_recap_since AS since
        FROM users u LEFT JOIN user_settings s USING (telegram_id)
        WHERE u.weekly_recap_since IS NOT NULL AND u.faceit_player_id IS NOT NULL AND u.notify_blocked_at IS NULL
        ORDER BY u.telegram_id
        """
    )
    return [RecapUser(**dict(r)) for r in rows]


async def open_recap(db: Executor, telegram_id: int, week_end: datetime) -> bool:
    status = await db.execute(
        "INSERT INTO weekly_recaps (telegram_id, week_end) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        telegram_id,
        week_end,
    )
    return status.endswith(" 1")


async def recap_done(db: Executor, telegram_id: int, week_end: datetime) -> None:
    await db.execute(
        "UPDATE weekly_recaps SET sent_at = now() WHERE telegram_id = $1 AND week_end = $2",
        telegram_id,
        week_end,
    )


async def recap_sent(db: Executor, telegram_id: int, week_end: datetime) -> bool:
    return bool(
        await db.fetchval(
            "SELECT sent_at IS NOT NULL FROM weekly_recaps WHERE telegram_id = $1 AND week_end = $2",
            telegram_id,
            week_end,
        )
    )

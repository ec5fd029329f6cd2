"""tracked_players, follows, monitored_matches and the notifications outbox; the users'
notification switch. Functions take a pool or a connection first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class TrackedRow:
    player_id: str
    nickname: str
    seen_until: int
    last_checked_at: datetime | None
    last_finished_at: int | None
    followers: int
    linked_followers: int
    webhook_at: datetime | None = None  # the last FACEIT webhook event that named this player


@dataclass(frozen=True, slots=True)
class FollowedRow:
    player_id: str
    nickname: str
    elo: int
    linked: bool
    last_finished_at: int | None
    last_win: bool | None


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    telegram_id: int
    match_id: str
    kind: str
    payload: dict[str, Any]
    status: str
    language: str
    notifications: bool


# -- following -------------------------------------------------------------------------------
async def lock_player(conn: asyncpg.Connection, player_id: str) -> None:
    """Serialises follows and unfollows of one player (so an untrack never drops a new track)."""
    await conn.execute("SELECT 1 FROM players WHERE player_id = $1 FOR UPDATE", player_id)


async def lock_user(conn: asyncpg.Connection, telegram_id: int) -> None:
    """Serialises one user's tracks, so parallel /track commands cannot pass the tier limit."""
    await conn.execute("SELECT 1 FROM users WHERE telegram_id = $1 FOR UPDATE", telegram_id)


async def follow(
    conn: asyncpg.Connection, telegram_id: int, player_id: str, *, linked: bool, first_check_s: float
) -> bool:
    """Follow `player_id` (tracked from now on if nobody did); True when the follow is new.

    A player tracked afresh has its watermark at now: matches that ended before are never sent."""
    await conn.execute(
        """
        INSERT INTO tracked_players (player_id, seen_until, next_check_at)
        VALUES ($1, extract(epoch FROM now())::bigint, now() + make_interval(secs => $2))
        ON CONFLICT (player_id) DO NOTHING
        """,
        player_id,
        first_check_s,
    )
    created = await conn.fetchval(
        """
        INSERT INTO follows AS f (telegram_id, player_id, linked) VALUES ($1, $2, $3)
        ON CONFLICT (telegram_id, player_id) DO UPDATE SET linked = f.linked OR EXCLUDED.linked
        RETURNING xmax = 0
        """,
        telegram_id,
        player_id,
        linked,
    )
    return bool(created)


async def unfollow(conn: asyncpg.Connection, telegram_id: int, player_id: str) -> bool:
    """Stop following; a player nobody follows any more stops being checked at once."""
    gone = await conn.fetchval(
        "DELETE FROM follows WHERE telegram_id = $1 AND player_id = $2 RETURNING true", telegram_id, player_id
    )
    await conn.execute(
        """
        DELETE FROM tracked_players t WHERE player_id = $1
          AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.player_id = t.player_id)
        """,
        player_id,
    )
    return bool(gone)


async def linked_follow(conn: asyncpg.Connection, telegram_id: int) -> str | None:
    """The player the user follows as their linked account, if any."""
    return await conn.fetchval("SELECT player_id FROM follows WHERE telegram_id = $1 AND linked", telegram_id)


async def count_follows(db: Executor, telegram_id: int) -> int:
    """Players the user tracks with /track (their linked account is free)."""
    return await db.fetchval(
        "SELECT count(*) FROM follows WHERE telegram_id = $1 AND NOT linked", telegram_id
    )


async def follows(db: Executor, telegram_id: int, player_id: str) -> bool:
    return bool(
        await db.fetchval(
            "SELECT true FROM follows WHERE telegram_id = $1 AND player_id = $2", telegram_id, player_id
        )
    )


async def find_followed(db: Executor, telegram_id: int, nickname: str) -> tuple[str, str] | None:
    """(player id, nickname) of the followed player with this nickname, any case."""
    row = await db.fetchrow(
        """
        SELECT p.player_id, p.nickname FROM follows f JOIN players p USING (player_id)
        WHERE f.telegram_id = $1 AND lower(p.nickname) = lower($2)
        """,
        telegram_id,
        nickname,
    )
    return (row["player_id"], row["nickname"]) if row else None


async def followed(db: Executor, telegram_id: int) -> list[FollowedRow]:
    rows = await db.fetch(
        """
        SELECT p.player_id, p.nickname, p.elo, f.linked, t.last_finished_at, t.last_win
        FROM follows f JOIN players p USING (player_id)
        LEFT JOIN tracked_players t USING (player_id)
        WHERE f.telegram_id = $1
        ORDER BY f.linked DESC, lower(p.nickname)
        """,
        telegram_id,
    )
    return [FollowedRow(**dict(r)) for r in rows]


# -- the users' switch -----------------------------------------------------------------------
async def set_notifications(db: Executor, telegram_id: int, on: bool) -> None:
    await db.execute(
        "UPDATE users SET notifications = $2, notify_blocked_at = NULL WHERE telegram_id = $1",
        telegram_id,
        on,
    )


async def chat_blocked(db: Executor, telegram_id: int) -> None:
    """Telegram said 403: no more notifications until the user writes /start again."""
    await db.execute(
        "UPDATE users SET notifications = FALSE, notify_blocked_at = now() WHERE telegram_id = $1",
        telegram_id,
    )


async def chat_back(db: Executor, telegram_id: int) -> bool:
    """Undo `chat_blocked` (not an explicit /notify off); True when it was blocked."""
    return bool(
        await db.fetchval(
            """
            UPDATE users SET notifications = TRUE, notify_blocked_at = NULL
            WHERE telegram_id = $1 AND notify_blocked_at IS NOT NULL RETURNING true
            """,
            telegram_id,
        )
    )


# -- scheduling checks -----------------------------------------------------------------------
async def claim_due(conn: asyncpg.Connection, now: datetime, limit: int, lease_s: float) -> list[str]:
    """Up to `limit` players due at `now`, oldest-due first; each is pushed `lease_s` ahead so no
    other tick takes it while its poll runs (the poll sets the real next check)."""
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT player_id FROM tracked_players
            WHERE next_check_at <= $1
            ORDER BY next_check_at
            FOR UPDATE SKIP LOCKED
            LIMIT $2
        )
        UPDATE tracked_players t SET next_check_at = $1 + make_interval(secs => $3)
        FROM due WHERE t.player_id = due.player_id
        RETURNING t.player_id
        """,
        now,
        limit,
        lease_s,
    )
    return [r["player_id"] for r in rows]


async def demand(db: Executor) -> tuple[float, float]:
    """Wished checks a second of (idle players, players in session)."""
    row = await db.fetchrow(
        """
        SELECT coalesce(sum(1.0 / interval_s) FILTER (WHERE NOT in_session), 0)::float8 AS idle,
               coalesce(sum(1.0 / interval_s) FILTER (WHERE in_session), 0)::float8 AS session
        FROM tracked_players
        """
    )
    return row["idle"], row["session"]


_TRACKED = """
    SELECT t.player_id, p.nickname, t.seen_until, t.last_checked_at, t.last_finished_at,
           (SELECT count(*) FROM follows f WHERE f.player_id = t.player_id) AS followers,
           (SELECT count(*) FROM follows f WHERE f.player_id = t.player_id AND f.linked) AS linked_followers,
           t.webhook_at
    FROM tracked_players t JOIN players p USING (player_id)
"""


async def get(db: Executor, player_id: str) -> TrackedRow | None:
    row = await db.fetchrow(_TRACKED + " WHERE t.player_id = $1", player_id)
    return TrackedRow(**dict(row)) if row else None


async def tracked_among(db: Executor, player_ids: list[str]) -> dict[str, TrackedRow]:
    rows = await db.fetch(_TRACKED + " WHERE t.player_id = ANY($1::text[])", player_ids)
    return {r["player_id"]: TrackedRow(**dict(r)) for r in rows}


async def schedule(
    db: Executor,
    player_id: str,
    *,
    next_in_s: float,
    interval_s: float,
    in_session: bool,
    newest: tuple[str, int, bool | None] | None,
    recent_matches: int,
) -> None:
    """Record a check: when the next one is due, and the newest match seen (id, finish, win)."""
    match_id, finished_at, win = newest if newest else (None, None, None)
    await db.execute(
        """
        UPDATE tracked_players SET
            next_check_at = now() + make_interval(secs => $2), interval_s = greatest(1, $3::int),
            in_session = $4, last_checked_at = now(), recent_matches = $8,
            last_match_id = coalesce($5, last_match_id),
            last_finished_at = greatest(coalesce($6, last_finished_at), last_finished_at),
            last_win = CASE WHEN $6::bigint >= coalesce(last_finished_at, 0) THEN $7 ELSE last_win END
        WHERE player_id = $1
        """,
        player_id,
        next_in_s,
        round(interval_s),
        in_session,
        match_id,
        finished_at,
        win,
        min(recent_matches, 32767),
    )


async def defer(db: Executor, player_id: str, seconds: float) -> None:
    await db.execute(
        "UPDATE tracked_players SET next_check_at = now() + make_interval(secs => $2) WHERE player_id = $1",
        player_id,
        seconds,
    )


async def advance(conn: asyncpg.Connection, player_id: str, finished_at: int) -> None:
    """Move the watermark past a match whose notifications are recorded."""
    await conn.execute(
        "UPDATE tracked_players SET seen_until = greatest(seen_until, $2) WHERE player_id = $1",
        player_id,
        finished_at,
    )


async def nudge(conn: asyncpg.Connection, player_ids: list[str], next_in_s: float, finished_at: int) -> None:
    """Players found in a match someone else's check resolved just played: in session now."""
    await conn.execute(
        """
        UPDATE tracked_players SET in_session = TRUE,
            next_check_at = least(next_check_at, now() + make_interval(secs => $2)),
            last_finished_at = greatest(coalesce(last_finished_at, 0), $3)
        WHERE player_id = ANY($1::text[])
        """,
        player_ids,
        next_in_s,
        finished_at,
    )


# -- resolved matches and the outbox ----------------------------------------------------------
async def monitored_match(db: Executor, match_id: str) -> dict[str, Any] | None:
    return await db.fetchval("SELECT lines FROM monitored_matches WHERE match_id = $1", match_id)


async def add_monitored_match(
    conn: asyncpg.Connection, match_id: str, finished_at: int, lines: dict[str, Any]
) -> bool:
    """True for the one resolver of a match; any other (a racing replica) gets False."""
    return bool(
        await conn.fetchval(
            """
            INSERT INTO monitored_matches (match_id, finished_at, lines) VALUES ($1, $2, $3)
            ON CONFLICT DO NOTHING RETURNING true
            """,
            match_id,
            finished_at,
            lines,
        )
    )


async def add_result_notifications(
    conn: asyncpg.Connection,
    match_id: str,
    finished_at: int,
    info: dict[str, Any],
    lines: list[dict[str, Any]],
) -> list[int]:
    """One row per follower who wants notifications and followed before the match ended, listing
    every tracked player of the match they follow. Returns the ids of rows written now."""
    rows = await conn.fetch(
        """
        WITH lines AS (SELECT value AS line FROM jsonb_array_elements($4::jsonb)),
        owed AS (
            SELECT f.telegram_id, jsonb_agg(l.line ORDER BY f.linked DESC, lower(l.line->>'nickname')) AS players
            FROM lines l
            JOIN follows f ON f.player_id = l.line->>'player_id'
            JOIN users u ON u.telegram_id = f.telegram_id
            WHERE u.notifications AND u.banned_at IS NULL AND f.created_at < to_timestamp($2)
            GROUP BY f.telegram_id
        )
        INSERT INTO notifications (telegram_id, match_id, kind, payload)
        SELECT telegram_id, $1, 'result', jsonb_build_object('match', $3::jsonb, 'players', players) FROM owed
        ON CONFLICT DO NOTHING
        RETURNING id
        """,
        match_id,
        finished_at,
        info,
        lines,
    )
    return [r["id"] for r in rows]


async def pregame_wanted(db: Executor, player_id: str, match_id: str) -> bool:
    """Someone linked to this player wants notifications and has not had this match's yet."""
    return bool(
        await db.fetchval(
            """
            SELECT EXISTS (
                SELECT 1 FROM follows f JOIN users u USING (telegram_id)
                WHERE f.player_id = $1 AND f.linked AND u.faceit_player_id = $1 AND u.notifications
                  AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.telegram_id = f.telegram_id
                                  AND n.match_id = $2 AND n.kind = 'pregame'))
            """,
            player_id,
            match_id,
        )
    )


async def add_pregame_notifications(
    conn: asyncpg.Connection, player_id: str, match_id: str, payload: dict[str, Any]
) -> list[int]:
    rows = await conn.fetch(
        """
        INSERT INTO notifications (telegram_id, match_id, kind, payload)
        SELECT f.telegram_id, $2, 'pregame', $3 FROM follows f JOIN users u USING (telegram_id)
        WHERE f.player_id = $1 AND f.linked AND u.faceit_player_id = $1 AND u.notifications
              AND u.banned_at IS NULL
        ON CONFLICT DO NOTHING
        RETURNING id
        """,
        player_id,
        match_id,
        payload,
    )
    return [r["id"] for r in rows]


async def notification(db: Executor, notification_id: int) -> NotificationRow | None:
    row = await db.fetchrow(
        """
        SELECT n.id, n.telegram_id, n.match_id, n.kind, n.payload, n.status, u.language, u.notifications
        FROM notifications n JOIN users u USING (telegram_id) WHERE n.id = $1
        """,
        notification_id,
    )
    return NotificationRow(**dict(row)) if row else None


async def older_pending(db: Executor, telegram_id: int, notification_id: int, window_s: float) -> bool:
    """An earlier notification to the same chat is still waiting (it goes first)."""
    return bool(
        await db.fetchval(
            """
            SELECT EXISTS (SELECT 1 FROM notifications WHERE telegram_id = $1 AND id < $2
                           AND status = 'pending' AND created_at > now() - make_interval(secs => $3))
            """,
            telegram_id,
            notification_id,
            window_s,
        )
    )


async def mark(db: Executor, notification_id: int, status: str, message_id: int | None = None) -> bool:
    """Settle a pending row; False when it was settled already."""
    return bool(
        await db.fetchval(
            """
            UPDATE notifications SET status = $2, message_id = $3,
                   sent_at = CASE WHEN $2 = 'sent' THEN now() END
            WHERE id = $1 AND status = 'pending' RETURNING true
            """,
            notification_id,
            status,
            message_id,
        )
    )


async def elo_before(db: Executor, player_id: str, before: int) -> tuple[int, int] | None:
    """(elo, taken at, unix s) of the last snapshot taken before `before` (unix s)."""
    row = await db.fetchrow(
        """
        SELECT elo, extract(epoch FROM taken_at)::bigint AS at FROM elo_snapshots
        WHERE player_id = $1 AND taken_at < to_timestamp($2) ORDER BY taken_at DESC LIMIT 1
        """,
        player_id,
        before,
    )
    return (row["elo"], row["at"]) if row else None


async def prune_notifications(db: Executor, keep_days: int) -> int:
    """Settled outbox rows older than `keep_days`. A pruned row cannot come back: its match stays
    in monitored_matches, which is what stops a later check from writing it again."""
    status = await db.execute(
        "DELETE FROM notifications WHERE status <> 'pending' AND created_at < now() - make_interval(days => $1)",
        keep_days,
    )
    return int(status.split()[-1])


# -- FACEIT webhook events -------------------------------------------------------------------
async def take_event(conn: asyncpg.Connection, event_key: str) -> bool:
    """True the first time an event is seen (replicas and FACEIT's redeliveries agree on it)."""
    return bool(
        await conn.fetchval(
            "INSERT INTO faceit_events (event_key) VALUES ($1) ON CONFLICT DO NOTHING RETURNING true",
            event_key,
        )
    )


async def mark_covered(conn: asyncpg.Connection, player_ids: list[str]) -> list[str]:
    """Tracked players named by a webhook event: covered from now; returns which are tracked."""
    rows = await conn.fetch(
        "UPDATE tracked_players SET webhook_at = now() WHERE player_id = ANY($1::text[]) RETURNING player_id",
        player_ids,
    )
    return [r["player_id"] for r in rows]


async def prune_events(db: Executor, keep_days: int = 7) -> int:
    # FACEIT's redeliveries come within minutes; a week of keys is ample to stop repeats.
    status = await db.execute(
        "DELETE FROM faceit_events WHERE received_at < now() - make_interval(days => $1)", keep_days
    )
    return int(status.split()[-1])

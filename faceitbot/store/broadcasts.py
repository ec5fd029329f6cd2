"""broadcasts and broadcast_deliveries: one row per recipient, claimed one at a time."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class Tally:
    sent: int
    blocked: int
    failed: int
    pending: int


async def create(db: asyncpg.Connection, admin_id: int, text: str) -> tuple[int, int]:
    """A broadcast to every user who is not banned: (id, recipients). Run inside a transaction."""
    broadcast_id = await db.fetchval(
        "INSERT INTO broadcasts (admin_id, text) VALUES ($1, $2) RETURNING id", admin_id, text
    )
    status = await db.execute(
        """
        INSERT INTO broadcast_deliveries (broadcast_id, telegram_id)
        SELECT $1, telegram_id FROM users WHERE banned_at IS NULL
        """,
        broadcast_id,
    )
    return broadcast_id, int(status.split()[-1])


async def text_of(db: Executor, broadcast_id: int) -> str | None:
    return await db.fetchval("SELECT text FROM broadcasts WHERE id = $1", broadcast_id)


async def abandon_sending(db: Executor, broadcast_id: int) -> int:
    """Rows a crashed run left mid-send may have been delivered: count them failed, never resend."""
    status = await db.execute(
        "UPDATE broadcast_deliveries SET status = 'failed' WHERE broadcast_id = $1 AND status = 'sending'",
        broadcast_id,
    )
    return int(status.split()[-1])


async def pending(db: Executor, broadcast_id: int, limit: int) -> list[int]:
    rows = await db.fetch(
        """
        SELECT telegram_id FROM broadcast_deliveries WHERE broadcast_id = $1 AND status = 'pending'
        ORDER BY telegram_id LIMIT $2
        """,
        broadcast_id,
        limit,
    )
    return [r["telegram_id"] for r in rows]


async def claim(db: Executor, broadcast_id: int, telegram_id: int) -> bool:
    """pending → sending, committed before the message goes out."""
    status = await db.execute(
        """
        UPDATE broadcast_deliveries SET status = 'sending'
        WHERE broadcast_id = $1 AND telegram_id = $2 AND status = 'pending'
        """,
        broadcast_id,
        telegram_id,
    )
    return status == "UPDATE 1"


async def settle(db: Executor, broadcast_id: int, telegram_id: int, outcome: str) -> None:
    await db.execute(
        """
        UPDATE broadcast_deliveries SET status = $3
        WHERE broadcast_id = $1 AND telegram_id = $2 AND status = 'sending'
        """,
        broadcast_id,
        telegram_id,
        outcome,
    )


async def finish(db: Executor, broadcast_id: int) -> bool:
    """True for the one caller that marks it finished."""
    status = await db.execute(
        "UPDATE broadcasts SET finished_at = now() WHERE id = $1 AND finished_at IS NULL", broadcast_id
    )
    return status == "UPDATE 1"


async def tally(db: Executor, broadcast_id: int) -> Tally:
    record = await db.fetchrow(
        """
        SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
               count(*) FILTER (WHERE status = 'blocked') AS blocked,
               count(*) FILTER (WHERE status = 'failed') AS failed,
               count(*) FILTER (WHERE status IN ('pending', 'sending')) AS pending
        FROM broadcast_deliveries WHERE broadcast_id = $1
        """,
        broadcast_id,
    )
    return Tally(**dict(record))

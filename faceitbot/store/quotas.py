"""usage and analysis_requests: daily analysis quotas, counted atomically."""

from __future__ import annotations

from datetime import date

from faceitbot.store.db import Executor


async def charge(db: Executor, telegram_id: int, day: date, limit: int) -> int | None:
    """Count one analysis if the user is under `limit` today: the new count, or None at the limit.

    One conditional upsert, so parallel requests (on any replica) can never pass the limit.
    """
    if limit <= 0:
        return None
    return await db.fetchval(
        """
        INSERT INTO usage AS u (telegram_id, day, used) VALUES ($1, $2, 1)
        ON CONFLICT (telegram_id, day) DO UPDATE SET used = u.used + 1 WHERE u.used < $3
        RETURNING used
        """,
        telegram_id,
        day,
        limit,
    )


async def refund(db: Executor, telegram_id: int, day: date) -> None:
    await db.execute(
        "UPDATE usage SET used = used - 1 WHERE telegram_id = $1 AND day = $2 AND used > 0", telegram_id, day
    )


async def used(db: Executor, telegram_id: int, day: date) -> int:
    return await db.fetchval(
        "SELECT coalesce((SELECT used FROM usage WHERE telegram_id = $1 AND day = $2), 0)", telegram_id, day
    )


async def recently_requested(db: Executor, telegram_id: int, match_id: str, window_s: float) -> bool:
    return await db.fetchval(
        """
        SELECT EXISTS (SELECT 1 FROM analysis_requests
                       WHERE telegram_id = $1 AND match_id = $2
                         AND requested_at > now() - make_interval(secs => $3))
        """,
        telegram_id,
        match_id,
        window_s,
    )


async def record_request(db: Executor, telegram_id: int, match_id: str, charged: bool) -> None:
    await db.execute(
        "INSERT INTO analysis_requests (telegram_id, match_id, charged) VALUES ($1, $2, $3)",
        telegram_id,
        match_id,
        charged,
    )

"""Whole-deployment figures read at each /metrics scrape (shared by all replicas)."""

from __future__ import annotations

import asyncpg

Executor = asyncpg.Pool | asyncpg.Connection


async def live_jobs(db: Executor) -> dict[tuple[int, str], int]:
    """Queued and running jobs by (priority, status)."""
    rows = await db.fetch(
        "SELECT priority, status, count(*) AS n FROM jobs WHERE status IN ('queued', 'running') GROUP BY 1, 2"
    )
    return {(r["priority"], r["status"]): r["n"] for r in rows}


async def notifications_by_status(db: Executor) -> dict[str, int]:
    rows = await db.fetch("SELECT status, count(*) AS n FROM notifications GROUP BY 1")
    return {r["status"]: r["n"] for r in rows}


async def payments_by_status(db: Executor) -> dict[str, tuple[int, int]]:
    """status → (payments, stars)."""
    rows = await db.fetch(
        "SELECT status, count(*) AS n, coalesce(sum(stars), 0) AS stars FROM payments GROUP BY 1"
    )
    return {r["status"]: (r["n"], r["stars"]) for r in rows}

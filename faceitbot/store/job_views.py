"""Read-only views of the jobs table for the operator dashboard: recent counts, throughput,
listings and one job in full."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class JobDetail:
    id: int
    kind: str
    priority: int
    status: str
    payload: dict[str, Any]
    dedupe_key: str | None
    attempts: int
    max_attempts: int
    lease_owner: str | None
    last_error: str | None
    created_at: datetime
    run_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


_COLUMNS = """id, kind, priority, status, payload, dedupe_key, attempts, max_attempts, lease_owner,
              last_error, created_at, run_at, started_at, finished_at"""


async def finished_since(db: Executor, seconds: int) -> dict[tuple[int, str], int]:
    """Done and failed jobs by (priority, status) that finished in the last `seconds`."""
    rows = await db.fetch(
        """
        SELECT priority, status, count(*) AS n FROM jobs
        WHERE status IN ('done', 'failed') AND finished_at > now() - make_interval(secs => $1)
        GROUP BY 1, 2
        """,
        seconds,
    )
    return {(r["priority"], r["status"]): r["n"] for r in rows}


async def done_per_minute(db: Executor, minutes: int) -> list[int]:
    """Jobs finished 'done' in each of the last `minutes` minutes, oldest first (the current
    minute last)."""
    rows = await db.fetch(
        """
        SELECT m.i, count(j.id) AS n
        FROM generate_series(0, $1 - 1) AS m(i)
        LEFT JOIN jobs j ON j.status = 'done'
             AND j.finished_at >= date_trunc('minute', now()) - make_interval(mins => m.i)
             AND j.finished_at < date_trunc('minute', now()) - make_interval(mins => m.i - 1)
        GROUP BY m.i ORDER BY m.i DESC
        """,
        minutes,
    )
    return [r["n"] for r in rows]


async def listing(db: Executor, status: str | None, priority: int | None, limit: int) -> list[JobDetail]:
    rows = await db.fetch(
        f"""
        SELECT {_COLUMNS} FROM jobs
        WHERE ($1::text IS NULL OR status = $1) AND ($2::smallint IS NULL OR priority = $2)
        ORDER BY id DESC LIMIT $3
        """,
        status,
        priority,
        limit,
    )
    return [JobDetail(**dict(r)) for r in rows]


async def one(db: Executor, job_id: int) -> JobDetail | None:
    record = await db.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE id = $1", job_id)
    return JobDetail(**dict(record)) if record else None

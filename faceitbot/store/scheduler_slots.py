"""job_runs: one row per periodic job per time slot — the fence that makes a tick run once."""

from __future__ import annotations

from datetime import datetime

from faceitbot.store.db import Executor


async def claim(db: Executor, job_name: str, slot: datetime, replica: str) -> bool:
    return (
        await db.fetchval(
            """
            INSERT INTO job_runs (job_name, slot_ts, replica) VALUES ($1, $2, $3)
            ON CONFLICT DO NOTHING RETURNING true
            """,
            job_name,
            slot,
            replica,
        )
        is not None
    )


async def finish(db: Executor, job_name: str, slot: datetime, outcome: str) -> None:
    await db.execute(
        "UPDATE job_runs SET finished_at = now(), outcome = $3 WHERE job_name = $1 AND slot_ts = $2",
        job_name,
        slot,
        outcome[:500],
    )


async def prune(db: Executor, keep_days: int = 7) -> int:
    status = await db.execute(
        "DELETE FROM job_runs WHERE slot_ts < now() - make_interval(days => $1)", keep_days
    )
    return int(status.split()[-1])

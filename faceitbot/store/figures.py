"""Whole-deployment figures read at each /metrics scrape (shared by all replicas)."""

from __future__ import annotations

from faceitbot.store.db import Executor


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


async def oldest_ready_jobs(db: Executor) -> dict[int, float]:
    """Per priority: seconds the longest-waiting queued job has been due (a retry waiting out its
    backoff is not late, so it counts from its run_at, not from when it was created)."""
    rows = await db.fetch(
        """
        SELECT priority, extract(epoch FROM now() - min(run_at))::float8 AS age FROM jobs
        WHERE status = 'queued' AND run_at <= now() GROUP BY priority
        """
    )
    return {r["priority"]: r["age"] for r in rows}


async def replicas_by_role(db: Executor, alive_s: float, silent_s: float) -> tuple[dict[str, int], int]:
    """Replicas that beat within `alive_s`, by role (leader, follower, webhook), and how many rows
    stopped beating between `alive_s` and `silent_s` ago: a replica that shut down cleanly deletes
    its row, so a silent one died."""
    rows = await db.fetch(
        """
        SELECT CASE WHEN beat_at < now() - make_interval(secs => $1) THEN 'silent'
                    WHEN leader THEN 'leader' WHEN NOT leader THEN 'follower' ELSE 'webhook' END AS role,
               count(*) AS n
        FROM replica_heartbeats WHERE beat_at >= now() - make_interval(secs => $2) GROUP BY 1
        """,
        alive_s,
        silent_s,
    )
    counts = {r["role"]: r["n"] for r in rows}
    silent = counts.pop("silent", 0)
    return counts, silent

"""What the admin console reads and changes: audit, bans, grants, user lookup, queue controls,
dashboard figures, daily activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class UserInfo:
    telegram_id: int
    username: str | None
    language: str
    faceit_nickname: str | None
    tier: str
    tier_expires_at: datetime | None
    banned_at: datetime | None
    created_at: datetime
    last_seen_at: datetime


_USER_COLUMNS = "telegram_id, username, language, faceit_nickname, tier, tier_expires_at, banned_at, created_at, last_seen_at"


# -- audit and activity -------------------------------------------------------------------------
async def audit(db: Executor, admin_id: int, action: str, args: str, result: str) -> None:
    await db.execute(
        "INSERT INTO admin_audit (admin_id, action, args, result) VALUES ($1, $2, $3, $4)",
        admin_id,
        action,
        args[:1000],
        result[:1000],
    )


# -- users -----------------------------------------------------------------------------------
async def find_user(db: Executor, query: str) -> UserInfo | None:
    """A Telegram id, an @username or a FACEIT nickname (case-insensitive)."""
    query = query.strip()
    if query.lstrip("-").isdigit():
        record = await db.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE telegram_id = $1", int(query))
    elif query.startswith("@"):
        record = await db.fetchrow(
            f"SELECT {_USER_COLUMNS} FROM users WHERE lower(username) = lower($1) ORDER BY last_seen_at DESC LIMIT 1",
            query[1:],
        )
    else:
        record = await db.fetchrow(
            f"""SELECT {_USER_COLUMNS} FROM users WHERE lower(faceit_nickname) = lower($1)
                ORDER BY last_seen_at DESC LIMIT 1""",
            query,
        )
    return UserInfo(**dict(record)) if record else None


async def set_banned(db: Executor, telegram_id: int, banned: bool) -> bool:
    status = await db.execute(
        "UPDATE users SET banned_at = CASE WHEN $2 THEN coalesce(banned_at, now()) END WHERE telegram_id = $1",
        telegram_id,
        banned,
    )
    return status == "UPDATE 1"


async def banned_ids(db: Executor) -> list[int]:
    rows = await db.fetch("SELECT telegram_id FROM users WHERE banned_at IS NOT NULL")
    return [r["telegram_id"] for r in rows]


async def used_today(db: Executor, telegram_id: int, day: date) -> int:
    return await db.fetchval(
        "SELECT coalesce((SELECT used FROM usage WHERE telegram_id = $1 AND day = $2), 0)", telegram_id, day
    )


# -- queue controls --------------------------------------------------------------------------------
async def pause(db: Executor, priorities: list[int], admin_id: int) -> None:
    await db.execute(
        """
        INSERT INTO queue_pauses (priority, paused_by) SELECT p, $2 FROM unnest($1::smallint[]) AS p
        ON CONFLICT DO NOTHING
        """,
        priorities,
        admin_id,
    )


async def resume(db: Executor, priorities: list[int]) -> None:
    await db.execute("DELETE FROM queue_pauses WHERE priority = ANY($1::smallint[])", priorities)


async def paused(db: Executor) -> set[int]:
    return {r["priority"] for r in await db.fetch("SELECT priority FROM queue_pauses")}


async def queued_count(db: Executor, priority: int) -> int:
    return await db.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued' AND priority = $1", priority)


async def retry_failed(db: Executor, priority: int | None) -> int:
    """Queue again the jobs that failed in the last 24 h — the newest per dedupe key, and none whose
    key has a live job already (one live job per key)."""
    status = await db.execute(
        """
        WITH pick AS (
            SELECT DISTINCT ON (coalesce(f.dedupe_key, f.id::text)) f.id FROM jobs f
            WHERE f.status = 'failed' AND f.finished_at > now() - interval '24 hours'
              AND ($1::smallint IS NULL OR f.priority = $1)
              AND (f.dedupe_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM jobs l WHERE l.dedupe_key = f.dedupe_key AND l.status IN ('queued', 'running')))
            ORDER BY coalesce(f.dedupe_key, f.id::text), f.id DESC
        )
        UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), finished_at = NULL, last_error = NULL
        FROM pick WHERE jobs.id = pick.id
        """,
        priority,
    )
    return int(status.split()[-1])


async def retry_job(db: Executor, job_id: int) -> bool:
    """Queue one failed job again, unless its dedupe key has a live job already. False when the
    job is not failed (any more): a second press changes nothing."""
    try:
        status = await db.execute(
            """
            UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), finished_at = NULL, last_error = NULL
            WHERE id = $1 AND status = 'failed'
              AND (dedupe_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM jobs l WHERE l.dedupe_key = jobs.dedupe_key AND l.status IN ('queued', 'running')))
            """,
            job_id,
        )
    except asyncpg.UniqueViolationError:  # a live twin was queued at the same moment
        return False
    return status == "UPDATE 1"


async def cancel_job(db: Executor, job_id: int) -> bool:
    """Fail one queued job, as purge does for a whole priority (so it can still be retried)."""
    status = await db.execute(
        """
        UPDATE jobs SET status = 'failed', finished_at = now(), last_error = 'cancelled by an admin'
        WHERE id = $1 AND status = 'queued'
        """,
        job_id,
    )
    return status == "UPDATE 1"


# -- dashboard -----------------------------------------------------------------------------------
async def oldest_queued(db: Executor) -> dict[int, float]:
    """Per priority: seconds the oldest queued job has waited."""
    rows = await db.fetch(
        """
        SELECT priority, extract(epoch FROM now() - min(created_at))::float8 AS age FROM jobs
        WHERE status = 'queued' GROUP BY priority
        """
    )
    return {r["priority"]: r["age"] for r in rows}


async def running_by_replica(db: Executor) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT lease_owner, count(*) AS n FROM jobs WHERE status = 'running' GROUP BY lease_owner ORDER BY 1"
    )
    return {r["lease_owner"] or "?": r["n"] for r in rows}


@dataclass(frozen=True, slots=True)
class UserFigures:
    total: int
    active_today: int
    banned: int
    by_tier: dict[str, int]


async def user_figures(db: Executor, day: date, now: datetime) -> UserFigures:
    record = await db.fetchrow(
        """
        SELECT count(*) AS total,
               count(*) FILTER (WHERE banned_at IS NOT NULL) AS banned,
               count(*) FILTER (WHERE tier = 'premium' AND (tier_expires_at IS NULL OR tier_expires_at > $2))
                   AS premium,
               count(*) FILTER (WHERE tier = 'pro' AND (tier_expires_at IS NULL OR tier_expires_at > $2)) AS pro,
               (SELECT count(*) FROM user_activity WHERE day = $1) AS active
        FROM users
        """,
        day,
        now,
    )
    paid = record["premium"] + record["pro"]
    tiers = {"free": record["total"] - paid, "premium": record["premium"], "pro": record["pro"]}
    return UserFigures(record["total"], record["active"], record["banned"], tiers)

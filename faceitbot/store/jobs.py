"""jobs: the durable queue. Claims use FOR UPDATE SKIP LOCKED; every transition after the claim
is fenced by the lease token, so a worker that lost its lease (paused, partitioned) changes
nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class JobRow:
    id: int
    kind: str
    priority: int
    payload: dict[str, Any]
    dedupe_key: str | None
    status: str
    attempts: int
    max_attempts: int
    lease_token: uuid.UUID | None
    created_at: datetime
    result: dict[str, Any] | None  # the rendered result an earlier attempt kept (keep_result)
    update_id: int | None = None  # the Telegram update that asked for it, if one did


_COLUMNS = (
    "id, kind, priority, payload, dedupe_key, status, attempts, max_attempts, lease_token, created_at,"
    " result, update_id"
)


def _row(r: asyncpg.Record) -> JobRow:
    return JobRow(**dict(r))


class TooManyJobs(Exception):
    """The user already has `limit` live jobs of this kind."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"{limit} live jobs")
        self.limit = limit


async def submit(
    db: Executor,
    kind: str,
    priority: int,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None,
    max_attempts: int,
    hold_s: float = 0.0,
    update_id: int | None = None,
    per_user: int = 0,
) -> tuple[JobRow, bool]:
    """Insert a job, or return the live one with the same dedupe key. (row, created).

    With `update_id`, the job of that update if there is one, whatever its state: the update is
    being handled again (its replica died before marking it handled), and what it asked for
    exists already.

    With `per_user` and a payload user_id: TooManyJobs when that user already has so many live
    jobs of the kind (an identical one still attaches). An advisory lock per (kind, user) makes
    the count and the insert one step for all replicas."""
    if update_id is not None:
        existing = await db.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE update_id = $1", update_id)
        if existing is not None:
            return _row(existing), False
    args = (kind, priority, payload, dedupe_key, max_attempts, hold_s, update_id)
    user = payload.get("user_id") if per_user else None
    if user is None:
        return await _submit(db, *args, 0)
    if isinstance(db, asyncpg.Connection):
        async with db.transaction():
            await db.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"jobs:{kind}:{user}")
            return await _submit(db, *args, per_user)
    async with db.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"jobs:{kind}:{user}")
        return await _submit(conn, *args, per_user)


async def _submit(
    db: Executor,
    kind: str,
    priority: int,
    payload: dict[str, Any],
    dedupe_key: str | None,
    max_attempts: int,
    hold_s: float,
    update_id: int | None,
    per_user: int,
) -> tuple[JobRow, bool]:
    query = f"""
        INSERT INTO jobs (kind, priority, payload, dedupe_key, max_attempts, run_at, update_id)
        SELECT $1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7
        WHERE $8 = 0 OR (
            SELECT count(*) FROM jobs
            WHERE kind = $1 AND status IN ('queued', 'running') AND payload->>'user_id' = $3::jsonb->>'user_id'
        ) < $8
        ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running') DO NOTHING
        RETURNING {_COLUMNS}
    """
    while True:
        record = await db.fetchrow(
            query, kind, priority, payload, dedupe_key, max_attempts, hold_s, update_id, per_user
        )
        if record is not None:
            return _row(record), True
        existing = await db.fetchrow(
            f"SELECT {_COLUMNS} FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')",
            dedupe_key,
        )
        if existing is not None:
            return _row(existing), False
        if per_user:
            raise TooManyJobs(per_user)
        # The live job finished between our two statements: try to insert again.


async def claim(
    db: Executor,
    owner: str,
    limit: int,
    lease_s: float,
    paused: list[int],
    kinds: list[str],
    per_user_kinds: list[str] | None = None,
) -> list[JobRow]:
    """Take up to `limit` runnable jobs of `kinds`: queued and due, or running with an expired lease.

    Only kinds this replica knows: during a rolling deploy an old replica leaves new kinds alone.
    Of `per_user_kinds`, only a user's oldest runnable job is a candidate, none while another of
    theirs runs, and within a priority the user served longest ago goes first: one user's flood
    delays another user's job by at most one job."""
    runnable = """((j.status = 'queued' AND j.run_at <= now())
                   OR (j.status = 'running' AND j.lease_expires_at < now()))"""
    query = f"""
        WITH due AS (
            SELECT j.id, j.priority, j.kind,
                   CASE WHEN j.kind = ANY($6::text[]) THEN j.payload->>'user_id' END AS uid,
                   row_number() OVER (
                       PARTITION BY j.kind,
                           CASE WHEN j.kind = ANY($6::text[]) AND j.payload ? 'user_id'
                                THEN j.payload->>'user_id' ELSE j.id::text END
                       ORDER BY j.priority, j.id
                   ) AS turn
            FROM jobs j
            WHERE {runnable}
              AND NOT (j.priority = ANY($4::smallint[]))
              AND j.kind = ANY($5::text[])
        ),
        heads AS (
            SELECT d.id, d.priority,
                   (SELECT max(r.started_at) FROM jobs r
                    WHERE d.uid IS NOT NULL AND r.kind = d.kind AND r.payload->>'user_id' = d.uid
                      AND r.started_at IS NOT NULL) AS served_at,
                   d.uid IS NOT NULL AND EXISTS (
                       SELECT 1 FROM jobs r
                       WHERE r.kind = d.kind AND r.payload->>'user_id' = d.uid
                         AND r.status = 'running' AND r.lease_expires_at >= now()
                   ) AS busy
            FROM due d WHERE d.turn = 1
        ),
        next AS (
            SELECT j.id FROM jobs j JOIN heads h ON h.id = j.id
            WHERE NOT h.busy AND {runnable}
            ORDER BY h.priority, h.served_at NULLS FIRST, j.id
            FOR UPDATE OF j SKIP LOCKED
            LIMIT $2
        )
        UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1,
                        lease_token = gen_random_uuid(), lease_expires_at = now() + make_interval(secs => $3),
                        started_at = coalesce(started_at, now())
        FROM next WHERE jobs.id = next.id
        RETURNING {", ".join(f"jobs.{c.strip()}" for c in _COLUMNS.split(","))}
    """
    rows = await db.fetch(query, owner, limit, lease_s, paused, kinds, per_user_kinds or [])
    return sorted((_row(r) for r in rows), key=lambda j: (j.priority, j.id))


async def heartbeat(db: Executor, job_id: int, token: uuid.UUID, lease_s: float) -> bool:
    status = await db.execute(
        """
        UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND lease_token = $2 AND status = 'running'
        """,
        job_id,
        token,
        lease_s,
    )
    return status == "UPDATE 1"


async def finish(db: Executor, job_id: int, token: uuid.UUID) -> bool:
    status = await db.execute(
        """
        UPDATE jobs SET status = 'done', finished_at = now(), lease_token = NULL, lease_owner = NULL,
                        lease_expires_at = NULL
        WHERE id = $1 AND lease_token = $2 AND status = 'running'
        """,
        job_id,
        token,
    )
    return status == "UPDATE 1"


async def retry_later(db: Executor, job_id: int, token: uuid.UUID, delay_s: float, error: str) -> bool:
    status = await db.execute(
        """
        UPDATE jobs SET status = 'queued', run_at = now() + make_interval(secs => $3), last_error = $4,
                        lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL
        WHERE id = $1 AND lease_token = $2 AND status = 'running'
        """,
        job_id,
        token,
        delay_s,
        error[:1000],
    )
    return status == "UPDATE 1"


async def purge_queued(db: Executor, priority: int, reason: str) -> list[JobRow]:
    """Fail every queued job of `priority` (kept for 24 h as 'failed' so they can be retried)."""
    rows = await db.fetch(
        f"""
        UPDATE jobs SET status = 'failed', finished_at = now(), last_error = $2
        WHERE status = 'queued' AND priority = $1
        RETURNING {_COLUMNS}
        """,
        priority,
        reason,
    )
    return [_row(r) for r in rows]


async def fail(db: Executor, job_id: int, token: uuid.UUID, error: str) -> bool:
    status = await db.execute(
        """
        UPDATE jobs SET status = 'failed', finished_at = now(), last_error = $3,
                        lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL
        WHERE id = $1 AND lease_token = $2 AND status = 'running'
        """,
        job_id,
        token,
        error[:1000],
    )
    return status == "UPDATE 1"


async def release(db: Executor, job_id: int, token: uuid.UUID) -> bool:
    """Hand a job back untouched (shutdown): it keeps its attempt count minus this one."""
    status = await db.execute(
        """
        UPDATE jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), lease_token = NULL,
                        lease_owner = NULL, lease_expires_at = NULL
        WHERE id = $1 AND lease_token = $2 AND status = 'running'
        """,
        job_id,
        token,
    )
    return status == "UPDATE 1"


async def position(db: Executor, job_id: int) -> int:
    """1-based place of a queued job among the queued jobs that will run before it."""
    return await db.fetchval(
        """
        SELECT count(*) FROM jobs j, (SELECT priority, id FROM jobs WHERE id = $1) me
        WHERE j.status = 'queued' AND (j.priority, j.id) <= (me.priority, me.id)
        """,
        job_id,
    )


async def get(db: Executor, job_id: int) -> JobRow | None:
    record = await db.fetchrow(f"SELECT {_COLUMNS} FROM jobs WHERE id = $1", job_id)
    return _row(record) if record else None


async def counts(db: Executor) -> dict[tuple[int, str], int]:
    rows = await db.fetch(
        """
        SELECT priority, status, count(*) AS n FROM jobs
        WHERE status IN ('queued', 'running') OR finished_at > now() - interval '24 hours'
        GROUP BY priority, status
        """
    )
    return {(r["priority"], r["status"]): r["n"] for r in rows}


async def set_reply_message(db: Executor, job_id: int, message_id: int) -> None:
    """Attach the acknowledgement and let a held job run now."""
    await db.execute(
        """
        UPDATE jobs SET reply_message_id = $2,
                        run_at = CASE WHEN status = 'queued' THEN least(run_at, now()) ELSE run_at END
        WHERE id = $1
        """,
        job_id,
        message_id,
    )


async def reply_message(db: Executor, job_id: int) -> int | None:
    return await db.fetchval("SELECT reply_message_id FROM jobs WHERE id = $1", job_id)


async def keep_result(db: Executor, job_id: int, result: dict[str, Any]) -> None:
    """The job's rendered result, kept before it is delivered."""
    await db.execute("UPDATE jobs SET result = $2 WHERE id = $1", job_id, result)


async def notify(db: Executor, channel: str) -> None:
    await db.execute("SELECT pg_notify($1, '')", channel)


async def prune_finished(db: Executor, keep_days: int = 7) -> int:
    status = await db.execute(
        "DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < now() - make_interval(days => $1)",
        keep_days,
    )
    return int(status.split()[-1])

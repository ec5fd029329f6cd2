"""The durable queue on the real PostgreSQL: ordering, dedup, retries, leases and fencing."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from faceitbot.constants import Priority
from faceitbot.logs import Redactor
from faceitbot.queue import JobSpec, Retry, TaskQueue
from faceitbot.queue.worker import OUTCOMES_KEPT
from faceitbot.store import jobs as jobs_store
from faceitbot.store.jobs import JobRow

ECHO = JobSpec("echo", Priority.DEFAULT, max_attempts=3, timeout_s=10, backoff_s=0.05)
LOW = JobSpec("echo", Priority.LOW, max_attempts=3, timeout_s=10, backoff_s=0.05)
HIGH = JobSpec("echo", Priority.HIGH, max_attempts=3, timeout_s=10, backoff_s=0.05)


class Recorder:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.runs: list[tuple[Any, int]] = []
        self.failures: list[tuple[Any, str]] = []
        self.changed = asyncio.Condition()
        self.fail_times: dict[Any, int] = {}
        self.block: asyncio.Event | None = None

    async def run(self, payload: dict[str, Any], job: JobRow) -> None:
        key = payload["n"]
        self.started.set()
        if self.block is not None:
            await self.block.wait()
        if self.fail_times.get(key, 0) > 0:
            self.fail_times[key] -= 1
            raise RuntimeError(f"boom {key}")
        async with self.changed:
            self.runs.append((key, job.attempts))
            self.changed.notify_all()

    async def failed(self, payload: dict[str, Any], job: JobRow, error: BaseException) -> None:
        async with self.changed:
            self.failures.append((payload["n"], str(error)))
            self.changed.notify_all()

    async def until(self, predicate, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(predicate)


@pytest.fixture
async def make_queue(pool: asyncpg.Pool) -> AsyncIterator:
    queues: list[TaskQueue] = []

    async def factory(
        rec: Recorder, *, workers: int = 2, lease_s: float = 5.0, start: bool = True
    ) -> TaskQueue:
        q = TaskQueue(pool, workers=workers, lease_s=lease_s, poll_s=0.1)
        q.register(ECHO, rec.run, rec.failed)
        if start:
            await q.start()
        queues.append(q)
        return q

    yield factory
    for q in queues:
        await q.stop(grace_s=1)


async def status_of(pool: asyncpg.Pool, job_id: int) -> tuple[str, int]:
    row = await pool.fetchrow("SELECT status, attempts FROM jobs WHERE id = $1", job_id)
    return row["status"], row["attempts"]


async def test_a_job_runs_once_and_is_done(pool, make_queue) -> None:
    rec = Recorder()
    q = await make_queue(rec)
    job, created = await q.submit(ECHO, {"n": 1})
    assert created
    assert await q.wait_outcome(job.id) == "done"
    assert rec.runs == [(1, 1)]
    assert await status_of(pool, job.id) == ("done", 1)


async def test_live_duplicates_attach_to_the_first_job(pool, make_queue) -> None:
    rec = Recorder()
    q = await make_queue(rec, start=False)
    first, created1 = await q.submit(ECHO, {"n": 1}, dedupe_key="same")
    second, created2 = await q.submit(ECHO, {"n": 2}, dedupe_key="same")
    assert created1 and not created2 and first.id == second.id
    await q.start()
    await rec.until(lambda: rec.runs)
    assert await pool.fetchval("SELECT count(*) FROM jobs") == 1


async def test_failures_retry_then_succeed(pool, make_queue) -> None:
    rec = Recorder()
    rec.fail_times[7] = 2
    q = await make_queue(rec)
    await q.submit(ECHO, {"n": 7})
    await rec.until(lambda: rec.runs)
    assert rec.runs == [(7, 3)]  # third attempt
    assert rec.failures == []


@pytest.mark.expect_errors(r"! failed echo #\d+: RuntimeError: boom")
async def test_final_failure_is_reported_once(pool, make_queue) -> None:
    rec = Recorder()
    rec.fail_times[9] = 10
    q = await make_queue(rec)
    job, _ = await q.submit(ECHO, {"n": 9})
    await rec.until(lambda: rec.failures)
    assert rec.failures == [(9, "boom 9")]
    assert await status_of(pool, job.id) == ("failed", 3)
    assert rec.runs == []


async def test_higher_priority_runs_first(pool, make_queue) -> None:
    rec = Recorder()
    q = await make_queue(rec, workers=1, start=False)
    await q.submit(LOW, {"n": "low"})
    await q.submit(ECHO, {"n": "default"})
    await q.submit(HIGH, {"n": "high"})
    await q.start()
    await rec.until(lambda: len(rec.runs) == 3)
    assert [n for n, _ in rec.runs] == ["high", "default", "low"]


async def test_a_crashed_workers_job_is_taken_over_and_finishes_once(pool, make_queue) -> None:
    rec = Recorder()
    job, _ = await jobs_store.submit(pool, "echo", 2, {"n": "orphan"}, dedupe_key=None, max_attempts=3)
    # A replica claims it with a short lease and dies (nothing renews or finishes it).
    [claimed] = await jobs_store.claim(pool, "dead-replica", 1, 0.3, [], ["echo"])
    assert claimed.id == job.id
    q = await make_queue(rec)
    assert await q.wait_outcome(job.id) == "done"
    assert rec.runs == [("orphan", 2)]
    assert await status_of(pool, job.id) == ("done", 2)


async def test_a_zombie_cannot_finish_a_job_it_lost(pool) -> None:
    job, _ = await jobs_store.submit(pool, "echo", 2, {"n": 1}, dedupe_key=None, max_attempts=3)
    [zombie] = await jobs_store.claim(pool, "paused-replica", 1, 0.05, [], ["echo"])
    await pool.execute("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", job.id)
    [fresh] = await jobs_store.claim(pool, "healthy-replica", 1, 30, [], ["echo"])
    assert fresh.id == zombie.id and fresh.lease_token != zombie.lease_token
    assert await jobs_store.finish(pool, job.id, fresh.lease_token)
    # The paused replica wakes up and tries to complete or fail: fenced by the token.
    assert not await jobs_store.finish(pool, job.id, zombie.lease_token)
    assert not await jobs_store.fail(pool, job.id, zombie.lease_token, "late")
    assert not await jobs_store.heartbeat(pool, job.id, zombie.lease_token, 30)
    assert await status_of(pool, job.id) == ("done", 2)


async def test_retry_signal_defers_without_failing(pool, make_queue) -> None:
    calls: list[int] = []
    done = asyncio.Event()

    async def flaky(payload: dict[str, Any], job: JobRow) -> None:
        calls.append(job.attempts)
        if len(calls) == 1:
            raise Retry(0.05, "upstream busy")
        done.set()

    q = TaskQueue(pool, workers=1, poll_s=0.05)
    q.register(ECHO, flaky)
    await q.start()
    try:
        await q.submit(ECHO, {"n": 1})
        await asyncio.wait_for(done.wait(), 5)
        assert calls == [1, 2]
    finally:
        await q.stop()


async def test_stop_releases_running_jobs_for_another_replica(pool, make_queue) -> None:
    rec = Recorder()
    rec.block = asyncio.Event()  # the job never gets to finish on this replica
    q = TaskQueue(pool, workers=1, poll_s=0.05)
    q.register(ECHO, rec.run, rec.failed)
    await q.start()
    job, _ = await q.submit(ECHO, {"n": "handover"})
    await asyncio.wait_for(rec.started.wait(), 5)
    assert await status_of(pool, job.id) == ("running", 1)
    await q.stop(grace_s=0.1)
    assert q.outcomes[job.id] == "released"
    assert await status_of(pool, job.id) == ("queued", 0)
    rec.block.set()
    await make_queue(rec)
    await rec.until(lambda: rec.runs)
    assert rec.runs == [("handover", 1)]


async def test_held_job_waits_for_its_acknowledgement(pool, make_queue) -> None:
    rec = Recorder()
    q = await make_queue(rec)
    job, _ = await q.submit(ECHO, {"n": "held"}, hold_s=30)
    assert await status_of(pool, job.id) == ("queued", 0)
    await q.attach_reply(job.id, 555)
    assert await q.wait_outcome(job.id) == "done"
    assert await jobs_store.reply_message(pool, job.id) == 555


@pytest.mark.expect_errors(r"! failed echo #\d+: ClientError")
async def test_a_failed_job_keeps_its_error_without_the_token(pool) -> None:
    token = "4242:TOKEN-in-the-url"

    async def send(payload: dict[str, Any], job: JobRow) -> None:
        # aiohttp's errors name the URL, and the Bot API's URL holds the token.
        raise aiohttp.ClientError(f"Cannot connect to https://api.telegram.org/bot{token}/sendMessage")

    q = TaskQueue(pool, workers=1, poll_s=0.05, redact=Redactor([token]))
    once = JobSpec("echo", Priority.DEFAULT, max_attempts=1)
    q.register(once, send)
    await q.start()
    try:
        job, _ = await q.submit(once, {"n": 1})
        assert await q.wait_outcome(job.id) == "failed"
    finally:
        await q.stop()
    error = await pool.fetchval("SELECT last_error FROM jobs WHERE id = $1", job.id)
    assert error == "ClientError: Cannot connect to https://api.telegram.org/bot***/sendMessage"


async def test_outcomes_are_bounded(pool) -> None:
    q = TaskQueue(pool, workers=1)
    for job_id in range(OUTCOMES_KEPT + 50):
        await q._record(job_id, "done")
    assert len(q.outcomes) == OUTCOMES_KEPT
    assert min(q.outcomes) == 50  # the oldest went first

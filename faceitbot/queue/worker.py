"""TaskQueue: durable jobs in PostgreSQL, run by worker coroutines in each replica.

A feeder claims due jobs (priority order, SKIP LOCKED) as workers free up and hands them to
the workers through an asyncio.PriorityQueue. A running job renews its lease; if the lease
cannot be renewed (the row was taken over) the job is cancelled. Jobs are plain coroutines
`fn(payload, job)`; their policy (priority, attempts, timeout) is data in a JobSpec.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from loguru import logger

from faceitbot.constants import JOBS_CHANNEL, Priority
from faceitbot.errors import FaceitBotError, JobCancelled
from faceitbot.faceit.errors import FaceitUnavailable
from faceitbot.store import jobs as jobs_store
from faceitbot.store.db import DB_ERRORS, UNREACHABLE
from faceitbot.store.jobs import JobRow

# How long a finished job keeps trying to record its outcome while PostgreSQL is away (a restart
# takes seconds). Past that its lease expires and another claim runs it again.
TRANSITION_PATIENCE_S = 120.0
# Outcomes are kept for waiters and metrics; a long-lived replica runs millions of jobs, so
# only the latest are, and a waiter asks about a job it has just submitted.
OUTCOMES_KEPT = 10_000
ATTACH_RETRY_S = 30.0

T = TypeVar("T")

JobFn = Callable[[dict[str, Any], JobRow], Awaitable[None]]
ObserveFn = Callable[[str, str, float], None]  # (kind, outcome, seconds), e.g. for metrics
FailFn = Callable[[dict[str, Any], JobRow, BaseException], Awaitable[None]]


class Retry(Exception):
    """Raised by a job to run again later without counting as a failure of its code."""

    def __init__(self, defer_s: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {defer_s:.1f}s")
        self.defer_s = defer_s


@dataclass(frozen=True, slots=True)
class JobSpec:
    kind: str
    priority: Priority
    max_attempts: int = 3
    timeout_s: float = 60.0
    backoff_s: float = 2.0
    # Jobs a user asked for (payload user_id): at most one of theirs runs at a time, at most
    # `per_user` are live (queued or running), and workers take users in turn. 0: no such rule.
    per_user: int = 0


@dataclass(slots=True)
class _Registered:
    spec: JobSpec
    run: JobFn
    on_failure: FailFn | None


class TaskQueue:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        workers: int = 3,
        lease_s: float = 30.0,
        poll_s: float = 1.0,
        owner: str | None = None,
        observe: ObserveFn | None = None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self._pool = pool
        self._observe = observe
        self._workers = workers
        self._lease_s = lease_s
        self._poll_s = poll_s
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._registry: dict[str, _Registered] = {}
        self._local: asyncio.PriorityQueue[tuple[int, int, JobRow]] = asyncio.PriorityQueue()
        self._wake = asyncio.Event()
        self._busy = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._running: dict[int, asyncio.Task[None]] = {}
        self._listener: asyncpg.Connection | None = None
        self._unheard = False  # LISTEN failed; polling for jobs until it works again
        self._claims_failing = False
        self._stopping = False
        self.paused: set[int] = set()
        # Last transition of each job this replica ran ("done", "retry", "failed", "released",
        # "lost"): for metrics, and for anyone who must wait on a job instead of polling.
        self.outcomes: dict[int, str] = {}
        self._outcome_changed = asyncio.Condition()
        self._redact = redact

    # -- registration and submission -------------------------------------------------------
    def register(self, spec: JobSpec, run: JobFn, on_failure: FailFn | None = None) -> None:
        self._registry[spec.kind] = _Registered(spec, run, on_failure)

    async def submit(
        self,
        spec: JobSpec,
        payload: dict[str, Any],
        *,
        dedupe_key: str | None = None,
        conn: asyncpg.Connection | None = None,
        hold_s: float = 0.0,
        update_id: int | None = None,
    ) -> tuple[JobRow, bool]:
        """Durably enqueue; with `conn`, inside the caller's transaction (the job exists only if
        the caller commits). Returns (job, created) — created is False for a live duplicate.

        `hold_s` keeps the job from starting until `attach_reply()` or the time passes: the caller
        acknowledges to the user first, and if it dies before waking the job, the job still runs.
        """
        db = conn or self._pool
        job, created = await jobs_store.submit(
            db,
            spec.kind,
            int(spec.priority),
            payload,
            dedupe_key=dedupe_key,
            max_attempts=spec.max_attempts,
            hold_s=hold_s,
            update_id=update_id,
            per_user=spec.per_user,
        )
        if created and not hold_s:
            await jobs_store.notify(db, JOBS_CHANNEL)  # NOTIFY is delivered on commit
            self._wake.set()
        return job, created

    async def attach_reply(self, job_id: int, message_id: int) -> None:
        """Record the acknowledgement message of a held job and release it to the workers.

        The acknowledgement is on the user's screen already: were its id lost to a database that
        is restarting, the job would deliver its result as a new message under a stale ⏳ one
        instead of editing it. So the id is retried through an outage of up to ATTACH_RETRY_S."""
        await self._through_outage(
            lambda: jobs_store.set_reply_message(self._pool, job_id, message_id),
            f"the reply of job #{job_id}",
            ATTACH_RETRY_S,
        )
        with contextlib.suppress(*DB_ERRORS):  # the local wake and the workers' poll still find it
            await jobs_store.notify(self._pool, JOBS_CHANNEL)
        self._wake.set()

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def busy(self) -> int:
        return self._busy

    @property
    def workers(self) -> int:
        return self._workers

    async def start(self) -> None:
        self._stopping = False
        await self._listen()
        self._tasks = [asyncio.create_task(self._feed(), name="queue-feeder")]
        self._tasks += [
            asyncio.create_task(self._work(i), name=f"queue-worker-{i}") for i in range(self._workers)
        ]
        logger.info("queue started: {} workers, owner {}", self._workers, self.owner)

    async def stop(self, grace_s: float = 8.0) -> None:
        """Stop claiming; let running jobs finish within `grace_s`, then release their leases."""
        self._stopping = True
        self._wake.set()
        running = list(self._running.values())
        if running:
            _, still = await asyncio.wait(running, timeout=grace_s)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still, timeout=2)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                logger.exception("queue task {} had failed", task.get_name())
        # Jobs claimed but never started go back to the queue for another replica (or, with
        # PostgreSQL unreachable, when their leases expire).
        while not self._local.empty():
            _, _, job = self._local.get_nowait()
            if job.lease_token is not None:
                with contextlib.suppress(*DB_ERRORS):
                    await jobs_store.release(self._pool, job.id, job.lease_token)
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(JOBS_CHANNEL, self._on_notify)
            with contextlib.suppress(Exception):
                await self._pool.release(self._listener)
            self._listener = None

    def _listening(self) -> bool:
        try:
            return self._listener is not None and not self._listener.is_closed()
        except asyncpg.InterfaceError:
            return False  # the pool took the broken connection back

    async def _listen(self) -> None:
        """LISTEN for new jobs on a pooled connection; again after PostgreSQL restarted and cut it."""
        if self._listener is not None:
            if self._listening():
                return
            with contextlib.suppress(Exception):
                await self._pool.release(self._listener)
            self._listener = None
        listener = None
        try:
            listener = await self._pool.acquire()
            await listener.add_listener(JOBS_CHANNEL, self._on_notify)
        except DB_ERRORS as e:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await self._pool.release(listener)
            if not self._unheard:  # said once per outage, not once per poll
                logger.warning(
                    "job notifications unavailable ({}); polling every {}s", type(e).__name__, self._poll_s
                )
            self._unheard = True
            return
        self._listener = listener
        self._unheard = False

    async def wait_outcome(self, job_id: int, timeout: float = 30.0) -> str:
        async with asyncio.timeout(timeout), self._outcome_changed:
            await self._outcome_changed.wait_for(lambda: job_id in self.outcomes)
            return self.outcomes[job_id]

    async def _record(self, job_id: int, outcome: str) -> None:
        async with self._outcome_changed:
            self.outcomes.pop(job_id, None)  # re-inserted last: the dict stays in age order
            self.outcomes[job_id] = outcome
            while len(self.outcomes) > OUTCOMES_KEPT:
                del self.outcomes[next(iter(self.outcomes))]
            self._outcome_changed.notify_all()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    # -- feeding and working --------------------------------------------------------------------
    async def _feed(self) -> None:
        while not self._stopping:
            if not self._listening():
                await self._listen()
            free = self._workers - self._busy - self._local.qsize()
            if free > 0:
                try:
                    claimed = await jobs_store.claim(
                        self._pool,
                        self.owner,
                        free,
                        self._lease_s,
                        sorted(self.paused),
                        list(self._registry),
                        [k for k, r in self._registry.items() if r.spec.per_user],
                    )
                except DB_ERRORS as e:
                    if not self._claims_failing:  # once per outage, not every poll
                        logger.warning("claiming jobs failed: {}", e)
                    self._claims_failing = True
                    claimed = []
                else:
                    if self._claims_failing:
                        logger.info("claiming jobs works again")
                    self._claims_failing = False
                for job in claimed:
                    self._local.put_nowait((job.priority, job.id, job))
                if len(claimed) == free:
                    continue  # there may be more waiting; go round at once
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_s)

    async def _work(self, index: int) -> None:
        while True:
            _, _, job = await self._local.get()
            if self._stopping:
                # Claimed before stop() began, taken after: stop() gives its lease back.
                self._local.put_nowait((job.priority, job.id, job))
                return
            self._busy += 1
            task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
            self._running[job.id] = task
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                # The job task cancelled (stop() ran out of grace) is the job's business; this
                # worker being cancelled must end it, or stop() waits for it for ever.
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            except Exception:
                # Never lose a worker to one job: the job's lease expires and it runs again.
                logger.exception("job #{} ended without recording its outcome", job.id)
            finally:
                self._running.pop(job.id, None)
                self._busy -= 1
                self._wake.set()

    async def _run(self, job: JobRow) -> None:
        registered = self._registry.get(job.kind)
        assert job.lease_token is not None
        token = job.lease_token
        with logger.contextualize(job_id=job.id, kind=job.kind):
            if registered is None:
                logger.error("! no handler for job kind {}", job.kind)
                await self._transition(jobs_store.fail, job.id, token, f"unknown kind {job.kind}")
                return
            spec = registered.spec
            started = time.monotonic()
            logger.info("→ start {} #{} attempt {}/{}", job.kind, job.id, job.attempts, job.max_attempts)
            work = asyncio.create_task(registered.run(job.payload, job))
            beat = asyncio.create_task(self._heartbeat(job.id, token, work))
            try:
                await asyncio.wait_for(asyncio.shield(work), spec.timeout_s)
            except Retry as r:
                await self._transition(jobs_store.retry_later, job.id, token, r.defer_s, str(r))
                logger.info("↻ retry {} #{} in {:.1f}s: {}", job.kind, job.id, r.defer_s, r)
                await self._record(job.id, "retry")
            except asyncio.CancelledError:
                work.cancel()
                if self._stopping:
                    await self._transition(jobs_store.release, job.id, token)
                    logger.info("⏏ released {} #{} on shutdown", job.kind, job.id)
                    await self._record(job.id, "released")
                else:
                    logger.warning("✗ {} #{} lost its lease; another worker owns it", job.kind, job.id)
                    await self._record(job.id, "lost")
            except Exception as e:
                if isinstance(e, TimeoutError):
                    work.cancel()
                await self._failed(registered, job, token, e)
            else:
                if await self._transition(jobs_store.finish, job.id, token):
                    logger.info("← done {} #{} {:.2f}s", job.kind, job.id, time.monotonic() - started)
                    await self._record(job.id, "done")
                else:
                    logger.warning("✗ {} #{} finished after losing its lease", job.kind, job.id)
                    await self._record(job.id, "lost")
            finally:
                beat.cancel()
                if self._observe is not None and (outcome := self.outcomes.get(job.id)):
                    self._observe(job.kind, outcome, time.monotonic() - started)

    async def _failed(self, registered: _Registered, job: JobRow, token: uuid.UUID, error: Exception) -> None:
        # aiohttp's errors carry the URL they failed on, and the Bot API's URL holds the token.
        text = self._redact(f"{type(error).__name__}: {error}")
        if job.attempts < job.max_attempts and _retryable(error):
            delay = registered.spec.backoff_s * 2 ** (job.attempts - 1)
            await self._transition(jobs_store.retry_later, job.id, token, delay, text)
            logger.warning("↻ retry {} #{} in {:.1f}s after {}", job.kind, job.id, delay, text)
            await self._record(job.id, "retry")
            return
        if not await self._transition(jobs_store.fail, job.id, token, text):
            await self._record(job.id, "lost")
            return  # fenced: someone else owns this job now and will report it
        await self._record(job.id, "failed")
        if isinstance(error, FaceitBotError):
            # Not found, bad input, a cancelled job: what the user is told, not a bug.
            logger.info("! failed {} #{}: {}", job.kind, job.id, text)
        elif isinstance(error, FaceitUnavailable):
            logger.warning("! failed {} #{}: {}", job.kind, job.id, text)
        else:
            logger.opt(exception=error).error("! failed {} #{}: {}", job.kind, job.id, text)
        if registered.on_failure is not None:
            try:
                await registered.on_failure(job.payload, job, error)
            except Exception:
                logger.exception("failure report of job #{} failed", job.id)

    async def purge(self, priority: Priority) -> int:
        """Fail every queued job of `priority`; each kind's failure handler runs as for a job that
        failed (a charged analysis is refunded and its user told)."""
        purged = await jobs_store.purge_queued(self._pool, int(priority), "purged by an admin")
        for job in purged:
            registered = self._registry.get(job.kind)
            if registered is not None and registered.on_failure is not None:
                try:
                    await registered.on_failure(job.payload, job, JobCancelled())
                except Exception:
                    logger.exception("failure report of purged job #{} failed", job.id)
        logger.info("purged {} queued {} job(s)", len(purged), priority.name)
        return len(purged)

    async def _transition(self, change, job_id: int, token: uuid.UUID, *args) -> bool:
        """A fenced state change of a job, retried while PostgreSQL is unreachable, so work already
        done is recorded rather than redone after the lease expires (elsewhere)."""
        return await self._through_outage(
            lambda: change(self._pool, job_id, token, *args),
            f"recording job #{job_id}",
            TRANSITION_PATIENCE_S,
        )

    async def _through_outage(self, call: Callable[[], Awaitable[T]], what: str, patience_s: float) -> T:
        """`call`, retried while PostgreSQL is unreachable (a restart or failover) for up to
        `patience_s`, or until this queue stops."""
        delay, waited = 0.2, 0.0
        while True:
            try:
                return await call()
            except UNREACHABLE as e:
                if waited >= patience_s or self._stopping:
                    raise
                if waited == 0.0:
                    logger.warning("{} waits for PostgreSQL: {}", what, type(e).__name__)
                await asyncio.sleep(delay)  # backoff between reconnection attempts
                waited += delay
                delay = min(delay * 2, 2.0)

    async def _heartbeat(self, job_id: int, token: uuid.UUID, work: asyncio.Task[None]) -> None:
        while not work.done():
            await asyncio.sleep(self._lease_s / 3)
            try:
                alive = await jobs_store.heartbeat(self._pool, job_id, token, self._lease_s)
            except DB_ERRORS as e:
                logger.warning("lease renewal of job #{} failed: {}", job_id, e)
                continue
            if not alive:
                work.cancel()
                return


def _retryable(error: Exception) -> bool:
    """Domain errors a user caused (bad input, not found) are final; infrastructure errors retry."""
    if isinstance(error, FaceitUnavailable):
        return True
    return not isinstance(error, FaceitBotError)

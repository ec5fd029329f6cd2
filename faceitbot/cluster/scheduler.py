"""Periodic jobs: APScheduler 3 fires them in every replica; a job_runs row per time slot lets
exactly one replica run each tick (PostgreSQL is the fence, so no leader election is needed for
correctness). Periodic work should be short: usually it only submits queue jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from loguru import logger

from faceitbot.store import scheduler_slots
from faceitbot.store.db import DB_ERRORS

Tick = Callable[[datetime], Awaitable[None]]


def slot_of(now: datetime, every_s: int) -> datetime:
    """The start of the `every_s`-second slot that `now` falls in (UTC, aligned to the epoch)."""
    ts = int(now.timestamp())
    return datetime.fromtimestamp(ts - ts % every_s, UTC)


class Scheduler:
    def __init__(self, pool: asyncpg.Pool, replica: str) -> None:
        self._pool = pool
        self._replica = replica
        self._aps = AsyncIOScheduler(timezone=UTC)
        self.ran: list[tuple[str, datetime]] = []  # slots this replica ran (for metrics and tests)
        self._firing: set[asyncio.Task[object]] = set()

    def every(self, name: str, seconds: int, tick: Tick) -> None:
        async def fire() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._firing.add(task)
            try:
                await self.run_slot(name, slot_of(datetime.now(UTC), seconds), tick)
            finally:
                self._firing.discard(task)

        # coalesce: a replica that was paused runs one catch-up tick, not a burst of them.
        self._aps.add_job(
            fire,
            "interval",
            seconds=seconds,
            id=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=seconds,
            next_run_time=datetime.now(UTC),
        )

    async def run_slot(self, name: str, slot: datetime, tick: Tick) -> bool:
        """Run `tick` for `slot` unless some replica already has; True when this call ran it."""
        try:
            if not await scheduler_slots.claim(self._pool, name, slot, self._replica):
                return False
        except DB_ERRORS as e:
            logger.warning("periodic {} skipped: cannot claim its slot ({})", name, e)
            return False
        outcome = "ok"
        try:
            await tick(slot)
        except Exception as e:
            outcome = f"{type(e).__name__}: {e}"
            logger.exception("periodic {} failed", name)
        finally:
            self.ran.append((name, slot))
            try:
                await scheduler_slots.finish(self._pool, name, slot, outcome)
            except DB_ERRORS:
                logger.warning("could not record the end of periodic {}", name)
        return True

    def start(self) -> None:
        self._aps.start()

    async def stop(self, grace_s: float = 5.0) -> None:
        """No new ticks; the running ones get `grace_s` to finish. APScheduler's own shutdown
        cancels them wherever they are, a query half-sent included."""
        if not self._aps.running:
            return
        self._aps.pause()
        if self._firing:
            await asyncio.wait(set(self._firing), timeout=grace_s)
        self._aps.shutdown(wait=False)

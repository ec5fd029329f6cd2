"""Daily analytics: a LOW-priority job (submitted by an hourly tick, or on demand) recomputes
yesterday's and today's rows of analytics_daily — an upsert, so running it twice changes nothing.
Each replica also flushes its own FACEIT call and cache counters into faceit_usage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec

from faceitbot.cluster.scheduler import Scheduler
from faceitbot.constants import Priority
from faceitbot.faceit.client import FaceitClient
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.store import analytics as store
from faceitbot.store.analytics import DayRow
from faceitbot.store.db import Pool

AGGREGATE = JobSpec("analytics", Priority.LOW, max_attempts=3, timeout_s=120, backoff_s=30)


class AggregateJob(msgspec.Struct, frozen=True):
    """The aggregation job's payload, written by the tick below and read by jobs/analytics.py."""

    days: list[date]


EVERY_S = 3600
FLUSH_EVERY_S = 60
DEFAULT_DAYS = 14
MAX_DAYS = 90


async def aggregate(pool: Pool, day: date) -> DayRow:
    notifications = 0
    if await store.notifications_table(pool) is not None:
        notifications = await _notifications_sent(pool, day)
    return await store.aggregate(pool, day, notifications)


async def _notifications_sent(pool: Pool, day: date) -> int:
    start, end = store.bounds(day)
    return await store.notifications_sent(pool, start, end)


async def report(pool: Pool, today: date, days: int) -> list[DayRow]:
    """The last `days` rows up to today, today's recomputed now."""
    await aggregate(pool, today)
    return await store.days(pool, today, days)


class CounterFlush:
    """Moves this replica's FACEIT counters (monotonic, since start) into faceit_usage as deltas."""

    def __init__(self, pool: Pool, faceit: FaceitClient, replica: str) -> None:
        self._pool = pool
        self._faceit = faceit
        self._replica = replica
        self._last = (0, 0, 0)

    def _totals(self) -> tuple[int, int, int]:
        return (
            sum(self._faceit.calls.values()),
            sum(self._faceit.cache.hits.values()),
            sum(self._faceit.cache.misses.values()),
        )

    async def flush(self, day: date) -> None:
        now = self._totals()
        delta = tuple(n - last for n, last in zip(now, self._last, strict=True))
        if any(delta):
            await store.add_faceit_usage(self._pool, day, self._replica, *delta)
        self._last = now


def register(scheduler: Scheduler, queue: TaskQueue, pool: Pool, faceit: FaceitClient) -> None:
    """The periodic aggregation (its job is jobs/analytics.py) and this replica's counter flush."""

    async def tick(slot: datetime) -> None:
        today = slot.date()
        payload = AggregateJob([today - timedelta(days=1), today])
        await queue.submit(
            AGGREGATE, msgspec.to_builtins(payload), dedupe_key=f"analytics:{slot.isoformat()}"
        )

    scheduler.every("analytics", EVERY_S, tick)

    counters = CounterFlush(pool, faceit, queue.owner)

    async def flush(slot: datetime) -> None:
        await counters.flush(datetime.now(UTC).date())

    # Named after the replica: every replica flushes its own counters, once per slot.
    scheduler.every(f"faceit-usage:{queue.owner}", FLUSH_EVERY_S, flush)

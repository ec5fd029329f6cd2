"""Each replica's heartbeat row: who it is, whether it leads polling, how busy its workers are,
its memory, and its own FACEIT call rate and the 429s FACEIT and Telegram answered it, every EVERY_S seconds. The
operator dashboard reads every replica's row; a replica that stopped beating drops out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import asyncpg
from loguru import logger

from faceitbot.store import replicas as store
from faceitbot.store.replicas import ReplicaRow

EVERY_S = 5.0
RATE_WINDOW_S = 60.0


# What the heartbeat reads of the queue and of the FACEIT client (both sit above this floor).
class Workers(Protocol):
    @property
    def owner(self) -> str: ...
    @property
    def busy(self) -> int: ...
    @property
    def workers(self) -> int: ...


class FaceitCalls(Protocol):
    @property
    def rate_limited(self) -> int: ...
    @property
    def statuses(self) -> Counter[tuple[str, str]]: ...


def rss_bytes() -> int:
    """Resident memory now (Linux /proc), else the peak the kernel reports."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class CallRate:
    """Calls per endpoint over the last minute, from the client's monotonic counters."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._samples: deque[tuple[float, Counter[str]]] = deque()

    def sample(self, statuses: Counter[tuple[str, str]]) -> dict[str, int]:
        now = self._clock()
        totals: Counter[str] = Counter()
        for (endpoint, _), n in statuses.items():
            totals[endpoint] += n
        self._samples.append((now, totals))
        while len(self._samples) > 1 and self._samples[1][0] <= now - RATE_WINDOW_S:
            self._samples.popleft()
        _, first = self._samples[0]
        return {e: n - first.get(e, 0) for e, n in sorted(totals.items()) if n - first.get(e, 0) > 0}


class Heartbeat:
    def __init__(
        self,
        pool: asyncpg.Pool,
        queue: Workers,
        faceit: FaceitCalls,
        floods: Callable[[], int],
        every_s: float = EVERY_S,
        faceit_429: Callable[[], int] | None = None,
    ) -> None:
        self._pool = pool
        self._queue = queue
        self._faceit = faceit
        self._floods = floods
        self._faceit_429 = faceit_429 or (lambda: faceit.rate_limited)
        self._every_s = every_s
        self._rate = CallRate()
        self.started_at = datetime.now(UTC)
        # Set once the replica knows how it takes updates; None while it does not poll.
        self.leading: Callable[[], bool] | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def row(self) -> ReplicaRow:
        return ReplicaRow(
            replica=self._queue.owner,
            leader=self.leading() if self.leading is not None else None,
            busy=self._queue.busy,
            workers=self._queue.workers,
            rss_bytes=rss_bytes(),
            telegram_429=self._floods(),
            faceit_429=self._faceit_429(),
            faceit_per_min=self._rate.sample(self._faceit.statuses),
            started_at=self.started_at,
            beat_at=datetime.now(UTC),
        )

    async def beat(self) -> None:
        await store.beat(self._pool, self.row())

    async def start(self) -> None:
        await self.beat()
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="heartbeat")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await store.forget(self._pool, self._queue.owner)

    async def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._every_s)
                return
            try:
                await self.beat()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
                logger.warning("heartbeat not written: {}", e)

"""The budget governor: monitoring spends at most its share of the FACEIT budget window.

Two layers. A hard cap: the monitoring FaceitClient spends through `ShareBudget`, which admits a
call only while monitoring's own sliding window (MONITOR_BUDGET_SHARE × FACEIT_BUDGET_REQUESTS
per FACEIT_BUDGET_WINDOW_SECONDS, shared by replicas through Redis) has room, and then takes it
from the key's overall budget too; a spent share raises ShareSpent at once instead of making a
worker wait. Pacing: each tick, `Governor` allows as many polls as the share can pay for at an
even pace (with a small burst), none when the overall budget is spent, and scales the
wished intervals of all tracked players to what the share pays for (`stretch`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from faceitbot.faceit.budget import RedisBudget
from faceitbot.faceit.client import Budget
from faceitbot.tracking.cadence import Stretch

# FACEIT's gateway admits 10 requests a second per key (API.md §5): monitoring keeps to half.
MONITOR_RPS = 5
BURST_TICKS = 2.0  # a tick may spend what two ticks' even share would
INITIAL_COST = 1.3  # FACEIT calls per poll before any were measured
RESERVE_CALLS, RESERVE_SHARE = 4, 0.02  # of the share kept for polls already under way
COST_SMOOTHING = 0.02  # the moving average follows about the last fifty polls
SESSION_SHARE = 0.8  # of the share, at most, for players in session before their steps stretch
MIN_IDLE_STRETCH = 0.25  # spare share shortens idle intervals down to a quarter, no further


class ShareSpent(Exception):
    """Monitoring's share of the FACEIT budget is spent for now; try the player later."""


class Window(Protocol):
    limit: int
    window_s: float

    async def acquire(self) -> None: ...

    async def try_acquire(self) -> bool: ...

    async def used(self) -> int: ...


class LocalWindow:
    """At most `limit` admissions in any `window_s` (a sliding log), in this process."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a window needs a positive limit and length")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._log: deque[float] = deque()

    def _prune(self, now: float) -> None:
        while self._log and self._log[0] <= now - self.window_s:
            self._log.popleft()

    def wait_s(self) -> float:
        """0 when there is room now, else seconds until the oldest admission leaves the window."""
        now = self._clock()
        self._prune(now)
        return 0.0 if len(self._log) < self.limit else self._log[0] + self.window_s - now

    async def try_acquire(self) -> bool:
        if self.wait_s() > 0:
            return False
        self._log.append(self._clock())
        return True

    async def acquire(self) -> None:
        while True:
            wait = self.wait_s()
            if wait <= 0:
                self._log.append(self._clock())
                return
            await asyncio.sleep(wait)

    async def used(self) -> int:
        self._prune(self._clock())
        return len(self._log)


class RedisWindow(RedisBudget):
    """The same sliding log shared by replicas (RedisBudget's atomic script), plus a try."""

    async def try_acquire(self) -> bool:
        now_ms = int(time.time() * 1000)
        member = f"{now_ms}:{secrets.token_hex(6)}"
        wait_ms = await self._admit(
            keys=[self._key], args=[now_ms, int(self.window_s * 1000), self.limit, member]
        )
        return int(wait_ms) == 0


class ShareBudget:
    """The budget the monitoring FaceitClient spends through (see the module docstring)."""

    def __init__(self, overall: Budget, share: Window, per_second: Window) -> None:
        self.overall = overall
        self.share = share
        self._per_second = per_second
        self.limit = overall.limit
        self.window_s = overall.window_s

    async def acquire(self) -> None:
        if not await self.share.try_acquire():
            raise ShareSpent()
        await self._per_second.acquire()
        await self.overall.acquire()

    async def used(self) -> int:
        return await self.share.used()


class Governor:
    def __init__(self, budget: ShareBudget, tick_s: float) -> None:
        self._budget = budget
        self._tick_s = tick_s
        self.cost = INITIAL_COST  # FACEIT calls per poll, a moving average

    def observe(self, calls: int) -> None:
        self.cost = max(1.0, (1 - COST_SMOOTHING) * self.cost + COST_SMOOTHING * calls)

    @property
    def capacity(self) -> float:
        """Polls a second the share pays for."""
        share = self._budget.share
        return share.limit / share.window_s / self.cost

    async def polls_allowed(self) -> int:
        share, overall = self._budget.share, self._budget.overall
        if await overall.used() >= overall.limit:
            return 0  # the key is spent: user requests go first, and a poll would only wait
        # A poll that finds a match spends a few more calls (stats, ELO): keep room for them, or
        # it would be refused halfway and its history call wasted.
        room = share.limit - await share.used() - max(RESERVE_CALLS, RESERVE_SHARE * share.limit)
        pace = share.limit * self._tick_s / share.window_s
        # At least one poll's worth a tick while the share has room: a small budget still moves.
        return max(0, int(min(room, max(BURST_TICKS * pace, self.cost)) // self.cost))

    def stretch(self, idle_demand: float, session_demand: float) -> Stretch:
        """Scale the wished checks (polls a second) to the share: sessions take what they need
        first (their steps stretch only past SESSION_SHARE of it); idle intervals get longer
        when the rest is tight and shorter, down to MIN_IDLE_STRETCH, when it is not."""
        capacity = self.capacity
        session = max(1.0, session_demand / (SESSION_SHARE * capacity))
        spare = max(capacity - session_demand / session, (1 - SESSION_SHARE) * capacity)
        return Stretch(idle=max(MIN_IDLE_STRETCH, idle_demand / spare), session=session)

"""Each user's own share of FACEIT calls outside the analysis quota.

The key is shared by every user: lookups by nickname, "did you mean" searches, insight views,
inline queries and form jobs would let one user spend it for all. So while a user's request
runs, `spending()` names them, and the FACEIT client charges every upstream call it makes (a
cache hit costs nothing) to their allowance: USER_FACEIT_ALLOWANCE calls per window, shared by
replicas through Redis (a sliding log per user), more for higher tiers. A spent allowance
raises AllowanceSpent before the call is sent, and the user reads "slow down, try again in N s".
"""

from __future__ import annotations

import contextlib
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

from faceitbot.errors import FaceitBotError

# Sliding log per user: admit while under the limit, else the ms until the oldest entry leaves.
_TAKE = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""


FORGET_EVERY = 1000  # takes between sweeps of idle users, so the in-process logs stay bounded


class AllowanceSpent(FaceitBotError):
    """Not a FaceitError: nothing that tolerates FACEIT failing (suggestions) may swallow it."""

    key = "error-slow-down"

    def __init__(self, retry_in_s: float) -> None:
        super().__init__(f"allowance spent, retry in {retry_in_s:.0f}s")
        self.retry_in_s = retry_in_s

    def params(self) -> dict[str, object]:
        return {"seconds": max(1, math.ceil(self.retry_in_s))}


class Allowance(Protocol):
    window_s: float

    async def take(self, user_id: int, limit: int) -> float:
        """0 when a call was taken from the user's allowance, else seconds until one frees."""
        ...


class LocalAllowance:
    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._logs: dict[int, deque[float]] = {}
        self._takes = 0

    async def take(self, user_id: int, limit: int) -> float:
        self._takes += 1
        if self._takes % FORGET_EVERY == 0:
            self.forget_idle()
        now = self._clock()
        log = self._logs.setdefault(user_id, deque())
        while log and log[0] <= now - self.window_s:
            log.popleft()
        if len(log) < limit:
            log.append(now)
            return 0.0
        return log[0] + self.window_s - now

    def forget_idle(self) -> None:
        """Drops users whose whole log has expired (bounded memory without Redis)."""
        horizon = self._clock() - self.window_s
        for user_id in [u for u, log in self._logs.items() if not log or log[-1] <= horizon]:
            del self._logs[user_id]


class RedisAllowance:
    def __init__(self, redis: aioredis.Redis, window_s: float, *, prefix: str = "fb:") -> None:
        self.window_s = window_s
        self._prefix = f"{prefix}allow:"
        self._take = redis.register_script(_TAKE)

    async def take(self, user_id: int, limit: int) -> float:
        now_ms = int(time.time() * 1000)
        wait_ms = await self._take(
            keys=[f"{self._prefix}{user_id}"],
            args=[now_ms, int(self.window_s * 1000), limit, f"{now_ms}:{secrets.token_hex(6)}"],
        )
        return int(wait_ms) / 1000


class FallbackAllowance:
    """Redis while it answers; this replica's own log while it does not."""

    def __init__(self, primary: RedisAllowance, fallback: LocalAllowance, health) -> None:
        self.window_s = primary.window_s
        self._primary = primary
        self._fallback = fallback
        self._health = health

    async def take(self, user_id: int, limit: int) -> float:
        from faceitbot.cluster.kv import REDIS_ERRORS

        if self._health.worth_trying():
            try:
                wait = await self._primary.take(user_id, limit)
            except REDIS_ERRORS as e:
                self._health.failed(e)
            else:
                self._health.succeeded()
                return wait
        return await self._fallback.take(user_id, limit)


@dataclass(frozen=True, slots=True)
class Spender:
    allowance: Allowance
    user_id: int
    limit: int
    on_spent: Callable[[], None] | None = None

    async def charge(self) -> None:
        wait = await self.allowance.take(self.user_id, self.limit)
        if wait > 0:
            if self.on_spent is not None:
                self.on_spent()
            raise AllowanceSpent(wait)


_current: ContextVar[Spender | None] = ContextVar("faceit_spender", default=None)


@contextlib.contextmanager
def spending(spender: Spender | None) -> Iterator[None]:
    """FACEIT calls made inside the block (and tasks it creates) are charged to `spender`."""
    token = _current.set(spender)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Spender | None:
    return _current.get()


async def pays_for_unknown(spender: Spender | None) -> bool:
    """A well-formed id FACEIT does not know (404) is refunded from the quota only if the
    user's allowance can pay the call instead; True when it did (or there is no allowance)."""
    if spender is None:
        return True
    try:
        await spender.charge()
    except AllowanceSpent:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Allowances:
    """The allowance and each tier's limit, as the middleware and jobs hand them out."""

    allowance: Allowance
    limits: dict[str, int]
    exempt: frozenset[int] = frozenset()
    on_spent: Callable[[], None] | None = None

    def spender(self, user_id: int, tier: str) -> Spender | None:
        if user_id in self.exempt:
            return None
        limit = self.limits.get(tier, self.limits.get("free", 30))
        return Spender(self.allowance, user_id, limit, self.on_spent)

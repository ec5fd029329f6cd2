"""Request budgets: N upstream requests per window, per process or shared through Redis."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque

import redis.asyncio as aioredis
from aiolimiter import AsyncLimiter

# A sliding-window log: remove entries older than the window, admit when under the limit,
# otherwise answer how many milliseconds until the oldest entry leaves the window.
_ADMIT = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = redis.call('ZCARD', key)
if used < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""

_USED = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
"""


class LocalBudget:
    """One process: a leaky bucket of `requests` per `window_s` (aiolimiter)."""

    def __init__(self, requests: int, window_s: float) -> None:
        self.limit = requests
        self.window_s = window_s
        self._limiter = AsyncLimiter(requests, window_s)
        self._admitted: deque[float] = deque()

    async def acquire(self) -> None:
        await self._limiter.acquire()
        self._admitted.append(time.monotonic())

    async def used(self) -> int:
        """Requests admitted in the last window (for dashboards, not for admission)."""
        horizon = time.monotonic() - self.window_s
        while self._admitted and self._admitted[0] <= horizon:
            self._admitted.popleft()
        return len(self._admitted)


class RedisBudget:
    """All replicas together: an atomic sliding-window log in one Redis sorted set."""

    def __init__(
        self, redis: aioredis.Redis, requests: int, window_s: float, key: str = "fb:budget:faceit"
    ) -> None:
        self.limit = requests
        self.window_s = window_s
        self._key = key
        self._redis = redis
        self._admit = redis.register_script(_ADMIT)
        self._used = redis.register_script(_USED)

    async def acquire(self) -> None:
        window_ms = int(self.window_s * 1000)
        while True:
            now_ms = int(time.time() * 1000)
            member = f"{now_ms}:{secrets.token_hex(6)}"
            wait_ms = await self._admit(keys=[self._key], args=[now_ms, window_ms, self.limit, member])
            if int(wait_ms) == 0:
                return
            await asyncio.sleep(int(wait_ms) / 1000)

    async def used(self) -> int:
        return int(
            await self._used(keys=[self._key], args=[int(time.time() * 1000), int(self.window_s * 1000)])
        )


class FallbackBudget:
    """The shared Redis budget, or this replica's own while Redis is down (the window restarts
    locally, so an outage may spend up to one extra window's worth across replicas)."""

    def __init__(self, primary: RedisBudget, fallback: LocalBudget, health) -> None:
        self.limit = primary.limit
        self.window_s = primary.window_s
        self._primary = primary
        self._fallback = fallback
        self._health = health

    async def acquire(self) -> None:
        await self._call("acquire")

    async def used(self) -> int:
        return await self._call("used")

    async def _call(self, name: str):
        from faceitbot.cluster.kv import REDIS_ERRORS

        if self._health.worth_trying():
            try:
                result = await getattr(self._primary, name)()
            except REDIS_ERRORS as e:
                self._health.failed(e)
            else:
                self._health.succeeded()
                return result
        return await getattr(self._fallback, name)()

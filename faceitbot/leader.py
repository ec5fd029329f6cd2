"""Leader election for the one getUpdates consumer: a Redis key with a TTL.

The leader renews the key every ttl/3 with a token-checked PEXPIRE. It steps down locally as
soon as a renewal fails or before the key could have expired on its last successful renewal
(minus a safety margin), so two replicas never both believe they lead. Without Redis there is
a single replica and it always leads. Correctness never rests on this alone: every update is
also claimed in PostgreSQL (store/updates.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

import redis.asyncio as aioredis
import redis.exceptions
from loguru import logger

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Lease(Protocol):
    @property
    def leading(self) -> bool: ...

    async def wait_leading(self) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class SoleLease:
    """One replica, no Redis: always the leader."""

    leading = True

    async def wait_leading(self) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisLease:
    def __init__(self, redis: aioredis.Redis, key: str, owner: str, ttl_s: float = 15.0) -> None:
        self._redis = redis
        self._key = key
        self._owner = owner.encode()
        self._ttl_ms = int(ttl_s * 1000)
        self._ttl_s = ttl_s
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._valid_until = 0.0  # monotonic: when our claim could first have expired, minus a margin
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.changes = 0  # leadership gained or lost (a metric)
        self._redis_down = False

    @property
    def leading(self) -> bool:
        return time.monotonic() < self._valid_until

    async def wait_leading(self) -> None:
        while not self.leading:
            self._changed.clear()
            await self._changed.wait()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="leader-lease")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.leading:
            self._valid_until = 0.0
            # Hand over at once instead of making the next leader wait out the TTL.
            with contextlib.suppress(redis.exceptions.RedisError, OSError):
                await self._release(keys=[self._key], args=[self._owner])
            logger.info("leader lease released")

    async def _loop(self) -> None:
        while True:
            started = time.monotonic()
            was = self.leading
            try:
                if was:
                    ok = bool(await self._renew(keys=[self._key], args=[self._owner, self._ttl_ms]))
                else:
                    ok = bool(await self._redis.set(self._key, self._owner, px=self._ttl_ms, nx=True))
                if self._redis_down:
                    logger.info("Redis is back: leader election resumes")
                    self._redis_down = False
            except (redis.exceptions.RedisError, OSError) as e:
                if not self._redis_down:
                    logger.warning("Redis unavailable ({}): not leading until it returns", type(e).__name__)
                    self._redis_down = True
                ok = False
            # The key was set (or extended) at some moment after `started`; a third of the TTL
            # as margin covers clock drift between us and Redis and a slow step-down.
            self._valid_until = started + self._ttl_s * 2 / 3 if ok else 0.0
            if ok != was:
                self.changes += 1
                logger.info("{} the polling leader", "became" if ok else "no longer")
            self._changed.set()
            await asyncio.sleep(self._ttl_s / 3 if ok else self._ttl_s / 5)

"""Leader election for the one getUpdates consumer: a Redis key with a TTL.

The leader renews the key every ttl/3 with a token-checked PEXPIRE. It steps down locally as
soon as a renewal fails or before the key could have expired on its last successful renewal
(minus a safety margin), so two replicas never both believe they lead. Without Redis there is
a single replica and it always leads. While Redis is unreachable, leadership falls back to a
PostgreSQL session advisory lock (AdvisoryLease), so users keep getting replies; it is given up
as soon as Redis answers again. Correctness never rests on this alone: every update is also
claimed in PostgreSQL (store/updates.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from typing import Protocol

import asyncpg
import redis.asyncio as aioredis
import redis.exceptions
from loguru import logger

from faceitbot.store import leadership
from faceitbot.store.db import UNREACHABLE

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


class AdvisoryLease:
    """Leadership by a PostgreSQL advisory lock on a connection of its own, for Redis outages."""

    def __init__(self, pool: asyncpg.Pool, name: str) -> None:
        self._pool = pool
        # Advisory locks are per database: the name (with the Redis prefix) keeps deployments apart.
        self._key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=7).digest(), "big")
        self._conn: asyncpg.Connection | None = None
        self.held = False

    async def hold(self) -> bool:
        """Take the lock, or check that it is still ours; False (and no lock) on any failure."""
        try:
            if self._conn is None:
                self._conn = await self._pool.acquire()
                self.held = await leadership.try_lock(self._conn, self._key)
            else:
                self.held = await leadership.still_held(self._conn, self._key)
        except UNREACHABLE:
            self.held = False
        if not self.held:
            await self._drop()
        return self.held

    async def release(self) -> None:
        if self._conn is not None and self.held:
            with contextlib.suppress(*UNREACHABLE):
                await leadership.unlock(self._conn, self._key)
        self.held = False
        await self._drop()

    async def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await self._pool.release(conn)


class RedisLease:
    def __init__(
        self,
        redis: aioredis.Redis,
        key: str,
        owner: str,
        ttl_s: float = 15.0,
        fallback: AdvisoryLease | None = None,
    ) -> None:
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
        self._down_since = 0.0
        self._fallback = fallback

    @property
    def leading(self) -> bool:
        return time.monotonic() < self._valid_until or (self._fallback is not None and self._fallback.held)

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
        if self._fallback is not None and self._fallback.held:
            await self._fallback.release()
            logger.info("leader lease released")
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
                    self._down_since = time.monotonic()
                    logger.warning(
                        "Redis unavailable ({}): {}",
                        type(e).__name__,
                        "polling leadership by a PostgreSQL lock until it returns"
                        if self._fallback
                        else "not leading until it returns",
                    )
                    self._redis_down = True
                ok = False
            # The key was set (or extended) at some moment after `started`; a third of the TTL
            # as margin covers clock drift between us and Redis and a slow step-down.
            self._valid_until = started + self._ttl_s * 2 / 3 if ok else 0.0
            if self._fallback is not None:
                if self._redis_down and time.monotonic() - self._down_since >= self._ttl_s:
                    # A TTL after Redis went away, a Redis leader has stepped down (it could not
                    # renew): taking the PostgreSQL lock now never makes a second leader.
                    ok = await self._fallback.hold()
                elif self._fallback.held:
                    await self._fallback.release()  # Redis elects again
            if ok != was:
                self.changes += 1
                logger.info("{} the polling leader", "became" if ok else "no longer")
            self._changed.set()
            await asyncio.sleep(self._ttl_s / 3 if ok else self._ttl_s / 5)

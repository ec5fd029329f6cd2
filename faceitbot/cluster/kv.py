"""A tiny key-value interface with two homes: Redis (shared by replicas) or this process.

Everything that must be shared between replicas when there are several — the response cache,
singleflight locks — goes through this, so the single-replica mode is the same code.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

import redis.asyncio as aioredis
import redis.exceptions

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class KeyValue(Protocol):
    shared: bool

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_s: float) -> None: ...

    async def add(self, key: str, value: bytes, ttl_s: float) -> bool:
        """Set only when absent; True when this call set it (a lock taken)."""
        ...

    async def delete_if(self, key: str, value: bytes) -> None:
        """Delete only if the key still holds `value` (releasing our own lock, never another's)."""
        ...

    async def clear(self, prefix: str) -> int:
        """Drop every key starting with `prefix`; returns how many."""
        ...


class MemoryKV:
    """In-process, bounded (least recently used entries go first), monotonic-clock TTLs."""

    shared = False

    def __init__(self, max_items: int = 50_000) -> None:
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_items

    def _live(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= time.monotonic():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        self._data[key] = (time.monotonic() + ttl_s, value)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def add(self, key: str, value: bytes, ttl_s: float) -> bool:
        if self._live(key) is not None:
            return False
        await self.set(key, value, ttl_s)
        return True

    async def delete_if(self, key: str, value: bytes) -> None:
        if self._live(key) == value:
            del self._data[key]

    async def clear(self, prefix: str) -> int:
        doomed = [k for k in self._data if k.startswith(prefix)]
        for k in doomed:
            del self._data[k]
        return len(doomed)


class RedisKV:
    shared = True

    def __init__(self, redis: aioredis.Redis, prefix: str = "fb:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._release = redis.register_script(_RELEASE)

    async def get(self, key: str) -> bytes | None:
        return await self._redis.get(self._prefix + key)

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        await self._redis.set(self._prefix + key, value, px=max(1, int(ttl_s * 1000)))

    async def add(self, key: str, value: bytes, ttl_s: float) -> bool:
        return bool(await self._redis.set(self._prefix + key, value, px=max(1, int(ttl_s * 1000)), nx=True))

    async def delete_if(self, key: str, value: bytes) -> None:
        await self._release(keys=[self._prefix + key], args=[value])

    async def clear(self, prefix: str) -> int:
        n = 0
        async for key in self._redis.scan_iter(match=f"{self._prefix}{prefix}*", count=500):
            n += await self._redis.delete(key)
        return n


class RedisHealth:
    """Whether Redis answers, as seen by this process; the change is logged once each way.

    While it is down, callers use their in-process fallback and Redis is tried again at most
    every `retry_s`, so an outage costs no per-request timeouts.
    """

    def __init__(self, retry_s: float = 2.0) -> None:
        self._retry_s = retry_s
        self._down_since: float | None = None
        self._next_try = 0.0

    @property
    def up(self) -> bool:
        return self._down_since is None

    def worth_trying(self) -> bool:
        return self._down_since is None or time.monotonic() >= self._next_try

    def failed(self, error: BaseException) -> None:
        from loguru import logger

        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.warning(
                "Redis unavailable ({}): in-process cache and budget until it returns", type(error).__name__
            )
        self._next_try = time.monotonic() + self._retry_s

    def succeeded(self) -> None:
        from loguru import logger

        if self._down_since is not None:
            logger.info(
                "Redis is back after {:.0f}s: shared cache and budget again",
                time.monotonic() - self._down_since,
            )
            self._down_since = None


REDIS_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)


class FallbackKV:
    """RedisKV that keeps working in this process while Redis is down."""

    shared = True

    def __init__(self, primary: RedisKV, fallback: MemoryKV, health: RedisHealth) -> None:
        self._primary = primary
        self._fallback = fallback
        self._health = health

    async def _call(self, name: str, *args):
        if self._health.worth_trying():
            try:
                result = await getattr(self._primary, name)(*args)
            except REDIS_ERRORS as e:
                self._health.failed(e)
            else:
                self._health.succeeded()
                return result
        return await getattr(self._fallback, name)(*args)

    async def get(self, key: str) -> bytes | None:
        return await self._call("get", key)

    async def set(self, key: str, value: bytes, ttl_s: float) -> None:
        await self._call("set", key, value, ttl_s)

    async def add(self, key: str, value: bytes, ttl_s: float) -> bool:
        return await self._call("add", key, value, ttl_s)

    async def delete_if(self, key: str, value: bytes) -> None:
        await self._call("delete_if", key, value)

    async def clear(self, prefix: str) -> int:
        return await self._call("clear", prefix)

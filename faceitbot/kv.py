"""A tiny key-value interface with two homes: Redis (shared by replicas) or this process.

Everything that must be shared between replicas when there are several — the response cache,
singleflight locks — goes through this, so the single-replica mode is the same code.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

import redis.asyncio as aioredis

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

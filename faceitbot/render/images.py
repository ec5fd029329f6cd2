"""Pictures are drawn off the event loop and cached by what they show: the same snapshots or the
same card numbers give the same bytes, so a repeat costs one cache read (shared across replicas
through Redis when there is one)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable

from faceitbot.cluster.kv import KeyValue

TTL_S = 3600.0


class ImageCache:
    def __init__(self, kv: KeyValue, ttl_s: float = TTL_S) -> None:
        self._kv = kv
        self._ttl_s = ttl_s
        self.drawn = 0  # pictures actually drawn by this process (the rest came from the cache)

    async def png(self, kind: str, content: bytes, draw: Callable[[], bytes]) -> bytes:
        key = f"img:{kind}:{hashlib.sha256(content).hexdigest()}"
        cached = await self._kv.get(key)
        if cached is not None:
            return cached
        png = await asyncio.to_thread(draw)
        self.drawn += 1
        await self._kv.set(key, png, self._ttl_s)
        return png

    async def clear(self) -> int:
        return await self._kv.clear("img:")

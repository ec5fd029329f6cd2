"""Response cache with singleflight: concurrent identical requests cause one upstream call.

Within a process, callers of the same key share one future. Across replicas (a shared store),
the first to take a short lock fetches; the rest wait for its result to land in the cache.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faceitbot.cluster.kv import KeyValue
from faceitbot.faceit.errors import FaceitNotFound
from faceitbot.faceit.tally import count_hit

T = TypeVar("T")

# TTLs per endpoint, seconds: players change slowly, matches fast while they are played.
DEFAULT_TTLS: dict[str, float] = {
    "players": 300,
    "player": 300,
    "player_stats": 600,
    "game_stats": 600,
    "history": 120,
    "match": 120,
    "match_stats": 600,
    "search": 300,
}
NOT_FOUND_TTL_S = 60
_NOT_FOUND = b"\x00404"
LOCK_TTL_S = 15.0
WAIT_STEP_S = 0.02
# Decoded objects are also kept in this process for a few seconds: a hot player's card then
# costs neither a Redis round trip nor a msgspec decode.
NEAR_TTL_S = 15.0
NEAR_MAX_ITEMS = 5_000


class ResponseCache:
    def __init__(self, store: KeyValue, ttls: dict[str, float] | None = None) -> None:
        self._store = store
        self._ttls = {**DEFAULT_TTLS, **(ttls or {})}
        self._inflight: dict[str, asyncio.Future[bytes]] = {}
        self._near: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()

    async def clear(self) -> int:
        self._near.clear()
        return await self._store.clear("faceit:")

    async def fetch_decoded(
        self, endpoint: str, key: str, load: Callable[[], Awaitable[bytes]], decode: Callable[[bytes], T]
    ) -> T:
        """Like fetch(), through a short-lived in-process cache of decoded values."""
        near = self._near.get(key)
        now = time.monotonic()
        if near is not None and near[0] > now:
            self._near.move_to_end(key)
            self.hits[endpoint] += 1
            count_hit()
            return near[1]
        value = decode(await self.fetch(endpoint, key, load))
        self._near[key] = (now + min(NEAR_TTL_S, self._ttls.get(endpoint, 60)), value)
        self._near.move_to_end(key)
        if len(self._near) > NEAR_MAX_ITEMS:
            self._near.popitem(last=False)
        return value

    async def fetch(self, endpoint: str, key: str, load: Callable[[], Awaitable[bytes]]) -> bytes:
        """The cached body for `key`, or `load()`'s — FaceitNotFound is cached briefly too."""
        while (pending := self._inflight.get(key)) is not None:
            try:
                body = await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                continue  # the leader was cancelled, not us: try again, perhaps as the leader
            self.hits[endpoint] += 1
            count_hit()
            return body
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            body = await self._fetch(endpoint, key, load)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # mark retrieved: nobody else may be waiting
            raise
        else:
            future.set_result(body)
            return body
        finally:
            del self._inflight[key]

    async def _fetch(self, endpoint: str, key: str, load: Callable[[], Awaitable[bytes]]) -> bytes:
        cached = await self._store.get(key)
        if cached is not None:
            self.hits[endpoint] += 1
            count_hit()
            return _unwrap(cached, key)
        if not self._store.shared:
            self.misses[endpoint] += 1
            return await self._load_and_store(endpoint, key, load)
        token = secrets.token_bytes(8)
        lock = f"lock:{key}"
        while True:
            if await self._store.add(lock, token, LOCK_TTL_S):
                try:
                    self.misses[endpoint] += 1
                    return await self._load_and_store(endpoint, key, load)
                finally:
                    await self._store.delete_if(lock, token)
            # Another replica is fetching this very resource: wait for its answer to land.
            while (cached := await self._store.get(key)) is None:
                if await self._store.get(lock) is None:
                    break
                await asyncio.sleep(WAIT_STEP_S)
            if cached is not None:
                self.hits[endpoint] += 1
                count_hit()
                return _unwrap(cached, key)

    async def _load_and_store(self, endpoint: str, key: str, load: Callable[[], Awaitable[bytes]]) -> bytes:
        try:
            body = await load()
        except FaceitNotFound:
            await self._store.set(key, _NOT_FOUND, NOT_FOUND_TTL_S)
            raise
        await self._store.set(key, body, self._ttls.get(endpoint, 60))
        return body


def _unwrap(cached: bytes, key: str) -> bytes:
    if cached == _NOT_FOUND:
        raise FaceitNotFound(key)
    return cached

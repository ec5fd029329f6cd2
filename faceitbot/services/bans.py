"""The banned user ids, read by the ban gate on every update and changed by the admin commands."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from faceitbot.store import admin as admin_store

REFRESH_S = 30.0


class BanList:
    """The banned user ids, cached for REFRESH_S; shared by the gate and the admin commands."""

    def __init__(self, pool: asyncpg.Pool, refresh_s: float = REFRESH_S) -> None:
        self._pool = pool
        self._refresh_s = refresh_s
        self._ids: frozenset[int] = frozenset()
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def contains(self, telegram_id: int) -> bool:
        if time.monotonic() - self._loaded_at > self._refresh_s:
            async with self._lock:
                if time.monotonic() - self._loaded_at > self._refresh_s:
                    self._ids = frozenset(await admin_store.banned_ids(self._pool))
                    self._loaded_at = time.monotonic()
        return telegram_id in self._ids

    def set(self, telegram_id: int, banned: bool) -> None:
        self._ids = self._ids | {telegram_id} if banned else self._ids - {telegram_id}

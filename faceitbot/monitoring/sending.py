"""Telegram's send limits for notifications: about 30 messages a second per bot token (across all
replicas) and one a second per chat (telegram/NOTES.md §2). A 429's retry_after pauses every
sender, in every replica, until it has passed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from faceitbot.kv import KeyValue
from faceitbot.monitoring.governor import Window

SEND_RATE = 25  # messages a second overall: a margin under Telegram's ~30
PER_CHAT_S = 1.0
FLOOD_KEY = "tg:flood"


class SendLimiter:
    def __init__(
        self,
        kv: KeyValue,
        overall: Window,
        *,
        per_chat_s: float = PER_CHAT_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if per_chat_s <= 0:
            raise ValueError("per_chat_s must be positive")
        self._kv = kv
        self._overall = overall
        self._per_chat_s = per_chat_s
        self._clock = clock  # wall clock: deadlines are compared across replicas
        self.floods = 0  # 429s this replica was told, for the operator dashboard

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` is within every limit, and take its slots."""
        key = f"tg:chat:{chat_id}"
        while True:
            wait = await self._deadline(FLOOD_KEY) - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            deadline = self._clock() + self._per_chat_s
            if await self._kv.add(key, repr(deadline).encode(), self._per_chat_s):
                break
            await asyncio.sleep(max(await self._deadline(key) - self._clock(), 0.01))
        await self._overall.acquire()

    async def flood(self, retry_after: float) -> None:
        """Telegram said 429: nobody sends anything before `retry_after` seconds from now."""
        self.floods += 1
        until = self._clock() + retry_after
        if until > await self._deadline(FLOOD_KEY):
            await self._kv.set(FLOOD_KEY, repr(until).encode(), retry_after)

    async def _deadline(self, key: str) -> float:
        raw = await self._kv.get(key)
        try:
            return float(raw) if raw else 0.0
        except ValueError:
            return 0.0

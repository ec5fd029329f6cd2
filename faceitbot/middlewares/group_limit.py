"""At most 20 answered updates a minute per group chat (Telegram's limit on a bot's messages in
one group), shared by all replicas through the cache.

An inner middleware: it runs only for updates a handler took, so group chatter the bot does not
answer costs nothing. Each minute slot is its own key with a 60 s life: a rolling window, not a
fixed one, and claiming one is a single atomic SET NX.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject
from loguru import logger

from faceitbot.cluster.kv import KeyValue

GROUP_MESSAGES_PER_MINUTE = 20


class GroupRateLimit(BaseMiddleware):
    def __init__(self, kv: KeyValue, per_minute: int = GROUP_MESSAGES_PER_MINUTE) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self._kv = kv
        self._per_minute = per_minute

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type not in ("group", "supergroup"):
            return await handler(event, data)
        for slot in range(self._per_minute):
            if await self._kv.add(f"group-send:{chat.id}:{slot}", b"1", 60.0):
                return await handler(event, data)
        logger.info("group {} had {} answers this minute; update not answered", chat.id, self._per_minute)
        return None

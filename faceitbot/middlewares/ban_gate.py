"""An outer update middleware that runs after UserContextMiddleware (it needs data["user"]).

BanGate drops updates from banned users — except a pre-checkout query, which must still get its
refusal, and a successful payment, which must still be recorded. The banned set (BanList) is read
from PostgreSQL at most every REFRESH_S seconds, so the hot path stays one read per update; a ban made
on this replica applies at once, on another one within REFRESH_S (services/bans.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from loguru import logger

from faceitbot.services.bans import BanList
from faceitbot.store.users import UserRow

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class BanGate(BaseMiddleware):
    def __init__(self, bans: BanList) -> None:
        self._bans = bans

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: UserRow | None = data.get("user")
        if user is not None and isinstance(event, Update) and await self._bans.contains(user.telegram_id):
            paying = event.pre_checkout_query is not None or (
                event.message is not None and event.message.successful_payment is not None
            )
            if not paying:
                logger.debug("update {} from banned user {} dropped", event.update_id, user.telegram_id)
                return None
        return await handler(event, data)

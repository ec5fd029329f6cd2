"""Outer update middleware: the FACEIT calls a handler makes are charged to its user's allowance
(faceitbot/faceit/allowance.py); cached answers cost nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from faceitbot.faceit.allowance import Allowances, spending
from faceitbot.services.match_requests import effective_tier


class FaceitAllowance(BaseMiddleware):
    def __init__(self, allowances: Allowances) -> None:
        self._allowances = allowances

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("user")
        if user is None:
            return await handler(event, data)
        spender = self._allowances.spender(user.telegram_id, effective_tier(user, datetime.now(UTC)))
        with spending(spender):
            return await handler(event, data)

"""An inner callback-query middleware for the routers whose buttons need no answer text.

Telegram keeps a pressed button spinning until the bot answers the query, once. AnswerPresses
answers it before the handler runs, so a handler reads as what the press does. A handler that
takes a `message` parameter gets the message the button sits on, and is not run when Telegram
no longer gives it (an inline message, or one too old to reach): there is nothing to edit or
reply to. A handler without that parameter runs either way (an untrack acts on the button's data).

An answer Telegram refuses as already given is a press handled again (its update was given back
during a database outage after the first answer): the handler still runs. A handler that fails
after the answer leaves the errors router's own answer refused, which it expects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, TelegramObject
from loguru import logger

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AnswerPresses(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        try:
            await event.answer()
        except TelegramBadRequest as e:
            logger.info("press {} was answered already: {}", event.id, e.message)
        if isinstance(event.message, Message):
            data["message"] = event.message
        else:
            target: HandlerObject | None = data.get("handler")
            if target is not None and "message" in target.params:
                return None
        return await handler(event, data)

"""Filters shared by the feature routers."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters import Filter
from aiogram.types import Message
from aiogram.utils.i18n import I18n


class MenuButton(Filter):
    """A press of a main-menu button, whatever language the keyboard was drawn in."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        if not message.text:
            return False
        return any(message.text == i18n.gettext(self.key, locale=loc) for loc in i18n.available_locales)


class MessageIs(Filter):
    """A plain predicate on the message, checked on the event loop.

    aiogram runs a magic filter (`F.…`) through asyncio.to_thread because its resolver is a
    plain function; a thread hop per update costs more than the rest of the routing."""

    def __init__(self, predicate: Callable[[Message], object]) -> None:
        self.predicate = predicate

    async def __call__(self, message: Message) -> bool:
        return bool(self.predicate(message))

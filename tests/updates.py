"""Test helper: know when the bot has finished handling given updates, even ones that send
nothing (a replayed payment, a banned user's message) — without sleeping."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiogram import Dispatcher
from aiogram.types import TelegramObject, Update


class Handled:
    def __init__(self) -> None:
        self.done: set[int] = set()
        self._changed = asyncio.Condition()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            assert isinstance(event, Update)
            async with self._changed:
                self.done.add(event.update_id)
                self._changed.notify_all()

    async def wait(self, *update_ids: int, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: set(update_ids) <= self.done)


@contextlib.contextmanager
def watch_updates(dp: Dispatcher) -> Iterator[Handled]:
    """Installs Handled as the outermost update middleware for the duration of the block."""
    handled = Handled()
    dp.update.outer_middleware._middlewares.insert(0, handled)
    try:
        yield handled
    finally:
        dp.update.outer_middleware.unregister(handled)

"""Outer update middleware: loads (or creates) the user, marks them active for the day and picks
their locale, once per update. The polling intake does that for a whole getUpdates batch in one
round trip first (prefetch_users) and hands each update its row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiogram import BaseMiddleware
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware as EventContext
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n

from faceitbot.i18n.loader import L10n, pick_language
from faceitbot.store import users as users_store


class UserContextMiddleware(BaseMiddleware):
    def __init__(self, pool: asyncpg.Pool, i18n: I18n) -> None:
        self._pool = pool
        self._i18n = i18n

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: User | None = data.get("event_from_user")
        prefetched: users_store.UserRow | None = data.pop(PREFETCHED, None)
        if tg_user is None or tg_user.is_bot:
            locale = self._i18n.default_locale
        else:
            user = prefetched
            if user is None or user.telegram_id != tg_user.id:
                user = await users_store.touch(
                    self._pool,
                    tg_user.id,
                    pick_language(tg_user.language_code),
                    tg_user.username,
                    datetime.now(UTC).date(),
                )
            data["user"] = user
            locale = user.language
        data["i18n"] = self._i18n
        data["l10n"] = L10n(self._i18n, locale)
        with self._i18n.context(), self._i18n.use_locale(locale):
            return await handler(event, data)


PREFETCHED = "prefetched_user"


async def prefetch_users(
    pool: asyncpg.Pool, updates: list[Update], write: bool = False
) -> dict[int, dict[str, Any]]:
    """For feed_update's keyword arguments: the user rows of a batch that need no write, or with
    `write` all of them, touched at once (created, marked seen and active today where needed)."""
    senders: dict[int, User] = {}
    for update in updates:
        user = EventContext.resolve_event_context(update).user
        if user is not None and not user.is_bot:
            senders[update.update_id] = user
    if not senders:
        return {}
    seen = {u.id: (u.id, pick_language(u.language_code), u.username) for u in senders.values()}
    rows = await users_store.touch_many(pool, list(seen.values()), datetime.now(UTC).date(), write=write)
    return {uid: {PREFETCHED: rows[u.id]} for uid, u in senders.items() if u.id in rows}

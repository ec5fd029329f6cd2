"""Outer update middlewares that run after UserContextMiddleware (they need data["user"]).

BanGate drops updates from banned users — except a pre-checkout query, which must still get its
refusal, and a successful payment, which must still be recorded. The banned set (BanList) is read
from PostgreSQL at most every REFRESH_S seconds, so the hot path stays one read per update; a ban made
on this replica applies at once, on another one within REFRESH_S (services/bans.py).

Activity pays a referral bonus when the update linked the invited user's FACEIT account (the
day's activity row is written by UserContextMiddleware). Only users with a referral still unpaid
are checked: for everyone else (a crowd of new users among them) it costs nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot.i18n.loader import L10n
from faceitbot.render import referrals as render_referrals
from faceitbot.services import referrals
from faceitbot.services.bans import BanList
from faceitbot.store.users import UserRow
from faceitbot.telegram import delivery

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


class Activity(BaseMiddleware):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: UserRow | None = data.get("user")
        if user is None:
            return await handler(event, data)
        result = await handler(event, data)
        interactive = isinstance(event, Update) and (
            event.message is not None or event.callback_query is not None
        )
        if interactive and user.faceit_player_id is None and user.referral_pending:
            await self._reward_if_linked(user.telegram_id, data)
        return result

    async def _reward_if_linked(self, telegram_id: int, data: dict[str, Any]) -> None:
        reward = await referrals.reward_linked(self._pool, telegram_id, datetime.now(UTC))
        if reward is None:
            return
        bot: Bot = data["bot"]
        i18n: I18n = data["i18n"]
        l10n: L10n = data["l10n"]
        await delivery.send(bot, telegram_id, render_referrals.rewarded_referred(reward.bonus, l10n))
        referrer_l10n = L10n(i18n, reward.referrer_language)
        await delivery.send(
            bot, reward.referrer_id, render_referrals.rewarded_referrer(reward.bonus, referrer_l10n)
        )

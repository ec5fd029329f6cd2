"""An outer update middleware that runs after UserContextMiddleware (it needs data["user"]).

It pays a referral bonus when the update linked the invited user's FACEIT account (the day's
activity row is written by UserContextMiddleware). Only users with a referral still unpaid are
checked: for everyone else (a crowd of new users among them) it costs nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from aiogram.utils.i18n import I18n

from faceitbot.i18n.loader import L10n
from faceitbot.render import referrals as render_referrals
from faceitbot.services import referrals
from faceitbot.store.users import UserRow
from faceitbot.telegram import delivery

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ReferralRewards(BaseMiddleware):
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

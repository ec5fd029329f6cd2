"""/referral and `/start ref-<code>` deep links."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from faceitbot.config import Settings
from faceitbot.i18n.loader import L10n
from faceitbot.render import referrals as render
from faceitbot.services import referrals
from faceitbot.services.referrals import Accepted
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="referrals")


@router.message(CommandStart(deep_link=True, magic=F.args.startswith(referrals.START_PREFIX)))
async def start_with_invite(
    message: Message, command: CommandObject, user: UserRow, pool: Pool, settings: Settings, l10n: L10n
) -> None:
    outcome = await referrals.accept(
        pool, user.telegram_id, command.args or "", settings.referral_bonus, datetime.now(UTC)
    )
    if outcome is Accepted.RECORDED:
        await message.answer(render.invited(settings.referral_bonus, l10n))
    elif outcome is Accepted.SELF:
        await message.answer(l10n("referral-self"))
    raise SkipHandler()  # /start's own greeting follows


@router.message(Command("referral"))
async def cmd_referral(
    message: Message, user: UserRow, pool: Pool, bot: Bot, settings: Settings, l10n: L10n
) -> None:
    code = await referrals.code_for(pool, user.telegram_id)
    me = await bot.me()
    invited, rewarded = await referrals.counts(pool, user.telegram_id)
    left = await referrals.bonus_left(pool, user.telegram_id)
    link = referrals.start_link(me.username or "", code)
    await message.answer(render.referral(link, invited, rewarded, settings.referral_bonus, left, l10n).text)

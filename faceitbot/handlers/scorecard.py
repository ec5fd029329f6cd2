"""/accuracy: how often our briefings' predictions came true."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from faceitbot.i18n.loader import L10n
from faceitbot.render import scorecard as render
from faceitbot.services import scorecard
from faceitbot.store.db import Pool

router = Router(name="scorecard")


@router.message(Command("accuracy"))
async def cmd_accuracy(message: Message, pool: Pool, l10n: L10n) -> None:
    await message.answer(render.accuracy(await scorecard.accuracy(pool), l10n).text)

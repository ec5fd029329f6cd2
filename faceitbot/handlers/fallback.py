"""Whatever no feature router took: unknown commands and stray text."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from faceitbot.config import Settings
from faceitbot.handlers.filters import MessageIs
from faceitbot.i18n.loader import L10n
from faceitbot.render import keyboards
from faceitbot.render.help import unknown_command as unknown_command_text

router = Router(name="fallback")


@router.message(MessageIs(lambda m: (m.text or "").startswith("/")))
async def unknown_command(message: Message, settings: Settings, l10n: L10n) -> None:
    admin = message.from_user is not None and message.from_user.id in settings.admin_ids
    await message.answer(unknown_command_text(message.text or "", l10n, admin=admin))


@router.message()
async def unknown_text(message: Message, l10n: L10n) -> None:
    await message.answer(l10n("unknown-text"), reply_markup=keyboards.main_menu(l10n))

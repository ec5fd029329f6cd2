"""/start, /help and /language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from faceitbot.callbacks import LanguageCb
from faceitbot.config import Settings
from faceitbot.handlers.filters import MenuButton, MessageIs
from faceitbot.i18n.loader import L10n
from faceitbot.render import keyboards
from faceitbot.render.common import escape
from faceitbot.render.help import help_text
from faceitbot.services import tracking
from faceitbot.store import users as users_store
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow
from faceitbot.telegram.sent import lean

router = Router(name="start")


def is_plain_start(message: Message) -> bool:
    """/start (or /start@bot) with no payload, in a private chat."""
    words = (message.text or "").split()
    return message.chat.type == "private" and len(words) == 1 and words[0].split("@", 1)[0] == "/start"


async def plain_start(message: Message, user: UserRow, pool: Pool, l10n: L10n) -> None:
    """What /start's way down the tree does without a payload: notifications back on after a
    403 (the tracking router), then the greeting. Registered on the dispatcher itself, ahead of
    every router (handlers/__init__.py)."""
    await tracking.welcome_back(pool, user)
    await cmd_start(message, user, l10n)


PLAIN_START = (MessageIs(is_plain_start), CommandStart())


@router.message(CommandStart())
async def cmd_start(message: Message, user: UserRow, l10n: L10n) -> None:
    name = escape(message.from_user.first_name if message.from_user else "")
    if user.faceit_nickname:
        text = l10n("start-greeting-linked", name=name, nickname=escape(user.faceit_nickname))
    else:
        text = l10n("start-greeting", name=name)
    # The echo read only as far as its id (faceitbot/telegram/sent.py): /start comes in crowds.
    await message.bot(lean(message.answer(text, reply_markup=keyboards.main_menu(l10n))))


@router.message(Command("help"))
@router.message(MenuButton("menu-help"))
async def cmd_help(message: Message, settings: Settings, l10n: L10n) -> None:
    admin = message.from_user is not None and message.from_user.id in settings.admin_ids
    text = help_text(l10n, settings.quota_free, admin=admin)
    await message.answer(text, reply_markup=keyboards.main_menu(l10n))


@router.message(Command("language"))
@router.message(MenuButton("menu-language"))
async def cmd_language(message: Message, l10n: L10n) -> None:
    await message.answer(l10n("language-choose"), reply_markup=keyboards.languages())


@router.callback_query(LanguageCb.filter(F.code.in_({"en", "ru"})))
async def on_language(
    query: CallbackQuery, callback_data: LanguageCb, user: UserRow, pool: Pool, i18n: I18n
) -> None:
    await users_store.set_language(pool, user.telegram_id, callback_data.code)
    l10n = L10n(i18n, callback_data.code)
    await query.answer()
    if query.message is not None:
        await query.message.answer(l10n("language-set"), reply_markup=keyboards.main_menu(l10n))

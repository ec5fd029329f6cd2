"""Questions the bot asks and the typed answers: a nickname counts only when the bot asked for one."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from faceitbot import parsing
from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers.filters import MenuButton
from faceitbot.handlers.replying import in_group, respond
from faceitbot.i18n.loader import L10n
from faceitbot.render import insights as render_insights
from faceitbot.render import keyboards
from faceitbot.render import player as render_player
from faceitbot.render import settings as render_settings
from faceitbot.render.common import Rendered
from faceitbot.services import accounts, players
from faceitbot.store import settings as settings_store
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="prompts")


async def ask(message: Message, user: UserRow, pool: Pool, l10n: L10n, kind: str) -> None:
    # Open the prompt before asking: a fast answer must find it.
    await settings_store.ask(pool, message.chat.id, user.telegram_id, kind)
    text, force = render_settings.prompt(kind, l10n)
    if in_group(message):
        await message.reply(text, reply_markup=force)
    else:
        await message.answer(text, reply_markup=force)


@router.message(MenuButton("menu-find"))
async def menu_find(message: Message, user: UserRow, pool: Pool, l10n: L10n) -> None:
    await ask(message, user, pool, l10n, "find")


@router.message(MenuButton("menu-link"))
async def menu_link(message: Message, user: UserRow, pool: Pool, l10n: L10n) -> None:
    await ask(message, user, pool, l10n, "link")


class Answering(Filter):
    """Plain text (no command, menu button or room link) from a user the bot asked a question."""

    async def __call__(
        self, message: Message, i18n: I18n, pool: Pool, user: UserRow | None = None
    ) -> bool | dict[str, Any]:
        text = message.text or ""
        if user is None or not text.strip() or text.startswith("/") or parsing.looks_like_match(text):
            return False
        if any(
            text == i18n.gettext(key, locale=loc)
            for key in keyboards.MENU_KEYS
            for loc in i18n.available_locales
        ):
            return False
        return await settings_store.pending(pool, message.chat.id, user.telegram_id) is not None


@router.message(Answering())
async def answered(message: Message, user: UserRow, pool: Pool, faceit: FaceitClient, l10n: L10n) -> None:
    kind = await settings_store.take(pool, message.chat.id, user.telegram_id)
    if kind is None:
        return  # another replica (or a double delivery) took this answer
    nickname = parsing.player_query(message.text)
    if kind == "link":
        player = await accounts.link(pool, faceit, user.telegram_id, nickname)
        await respond(message, render_insights.linked(player, l10n))
        return
    player = await players.find_player(faceit, nickname)
    card = await players.load_profile(faceit, pool, player.player_id)
    rendered = render_player.profile(card, l10n)
    await respond(message, Rendered(rendered.text, render_insights.player_actions(player.nickname, l10n)))

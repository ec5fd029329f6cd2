"""/link and /unlink: tying a Telegram user to a FACEIT player."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from faceitbot import parsing
from faceitbot.callbacks import PlayerAction, PlayerCb
from faceitbot.faceit.client import FaceitClient
from faceitbot.i18n.loader import L10n
from faceitbot.middlewares.presses import AnswerPresses
from faceitbot.render.common import escape
from faceitbot.services import accounts
from faceitbot.store import users as users_store
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="account")
router.callback_query.middleware(AnswerPresses())  # every press answered up front


@router.message(Command("link"))
async def cmd_link(
    message: Message, command: CommandObject, user: UserRow, pool: Pool, faceit: FaceitClient, l10n: L10n
) -> None:
    if not (command.args or "").strip():
        await message.answer(l10n("link-usage"))
        return
    nickname = parsing.player_query(command.args)
    await _link(message, user, pool, faceit, l10n, nickname)


@router.callback_query(PlayerCb.filter(F.action == PlayerAction.LINK))
async def on_link_choice(
    query: CallbackQuery,
    message: Message,
    callback_data: PlayerCb,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    l10n: L10n,
) -> None:
    await _link(message, user, pool, faceit, l10n, parsing.player_query(callback_data.nickname))


async def _link(
    message: Message, user: UserRow, pool: Pool, faceit: FaceitClient, l10n: L10n, nick: str
) -> None:
    player = await accounts.link(pool, faceit, user.telegram_id, nick)
    game = player.cs2
    await message.answer(
        l10n(
            "link-done",
            nickname=escape(player.nickname),
            level=game.skill_level if game else 0,
            elo=game.faceit_elo if game else 0,
        )
    )


@router.message(Command("unlink"))
async def cmd_unlink(message: Message, user: UserRow, pool: Pool, l10n: L10n) -> None:
    nickname = await users_store.unlink(pool, user.telegram_id)
    if nickname is None:
        await message.answer(l10n("unlink-nothing"))
    else:
        await message.answer(l10n("unlink-done", nickname=escape(nickname)))

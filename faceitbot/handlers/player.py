"""/profile and /stats: player cards."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from faceitbot import parsing
from faceitbot.callbacks import PlayerAction, PlayerCb
from faceitbot.errors import NotLinked
from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers.filters import MenuButton
from faceitbot.handlers.replying import respond
from faceitbot.i18n.loader import L10n
from faceitbot.render import player as render_player
from faceitbot.render.common import Rendered
from faceitbot.services import players
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="player")


@router.message(Command("profile"))
@router.message(MenuButton("menu-profile"))
async def cmd_profile(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    l10n: L10n,
    command: CommandObject | None = None,
) -> None:
    if command is not None and (command.args or "").strip():
        # "/profile s1mple" means that player's card, as /stats s1mple does, not the caller's own.
        await _stats(message, pool, faceit, l10n, parsing.player_query(command.args))
        return
    if not user.faceit_player_id:
        raise NotLinked()
    card = await players.load_profile(faceit, pool, user.faceit_player_id)
    await respond(message, render_player.profile(card, l10n))


@router.message(Command("stats"))
async def cmd_stats(
    message: Message, command: CommandObject, pool: Pool, faceit: FaceitClient, l10n: L10n
) -> None:
    if not (command.args or "").strip():
        await respond(message, Rendered(l10n("stats-usage")))
        return
    await _stats(message, pool, faceit, l10n, parsing.player_query(command.args))


@router.callback_query(PlayerCb.filter(F.action == PlayerAction.STATS))
async def on_stats_choice(
    query: CallbackQuery, callback_data: PlayerCb, pool: Pool, faceit: FaceitClient, l10n: L10n
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _stats(query.message, pool, faceit, l10n, parsing.player_query(callback_data.nickname))


async def _stats(message: Message, pool: Pool, faceit: FaceitClient, l10n: L10n, nickname: str) -> None:
    player = await players.find_player(faceit, nickname)
    card = await players.load_profile(faceit, pool, player.player_id)
    await respond(message, render_player.profile(card, l10n))

"""/elo (the ELO chart), /card (the stat card) and /matchcard (a match analysis): pictures, with the
text in the caption."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from faceitbot import parsing
from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers.filters import MenuButton
from faceitbot.handlers.replying import respond, respond_photo
from faceitbot.i18n.loader import L10n
from faceitbot.render import pictures as render
from faceitbot.render.common import Rendered
from faceitbot.render.images import ImageCache
from faceitbot.services import insights
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="pictures")


@router.message(Command("elo"))
async def cmd_elo(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    images: ImageCache,
    l10n: L10n,
    command: CommandObject | None = None,
) -> None:
    player = await insights.target(faceit, pool, user, command.args if command else None)
    series = await insights.elo_series(pool, player.player_id)
    if len(series) < 2:
        await respond(message, render.elo_too_few(player.nickname, series, l10n))
        return
    png = await images.png("elo", render.elo_key(series), lambda: render.elo_png(series))
    await respond_photo(message, png, render.elo_caption(player.nickname, series, l10n), filename="elo.png")


@router.message(Command("card"))
@router.message(MenuButton("menu-mystats"))
async def cmd_card(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    images: ImageCache,
    l10n: L10n,
    command: CommandObject | None = None,
) -> None:
    player = await insights.target(faceit, pool, user, command.args if command else None)
    card, recent = await insights.load_card(faceit, pool, player.player_id)
    png = await images.png("card", render.card_key(card, recent), lambda: render.card_png(card, recent))
    await respond_photo(message, png, render.card_caption(card, l10n), filename="card.png")


@router.message(Command("matchcard"))
async def cmd_matchcard(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    images: ImageCache,
    l10n: L10n,
    command: CommandObject | None = None,
) -> None:
    if not (command and (command.args or "").strip()):
        await respond(message, Rendered(l10n("matchcard-usage")))
        return
    report = await insights.analysed_match(faceit, pool, user.telegram_id, parsing.match_id(command.args))
    png = await images.png("match", render.match_key(report), lambda: render.match_png(report))
    await respond_photo(message, png, render.match_caption(report, l10n), filename="match.png")

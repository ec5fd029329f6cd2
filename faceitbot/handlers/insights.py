"""/last, /matches, /form (and the form menu), /maps: the player insights."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from faceitbot import parsing
from faceitbot.callbacks import FormCb, MatchesCb, ScoreboardCb
from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers.filters import MenuButton
from faceitbot.handlers.replying import respond
from faceitbot.i18n.loader import L10n
from faceitbot.middlewares.presses import AnswerPresses
from faceitbot.queue import TaskQueue
from faceitbot.render import insights as render
from faceitbot.render.common import Rendered
from faceitbot.services import insights
from faceitbot.services.insight_requests import request_form
from faceitbot.store import settings as settings_store
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="insights")
router.callback_query.middleware(AnswerPresses())  # every press answered up front

DEFAULT_HISTORY = 10


async def _zone(pool: Pool, user: UserRow) -> ZoneInfo:
    return ZoneInfo(await settings_store.time_zone(pool, user.telegram_id))


def _args(command: CommandObject | None) -> str | None:
    return command.args if command is not None else None


@router.message(Command("last"))
@router.message(MenuButton("menu-last"))
async def cmd_last(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    l10n: L10n,
    command: CommandObject | None = None,
) -> None:
    player = await insights.target(faceit, pool, user, _args(command))
    card = await insights.load_last_match(faceit, pool, player.player_id)
    await respond(message, render.last_match(card, player.nickname, await _zone(pool, user), l10n))


@router.callback_query(ScoreboardCb.filter())
async def on_scoreboard(
    query: CallbackQuery, message: Message, callback_data: ScoreboardCb, faceit: FaceitClient, l10n: L10n
) -> None:
    card = await insights.load_scoreboard(faceit, callback_data.match_id)
    await respond(message, render.scoreboard(card, l10n), caller=query.from_user)


def history_args(text: str | None) -> tuple[int, str | None]:
    """`/matches [n] [nickname]` in either order → (n, nickname)."""
    count, nickname = DEFAULT_HISTORY, None
    for token in (text or "").split():
        if parsing.looks_like_count(token):
            count = parsing.count(token, 1, insights.MAX_HISTORY, "error-history-count")
        else:
            nickname = token
    return count, nickname


@router.message(Command("matches"))
@router.message(MenuButton("menu-history"))
async def cmd_matches(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    l10n: L10n,
    command: CommandObject | None = None,
) -> None:
    count, nickname = history_args(_args(command))
    player = await insights.target(faceit, pool, user, nickname)
    lines = await insights.load_history(faceit, player.player_id, count)
    page = render.history_page(
        lines, player.nickname, player.player_id, count, 0, await _zone(pool, user), l10n
    )
    await respond(message, page)


@router.callback_query(MatchesCb.filter())
async def on_history_page(
    query: CallbackQuery,
    message: Message,
    callback_data: MatchesCb,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    l10n: L10n,
) -> None:
    cb = callback_data
    lines = await insights.load_history(faceit, cb.player_id, cb.count)
    page = render.history_page(
        lines, lines[0].nickname, cb.player_id, cb.count, cb.page, await _zone(pool, user), l10n
    )
    await message.edit_text(page.text, reply_markup=page.markup)


@router.message(Command("form"))
@router.message(MenuButton("menu-form"))
async def cmd_form(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    l10n: L10n,
    command: CommandObject | None = None,
) -> None:
    player = await insights.target(faceit, pool, user, _args(command))
    await respond(message, render.form_menu(player.nickname, player.player_id, l10n))


@router.callback_query(FormCb.filter())
async def on_form_view(
    query: CallbackQuery,
    message: Message,
    callback_data: FormCb,
    user: UserRow,
    pool: Pool,
    queue: TaskQueue,
    l10n: L10n,
) -> None:
    job_id, created = await request_form(
        pool,
        queue,
        user,
        callback_data.view,
        callback_data.player_id,
        chat_id=message.chat.id,
        locale=l10n.locale,
    )
    if created:
        ack = await respond(message, Rendered(l10n("form-queued")), caller=query.from_user)
        await queue.attach_reply(job_id, ack.message_id)


@router.message(Command("maps"))
async def cmd_maps(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    l10n: L10n,
    command: CommandObject | None = None,
) -> None:
    player = await insights.target(faceit, pool, user, _args(command))
    view = await insights.load_maps(faceit, player.player_id)
    await respond(message, render.maps_report(view, player.nickname, l10n))

"""/track, /untrack, /tracked, /notify; the analysis button under a match notification; /start
turning notifications back on after the user had blocked the bot."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from faceitbot import parsing
from faceitbot.callbacks import PlayerAction, PlayerCb, TrackAction, TrackCb
from faceitbot.config import Settings
from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers.match import request_analysis
from faceitbot.i18n.loader import L10n
from faceitbot.middlewares.presses import AnswerPresses
from faceitbot.queue import TaskQueue
from faceitbot.render import tracking as render
from faceitbot.render.common import Rendered, escape
from faceitbot.services import tracking
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="tracking")
router.callback_query.middleware(AnswerPresses())  # every press answered up front


@router.message(CommandStart())
async def start_turns_notifications_back_on(message: Message, user: UserRow, pool: Pool) -> None:
    await tracking.welcome_back(pool, user)
    raise SkipHandler()  # /start's own greeting follows


@router.message(Command("track"))
async def cmd_track(
    message: Message,
    command: CommandObject,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    settings: Settings,
    l10n: L10n,
) -> None:
    if not (command.args or "").strip():
        await message.answer(l10n("track-usage"))
        return
    await _track(message, user, pool, faceit, settings, l10n, parsing.player_query(command.args))


@router.callback_query(PlayerCb.filter(F.action == PlayerAction.TRACK))
async def on_track_choice(
    query: CallbackQuery,
    message: Message,
    callback_data: PlayerCb,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    settings: Settings,
    l10n: L10n,
) -> None:
    nickname = parsing.player_query(callback_data.nickname)
    await _track(message, user, pool, faceit, settings, l10n, nickname)


async def _track(
    message: Message,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    settings: Settings,
    l10n: L10n,
    nick: str,
) -> None:
    done = await tracking.track(pool, faceit, settings, user, nick, datetime.now(UTC))
    await message.answer(render.track_done(done.nickname, done.used, done.limit, l10n))


@router.message(Command("untrack"))
async def cmd_untrack(
    message: Message, command: CommandObject, user: UserRow, pool: Pool, l10n: L10n
) -> None:
    if not (command.args or "").strip():
        await message.answer(l10n("untrack-usage"))
        return
    nickname = await tracking.untrack(pool, user.telegram_id, parsing.player_query(command.args))
    await message.answer(l10n("untrack-done", nickname=escape(nickname)))


@router.message(Command("tracked"))
async def cmd_tracked(message: Message, user: UserRow, pool: Pool, settings: Settings, l10n: L10n) -> None:
    shown = await _listing(user, pool, settings, l10n)
    await message.answer(shown.text, reply_markup=shown.markup)


@router.callback_query(TrackCb.filter(F.action == TrackAction.UNTRACK))
async def on_untrack(
    query: CallbackQuery, callback_data: TrackCb, user: UserRow, pool: Pool, settings: Settings, l10n: L10n
) -> None:
    await tracking.untrack_id(pool, user.telegram_id, callback_data.value)
    if isinstance(query.message, Message):
        shown = await _listing(user, pool, settings, l10n)
        await query.message.edit_text(shown.text, reply_markup=shown.markup)


async def _listing(user: UserRow, pool: Pool, settings: Settings, l10n: L10n) -> Rendered:
    rows, used = await tracking.listing(pool, user.telegram_id)
    limit = tracking.limit_for(settings, user, datetime.now(UTC))
    return render.tracked(rows, used, limit, l10n, time.time())


@router.callback_query(TrackCb.filter(F.action == TrackAction.ANALYSE))
async def on_analyse(
    query: CallbackQuery,
    message: Message,
    callback_data: TrackCb,
    user: UserRow,
    pool: Pool,
    queue: TaskQueue,
    settings: Settings,
    l10n: L10n,
) -> None:
    await request_analysis(message, user, pool, queue, settings, l10n, parsing.match_id(callback_data.value))


@router.message(Command("notify"))
async def cmd_notify(message: Message, command: CommandObject, user: UserRow, pool: Pool, l10n: L10n) -> None:
    choice = (command.args or "").strip().lower()
    if choice not in ("on", "off"):
        state = l10n("notify-state-on") if user.notifications else l10n("notify-state-off")
        await message.answer(l10n("notify-usage", state=state))
        return
    await tracking.set_notifications(pool, user.telegram_id, choice == "on")
    await message.answer(l10n("notify-on") if choice == "on" else l10n("notify-off"))

"""The squads' periodic work and its queue jobs.

Ticks (each slot run by one replica, see scheduler.py) only plan (services/squads.py): the
(group, week) row and its job are written in one transaction, so a digest is planned once
whichever replicas tick and however often they restart; the job records each message it sent (the text, then the
picture), so a retry after a crash sends only what is missing. The leaderboard tick claims the
boards not looked at for 10 minutes and edits the ones whose figures changed. Sends go through
the send governor as background sends: a group gets at most 20 a minute, behind users' replies.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot import send_governor, sent
from faceitbot.faceit.client import FaceitClient
from faceitbot.i18n.loader import L10n
from faceitbot.queue import TaskQueue
from faceitbot.render import squads as render
from faceitbot.scheduler import Scheduler
from faceitbot.services import delivery, squads
from faceitbot.store import squads as store
from faceitbot.store.db import Pool
from faceitbot.store.jobs import JobRow

PLAN_EVERY_S = 300  # digests and recaps go out within five minutes of their time
BOARDS_EVERY_S = 60
FORGET_EVERY_S = 3600


@dataclass(frozen=True, slots=True)
class SquadDeps:
    pool: Pool
    queue: TaskQueue
    bot: Bot
    faceit: FaceitClient  # the main client: digest and recap pages
    background: FaceitClient  # monitoring's client: stale leaderboard members, on its share
    i18n: I18n


# -- the jobs -------------------------------------------------------------------------------------
async def send_digest(deps: SquadDeps, chat_id: int, week_end: datetime) -> None:
    row = await store.digest(deps.pool, chat_id, week_end)
    squad = await store.get(deps.pool, chat_id)
    if row is None or row.sent_at is not None or squad is None:
        return
    l10n = L10n(deps.i18n, squad.language)
    week = await squads.build_digest(deps.pool, deps.faceit, chat_id, week_end)
    try:
        with send_governor.background():
            if row.text_message_id is None:
                message = await sent.send_message(
                    deps.bot, chat_id, render.digest_text(week, squad.time_zone, l10n)
                )
                await store.digest_part_sent(deps.pool, chat_id, week_end, "text", message.message_id)
            if row.photo_message_id is None and week.digest.matches:
                png = await asyncio.to_thread(render.digest_card, week, squad.time_zone)
                photo = await deps.bot.send_photo(chat_id, BufferedInputFile(png, filename="squad-week.png"))
                await store.digest_part_sent(deps.pool, chat_id, week_end, "photo", photo.message_id)
    except TelegramForbiddenError:
        logger.info("squad {}: the bot is no longer in the group; digest dropped", chat_id)
        await store.mark_removed(deps.pool, chat_id)
    await store.digest_done(deps.pool, chat_id, week_end)
    logger.info("squad {}: digest of the week to {} sent", chat_id, week_end.date())


async def send_recap(deps: SquadDeps, telegram_id: int, week_end: datetime) -> None:
    if await store.recap_sent(deps.pool, telegram_id, week_end):
        return
    user = next((u for u in await store.recap_users(deps.pool) if u.telegram_id == telegram_id), None)
    if user is None:  # opted out or unlinked since
        await store.recap_done(deps.pool, telegram_id, week_end)
        return
    recap = await squads.build_recap(deps.pool, deps.faceit, user.player_id, week_end)
    with send_governor.background():
        await delivery.send(
            deps.bot, telegram_id, render.recap(recap, user.nickname, L10n(deps.i18n, user.language)).text
        )
    await store.recap_done(deps.pool, telegram_id, week_end)


async def refresh_boards(deps: SquadDeps, now: datetime, every_s: int = squads.BOARD_EVERY_S) -> int:
    """Edits the due leaderboards whose figures changed; returns how many were edited."""
    edited = 0
    for row in await squads.due_boards(deps.pool, every_s):
        entries = await squads.leaderboard(deps.pool, deps.background, row.chat_id, now)
        text = render.board(entries, L10n(deps.i18n, row.language))
        try:
            with send_governor.background():
                edited += await squads.refresh_board(deps.pool, deps.bot, row, text)
        except TelegramForbiddenError:
            # Removed without our hearing of it (a missed my_chat_member): as if we had.
            await store.mark_removed(deps.pool, row.chat_id)
        except TelegramAPIError as e:  # one group's trouble does not hold up the others'
            logger.warning("squad {}: leaderboard not refreshed ({})", row.chat_id, e.message)
    return edited


def register(scheduler: Scheduler, deps: SquadDeps) -> None:
    async def run_digest(payload: dict[str, Any], job: JobRow) -> None:
        planned = msgspec.convert(payload, squads.DigestJob)
        await send_digest(deps, planned.chat_id, datetime.fromisoformat(planned.week_end))

    async def run_recap(payload: dict[str, Any], job: JobRow) -> None:
        planned = msgspec.convert(payload, squads.RecapJob)
        await send_recap(deps, planned.telegram_id, datetime.fromisoformat(planned.week_end))

    deps.queue.register(squads.DIGEST, run_digest)
    deps.queue.register(squads.RECAP, run_recap)

    async def plan(_: datetime) -> None:
        now = datetime.now(UTC)
        await squads.plan_digests(deps.pool, deps.queue, now)
        await squads.plan_recaps(deps.pool, deps.queue, now)

    async def boards(_: datetime) -> None:
        await refresh_boards(deps, datetime.now(UTC))

    async def forget(_: datetime) -> None:
        if gone := await squads.forget_removed(deps.pool):
            logger.info("squads: {} squad(s) of groups that removed the bot 30 days ago deleted", gone)

    scheduler.every("squads.plan", PLAN_EVERY_S, plan)
    scheduler.every("squads.boards", BOARDS_EVERY_S, boards)
    scheduler.every("squads.forget", FORGET_EVERY_S, forget)

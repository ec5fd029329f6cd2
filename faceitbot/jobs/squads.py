"""The squads' jobs (the weekly digest, the weekly recap) and periodic work (planning them,
keeping leaderboards current, forgetting squads of groups that removed the bot 30 days ago).

Ticks (each slot run by one replica, see cluster/scheduler.py) only plan (services/squads.py):
the (group, week) row and its job are written in one transaction, so a digest is planned once
whichever replicas tick and however often they restart; the job records each message it sent
(the text, then the picture), so a retry after a crash sends only what is missing. The
leaderboard tick claims the boards not looked at for 10 minutes and edits the ones whose figures
changed. Sends are background sends for the send governor: a group gets at most 20 a minute,
behind users' replies.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot.cluster.scheduler import Scheduler
from faceitbot.faceit.client import FaceitClient
from faceitbot.i18n.loader import L10n
from faceitbot.jobs.context import JobContext
from faceitbot.jobs.kind import Kind
from faceitbot.queue import TaskQueue
from faceitbot.render import squads as render
from faceitbot.services import squads
from faceitbot.services.squads import DIGEST, RECAP, DigestJob, RecapJob
from faceitbot.store import squads as store
from faceitbot.store.db import Pool
from faceitbot.store.jobs import JobRow
from faceitbot.telegram import delivery, send_governor, sent

PLAN_EVERY_S = 300  # digests and recaps go out within five minutes of their time
BOARDS_EVERY_S = 60
FORGET_EVERY_S = 3600


async def digest(ctx: JobContext, job: JobRow, payload: DigestJob) -> None:
    chat_id, week_end = payload.chat_id, datetime.fromisoformat(payload.week_end)
    row = await store.digest(ctx.pool, chat_id, week_end)
    squad = await store.get(ctx.pool, chat_id)
    if row is None or row.sent_at is not None or squad is None:
        return
    l10n = L10n(ctx.i18n, squad.language)
    week = await squads.build_digest(ctx.pool, ctx.faceit, chat_id, week_end)
    try:
        with send_governor.background():
            if row.text_message_id is None:
                text = render.digest_text(week, squad.time_zone, l10n)
                message = await sent.send_message(ctx.bot, chat_id, text)
                await store.digest_part_sent(ctx.pool, chat_id, week_end, "text", message.message_id)
            if row.photo_message_id is None and week.digest.matches:
                png = await asyncio.to_thread(render.digest_card, week, squad.time_zone)
                photo = await ctx.bot.send_photo(chat_id, BufferedInputFile(png, filename="squad-week.png"))
                await store.digest_part_sent(ctx.pool, chat_id, week_end, "photo", photo.message_id)
    except TelegramForbiddenError:
        logger.info("squad {}: the bot is no longer in the group; digest dropped", chat_id)
        await store.mark_removed(ctx.pool, chat_id)
    await store.digest_done(ctx.pool, chat_id, week_end)
    logger.info("squad {}: digest of the week to {} sent", chat_id, week_end.date())


async def recap(ctx: JobContext, job: JobRow, payload: RecapJob) -> None:
    telegram_id, week_end = payload.telegram_id, datetime.fromisoformat(payload.week_end)
    if await store.recap_sent(ctx.pool, telegram_id, week_end):
        return
    user = next((u for u in await store.recap_users(ctx.pool) if u.telegram_id == telegram_id), None)
    if user is not None:  # else opted out or unlinked since
        figures = await squads.build_recap(ctx.pool, ctx.faceit, user.player_id, week_end)
        with send_governor.background():
            text = render.recap(figures, user.nickname, L10n(ctx.i18n, user.language)).text
            await delivery.send(ctx.bot, telegram_id, text)
    await store.recap_done(ctx.pool, telegram_id, week_end)


DIGEST_JOB = Kind(DIGEST, DigestJob, digest)
RECAP_JOB = Kind(RECAP, RecapJob, recap)


async def refresh_boards(
    pool: Pool,
    bot: Bot,
    background: FaceitClient,
    i18n: I18n,
    now: datetime,
    every_s: int = squads.BOARD_EVERY_S,
) -> int:
    """Edits the due leaderboards whose figures changed; returns how many were edited.
    `background` is monitoring's client: stale members are read on its share."""
    edited = 0
    for row in await squads.due_boards(pool, every_s):
        entries = await squads.leaderboard(pool, background, row.chat_id, now)
        text = render.board(entries, L10n(i18n, row.language))
        try:
            with send_governor.background():
                edited += await squads.refresh_board(pool, bot, row, text)
        except TelegramForbiddenError:
            # Removed without our hearing of it (a missed my_chat_member): as if we had.
            await store.mark_removed(pool, row.chat_id)
        except TelegramAPIError as e:  # one group's trouble does not hold up the others'
            logger.warning("squad {}: leaderboard not refreshed ({})", row.chat_id, e.message)
    return edited


def schedule(
    scheduler: Scheduler, queue: TaskQueue, pool: Pool, bot: Bot, background: FaceitClient, i18n: I18n
) -> None:
    async def plan(_: datetime) -> None:
        now = datetime.now(UTC)
        await squads.plan_digests(pool, queue, now)
        await squads.plan_recaps(pool, queue, now)

    async def boards(_: datetime) -> None:
        await refresh_boards(pool, bot, background, i18n, datetime.now(UTC))

    async def forget(_: datetime) -> None:
        if gone := await squads.forget_removed(pool):
            logger.info("squads: {} squad(s) of groups that removed the bot 30 days ago deleted", gone)

    scheduler.every("squads.plan", PLAN_EVERY_S, plan)
    scheduler.every("squads.boards", BOARDS_EVERY_S, boards)
    scheduler.every("squads.forget", FORGET_EVERY_S, forget)

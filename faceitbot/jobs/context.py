"""What every job gets: one JobContext built in the composition root, and the Reply it reports into."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot.config import Settings
from faceitbot.faceit.allowance import Allowances, Spender
from faceitbot.faceit.client import FaceitClient
from faceitbot.render.common import Rendered
from faceitbot.store import jobs as jobs_store
from faceitbot.store.jobs import JobRow
from faceitbot.telegram import send_governor, sent
from faceitbot.telegram.send_governor import Superseded

PROGRESS_EVERY_S = 1.0


@dataclass(frozen=True, slots=True)
class JobContext:
    bot: Bot
    pool: asyncpg.Pool
    faceit: FaceitClient
    i18n: I18n
    settings: Settings
    allowances: Allowances | None = None  # per-user FACEIT allowance, for jobs outside the quota

    def spender(self, user_id: int, tier: str = "free") -> Spender | None:
        return None if self.allowances is None else self.allowances.spender(user_id, tier)


class Reply:
    """The message a job reports into: progress edits at most once a second, then the result."""

    def __init__(self, ctx: JobContext, job: JobRow, chat_id: int) -> None:
        self._ctx = ctx
        self._job = job
        self._chat_id = chat_id
        self._last_edit = 0.0

    async def progress(self, text: str) -> None:
        now = time.monotonic()
        if now - self._last_edit < PROGRESS_EVERY_S:
            return
        self._last_edit = now
        message_id = await jobs_store.reply_message(self._ctx.pool, self._job.id)
        if message_id is None:
            return
        try:
            with send_governor.progress():  # dropped if a newer edit comes while it waits its turn
                await sent.edit_message_text(self._ctx.bot, self._chat_id, message_id, text)
        except (TelegramBadRequest, TelegramRetryAfter, Superseded) as e:
            logger.debug("progress edit skipped: {!r}", e)

    async def deliver_once(self, make: Callable[[], Awaitable[Rendered]]) -> None:
        """The job's result, made once: a retry after its replica died (past delivering, short
        of being marked done) delivers what was made, an edit Telegram answers "not modified",
        instead of a new result with other counters."""
        kept = self._job.result  # as the job was claimed for this attempt
        if kept is None:
            rendered = await make()
            await jobs_store.keep_result(self._ctx.pool, self._job.id, _as_dict(rendered))
        else:
            rendered = _from_dict(kept)
        await self.deliver(rendered)

    async def deliver(self, rendered: Rendered) -> None:
        """Edit the acknowledgement into the result; a fresh message if there is none to edit."""
        message_id = await jobs_store.reply_message(self._ctx.pool, self._job.id)
        bot = self._ctx.bot
        if message_id is not None:
            try:
                await sent.edit_message_text(bot, self._chat_id, message_id, rendered.text, rendered.markup)
                return
            except TelegramBadRequest as e:
                if "not modified" in str(e):
                    return  # a retried job delivering the same result again
                if "not found" not in str(e):
                    raise
        try:
            fresh = await sent.send_message(bot, self._chat_id, rendered.text, rendered.markup)
        except TelegramForbiddenError:
            logger.info("chat {} blocked the bot; result dropped", self._chat_id)
            return
        # A retry of this job now edits that message rather than sending another.
        await jobs_store.set_reply_message(self._ctx.pool, self._job.id, fresh.message_id)


def _as_dict(rendered: Rendered) -> dict[str, Any]:
    markup = rendered.markup
    if markup is not None and not isinstance(markup, InlineKeyboardMarkup):
        raise TypeError("a job's result is edited into a message: only an inline keyboard fits")
    return {"text": rendered.text, "markup": markup and markup.model_dump(mode="json", exclude_none=True)}


def _from_dict(kept: dict[str, Any]) -> Rendered:
    markup = kept["markup"]
    return Rendered(kept["text"], InlineKeyboardMarkup.model_validate(markup) if markup else None)

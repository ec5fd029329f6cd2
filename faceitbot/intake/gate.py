"""Each update handled once, whichever replica or delivery path it arrives by.

An update is claimed in PostgreSQL before the dispatcher sees it and marked done after. A
second delivery of a done update is dropped; one that arrives while another live replica is
still handling it is refused as BUSY (the caller makes Telegram ask again); a claim left by a
replica that died expires after `hold_s`, and the next delivery is handled. When PostgreSQL
is unreachable the claim raises, nothing is handled, and the caller retries the update later,
so a user whose message arrived during the outage gets the real answer when it is back.

This is the webhook's path, one update per request; the polling leader claims whole batches
(intake.inflight).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from loguru import logger

from faceitbot.store import updates as updates_store
from faceitbot.store.db import DB_ERRORS
from faceitbot.store.updates import Claim


class UpdateGate:
    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        pool: asyncpg.Pool,
        owner: str,
        *,
        hold_s: float = 30.0,
        metrics=None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self._redact = redact
        self._dp = dp
        self._bot = bot
        self._pool = pool
        self._owner = owner
        self._hold_s = hold_s
        self._metrics = metrics

    async def feed(self, update: Update) -> tuple[Claim, TelegramMethod[Any] | None]:
        """Claim and handle; raises DB_ERRORS when PostgreSQL cannot take the claim."""
        claim = await updates_store.claim(self._pool, update.update_id, self._owner, self._hold_s)
        if claim is not Claim.MINE:
            if self._metrics is not None:
                self._metrics.duplicate_update(claim.value)
            return claim, None
        started = time.perf_counter()
        try:
            response = await self._dp.feed_update(self._bot, update)
        except DB_ERRORS:
            await _quietly_release(self._pool, update.update_id, self._owner)
            raise  # the webhook answers 503: Telegram delivers it again once PostgreSQL is back
        except asyncio.CancelledError:
            await _quietly_release(self._pool, update.update_id, self._owner)
            raise
        except Exception as e:
            # Outside every handler (the errors router answers for those): handling it again
            # would fail again, and Telegram would redeliver it for ever. Kept and skipped.
            logger.exception("update {} failed outside a handler; kept as failed", update.update_id)
            await self.keep_failed(update.update_id, None, f"{type(e).__name__}: {e}", stage="handle")
            return Claim.MINE, None
        finally:
            if self._metrics is not None:
                self._metrics.update_handled(update_kind(update), time.perf_counter() - started)
        await updates_store.finish(self._pool, [update.update_id], self._owner)
        return Claim.MINE, response

    async def keep_failed(self, update_id: int, raw: str | None, error: str, *, stage: str) -> None:
        """Keep an update as failed (with its JSON when it was never read) and skip it."""
        error = self._redact(error[:500])
        if self._metrics is not None:
            self._metrics.update_failed(stage)
        with contextlib.suppress(*DB_ERRORS):
            if raw is None:
                await updates_store.fail(self._pool, update_id, self._owner, error)
            else:
                await updates_store.keep_failed(self._pool, self._owner, [(update_id, raw, error)])


async def _quietly_release(pool: asyncpg.Pool, update_id: int, owner: str) -> None:
    try:
        await updates_store.release(pool, [update_id], owner)
    except DB_ERRORS:
        pass  # the claim expires on its own


def update_kind(update: Update) -> str:
    try:
        return update.event_type
    except Exception:  # an update type newer than our aiogram
        return "unknown"

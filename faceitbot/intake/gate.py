"""Each update handled once, whichever replica or delivery path it arrives by.

An update is claimed in PostgreSQL before the dispatcher sees it and marked done after. A
second delivery of a done update is dropped; one that arrives while another live replica is
still handling it is refused as BUSY (the caller makes Telegram ask again); a claim left by a
replica that died expires after `hold_s`, and the next delivery is handled. When PostgreSQL
is unreachable the claim raises, nothing is handled, and the caller retries the update later,
so a user whose message arrived during the outage gets the real answer when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update

from faceitbot.store import updates as updates_store
from faceitbot.store.updates import Claim

DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
FLUSH_S = 0.2


class UpdateGate:
    def __init__(
        self, dp: Dispatcher, bot: Bot, pool: asyncpg.Pool, owner: str, *, hold_s: float = 30.0, metrics=None
    ) -> None:
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
        except BaseException:
            await _quietly_release(self._pool, update.update_id, self._owner)
            raise
        finally:
            if self._metrics is not None:
                self._metrics.update_handled(_kind(update), time.perf_counter() - started)
        await updates_store.finish(self._pool, update.update_id, self._owner)
        return Claim.MINE, response

    async def feed_batch(self, updates: list[Update]) -> list[Claim]:
        """A getUpdates batch: claimed in one statement, ours handled concurrently, finish marks
        written in bulk every FLUSH_S and at the end. A leader killed mid-batch leaves to its
        successor only what was in flight or finished in its last FLUSH_S. Raises the first
        handler error (after the bookkeeping) or DB_ERRORS."""
        claims = await updates_store.claim_many(
            self._pool, [u.update_id for u in updates], self._owner, self._hold_s
        )
        if self._metrics is not None:
            for u in updates:
                if claims[u.update_id] is not Claim.MINE:
                    self._metrics.duplicate_update(claims[u.update_id].value)
        finished: list[int] = []
        failed: list[int] = []

        async def handle(update: Update) -> None:
            started = time.perf_counter()
            try:
                await self._dp.feed_update(self._bot, update)
            except BaseException:
                failed.append(update.update_id)
                raise
            finally:
                if self._metrics is not None:
                    self._metrics.update_handled(_kind(update), time.perf_counter() - started)
            finished.append(update.update_id)

        async def flush() -> None:
            if finished:
                ids = finished.copy()
                del finished[:]
                await updates_store.finish_many(self._pool, ids, self._owner)

        async def keep_flushing() -> None:
            while True:
                await asyncio.sleep(FLUSH_S)  # a timer, not synchronisation: marks go out in bulk
                with contextlib.suppress(*DB_ERRORS):
                    await flush()

        flusher = asyncio.create_task(keep_flushing())
        try:
            results = await asyncio.gather(
                *(handle(u) for u in updates if claims[u.update_id] is Claim.MINE), return_exceptions=True
            )
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        if failed:
            await _quietly_release_many(self._pool, failed, self._owner)
        await flush()
        for r in results:
            if isinstance(r, BaseException):
                raise r
        return [claims[u.update_id] for u in updates]


async def _quietly_release_many(pool: asyncpg.Pool, update_ids: list[int], owner: str) -> None:
    try:
        await updates_store.release_many(pool, update_ids, owner)
    except DB_ERRORS:
        pass  # the claims expire on their own


async def _quietly_release(pool: asyncpg.Pool, update_id: int, owner: str) -> None:
    try:
        await updates_store.release(pool, update_id, owner)
    except DB_ERRORS:
        pass  # the claim expires on its own


def _kind(update: Update) -> str:
    try:
        return update.event_type
    except Exception:  # an update type newer than our aiogram
        return "unknown"

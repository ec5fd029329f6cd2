"""Updates the polling leader has accepted, handled in the background while it fetches more.

The leader claims a getUpdates batch together with each update's JSON and the new offset in one
statement (store.updates.accept_batch) and goes straight back to Telegram; here each claimed
update runs as a task of its own. An update is marked done as soon as it finishes (the marks
of updates finishing together share one statement). The claims of
updates still running (or finished but not yet marked) are renewed every third of their hold,
so a slow update is never taken for a dead one. A replica that dies stops renewing; the leader
takes its claims over once they lapse and replays them from the kept JSON.

A handler that loses PostgreSQL is run again here once it answers, so the user gets the real
reply rather than an apology; any other failure gives the update back for a replay, at most
MAX_ATTEMPTS times. On stop, what has not finished within the grace period is cancelled and
its claims given up, so the next leader replays it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from loguru import logger

from faceitbot.intake.gate import DB_ERRORS, update_kind
from faceitbot.store import updates as updates_store
from faceitbot.store.db import UNREACHABLE
from faceitbot.store.updates import Claim
from faceitbot.telegram.session import Received, Unreadable

FLUSH_S = 0.2
RETRY_S = 1.0
MAX_ATTEMPTS = 3
REPLAY_BATCH = 100

# Data for a batch's updates read in one go (their users' rows): update_id → feed_update kwargs.
# With the flag False it must only read: it runs before the batch is known to be ours.
Prefetch = Callable[[list[Update], bool], Awaitable[dict[int, dict[str, Any]]]]


class InFlight:
    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        pool: asyncpg.Pool,
        owner: str,
        *,
        hold_s: float,
        limit: int = 1000,
        metrics=None,
        prefetch: Prefetch | None = None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self._dp = dp
        self._bot = bot
        self._pool = pool
        self._owner = owner
        self._hold_s = hold_s
        self._limit = limit
        self._metrics = metrics
        self._prefetch = prefetch
        self._redact = redact
        self._running: dict[int, asyncio.Task[None]] = {}
        self._finished: list[int] = []  # handled, not yet marked done in PostgreSQL
        self._room = asyncio.Event()
        self._room.set()
        self._keeper: asyncio.Task[None] | None = None
        self._marker: asyncio.Task[None] | None = None
        self._to_mark = asyncio.Event()

    def __len__(self) -> int:
        return len(self._running)

    async def wait_room(self) -> None:
        """Until fewer than `limit` updates are in flight: a burst is taken at the pace it is handled."""
        await self._room.wait()

    async def accept(self, bot_id: int, batch: list[Received | Unreadable]) -> None:
        """Claim a getUpdates batch, keep it and move the offset past it; start ours. Raises
        DB_ERRORS with nothing claimed, and the batch is fetched again.

        Unreadable updates are kept as failed, with their JSON and the reason, and skipped: one
        malformed update must not stop the batch, or every later one (the offset would never
        move past it)."""
        unreadable = [r for r in batch if isinstance(r, Unreadable) and r.update_id >= 0]
        if unreadable:
            await self._keep_unreadable(unreadable)
        received = [r for r in batch if isinstance(r, Received)]
        if not received:
            if unreadable:
                await updates_store.save_offset(self._pool, bot_id, max(r.update_id for r in unreadable) + 1)
            return
        updates = [r.update for r in received]
        kept = [(r.update.update_id, r.json) for r in received]
        # The users' rows are read beside the claim, on another connection: the next getUpdates
        # waits for both. Only the updates that turn out ours write theirs (a user's first
        # update of the day, a new user's first ever), in one statement after the claim that
        # the next getUpdates does not wait for: those updates wait for it instead, and a crowd
        # of new users is taken in at the pace of the claims.
        claims, extras = await asyncio.gather(
            updates_store.accept_batch(self._pool, bot_id, kept, self._owner, self._hold_s),
            self._prefetched(updates, write=False),
        )
        mine = [u for u in updates if claims[u.update_id] is Claim.MINE]
        written: asyncio.Task[dict[int, dict[str, Any]]] | None = None
        if unread := [u for u in mine if u.update_id not in extras]:
            written = asyncio.create_task(self._prefetched(unread, write=True), name="users-written")
        if self._metrics is not None:
            for update in updates:
                if claims[update.update_id] is not Claim.MINE:
                    self._metrics.duplicate_update(claims[update.update_id].value)
        for update in mine:
            extra = extras.get(update.update_id)
            self.start(update, extra, written if extra is None else None)

    async def _keep_unreadable(self, unreadable: list[Unreadable]) -> None:
        await updates_store.keep_failed(
            self._pool, self._owner, [(r.update_id, r.json, self._redact(r.error)) for r in unreadable]
        )
        for r in unreadable:
            logger.warning("update {} is unreadable, kept as failed and skipped: {}", r.update_id, r.error)
            if self._metrics is not None:
                self._metrics.update_failed("parse")

    async def _prefetched(self, updates: list[Update], *, write: bool) -> dict[int, dict[str, Any]]:
        if self._prefetch is None:
            return {}
        try:
            return await self._prefetch(updates, write)
        except DB_ERRORS:
            return {}  # then each update reads its own

    async def replay_abandoned(self) -> int:
        """Take over claims nobody renewed (their replica died) and handle them again."""
        replayed = 0
        while len(self._running) < self._limit:
            taken = await updates_store.take_abandoned(self._pool, self._owner, self._hold_s, REPLAY_BATCH)
            for update_id, payload, attempts in taken:
                if self._knows(update_id):
                    continue  # ours all along: a renewal missed during an outage
                if attempts > MAX_ATTEMPTS:
                    logger.error("update {} failed {} times; giving it up", update_id, MAX_ATTEMPTS)
                    await updates_store.fail(self._pool, update_id, self._owner)
                    continue
                try:
                    update = Update.model_validate_json(payload, context={"bot": self._bot})
                except ValueError:
                    logger.error("update {} was kept unreadable; giving it up", update_id)
                    await updates_store.fail(self._pool, update_id, self._owner)
                    continue
                self.start(update)
                replayed += 1
            if len(taken) < REPLAY_BATCH:
                break
        if replayed:
            logger.info("replaying {} updates a stopped replica had claimed", replayed)
        return replayed

    def start(
        self,
        update: Update,
        extra: dict[str, Any] | None = None,
        later: Awaitable[dict[int, dict[str, Any]]] | None = None,
    ) -> None:
        """Handle `update` in the background; `extra` goes to feed_update (prefetched data), or
        this update's part of what `later` gives, once it has."""
        update_id = update.update_id
        if self._knows(update_id):
            return
        task = asyncio.create_task(self._handle(update, extra or {}, later), name=f"update-{update_id}")
        self._running[update_id] = task
        task.add_done_callback(lambda _: self._forget(update_id))
        if len(self._running) >= self._limit:
            self._room.clear()
        if self._keeper is None:
            self._keeper = asyncio.create_task(self._keep(), name="update-claims")
            self._marker = asyncio.create_task(self._mark(), name="update-marks")

    async def close(self, grace_s: float) -> None:
        """Let running updates finish for up to `grace_s`, give the rest back, mark what finished."""
        if self._running:
            await asyncio.wait(list(self._running.values()), timeout=grace_s)
        unfinished = list(self._running)
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in (self._keeper, self._marker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._keeper = self._marker = None
        with contextlib.suppress(*DB_ERRORS):
            await self._flush()
            if unfinished:
                await updates_store.expire_many(self._pool, unfinished, self._owner)
                logger.info("gave back {} unfinished updates for the next leader", len(unfinished))

    def _knows(self, update_id: int) -> bool:
        return update_id in self._running or update_id in self._finished

    def _forget(self, update_id: int) -> None:
        self._running.pop(update_id, None)
        if len(self._running) < self._limit:
            self._room.set()

    async def _handle(
        self, update: Update, extra: dict[str, Any], later: Awaitable[dict[int, dict[str, Any]]] | None
    ) -> None:
        if later is not None:
            try:
                extra = (await later).get(update.update_id, extra)
            except Exception:
                logger.exception(
                    "writing a batch's new users failed; update {} reads its own", update.update_id
                )
        while True:
            started = time.perf_counter()
            try:
                await self._dp.feed_update(self._bot, update, **extra)
            except UNREACHABLE:
                extra = {}  # read again when it is back
                # PostgreSQL went away mid-update; the claim is still ours (renewed once it is back).
                await asyncio.sleep(RETRY_S)  # a retry timer, not synchronisation
                continue
            except Exception as e:
                # Outside every handler (the errors router answers for those): a middleware, the
                # dispatcher itself. Running it again would fail the same way, so it is kept with
                # its error and skipped.
                logger.exception("update {} failed outside a handler; kept as failed", update.update_id)
                if self._metrics is not None:
                    self._metrics.update_failed("handle")
                with contextlib.suppress(*DB_ERRORS):
                    error = self._redact(f"{type(e).__name__}: {e}"[:500])
                    await updates_store.fail(self._pool, update.update_id, self._owner, error)
                return
            finally:
                if self._metrics is not None:
                    self._metrics.update_handled(update_kind(update), time.perf_counter() - started)
            self._finished.append(update.update_id)
            self._to_mark.set()
            return

    async def _mark(self) -> None:
        """Marks finished updates done as soon as they finish: a leader killed between a reply
        and its mark makes the next one answer that update again, so the window is kept to one
        write. Updates that finish while a write is on its way go in the next one."""
        while True:
            await self._to_mark.wait()
            self._to_mark.clear()
            try:
                await self._flush()
            except DB_ERRORS:
                await asyncio.sleep(RETRY_S)  # a retry timer: PostgreSQL is away; the claims stay renewed
                self._to_mark.set()

    async def _keep(self) -> None:
        renewed = time.monotonic()
        while True:
            await asyncio.sleep(FLUSH_S)  # a timer: marks and renewals go out in bulk
            with contextlib.suppress(*DB_ERRORS):
                await self._flush()
                if time.monotonic() - renewed >= self._hold_s / 3:
                    await self._renew(self._running)
                    renewed = time.monotonic()

    async def _renew(self, update_ids: Iterable[int]) -> None:
        ids = [*update_ids, *self._finished]
        if ids:
            await updates_store.renew_many(self._pool, ids, self._owner, self._hold_s)

    async def _flush(self) -> None:
        if not self._finished:
            return
        ids, self._finished = self._finished, []
        try:
            await updates_store.finish(self._pool, ids, self._owner)
        except BaseException:
            self._finished = ids + self._finished  # marked next time; their claims stay renewed
            raise

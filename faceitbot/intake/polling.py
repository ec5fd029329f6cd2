"""Long polling by the leader only, with the offset kept in PostgreSQL.

Only the replica holding the lease calls getUpdates, and each long poll is shorter than what
is left of the lease, so a leader that stops renewing has stopped polling before anyone else
can start. Updates of a batch are handled concurrently; the offset is saved only after all of
them are handled, so a leader killed mid-batch leaves them to the next one, and the gate skips
the ones it had already finished. If PostgreSQL is down, the batch is retried from the same
offset when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramConflictError
from loguru import logger

from faceitbot.intake.gate import DB_ERRORS, UpdateGate
from faceitbot.leader import Lease
from faceitbot.store import updates as updates_store
from faceitbot.store.updates import Claim

RETRY_S = 1.0


class StillClaimed(Exception):
    """An update of the batch is claimed by another replica; the batch is fetched again."""


class LeaderPolling:
    def __init__(
        self,
        bot: Bot,
        gate: UpdateGate,
        lease: Lease,
        pool,
        *,
        allowed_updates: list[str],
        poll_timeout_s: int = 5,
    ) -> None:
        self._bot = bot
        self._gate = gate
        self._lease = lease
        self._pool = pool
        self._allowed = allowed_updates
        self._timeout = poll_timeout_s
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Until stop(): stand by, lead, and poll while leading."""
        bot_id = self._bot.id
        while not self._stopping.is_set():
            if not self._lease.leading:
                await self._until_stopped(self._lease.wait_leading())
                continue
            try:
                offset = await updates_store.load_offset(self._pool, bot_id)
                updates = await self._until_stopped(
                    self._bot.get_updates(
                        offset=offset or None, timeout=self._timeout, allowed_updates=self._allowed
                    )
                )
                if updates is None:
                    return  # stopping: what we fetched is confirmed by nobody and comes again
                if updates:
                    await self._handle(updates)
                    await updates_store.save_offset(self._pool, bot_id, updates[-1].update_id + 1)
            except StillClaimed:
                await self._pause()
            except TelegramConflictError:
                # Another poller (a leader that has not noticed yet): the lease sorts it out.
                await self._pause()
            except (TelegramAPIError, TimeoutError) as e:
                logger.warning("getUpdates failed: {}", e)
                await self._pause()
            except DB_ERRORS as e:
                logger.warning("PostgreSQL unavailable while taking updates ({}); retrying", type(e).__name__)
                await self._pause()

    async def _handle(self, updates) -> None:
        # A handler error propagates: the batch is fetched again and the gate skips what finished.
        claims = await self._gate.feed_batch(updates)
        if any(claim is Claim.BUSY for claim in claims):
            # A dead leader's claim that has not expired yet: ask again instead of moving past it.
            raise StillClaimed

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), RETRY_S)

    async def _until_stopped(self, aw):
        """Await `aw` unless stop() comes first (then None)."""
        task = asyncio.ensure_future(aw)
        stopper = asyncio.create_task(self._stopping.wait())
        try:
            done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if task in done:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return None

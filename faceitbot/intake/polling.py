"""Long polling by the leader only, with the offset kept in PostgreSQL.

Only the replica holding the lease calls getUpdates, and each long poll is shorter than what
is left of the lease, so a leader that stops renewing has stopped polling before anyone else
can start. Each batch is claimed, kept and confirmed in one statement and then handled in the
background (intake.inflight) while the next batch is fetched; a new leader first replays what
a dead one had claimed and not finished. If PostgreSQL is down, the batch is fetched again
from the same offset when it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramConflictError
from aiogram.methods import GetUpdates
from loguru import logger

from faceitbot.cluster.leader import Lease
from faceitbot.intake.gate import DB_ERRORS
from faceitbot.intake.inflight import InFlight
from faceitbot.store import updates as updates_store
from faceitbot.telegram.session import JsonBodySession

RETRY_S = 1.0
GRACE_S = 5.0  # within SIGTERM's 10 s: running updates finish, the rest go to the next leader


class LeaderPolling:
    def __init__(
        self,
        bot: Bot,
        inflight: InFlight,
        lease: Lease,
        pool,
        *,
        allowed_updates: list[str],
        hold_s: float,
        poll_timeout_s: int = 5,
    ) -> None:
        if not isinstance(bot.session, JsonBodySession):
            raise TypeError("LeaderPolling needs the bot made by botsession.create_bot")
        self._bot = bot
        self._session = bot.session
        self._inflight = inflight
        self._lease = lease
        self._pool = pool
        self._allowed = allowed_updates
        self._timeout = poll_timeout_s
        self._replay_every_s = hold_s / 3
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Until stop(): stand by, lead, and poll while leading; then let what runs finish."""
        try:
            await self._run()
        finally:
            await self._inflight.close(GRACE_S)

    async def _run(self) -> None:
        bot_id = self._bot.id
        offset: int | None = None  # known while leading
        next_replay = 0.0
        while not self._stopping.is_set():
            if not self._lease.leading:
                offset = None
                await self._until_stopped(self._lease.wait_leading())
                continue
            try:
                if offset is None:
                    offset = await updates_store.load_offset(self._pool, bot_id)
                    next_replay = 0.0
                if time.monotonic() >= next_replay:
                    await self._inflight.replay_abandoned()
                    next_replay = time.monotonic() + self._replay_every_s
                if await self._until_stopped(self._room()) is None:
                    return
                batch = await self._until_stopped(
                    self._session.get_updates_received(
                        self._bot,
                        GetUpdates(
                            offset=offset or None, timeout=self._timeout, allowed_updates=self._allowed
                        ),
                    )
                )
                if batch is None:
                    return  # stopping: what we fetched is confirmed by nobody and comes again
                if batch:
                    await self._inflight.accept(bot_id, batch)
                    offset = max(item.update_id for item in batch) + 1
            except TelegramConflictError:
                # Another poller (a leader that has not noticed yet): the lease sorts it out.
                await self._pause()
            except (TelegramAPIError, TimeoutError) as e:
                logger.warning("getUpdates failed: {}", e)
                await self._pause()
            except DB_ERRORS as e:
                logger.warning("PostgreSQL unavailable while taking updates ({}); retrying", type(e).__name__)
                await self._pause()

    async def _room(self) -> bool:
        await self._inflight.wait_room()
        return True

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

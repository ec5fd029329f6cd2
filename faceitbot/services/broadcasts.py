"""/admin broadcast: a LOW-priority durable job sends the text to every user, paced below
Telegram's limits behind users' replies, honouring 429 retry_after (both by the send governor,
faceitbot.telegram.send_governor), and reports delivered / blocked / failed to the
admin when done. Each recipient is claimed (committed) before its send, so a restart resumes
where it stopped and never sends anyone a second copy."""

from __future__ import annotations

import html

import msgspec
from aiogram import Bot
from loguru import logger

from faceitbot.constants import Priority
from faceitbot.queue import JobSpec, Retry, TaskQueue
from faceitbot.store import broadcasts as store
from faceitbot.store.db import Pool
from faceitbot.telegram import delivery, send_governor

BROADCAST = JobSpec("broadcast", Priority.LOW, max_attempts=5, timeout_s=300, backoff_s=5)


class BroadcastJob(msgspec.Struct, frozen=True):
    """The broadcast job's payload, written here and read by jobs/broadcasts.py."""

    broadcast_id: int
    admin_id: int
    locale: str

    def dedupe_key(self) -> str:
        return f"broadcast:{self.broadcast_id}"


BATCH = 50
# One job run sends at most this many, then hands the rest to a fresh run (and its fresh timeout).
PER_RUN = 2000


async def start(pool: Pool, queue: TaskQueue, admin_id: int, text: str, locale: str) -> tuple[int, int]:
    """Record the broadcast and its recipients and queue the job, all in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        broadcast_id, recipients = await store.create(conn, admin_id, text)
        payload = BroadcastJob(broadcast_id, admin_id, locale)
        await queue.submit(
            BROADCAST, msgspec.to_builtins(payload), dedupe_key=payload.dedupe_key(), conn=conn
        )
    return broadcast_id, recipients


async def send_some(pool: Pool, bot: Bot, broadcast_id: int, limit: int) -> bool:
    """Send to up to `limit` pending recipients; True when none is left."""
    await store.abandon_sending(pool, broadcast_id)
    # Sent as typed: the admin's text is shown, not read as HTML.
    text = html.escape(await store.text_of(pool, broadcast_id) or "")
    done = 0
    while done < limit:
        batch = await store.pending(pool, broadcast_id, min(BATCH, limit - done))
        if not batch:
            return True
        for telegram_id in batch:
            if not await store.claim(pool, broadcast_id, telegram_id):
                continue
            with send_governor.background():
                outcome = await delivery.send(bot, telegram_id, text)
            await store.settle(pool, broadcast_id, telegram_id, outcome.value)
            done += 1
    return not await store.pending(pool, broadcast_id, 1)


async def run_some(pool: Pool, bot: Bot, broadcast_id: int) -> store.Tally | None:
    """One job run's share of the sending; the tally once the broadcast is finished (reported
    once: only the run that marks it finished gets it). Retry when recipients are left."""
    if not await send_some(pool, bot, broadcast_id, PER_RUN):
        raise Retry(0, "more recipients")
    if await store.finish(pool, broadcast_id):
        tally = await store.tally(pool, broadcast_id)
        logger.info("broadcast #{} done: {}", broadcast_id, tally)
        return tally
    return None

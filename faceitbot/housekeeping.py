"""Periodic clean-up of bookkeeping rows that only matter for a while."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from loguru import logger

from faceitbot.cluster.scheduler import Scheduler
from faceitbot.store import jobs as jobs_store
from faceitbot.store import scheduler_slots
from faceitbot.store import tracking as tracking_store
from faceitbot.store import updates as updates_store

EVERY_S = 3600


def register(scheduler: Scheduler, pool: asyncpg.Pool, *, notification_keep_days: int = 30) -> None:
    async def prune(_: datetime) -> None:
        await prune_once(pool, notification_keep_days=notification_keep_days)

    scheduler.every("housekeeping", EVERY_S, prune)


async def prune_once(pool: asyncpg.Pool, *, notification_keep_days: int) -> dict[str, int]:
    """One round of clean-up; how many rows of each kind went."""
    pruned = {
        "finished jobs": await jobs_store.prune_finished(pool),
        "tick rows": await scheduler_slots.prune(pool),
        "update ids": await updates_store.prune(pool),
        "notifications": await tracking_store.prune_notifications(pool, notification_keep_days),
        "FACEIT events": await tracking_store.prune_events(pool),
    }
    if any(pruned.values()):
        logger.info("housekeeping: pruned {}", ", ".join(f"{n} {what}" for what, n in pruned.items() if n))
    return pruned

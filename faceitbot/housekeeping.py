"""Periodic clean-up of bookkeeping rows that only matter for a while."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from loguru import logger

from faceitbot.scheduler import Scheduler
from faceitbot.store import job_runs
from faceitbot.store import jobs as jobs_store
from faceitbot.store import updates as updates_store

EVERY_S = 3600


def register(scheduler: Scheduler, pool: asyncpg.Pool) -> None:
    async def prune(_: datetime) -> None:
        jobs = await jobs_store.prune_finished(pool)
        runs = await job_runs.prune(pool)
        seen = await updates_store.prune(pool)
        if jobs or runs or seen:
            logger.info("housekeeping: pruned {} finished jobs, {} tick rows, {} update ids", jobs, runs, seen)

    scheduler.every("housekeeping", EVERY_S, prune)

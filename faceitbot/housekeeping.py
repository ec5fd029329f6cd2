"""Periodic clean-up of bookkeeping rows that only matter for a while."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from loguru import logger

from faceitbot.scheduler import Scheduler
from faceitbot.store import job_runs
from faceitbot.store import jobs as jobs_store

EVERY_S = 3600


def register(scheduler: Scheduler, pool: asyncpg.Pool) -> None:
    async def prune(_: datetime) -> None:
        jobs = await jobs_store.prune_finished(pool)
        runs = await job_runs.prune(pool)
        if jobs or runs:
            logger.info("housekeeping: pruned {} finished jobs and {} tick rows", jobs, runs)

    scheduler.every("housekeeping", EVERY_S, prune)

"""The daily figures job: aggregates the days its tick names (yesterday and today)."""

from __future__ import annotations

from faceitbot.jobs.context import JobContext
from faceitbot.jobs.kind import Kind
from faceitbot.services import analytics
from faceitbot.services.analytics import AGGREGATE, AggregateJob
from faceitbot.store.jobs import JobRow


async def aggregate(ctx: JobContext, job: JobRow, payload: AggregateJob) -> None:
    for day in payload.days:
        await analytics.aggregate(ctx.pool, day)


AGGREGATE_JOB = Kind(AGGREGATE, AggregateJob, aggregate)

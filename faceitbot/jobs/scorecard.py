"""The scorecard's outcome lookup: whether a predicted match has finished, and who won."""

from __future__ import annotations

from loguru import logger

from faceitbot.jobs.context import JobContext
from faceitbot.jobs.kind import Kind
from faceitbot.services import scorecard
from faceitbot.services.scorecard import OUTCOME, OutcomeJob
from faceitbot.store.jobs import JobRow


async def learn_outcome(ctx: JobContext, job: JobRow, payload: OutcomeJob) -> None:
    learnt = await scorecard.learn_outcome(ctx.pool, ctx.faceit, payload.match_id)
    logger.info("scorecard: match {} is {}", payload.match_id, learnt)


OUTCOME_JOB = Kind(OUTCOME, OutcomeJob, learn_outcome)

"""Background work run by the durable queue: one module per job family, each job a module-level
coroutine `(ctx, job, payload)` whose payload is a msgspec Struct shared with the service that
queues it, and its policy (faceitbot.jobs.kind.Kind) beside it. KINDS lists every kind the
product runs."""

from __future__ import annotations

from faceitbot.jobs.analysis import ANALYSIS_JOB
from faceitbot.jobs.analytics import AGGREGATE_JOB
from faceitbot.jobs.broadcasts import BROADCAST_JOB
from faceitbot.jobs.context import JobContext
from faceitbot.jobs.insights import INSIGHT_JOB
from faceitbot.jobs.kind import Kind
from faceitbot.jobs.scorecard import OUTCOME_JOB
from faceitbot.jobs.squads import DIGEST_JOB, RECAP_JOB
from faceitbot.jobs.tracking import NOTIFY_JOB, POLL_JOB, RESOLVE_JOB
from faceitbot.queue import TaskQueue

KINDS: tuple[Kind, ...] = (
    ANALYSIS_JOB,
    INSIGHT_JOB,
    BROADCAST_JOB,
    AGGREGATE_JOB,
    OUTCOME_JOB,
    POLL_JOB,
    NOTIFY_JOB,
    RESOLVE_JOB,
    DIGEST_JOB,
    RECAP_JOB,
)


def register_all(queue: TaskQueue, ctx: JobContext) -> None:
    for kind in KINDS:
        kind.register(queue, ctx)

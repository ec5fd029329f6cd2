"""Tracking's jobs: the poll of one tracked player, the delivery of one notification, and the
check a FACEIT match event asks for. The Monitor (ctx.monitor) does the work; these say what a
job of each kind does with its payload."""

from __future__ import annotations

from loguru import logger

from faceitbot.jobs.context import JobContext
from faceitbot.jobs.kind import Kind
from faceitbot.queue import Retry
from faceitbot.store import tracking as store
from faceitbot.store.jobs import JobRow
from faceitbot.tracking import cadence
from faceitbot.tracking.monitor import NOTIFY, POLL, NotifyJob, PollJob
from faceitbot.tracking.webhooks import HISTORY_LAG_S, RESOLVE, ResolveJob


async def poll(ctx: JobContext, job: JobRow, payload: PollJob) -> None:
    await ctx.monitor.check(payload.player_id, cadence.Stretch(*payload.stretch))


async def notify(ctx: JobContext, job: JobRow, payload: NotifyJob) -> None:
    await ctx.monitor.deliver(payload.id)


async def notify_failed(ctx: JobContext, job: JobRow, payload: NotifyJob, error: BaseException) -> None:
    await store.mark(ctx.pool, payload.id, "failed")


async def resolve(ctx: JobContext, job: JobRow, payload: ResolveJob) -> None:
    """A finished match: check one tracked player of it now (resolving it covers them all).
    A live one: check each, for the pre-game analysis and the cadence's wait."""
    match_id, monitor = payload.match_id, ctx.monitor
    if payload.live:
        stretch = monitor.governor.stretch(*await store.demand(ctx.pool))
        for player_id in payload.player_ids:
            await monitor.check(player_id, stretch)
        return
    for player_id in payload.player_ids:
        if await store.monitored_match(ctx.pool, match_id) is not None:
            return  # resolved already (by a poll, or an earlier attempt)
        stretch = monitor.governor.stretch(*await store.demand(ctx.pool))
        if await monitor.check(player_id, stretch) is None:
            continue  # untracked meanwhile, or the share is spent: polling takes over
        if await store.monitored_match(ctx.pool, match_id) is not None:
            return
        # Not in the history yet, or its stats are not out: FACEIT lags its own events a
        # little. A few more looks, then polling (which knows the player just played) has it.
        if job.attempts >= RESOLVE.max_attempts:
            logger.info("match {} of a FACEIT event is still not resolvable: left to polling", match_id)
            return
        raise Retry(HISTORY_LAG_S, f"match {match_id} is not resolvable from {player_id}'s history yet")


POLL_JOB = Kind(POLL, PollJob, poll)
NOTIFY_JOB = Kind(NOTIFY, NotifyJob, notify, notify_failed)
RESOLVE_JOB = Kind(RESOLVE, ResolveJob, resolve)

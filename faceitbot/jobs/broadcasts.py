"""The broadcast job: sends a batch per run, and tells the admin the tally when none is left."""

from __future__ import annotations

from faceitbot.i18n.loader import L10n
from faceitbot.jobs.context import JobContext
from faceitbot.jobs.kind import Kind
from faceitbot.render import admin as render_admin
from faceitbot.services import broadcasts
from faceitbot.services.broadcasts import BROADCAST, BroadcastJob
from faceitbot.store.jobs import JobRow
from faceitbot.telegram import delivery


async def broadcast(ctx: JobContext, job: JobRow, payload: BroadcastJob) -> None:
    tally = await broadcasts.run_some(ctx.pool, ctx.bot, payload.broadcast_id)
    if tally is not None:
        done = render_admin.broadcast_done(payload.broadcast_id, tally, L10n(ctx.i18n, payload.locale))
        await delivery.send(ctx.bot, payload.admin_id, done)


BROADCAST_JOB = Kind(BROADCAST, BroadcastJob, broadcast)

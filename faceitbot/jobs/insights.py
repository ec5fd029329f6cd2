"""The form-view job: reads up to 100 matches with progress edits, then edits in the result."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from faceitbot.callbacks import FormView
from faceitbot.errors import PlayerNotFound
from faceitbot.faceit.allowance import spending
from faceitbot.faceit.errors import FaceitNotFound
from faceitbot.i18n.loader import L10n
from faceitbot.jobs.context import JobContext, Reply
from faceitbot.jobs.kind import Kind
from faceitbot.render import insights as render
from faceitbot.render.common import Rendered
from faceitbot.render.errors import for_exception
from faceitbot.services import insights
from faceitbot.services.insight_requests import INSIGHT, InsightJob, checked_player_id
from faceitbot.store import settings as settings_store
from faceitbot.store.jobs import JobRow


async def run_view(ctx: JobContext, payload: InsightJob, reply: Reply, l10n: L10n) -> Rendered:
    try:
        player = await ctx.faceit.player(checked_player_id(payload.player_id))
    except FaceitNotFound:
        raise PlayerNotFound(payload.player_id) from None

    async def progress(done: int, total: int) -> None:
        await reply.progress(render.loading(done, total, l10n))

    view = FormView(payload.view)
    if view is FormView.SESSIONS:
        zone = ZoneInfo(await settings_store.time_zone(ctx.pool, payload.user_id))
        return render.sessions_report(await insights.load_sessions(ctx.faceit, ctx.pool, player), zone, l10n)
    if view is FormView.TODAY:
        zone_name = await settings_store.time_zone(ctx.pool, payload.user_id)
        report = await insights.load_today(
            ctx.faceit, ctx.pool, player, zone_name, int(time.time()), progress
        )
        return render.today_report(report, l10n)
    return render.form_report(await insights.load_form(ctx.faceit, player, int(view.value), progress), l10n)


async def insight(ctx: JobContext, job: JobRow, payload: InsightJob) -> None:
    l10n = L10n(ctx.i18n, payload.locale)
    reply = Reply(ctx, job, payload.chat_id)
    # Outside the analysis quota: the calls come from the user's own FACEIT allowance.
    with spending(ctx.spender(payload.user_id, payload.tier)):
        await reply.deliver_once(lambda: run_view(ctx, payload, reply, l10n))


async def insight_failed(ctx: JobContext, job: JobRow, payload: InsightJob, error: BaseException) -> None:
    await Reply(ctx, job, payload.chat_id).deliver(for_exception(error, L10n(ctx.i18n, payload.locale)))


INSIGHT_JOB = Kind(INSIGHT, InsightJob, insight, insight_failed)

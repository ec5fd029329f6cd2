"""The analysis job: the pre-game report of one match room, with progress edits, into the
message that acknowledged the request; on the last failure the quota is given back."""

from __future__ import annotations

from faceitbot.faceit.allowance import pays_for_unknown
from faceitbot.i18n.loader import L10n
from faceitbot.jobs.context import JobContext, Reply
from faceitbot.jobs.kind import Kind
from faceitbot.render import match as render_match
from faceitbot.render.common import Rendered
from faceitbot.render.errors import for_exception
from faceitbot.services import scorecard
from faceitbot.services.analysis import MatchNotFound, analyse_match
from faceitbot.services.match_requests import ANALYSIS, AnalysisJob
from faceitbot.store import quotas
from faceitbot.store.jobs import JobRow


async def analyse(ctx: JobContext, job: JobRow, payload: AnalysisJob) -> None:
    l10n = L10n(ctx.i18n, payload.locale)
    reply = Reply(ctx, job, payload.chat_id)

    async def progress(stage: str, done: int, total: int) -> None:
        await reply.progress(render_match.progress(stage, done, total, l10n))

    async def analysed() -> Rendered:
        result = await analyse_match(ctx.faceit, payload.match_id, progress)
        await scorecard.record(ctx.pool, result.report)
        return render_match.analysis(
            result.report,
            l10n,
            viewer_player_id=payload.viewer_player_id,
            calls=result.faceit_calls,
            elapsed_ms=result.elapsed_ms,
        )

    await reply.deliver_once(analysed)


async def analysis_failed(ctx: JobContext, job: JobRow, payload: AnalysisJob, error: BaseException) -> None:
    if payload.charged and await _refundable(ctx, payload, error):
        await quotas.refund(ctx.pool, payload.user_id, payload.day)
    await Reply(ctx, job, payload.chat_id).deliver(for_exception(error, L10n(ctx.i18n, payload.locale)))


async def _refundable(ctx: JobContext, payload: AnalysisJob, error: BaseException) -> bool:
    # A match id FACEIT does not know costs the user only while their allowance pays for unknowns.
    if not isinstance(error, MatchNotFound):
        return True
    return await pays_for_unknown(ctx.spender(payload.user_id, payload.tier))


ANALYSIS_JOB = Kind(ANALYSIS, AnalysisJob, analyse, analysis_failed)

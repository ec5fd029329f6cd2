"""Accepting a match analysis request: quota, dedup and the durable job, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import asyncpg
import msgspec

from faceitbot import parsing
from faceitbot.config import Settings
from faceitbot.constants import Priority
from faceitbot.errors import BadInput, FaceitBotError, NotLinked
from faceitbot.faceit.client import FaceitClient
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.services import players, referrals
from faceitbot.store import jobs as jobs_store
from faceitbot.store import quotas
from faceitbot.store.jobs import TooManyJobs
from faceitbot.store.users import UserRow

# One running and five waiting per user (a FREE day's quota at once): a flood queues behind
# itself, not behind other users.
ANALYSIS = JobSpec("analysis", Priority.HIGH, max_attempts=3, timeout_s=90, backoff_s=1.0, per_user=6)


class AnalysisJob(msgspec.Struct, frozen=True):
    """The analysis job's payload, written here and read by jobs/analysis.py. Defaults cover jobs
    queued before a field existed."""

    chat_id: int
    user_id: int
    match_id: str
    day: date  # the quota day it was charged to
    locale: str = "en"
    viewer_player_id: str | None = None
    tier: str = "free"  # the FACEIT allowance an unknown match id spends
    charged: bool = False  # False: a free repeat, nothing to refund

    def dedupe_key(self) -> str:
        return f"analysis:{self.user_id}:{self.match_id}"


# A repeat of the same match inside this window costs nothing: its data is still cached.
REPEAT_WINDOW_S = 120
# A new job waits this long for its acknowledgement message before it runs without one.
ACK_HOLD_S = 5.0


class QuotaExceeded(FaceitBotError):
    key = "error-quota"

    def __init__(self, limit: int, now: datetime) -> None:
        super().__init__(limit)
        self.limit = limit
        # Quotas are counted per UTC day: the next one starts at midnight UTC.
        midnight = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)
        self.resets_in_s = (midnight - now).total_seconds()

    def params(self) -> dict[str, object]:
        return {"limit": self.limit, "resets": self.resets_in_s}


@dataclass(frozen=True, slots=True)
class Accepted:
    job_id: int
    created: bool  # False: this user's identical request is already queued or running
    position: int
    remaining: int
    free_repeat: bool
    # The update asking was handled before (its replica died before marking it): the job it
    # created exists, has been acknowledged or will deliver without one. Say nothing.
    replayed: bool = False


def effective_tier(user: UserRow, now: datetime) -> str:
    if user.tier != "free" and (user.tier_expires_at is None or user.tier_expires_at > now):
        return user.tier
    return "free"


async def request_analysis(
    pool: asyncpg.Pool,
    queue: TaskQueue,
    settings: Settings,
    user: UserRow,
    match_id: str,
    *,
    chat_id: int,
    locale: str,
    now: datetime,
    update_id: int | None = None,
) -> Accepted:
    limit = settings.daily_quota(effective_tier(user, now))
    day = now.date()
    async with pool.acquire() as conn, conn.transaction():
        free = await quotas.recently_requested(conn, user.telegram_id, match_id, REPEAT_WINDOW_S)
        payload = AnalysisJob(
            chat_id=chat_id,
            user_id=user.telegram_id,
            match_id=match_id,
            day=day,
            locale=locale,
            viewer_player_id=user.faceit_player_id,
            tier=effective_tier(user, now),
            charged=not free,
        )
        try:
            job, created = await queue.submit(
                ANALYSIS,
                msgspec.to_builtins(payload),
                dedupe_key=payload.dedupe_key(),
                conn=conn,
                hold_s=ACK_HOLD_S,
                update_id=update_id,
            )
        except TooManyJobs as e:
            raise BadInput("error-too-many-jobs", limit=e.limit) from None
        if not created and update_id is not None and job.update_id == update_id:
            return Accepted(job.id, False, 0, 0, False, replayed=True)
        if created:
            if not free and await quotas.charge(conn, user.telegram_id, day, limit) is None:
                # Over the daily quota, a referral bonus analysis (if any is left) pays for it.
                if not await referrals.spend_bonus(conn, user.telegram_id):
                    raise QuotaExceeded(limit, now)  # rolls the job back with the transaction
            await quotas.record_request(conn, user.telegram_id, match_id, charged=not free)
        used = await quotas.used(conn, user.telegram_id, day)
    position = await jobs_store.position(pool, job.id)
    return Accepted(job.id, created, position, max(0, limit - used), free)


async def requested_match_id(faceit: FaceitClient, user: UserRow, args: str | None) -> str:
    """`/match <room | id>`, or `/match` alone: the linked player's latest match."""
    if (args or "").strip():
        return parsing.match_id(args)
    if user.faceit_player_id:
        return await players.latest_match_id(faceit, user.faceit_player_id)
    raise NotLinked()

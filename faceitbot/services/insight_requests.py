"""Accepting a form view (20/60/100 matches, sessions, today) as a durable queue job."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import asyncpg
import msgspec

from faceitbot.callbacks import FormView
from faceitbot.constants import Priority
from faceitbot.errors import BadInput
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.services.match_requests import effective_tier
from faceitbot.store.jobs import TooManyJobs
from faceitbot.store.users import UserRow

# HIGH like analyses, so one running and three waiting per user, taken in turn with others.
INSIGHT = JobSpec("insight", Priority.HIGH, max_attempts=3, timeout_s=60, backoff_s=1.0, per_user=4)


class InsightJob(msgspec.Struct, frozen=True):
    """The form-view job's payload, written here and read by jobs/insights.py."""

    view: str  # a FormView value
    player_id: str
    chat_id: int
    user_id: int
    locale: str = "en"
    tier: str = "free"  # the FACEIT allowance the job spends

    def dedupe_key(self) -> str:
        return f"insight:{self.chat_id}:{self.user_id}:{self.view}:{self.player_id}"


# FACEIT player ids are UUIDs; a forged callback must not reach FACEIT with anything else.
_PLAYER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def checked_player_id(player_id: str) -> str:
    if not _PLAYER_ID.match(player_id or ""):
        raise BadInput("error-bad-player-id")
    return player_id


ACK_HOLD_S = 5.0


async def request_form(
    pool: asyncpg.Pool,
    queue: TaskQueue,
    user: UserRow,
    view: FormView,
    player_id: str,
    *,
    chat_id: int,
    locale: str,
) -> tuple[int, bool]:
    """(job id, created). A second press while the same view is queued or running adds nothing."""
    payload = InsightJob(
        view=view.value,
        player_id=checked_player_id(player_id),
        chat_id=chat_id,
        user_id=user.telegram_id,
        locale=locale,
        tier=effective_tier(user, datetime.now(UTC)),
    )
    try:
        job, created = await queue.submit(
            INSIGHT,
            msgspec.to_builtins(payload),
            dedupe_key=payload.dedupe_key(),
            hold_s=ACK_HOLD_S,
        )
    except TooManyJobs as e:
        raise BadInput("error-too-many-jobs", limit=e.limit) from None
    return job.id, created

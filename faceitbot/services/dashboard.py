"""The operator web dashboard's figures: the /admin dashboard (the same service call) plus what
a browser has room for — the last hour, throughput, every replica, notifications, FACEIT calls
per minute, Telegram 429s — and the jobs list. Queue actions are the /admin ones in
services/admin.py, audited the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from faceitbot.constants import Priority
from faceitbot.errors import BadInput
from faceitbot.faceit.client import FaceitClient
from faceitbot.queue import TaskQueue
from faceitbot.services import admin, analytics
from faceitbot.store import figures, job_views
from faceitbot.store import replicas as replicas_store
from faceitbot.store.analytics import DayRow
from faceitbot.store.db import Pool
from faceitbot.store.job_views import JobDetail
from faceitbot.store.replicas import ReplicaRow

HOUR_S = 3600
SPARKLINE_MINUTES = 30
REPLICA_STALE_S = 60  # three missed heartbeats and more: shown as gone
JOB_STATES = ("queued", "running", "done", "failed")
LIST_LIMIT = 100
WEB_ADMIN_ID = 0  # admin_audit.admin_id of actions taken in the browser (no Telegram user)


@dataclass(frozen=True, slots=True)
class Overview:
    console: admin.Dashboard
    hour: dict[tuple[int, str], int]
    throughput: list[int]
    replicas: list[ReplicaRow]
    notifications: dict[str, int]
    faceit_per_min: dict[str, int]
    telegram_429: int
    faceit_429: int = 0


async def overview(pool: Pool, queue: TaskQueue, faceit: FaceitClient, now: datetime) -> Overview:
    console = await admin.dashboard(pool, queue, faceit, now)
    replicas = await replicas_store.seen_since(pool, now - timedelta(seconds=REPLICA_STALE_S))
    per_min: dict[str, int] = {}
    for r in replicas:
        for endpoint, n in r.faceit_per_min.items():
            per_min[endpoint] = per_min.get(endpoint, 0) + n
    return Overview(
        console=console,
        hour=await job_views.finished_since(pool, HOUR_S),
        throughput=await job_views.done_per_minute(pool, SPARKLINE_MINUTES),
        replicas=replicas,
        notifications=await figures.notifications_by_status(pool),
        faceit_per_min=dict(sorted(per_min.items())),
        telegram_429=sum(r.telegram_429 for r in replicas),
        faceit_429=sum(r.faceit_429 for r in replicas),
    )


def parse_state(text: str | None) -> str | None:
    text = (text or "").strip().lower()
    if not text or text == "all":
        return None
    if text not in JOB_STATES:
        raise BadInput("dash-bad-state", value=text)
    return text


def parse_priority(text: str | None) -> Priority | None:
    return admin.parse_priority(text) if text and text.strip() and text.strip() != "all" else None


def parse_job_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise BadInput("dash-bad-job", value=text)
    return int(text)


async def jobs(pool: Pool, state: str | None, priority: Priority | None) -> list[JobDetail]:
    return await job_views.listing(pool, state, None if priority is None else int(priority), LIST_LIMIT)


async def job(pool: Pool, job_id: int) -> JobDetail:
    found = await job_views.one(pool, job_id)
    if found is None:
        raise BadInput("dash-job-not-found", value=job_id)
    return found


async def act(pool: Pool, queue: TaskQueue, action: str, target: str) -> str:
    """One queue action from the browser, written to admin_audit like an /admin command.
    Returns the audit result; refused input is audited too and raised."""
    try:
        result = await _act(pool, queue, action, target)
    except BadInput as e:
        await admin.audit(pool, WEB_ADMIN_ID, "web", f"{action} {target}", f"refused: {e.key}")
        raise
    await admin.audit(pool, WEB_ADMIN_ID, "web", f"{action} {target}", result)
    return result


async def _act(pool: Pool, queue: TaskQueue, action: str, target: str) -> str:
    if action == "retry":
        return "requeued" if await admin.retry_job(pool, parse_job_id(target)) else "unchanged"
    if action == "cancel":
        return "cancelled" if await admin.cancel_job(pool, parse_job_id(target)) else "unchanged"
    if action == "pause":
        now_paused = await admin.pause(pool, queue, [admin.parse_priority(target)], WEB_ADMIN_ID)
    elif action == "resume":
        now_paused = await admin.resume(pool, queue, [admin.parse_priority(target)])
    else:
        raise BadInput("dash-bad-action", value=action)
    return "paused: " + (",".join(Priority(p).name for p in sorted(now_paused)) or "none")


async def chart_days(pool: Pool, today: date, days: int) -> list[DayRow]:
    """The analytics report (the /admin one) with a row for every day, zeros where the table has
    none (before launch, or a day the nightly job did not run), so charts keep a true time axis."""
    rows = {r.day: r for r in await analytics.report(pool, today, days)}
    axis = [today - timedelta(days=i) for i in range(days - 1, -1, -1)]
    return [rows.get(d) or DayRow(d, *([0] * (len(DayRow.__slots__) - 1))) for d in axis]

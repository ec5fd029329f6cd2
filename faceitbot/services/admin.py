"""The admin console's operations: the dashboard, queue controls, users, grants, bans. Every
command is written to admin_audit by the caller through audit()."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from faceitbot.cluster.scheduler import Scheduler
from faceitbot.constants import JOBS_CHANNEL, Priority
from faceitbot.errors import BadInput
from faceitbot.faceit.client import FaceitClient
from faceitbot.queue import TaskQueue
from faceitbot.services import entitlements
from faceitbot.services.bans import BanList
from faceitbot.store import admin as store
from faceitbot.store import entitlements as entitlements_store
from faceitbot.store import jobs as jobs_store
from faceitbot.store import payments as payments_store
from faceitbot.store import referrals as referrals_store
from faceitbot.store import updates as updates_store
from faceitbot.store.admin import UserFigures, UserInfo
from faceitbot.store.db import Pool
from faceitbot.store.entitlements import LedgerRow
from faceitbot.store.payments import PaymentRow
from faceitbot.store.updates import FailedUpdate
from faceitbot.tiers import PAID, Tier

MAX_GRANT_DAYS = 3650


def parse_priority(text: str) -> Priority:
    text = text.strip().lower()
    try:
        return Priority(int(text)) if text.isdigit() else Priority[text.upper()]
    except (KeyError, ValueError):
        raise BadInput("admin-bad-priority", value=text) from None


def parse_priorities(text: str | None) -> list[Priority]:
    """One priority, or all of them when none is named."""
    return [parse_priority(text)] if text and text.strip() else list(Priority)


async def audit(pool: Pool, admin_id: int, action: str, args: str, result: str) -> None:
    await store.audit(pool, admin_id, action, args, result)


# -- dashboard -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Dashboard:
    jobs: dict[tuple[int, str], int]  # (priority, status) -> count; done/failed over 24 h
    oldest_s: dict[int, float]  # priority -> age of its oldest queued job
    paused: set[int]
    replica: str
    busy: int
    workers: int
    running_by_replica: dict[str, int]
    budget_used: int
    budget_limit: int
    budget_window_s: float
    cache_hits: int
    cache_misses: int
    users: UserFigures
    stars_month: int
    at: datetime
    failed_updates: int = 0  # over 24 h: unreadable, or failing outside a handler
    latest_failed: tuple[FailedUpdate, ...] = ()


async def dashboard(pool: Pool, queue: TaskQueue, faceit: FaceitClient, now: datetime) -> Dashboard:
    day = now.date()
    month_start = datetime(now.year, now.month, 1, tzinfo=UTC)
    failed, latest = await updates_store.failed_since(pool, 24, limit=3)
    return Dashboard(
        jobs=await jobs_store.counts(pool),
        oldest_s=await store.oldest_queued(pool),
        paused=set(queue.paused),
        replica=queue.owner,
        busy=queue.busy,
        workers=queue.workers,
        running_by_replica=await store.running_by_replica(pool),
        budget_used=await faceit.budget.used(),
        budget_limit=faceit.budget.limit,
        budget_window_s=faceit.budget.window_s,
        cache_hits=sum(faceit.cache.hits.values()),
        cache_misses=sum(faceit.cache.misses.values()),
        users=await store.user_figures(pool, day, now),
        stars_month=await entitlements_store.stars_since(pool, month_start),
        at=now,
        failed_updates=failed,
        latest_failed=tuple(latest),
    )


# -- queue ---------------------------------------------------------------------------------------
async def pause(pool: Pool, queue: TaskQueue, priorities: list[Priority], admin_id: int) -> set[int]:
    await store.pause(pool, [int(p) for p in priorities], admin_id)
    queue.paused.update(int(p) for p in priorities)
    return set(queue.paused)


async def resume(pool: Pool, queue: TaskQueue, priorities: list[Priority]) -> set[int]:
    await store.resume(pool, [int(p) for p in priorities])
    queue.paused.difference_update(int(p) for p in priorities)
    await jobs_store.notify(pool, JOBS_CHANNEL)  # feeders everywhere: claim again now
    return set(queue.paused)


async def sync_pauses(pool: Pool, queue: TaskQueue) -> None:
    """Apply the shared pause list to this replica (at start-up and periodically)."""
    shared = await store.paused(pool)
    if shared != queue.paused:
        queue.paused.clear()
        queue.paused.update(shared)


async def retry_failed(pool: Pool, priority: Priority | None) -> int:
    count = await store.retry_failed(pool, None if priority is None else int(priority))
    if count:
        await jobs_store.notify(pool, JOBS_CHANNEL)
    return count


async def queued(pool: Pool, priority: Priority) -> int:
    return await store.queued_count(pool, int(priority))


async def purge(queue: TaskQueue, priority: Priority) -> int:
    return await queue.purge(priority)


async def retry_job(pool: Pool, job_id: int) -> bool:
    retried = await store.retry_job(pool, job_id)
    if retried:
        await jobs_store.notify(pool, JOBS_CHANNEL)
    return retried


async def cancel_job(pool: Pool, job_id: int) -> bool:
    return await store.cancel_job(pool, job_id)


# -- users ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UserReport:
    info: UserInfo
    used_today: int
    bonus: int
    invited: int
    payments: list[PaymentRow]
    ledger: list[LedgerRow] = field(default_factory=list)


async def find(pool: Pool, query: str) -> UserInfo:
    if not query.strip():
        raise BadInput("admin-usage")
    info = await store.find_user(pool, query)
    if info is None:
        raise BadInput("admin-user-not-found", query=query.strip())
    return info


async def user_report(pool: Pool, query: str, now: datetime) -> UserReport:
    info = await find(pool, query)
    invited, _ = await referrals_store.counts(pool, info.telegram_id)
    return UserReport(
        info=info,
        used_today=await store.used_today(pool, info.telegram_id, now.date()),
        bonus=await referrals_store.bonus_left(pool, info.telegram_id),
        invited=invited,
        payments=await payments_store.recent_payments(pool, info.telegram_id, limit=5),
        ledger=await entitlements_store.rows(pool, info.telegram_id),
    )


async def grant(
    pool: Pool, query: str, tier: str, days_text: str, now: datetime
) -> tuple[UserInfo, datetime | None]:
    tier = tier.strip().lower()
    if tier not in PAID:  # a grant adds days of a paid plan; FREE is what is left without any
        raise BadInput("admin-bad-tier", value=tier)
    if not (days_text.isascii() and days_text.isdigit()) or not 1 <= int(days_text) <= MAX_GRANT_DAYS:
        raise BadInput("admin-bad-days", value=days_text, max=MAX_GRANT_DAYS)
    info = await find(pool, query)
    # A ledger entry like a payment: it stacks with what the user holds (a PREMIUM week granted
    # to a PRO user waits behind PRO) and never takes away paid days.
    async with pool.acquire() as conn, conn.transaction():
        ref = secrets.token_hex(8)
        await entitlements_store.credit(conn, info.telegram_id, Tier(tier), int(days_text), "grant", ref, now)
        recomputed = await entitlements.recompute(conn, info.telegram_id, now)
    return info, recomputed.plan.until(Tier(tier)) if recomputed else None


async def set_banned(pool: Pool, bans: BanList, query: str, banned: bool) -> UserInfo:
    info = await find(pool, query)
    await store.set_banned(pool, info.telegram_id, banned)
    bans.set(info.telegram_id, banned)
    return info


PAUSE_SYNC_EVERY_S = 30


def register(scheduler: Scheduler, queue: TaskQueue, pool: Pool) -> None:
    """Every replica picks up pauses made on another one within PAUSE_SYNC_EVERY_S."""

    async def sync(_: datetime) -> None:
        await sync_pauses(pool, queue)

    scheduler.every(f"queue-pauses:{queue.owner}", PAUSE_SYNC_EVERY_S, sync)

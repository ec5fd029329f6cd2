"""A user's plan recomputed from the ledger, in the transaction that changed the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from faceitbot.plans import Plan, derive
from faceitbot.store import entitlements as store
from faceitbot.store.payments import TierChange


@dataclass(frozen=True, slots=True)
class Recomputed:
    change: TierChange  # the tier running now and until when
    plan: Plan
    before: str  # the tier the cache held


async def recompute(conn: asyncpg.Connection, telegram_id: int, now: datetime) -> Recomputed | None:
    """Derive the user's plan from their entries and write its cache on users; None when there
    is no such user. Call inside the transaction that changed the entries: the user's row is
    locked until it commits, so two changes to one user's plan never interleave."""
    locked = await store.lock_user(conn, telegram_id)
    if locked is None:
        return None
    language, before = locked
    plan = derive(await store.entries(conn, telegram_id), now)
    await store.set_plan(conn, telegram_id, plan.tier, plan.current_until, plan.ends_at)
    return Recomputed(TierChange(telegram_id, language, str(plan.tier), plan.current_until), plan, before)


async def plan_of(pool: asyncpg.Pool, telegram_id: int, now: datetime) -> Plan:
    return derive(await store.entries(pool, telegram_id), now)

"""entitlements: the ledger of paid, granted and imported days, and the plan cached on users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from faceitbot.plans import Entry
from faceitbot.store.db import Executor
from faceitbot.tiers import Tier


async def credit(
    db: Executor,
    telegram_id: int,
    tier: Tier,
    days: int,
    source: str,
    ref: str,
    at: datetime,
    stars: int = 0,
) -> int | None:
    """The new entry's id; None when (source, ref) is credited already (a replay)."""
    return await db.fetchval(
        """
        INSERT INTO entitlements (telegram_id, tier, days, source, source_ref, credited_at, stars)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (source, source_ref) DO NOTHING
        RETURNING id
        """,
        telegram_id,
        str(tier),
        days,
        source,
        ref,
        at,
        stars,
    )


async def stars_since(db: Executor, since: datetime) -> int:
    """Stars earned: what the credited, unrefunded entries were paid."""
    return await db.fetchval(
        "SELECT coalesce(sum(stars), 0) FROM entitlements WHERE credited_at >= $1 AND refunded_at IS NULL",
        since,
    )


async def refund(db: Executor, refs: list[tuple[str, str]], at: datetime) -> str | None:
    """Mark the first not yet refunded entry of those (source, ref) as refunded; its source, or None."""
    return await db.fetchval(
        """
        UPDATE entitlements SET refunded_at = $3
        WHERE id = (
            SELECT id FROM entitlements
            WHERE (source, source_ref) IN (SELECT * FROM unnest($1::text[], $2::text[]))
              AND refunded_at IS NULL
            ORDER BY id LIMIT 1
        )
        RETURNING source
        """,
        [s for s, _ in refs],
        [r for _, r in refs],
        at,
    )


async def shorten_migrated(db: Executor, telegram_id: int, tier: Tier, days: int) -> bool:
    """Take `days` off the row a user's pre-ledger plan became (a refund of a payment made before
    the ledger existed has no row of its own)."""
    status = await db.execute(
        """
        UPDATE entitlements SET days = greatest(1, days - $3),
                                refunded_at = CASE WHEN days - $3 < 1 THEN now() END
        WHERE telegram_id = $1 AND tier = $2 AND source = 'migration' AND refunded_at IS NULL
        """,
        telegram_id,
        str(tier),
        days,
    )
    return status != "UPDATE 0"


async def entries(db: Executor, telegram_id: int) -> list[Entry]:
    rows = await db.fetch(
        # A history row's days are inside the user's migration row (sql/0018): money, not days.
        """SELECT id, tier, days, credited_at, refunded_at FROM entitlements
           WHERE telegram_id = $1 AND source <> 'history' ORDER BY id""",
        telegram_id,
    )
    return [Entry(r["id"], Tier(r["tier"]), r["days"], r["credited_at"], r["refunded_at"]) for r in rows]


@dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    tier: str
    days: int
    source: str
    source_ref: str
    credited_at: datetime
    refunded_at: datetime | None


async def rows(db: Executor, telegram_id: int, limit: int = 10) -> list[LedgerRow]:
    """The user's latest entries, newest first, for /admin user."""
    records = await db.fetch(
        """SELECT id, tier, days, source, source_ref, credited_at, refunded_at FROM entitlements
           WHERE telegram_id = $1 ORDER BY id DESC LIMIT $2""",
        telegram_id,
        limit,
    )
    return [LedgerRow(**dict(r)) for r in records]


async def lock_user(db: Executor, telegram_id: int) -> tuple[str, str] | None:
    """Lock the user's row for the rest of the transaction (their plan is recomputed under it);
    (language, cached tier), or None when there is no such user."""
    row = await db.fetchrow("SELECT language, tier FROM users WHERE telegram_id = $1 FOR UPDATE", telegram_id)
    return (row["language"], row["tier"]) if row else None


async def set_plan(
    db: Executor, telegram_id: int, tier: Tier, until: datetime | None, ends_at: datetime | None
) -> None:
    await db.execute(
        "UPDATE users SET tier = $2, tier_expires_at = $3, plan_ends_at = $4 WHERE telegram_id = $1",
        telegram_id,
        str(tier),
        until,
        ends_at,
    )


async def due(db: Executor, now: datetime, limit: int = 500) -> list[int]:
    """Users whose running part has ended (the next part, or FREE, is to be worked out)."""
    rows = await db.fetch(
        """SELECT telegram_id FROM users WHERE tier <> 'free' AND tier_expires_at <= $1
           ORDER BY tier_expires_at LIMIT $2""",
        now,
        limit,
    )
    return [r["telegram_id"] for r in rows]

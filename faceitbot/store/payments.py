"""invoices, payments, subscription_reminders and the paid tier on users.

A payment is credited by one transaction that starts with an INSERT keyed by Telegram's unique
charge id: a replayed or concurrently delivered update inserts nothing and credits nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    nonce: str
    telegram_id: int
    tier: str
    stars: int
    recurring: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: int
    telegram_payment_charge_id: str
    telegram_id: int
    tier: str | None
    stars: int
    days: int
    status: str
    is_recurring: bool
    tier_expires_at: datetime | None
    created_at: datetime
    refunded_at: datetime | None


@dataclass(frozen=True, slots=True)
class TierChange:
    telegram_id: int
    language: str
    tier: str
    tier_expires_at: datetime | None


_PAYMENT_COLUMNS = (
    "id, telegram_payment_charge_id, telegram_id, tier, stars, days, status, is_recurring, tier_expires_at,"
    " created_at, refunded_at"
)


async def add_invoice(
    db: Executor, nonce: str, telegram_id: int, tier: str, stars: int, recurring: bool, now: datetime
) -> None:
    await db.execute(
        """
        INSERT INTO invoices (nonce, telegram_id, tier, stars, recurring, created_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        nonce,
        telegram_id,
        tier,
        stars,
        recurring,
        now,
    )


async def get_invoice(db: Executor, nonce: str) -> InvoiceRow | None:
    record = await db.fetchrow(
        "SELECT nonce, telegram_id, tier, stars, recurring, created_at FROM invoices WHERE nonce = $1", nonce
    )
    return InvoiceRow(**dict(record)) if record else None


async def invoice_paid(db: Executor, nonce: str) -> bool:
    return await db.fetchval("SELECT EXISTS (SELECT 1 FROM payments WHERE nonce = $1)", nonce)


async def is_banned(db: Executor, telegram_id: int) -> bool:
    return bool(
        await db.fetchval("SELECT banned_at IS NOT NULL FROM users WHERE telegram_id = $1", telegram_id)
    )


async def insert_payment(
    db: Executor,
    *,
    charge_id: str,
    provider_charge_id: str,
    telegram_id: int,
    nonce: str | None,
    tier: str | None,
    stars: int,
    days: int,
    status: str,
    is_recurring: bool,
    is_first_recurring: bool,
    subscription_expires_at: datetime | None,
    now: datetime,
) -> int | None:
    """The new payment's id, or None when this charge id is already recorded (a replay)."""
    return await db.fetchval(
        """
        INSERT INTO payments (telegram_payment_charge_id, provider_payment_charge_id, telegram_id, nonce, tier,
                              stars, days, status, is_recurring, is_first_recurring, subscription_expires_at,
                              created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (telegram_payment_charge_id) DO NOTHING
        RETURNING id
        """,
        charge_id,
        provider_charge_id,
        telegram_id,
        nonce,
        tier,
        stars,
        days,
        status,
        is_recurring,
        is_first_recurring,
        subscription_expires_at,
        now,
    )


async def set_payment_expiry(db: Executor, payment_id: int, expires_at: datetime | None) -> None:
    await db.execute("UPDATE payments SET tier_expires_at = $2 WHERE id = $1", payment_id, expires_at)


async def get_payment(db: Executor, charge_id: str) -> PaymentRow | None:
    record = await db.fetchrow(
        f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE telegram_payment_charge_id = $1", charge_id
    )
    return PaymentRow(**dict(record)) if record else None


async def recent_payments(db: Executor, telegram_id: int, limit: int = 5) -> list[PaymentRow]:
    rows = await db.fetch(
        f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE telegram_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        telegram_id,
        limit,
    )
    return [PaymentRow(**dict(r)) for r in rows]


async def mark_refunded(db: Executor, charge_id: str, now: datetime) -> PaymentRow | None:
    """Flip a paid (or orphan) payment to refunded; None when it is refunded already."""
    record = await db.fetchrow(
        f"""
        UPDATE payments SET status = 'refunded', refunded_at = $2
        WHERE telegram_payment_charge_id = $1 AND status IN ('paid', 'orphan')
        RETURNING {_PAYMENT_COLUMNS}
        """,
        charge_id,
        now,
    )
    return PaymentRow(**dict(record)) if record else None


async def claim_reminders(db: Executor, now: datetime, ahead_days: int, limit: int = 500) -> list[TierChange]:
    """Paid users whose plan ends within `ahead_days` and who were not yet reminded of this end."""
    rows = await db.fetch(
        """
        WITH due AS (
            -- The whole plan's end (plan_ends_at): PRO giving way to PREMIUM days is no end.
            SELECT telegram_id, language, tier, plan_ends_at AS tier_expires_at FROM users
            WHERE tier <> 'free' AND banned_at IS NULL
              AND plan_ends_at > $1 AND plan_ends_at <= $1 + make_interval(days => $2)
            ORDER BY plan_ends_at
            LIMIT $3
        ), claimed AS (
            INSERT INTO subscription_reminders (telegram_id, expires_at)
            SELECT telegram_id, tier_expires_at FROM due
            ON CONFLICT DO NOTHING
            RETURNING telegram_id
        )
        SELECT due.* FROM due JOIN claimed USING (telegram_id)
        """,
        now,
        ahead_days,
        limit,
    )
    return [TierChange(**dict(r)) for r in rows]


async def prune_invoices(db: Executor, older_than_days: int = 30) -> int:
    """Invoices and subscription links never paid within `older_than_days`: a user can press "buy"
    any number of times, and each press leaves a row. A link that was paid once stays, since its
    renewals carry its payload."""
    status = await db.execute(
        """
        DELETE FROM invoices i
        WHERE i.created_at < now() - make_interval(days => $1)
          AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.nonce = i.nonce)
        """,
        older_than_days,
    )
    return int(status.split()[-1])


async def record_subscription_state(
    db: Executor, update_id: int, telegram_id: int, payload: str, state: str
) -> TierChange | None:
    """Keep the event and the user's renewal state; None for a replayed update (or no such user)."""
    record = await db.fetchrow(
        """
        WITH event AS (
            INSERT INTO subscription_events (update_id, telegram_id, invoice_payload, state)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (update_id) DO NOTHING
            RETURNING telegram_id
        )
        UPDATE users AS u SET subscription_state = $4
        FROM event WHERE u.telegram_id = event.telegram_id
        RETURNING u.telegram_id, u.language, u.tier, u.tier_expires_at
        """,
        update_id,
        telegram_id,
        payload,
        state,
    )
    return TierChange(**dict(record)) if record else None


async def set_subscription_active(db: Executor, telegram_id: int) -> None:
    await db.execute("UPDATE users SET subscription_state = 'active' WHERE telegram_id = $1", telegram_id)


@dataclass(frozen=True, slots=True)
class Subscription:
    tier: str
    nonce: str
    charge_id: str  # the first payment of it: how the Bot API names the subscription


async def renewing(db: Executor, telegram_id: int, now: datetime) -> list[Subscription]:
    """The user's Stars subscriptions that will renew: paid, not past their period, not canceled
    by the user (subscription_state) or by us (invoices.canceled_at)."""
    rows = await db.fetch(
        """
        SELECT DISTINCT ON (p.nonce) p.tier, p.nonce, first.telegram_payment_charge_id AS charge_id
        FROM payments p
        JOIN invoices i ON i.nonce = p.nonce
        JOIN users u ON u.telegram_id = p.telegram_id
        JOIN LATERAL (
            SELECT telegram_payment_charge_id FROM payments f
            WHERE f.nonce = p.nonce AND f.is_recurring ORDER BY f.created_at, f.id LIMIT 1
        ) first ON true
        WHERE p.telegram_id = $1 AND p.is_recurring AND p.status = 'paid' AND i.canceled_at IS NULL
          AND p.subscription_expires_at > $2 AND coalesce(u.subscription_state, 'active') = 'active'
        ORDER BY p.nonce, p.created_at DESC
        """,
        telegram_id,
        now,
    )
    return [Subscription(r["tier"], r["nonce"], r["charge_id"]) for r in rows]


async def cancel_subscription(db: Executor, nonce: str, now: datetime) -> None:
    await db.execute(
        "UPDATE invoices SET canceled_at = $2 WHERE nonce = $1 AND canceled_at IS NULL", nonce, now
    )

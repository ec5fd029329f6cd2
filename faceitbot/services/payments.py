"""Subscriptions paid with Telegram Stars: invoices, pre-checkout checks, crediting, refunds, expiry.

Money rules (see RELIABILITY.md, scenarios 7 and 8):
- a pre-checkout query is checked with two indexed reads and answered inline, never queued;
- a successful payment is credited in ONE transaction that begins by inserting the payment keyed
  by telegram_payment_charge_id (UNIQUE): a replay, or the same update handled by two replicas at
  once, inserts nothing the second time and so credits nothing;
- a refund calls refundStarPayment with the stored charge id, then takes the days back once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import asyncpg
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from loguru import logger

from faceitbot.config import Settings
from faceitbot.plans import Plan
from faceitbot.services import entitlements
from faceitbot.store import entitlements as entitlements_store
from faceitbot.store import payments as store
from faceitbot.store.db import Pool
from faceitbot.store.payments import InvoiceRow, PaymentRow, Subscription, TierChange
from faceitbot.store.users import UserRow
from faceitbot.tiers import PAID, Tier

PAID_TIERS = PAID
TIERS = tuple(Tier)
PERIOD_DAYS = 30
SUBSCRIPTION_PERIOD_S = 2592000  # the only period Telegram accepts: 30 days
CURRENCY = "XTR"
# An invoice can be paid this long after we issued it; a later pre-checkout is refused.
INVOICE_TTL = timedelta(hours=24)
REMIND_DAYS = 3
# "s1:<tier>:<telegram id>:<nonce>" — well under Telegram's 128-byte payload limit.
_PAYLOAD = re.compile(r"^s1:(premium|pro):(\d{1,20}):([A-Za-z0-9_-]{16})$")


@dataclass(frozen=True, slots=True)
class Payload:
    tier: str
    telegram_id: int
    nonce: str

    def encode(self) -> str:
        return f"s1:{self.tier}:{self.telegram_id}:{self.nonce}"


def parse_payload(text: str) -> Payload | None:
    match = _PAYLOAD.match(text or "")
    return Payload(match.group(1), int(match.group(2)), match.group(3)) if match else None


def effective_tier(tier: str, expires_at: datetime | None, now: datetime) -> str:
    if tier != "free" and (expires_at is None or expires_at > now):
        return tier
    return "free"


@dataclass(frozen=True, slots=True)
class Invoice:
    payload: str
    tier: str
    stars: int
    recurring: bool


async def issue_invoice(
    pool: Pool, settings: Settings, telegram_id: int, tier: str, *, recurring: bool, now: datetime
) -> Invoice:
    if tier not in PAID_TIERS:
        raise ValueError(f"not a paid tier: {tier}")
    payload = Payload(tier, telegram_id, secrets.token_urlsafe(12))
    stars = settings.price_stars(tier)
    await store.add_invoice(pool, payload.nonce, telegram_id, tier, stars, recurring, now)
    return Invoice(payload.encode(), tier, stars, recurring)


class Refusal(StrEnum):
    """Why a pre-checkout query is refused; each value is the i18n key of the text the user sees."""

    INVALID = "payment-error-invalid"
    EXPIRED = "payment-error-expired"
    BANNED = "payment-error-banned"
    LOWER_TIER = "payment-error-lower-tier"


async def check_pre_checkout(
    pool: Pool,
    *,
    user: UserRow | None,
    from_id: int,
    payload: str,
    currency: str,
    total_amount: int,
    now: datetime,
) -> Refusal | None:
    """None when the purchase may go ahead."""
    parsed = parse_payload(payload)
    if parsed is None or parsed.telegram_id != from_id or currency != CURRENCY:
        return Refusal.INVALID
    invoice = await store.get_invoice(pool, parsed.nonce)
    if (
        invoice is None
        or invoice.telegram_id != from_id
        or invoice.tier != parsed.tier
        or invoice.stars != total_amount
    ):
        return Refusal.INVALID
    if now - invoice.created_at > INVOICE_TTL or await store.invoice_paid(pool, parsed.nonce):
        return Refusal.EXPIRED
    if await store.is_banned(pool, from_id):
        return Refusal.BANNED
    if user is not None:
        current = effective_tier(user.tier, user.tier_expires_at, now)
        if Tier(current).rank > Tier(invoice.tier).rank:
            return Refusal.LOWER_TIER
    return None


@dataclass(frozen=True, slots=True)
class IncomingPayment:
    telegram_id: int
    payload: str
    currency: str
    total_amount: int
    charge_id: str
    provider_charge_id: str
    is_recurring: bool = False
    is_first_recurring: bool = False
    subscription_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Credit:
    tier: str
    expires_at: datetime | None
    renewal: bool  # a recurring payment after the first one
    orphan: bool = False  # kept but not credited: it matches no invoice of ours
    plan: Plan | None = None  # the user's whole plan after it
    # A lower monthly plan this one replaces: to be canceled with the Bot API (replaces()).
    replaced: Subscription | None = None
    replay: bool = False  # a redelivered payment, credited before: only `replaced` is left to do


async def record_payment(pool: Pool, p: IncomingPayment, now: datetime) -> Credit | None:
    """Keep the payment and credit it. None for a replay (nothing to tell the user again); an
    orphan Credit for a payment that matches no invoice of ours (kept for support, not credited)."""
    parsed = parse_payload(p.payload)
    async with pool.acquire() as conn, conn.transaction():
        invoice = await store.get_invoice(conn, parsed.nonce) if parsed else None
        matched = (
            invoice is not None
            and invoice.telegram_id == p.telegram_id
            and p.currency == CURRENCY
            and p.total_amount == invoice.stars
        )
        payment_id = await store.insert_payment(
            conn,
            charge_id=p.charge_id,
            provider_charge_id=p.provider_charge_id,
            telegram_id=p.telegram_id,
            nonce=invoice.nonce if invoice else None,
            tier=invoice.tier if invoice else None,
            stars=p.total_amount,
            days=PERIOD_DAYS if matched else 0,
            status="paid" if matched else "orphan",
            is_recurring=p.is_recurring,
            is_first_recurring=p.is_first_recurring,
            subscription_expires_at=p.subscription_expires_at,
            now=now,
        )
        if payment_id is None:
            logger.info("payment {} replayed: already recorded, nothing credited", p.charge_id)
            # A crash between the credit and canceling the subscription it replaces must not
            # leave the user paying for both: the replay finishes what the first delivery began.
            replaced = await _replaced(conn, p, invoice, now) if matched and invoice else None
            if replaced is None:
                return None
            return Credit(Tier(invoice.tier), None, renewal=False, replaced=replaced, replay=True)
        if not matched or invoice is None:
            logger.error(
                "payment {} of user {} matches no invoice of ours: kept as orphan", p.charge_id, p.telegram_id
            )
            return Credit("free", None, renewal=False, orphan=True)
        renewal = p.is_recurring and not p.is_first_recurring
        # A renewal adds a period of its own subscription's tier, whatever else the user holds.
        source = "renewal" if renewal else "payment"
        await entitlements_store.credit(
            conn,
            p.telegram_id,
            Tier(invoice.tier),
            PERIOD_DAYS,
            source,
            p.charge_id,
            now,
            stars=p.total_amount,
        )
        recomputed = await entitlements.recompute(conn, p.telegram_id, now)
        assert recomputed is not None  # the invoice's user exists: invoices are issued to users
        change, plan = recomputed.change, recomputed.plan
        if p.is_recurring:
            await store.set_subscription_active(conn, p.telegram_id)
        replaced = await _replaced(conn, p, invoice, now)
        await store.set_payment_expiry(conn, payment_id, plan.until(Tier(invoice.tier)))
    logger.info("payment {}: user {} now {} until {}", p.charge_id, p.telegram_id, change.tier, plan.ends_at)
    return Credit(
        Tier(invoice.tier), plan.until(Tier(invoice.tier)), renewal=renewal, plan=plan, replaced=replaced
    )


async def _replaced(
    conn: asyncpg.Connection, p: IncomingPayment, invoice: InvoiceRow, now: datetime
) -> Subscription | None:
    """The lower monthly plan still renewing that this first payment of a higher one replaces."""
    if not p.is_first_recurring:
        return None
    return next(
        (
            s
            for s in await store.renewing(conn, p.telegram_id, now)
            if s.nonce != invoice.nonce and Tier(s.tier).rank < Tier(invoice.tier).rank
        ),
        None,
    )


async def renewing(pool: Pool, telegram_id: int, now: datetime) -> list[Subscription]:
    return await store.renewing(pool, telegram_id, now)


async def cancel_replaced(pool: Pool, bot: Bot, telegram_id: int, old: Subscription, now: datetime) -> bool:
    """Cancel a lower monthly plan that a higher one replaces, so the user is not charged for
    both; its paid days stay in the ledger and run after the higher plan. False when Telegram
    refused (the user is told to cancel it in Telegram themselves)."""
    try:
        await bot.edit_user_star_subscription(telegram_id, old.charge_id, is_canceled=True)
    except TelegramBadRequest as e:
        logger.warning(
            "could not cancel subscription {} of user {}: {}", old.charge_id, telegram_id, e.message
        )
        return False
    await store.cancel_subscription(pool, old.nonce, now)
    return True


SUBSCRIPTION_STATES = ("active", "canceled", "failed")


async def subscription_changed(
    pool: Pool, update_id: int, telegram_id: int, payload: str, state: str
) -> TierChange | None:
    """A user canceled, re-enabled or failed to pay the renewal of a Stars subscription. The paid
    period is untouched (Telegram keeps it active to its end); what is kept is whether it renews.
    None when there is nothing to tell: a replayed update, a state or payload not ours."""
    if state not in SUBSCRIPTION_STATES or parse_payload(payload) is None:
        logger.warning("subscription update {} of user {} ignored: state {!r}", update_id, telegram_id, state)
        return None
    change = await store.record_subscription_state(pool, update_id, telegram_id, payload, state)
    if change is not None:
        logger.info("user {}: subscription {}", telegram_id, state)
    return change


class RefundOutcome(StrEnum):
    REFUNDED = "refunded"
    ALREADY = "already"
    UNKNOWN = "unknown"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RefundResult:
    outcome: RefundOutcome
    payment: PaymentRow | None = None
    change: TierChange | None = None
    error: str = ""


async def refund(pool: Pool, bot: Bot, charge_id: str, now: datetime) -> RefundResult:
    """refundStarPayment with the stored charge id, then take the paid days back. Idempotent:
    a second call (or one racing the first) reports ALREADY and changes nothing."""
    payment = await store.get_payment(pool, charge_id)
    if payment is None:
        return RefundResult(RefundOutcome.UNKNOWN)
    if payment.status == "refunded":
        return RefundResult(RefundOutcome.ALREADY, payment)
    try:
        await bot.refund_star_payment(payment.telegram_id, charge_id)
    except TelegramBadRequest as e:
        # Refunded by an earlier attempt that died before recording it, or by a racing one.
        if "CHARGE_ALREADY_REFUNDED" not in e.message:
            logger.warning("refund of {} refused: {}", charge_id, e.message)
            return RefundResult(RefundOutcome.FAILED, payment, error=e.message)
    return await apply_refund(pool, charge_id, now)


async def apply_refund(pool: Pool, charge_id: str, now: datetime) -> RefundResult:
    """Record a refund Telegram has made (our command or its refunded_payment message)."""
    async with pool.acquire() as conn, conn.transaction():
        payment = await store.mark_refunded(conn, charge_id, now)
        if payment is None:
            return RefundResult(RefundOutcome.ALREADY, await store.get_payment(conn, charge_id))
        change = None
        if payment.days and payment.tier:
            refs = [("payment", charge_id), ("renewal", charge_id), ("history", charge_id)]
            if await entitlements_store.refund(conn, refs, now) in (None, "history"):
                # Paid before the ledger existed: its days are in the row the old plan became.
                await entitlements_store.shorten_migrated(
                    conn, payment.telegram_id, Tier(payment.tier), payment.days
                )
            recomputed = await entitlements.recompute(conn, payment.telegram_id, now)
            change = recomputed.change if recomputed else None
    logger.info("payment {} refunded; user {} now {}", charge_id, payment.telegram_id, change)
    return RefundResult(RefundOutcome.REFUNDED, payment, change)


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    reminded: list[TierChange]
    expired: list[TierChange]


async def remind_and_expire(pool: Pool, now: datetime) -> ExpiryRun:
    """Claim the reminders due (once per user per expiry) and downgrade whoever's time is over."""
    reminded = await store.claim_reminders(pool, now, REMIND_DAYS)
    expired: list[TierChange] = []
    for telegram_id in await entitlements_store.due(pool, now):
        async with pool.acquire() as conn, conn.transaction():
            recomputed = await entitlements.recompute(conn, telegram_id, now)
        # Told only when nothing follows: PRO giving way to the PREMIUM days behind it is no end.
        if recomputed is not None and recomputed.change.tier == Tier.FREE and recomputed.before != Tier.FREE:
            c = recomputed.change
            expired.append(TierChange(c.telegram_id, c.language, recomputed.before, None))
    return ExpiryRun(reminded, expired)

"""Plans, invoices, payment confirmations, reminders and /paysupport."""

from __future__ import annotations

from datetime import datetime, tzinfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from faceitbot.callbacks import BuyCb, BuyKind
from faceitbot.config import Settings
from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n
from faceitbot.plans import Plan
from faceitbot.render.common import Rendered, escape
from faceitbot.services.payments import PAID_TIERS, TIERS, Credit, effective_tier
from faceitbot.store.payments import PaymentRow
from faceitbot.store.users import UserRow


def per_day(analyses: int, l10n: L10n) -> str:
    """ "5 analyses", "1 анализ", "21 анализ": the count in the form its number takes."""
    return l10n.plural("n-analyses", analyses)


def star_count(amount: int, l10n: L10n) -> str:
    """ "1 500 ⭐": Stars are shown by the symbol, so the number needs no counted noun."""
    return formats.number(amount, l10n)


def tier_name(tier: str, l10n: L10n) -> str:
    return l10n(f"tier-{tier}")


def plans(
    user: UserRow,
    settings: Settings,
    l10n: L10n,
    now: datetime,
    bonus: int = 0,
    plan: Plan | None = None,
    renewing: tuple[str, ...] = (),
    zone: tzinfo | None = None,
) -> Rendered:
    """/subscribe: the plan as it runs (PRO until …, then PREMIUM until …), what renews, the offers."""
    segments = plan.segments if plan is not None else ()
    current = segments[0].tier if segments else effective_tier(user.tier, user.tier_expires_at, now)
    quota = per_day(settings.daily_quota(current), l10n)
    if current == "free":
        lines = [l10n("plans-title"), l10n("plans-current-free", tier=tier_name(current, l10n), quota=quota)]
    else:
        until = segments[0].end if segments else user.tier_expires_at
        lines = [
            l10n("plans-title"),
            l10n(
                "plans-current-paid",
                tier=tier_name(current, l10n),
                quota=quota,
                until=formats.moment(until, l10n, zone),
            ),
        ]
        for s in segments[1:]:
            lines.append(
                l10n(
                    "plans-then",
                    tier=tier_name(s.tier, l10n),
                    until=formats.moment(s.end, l10n, zone),
                    quota=per_day(settings.daily_quota(s.tier), l10n),
                )
            )
        lines += [l10n("plans-renews", tier=tier_name(t, l10n)) for t in renewing]
    if current != "free" and user.subscription_state in ("canceled", "failed"):
        lines.append(l10n(f"plans-renewal-{user.subscription_state}"))
    if bonus:
        lines.append(l10n("plans-bonus", bonus=l10n.plural("n-bonus-analyses", bonus)))
    lines.append("")
    for tier in TIERS:
        if tier == "free":
            lines.append(
                l10n(
                    "plans-line-free",
                    tier=tier_name(tier, l10n),
                    quota=per_day(settings.daily_quota(tier), l10n),
                )
            )
        else:
            lines.append(
                l10n(
                    "plans-line-paid",
                    tier=tier_name(tier, l10n),
                    quota=per_day(settings.daily_quota(tier), l10n),
                    stars=star_count(settings.price_stars(tier), l10n),
                )
            )
    lines += ["", l10n("plans-footer")]
    rows = []
    for tier in PAID_TIERS:
        stars, name = star_count(settings.price_stars(tier), l10n), tier_name(tier, l10n)
        rows.append(
            [
                InlineKeyboardButton(
                    text=l10n("buy-once", tier=name, stars=stars),
                    callback_data=BuyCb(tier=tier, kind=BuyKind.ONCE).pack(),
                ),
                InlineKeyboardButton(
                    text=l10n("buy-monthly", tier=name, stars=stars),
                    callback_data=BuyCb(tier=tier, kind=BuyKind.MONTHLY).pack(),
                ),
            ]
        )
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


def terms(settings: Settings, l10n: L10n) -> str:
    return l10n(
        "terms",
        free=per_day(settings.quota_free, l10n),
        premium=per_day(settings.quota_premium, l10n),
        pro=per_day(settings.quota_pro, l10n),
        premium_stars=star_count(settings.price_premium_stars, l10n),
        pro_stars=star_count(settings.price_pro_stars, l10n),
    )


def invoice_title(tier: str, l10n: L10n) -> str:
    return l10n("invoice-title", tier=tier_name(tier, l10n))


def invoice_description(tier: str, settings: Settings, l10n: L10n) -> str:
    return l10n("invoice-description", quota=per_day(settings.daily_quota(tier), l10n))


def subscription_link(tier: str, stars: int, url: str, l10n: L10n) -> Rendered:
    shown = star_count(stars, l10n)
    button = InlineKeyboardButton(text=l10n("subscription-link-button", stars=shown), url=url)
    return Rendered(
        l10n("subscription-link", tier=tier_name(tier, l10n), stars=shown),
        InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )


def stack(plan: Plan, l10n: L10n, zone: tzinfo | None = None) -> str:
    """ "PRO until …, then PREMIUM until …" """
    parts = [
        l10n("plan-part", tier=tier_name(s.tier, l10n), until=formats.moment(s.end, l10n, zone))
        for s in plan.segments
    ]
    return l10n("plan-joiner").join(parts)


def paid(credit: Credit, settings: Settings, l10n: L10n, zone: tzinfo | None = None) -> Rendered:
    if credit.orphan:
        return Rendered(l10n("payment-orphan"))
    key = "payment-renewed" if credit.renewal else "payment-done"
    lines = [
        l10n(
            key,
            tier=tier_name(credit.tier, l10n),
            until=formats.moment(credit.expires_at, l10n, zone),
            quota=per_day(settings.daily_quota(credit.tier), l10n),
        )
    ]
    if credit.plan is not None and len(credit.plan.segments) > 1:
        lines.append(l10n("payment-stack", stack=stack(credit.plan, l10n, zone)))
    return Rendered("\n".join(lines))


def replaced(old: str, new: str, canceled: bool, l10n: L10n) -> str:
    if canceled:
        return l10n("subscription-replaced", old=tier_name(old, l10n), new=tier_name(new, l10n))
    return l10n("subscription-replace-failed", old=tier_name(old, l10n))


def reminder(tier: str, until: datetime | None, l10n: L10n, zone: tzinfo | None = None) -> str:
    return l10n("subscription-reminder", tier=tier_name(tier, l10n), until=formats.moment(until, l10n, zone))


def expired(tier: str, settings: Settings, l10n: L10n) -> str:
    return l10n(
        "subscription-expired", tier=tier_name(tier, l10n), quota=per_day(settings.daily_quota("free"), l10n)
    )


def payment_line(p: PaymentRow, l10n: L10n) -> str:
    return l10n(
        "payment-line",
        date=formats.day(p.created_at, l10n),
        tier=tier_name(p.tier or "free", l10n),
        stars=star_count(p.stars, l10n),
        status=l10n(f"payment-status-{p.status}"),
        charge_id=escape(p.telegram_payment_charge_id),
    )


def paysupport(payments: list[PaymentRow], l10n: L10n) -> Rendered:
    listed = "\n".join(payment_line(p, l10n) for p in payments) or l10n("paysupport-none")
    return Rendered(l10n("paysupport", payments=listed))


def paysupport_forward(user_id: int, name: str, text: str, payments: list[PaymentRow], l10n: L10n) -> str:
    listed = "\n".join(payment_line(p, l10n) for p in payments) or l10n("paysupport-none")
    return l10n("paysupport-forward", user_id=user_id, name=escape(name), text=escape(text), payments=listed)


def subscription_state(
    state: str, tier: str, expires_at: datetime | None, l10n: L10n, now: datetime, zone: tzinfo | None = None
) -> str:
    """What a user is told when their Stars subscription stops or starts renewing, or fails to."""
    if expires_at is None or expires_at <= now:
        return l10n(f"subscription-{state}-ended", tier=tier_name(tier, l10n))
    return l10n(
        f"subscription-{state}", tier=tier_name(tier, l10n), until=formats.moment(expires_at, l10n, zone)
    )

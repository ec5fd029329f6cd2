"""The admin console's messages."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from faceitbot.callbacks import AdminAction, AdminCb
from faceitbot.constants import Priority
from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape, fmt
from faceitbot.render.payments import payment_line, star_count, tier_name
from faceitbot.services.admin import Dashboard, UserReport
from faceitbot.services.payments import TIERS, RefundOutcome, RefundResult, effective_tier
from faceitbot.store.analytics import DayRow
from faceitbot.store.broadcasts import Tally
from faceitbot.store.entitlements import LedgerRow

STATUSES = ("queued", "running", "failed", "done")


def age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def hit_rate(hits: int, misses: int) -> str:
    total = hits + misses
    return f"{fmt(100 * hits / total, 0)}%" if total else "—"


def priorities(paused: set[int]) -> str:
    return ", ".join(Priority(p).name for p in sorted(paused)) or "—"


def dashboard(d: Dashboard, l10n: L10n) -> Rendered:
    header = f"{'':9}{'queued':>7}{'run':>5}{'fail':>6}{'done':>6}  {'oldest':>6}"
    rows = [header]
    for p in Priority:
        mark = "⏸" if p in d.paused else " "
        counts = [d.jobs.get((int(p), s), 0) for s in STATUSES]
        rows.append(
            f"{mark}{p.name:<8}{counts[0]:>7}{counts[1]:>5}{counts[2]:>6}{counts[3]:>6}  {age(d.oldest_s.get(int(p))):>6}"
        )
    replicas = ", ".join(f"{escape(r)}: {n}" for r, n in d.running_by_replica.items()) or "—"
    tiers = " · ".join(f"{tier_name(t, l10n)} {d.users.by_tier.get(t, 0)}" for t in TIERS)
    budget_left = max(0, d.budget_limit - d.budget_used)
    lines = [
        l10n("admin-dashboard-title", at=formats.moment(d.at, l10n)),
        l10n("admin-dashboard-queue"),
        "<pre>" + escape("\n".join(rows)) + "</pre>",
        l10n("admin-dashboard-workers", busy=d.busy, workers=d.workers, replica=escape(d.replica)),
        l10n("admin-dashboard-running", replicas=replicas),
        l10n(
            "admin-dashboard-budget",
            used=d.budget_used,
            limit=d.budget_limit,
            left=budget_left,
            window=fmt(d.budget_window_s, 0),
        ),
        l10n(
            "admin-dashboard-cache",
            rate=hit_rate(d.cache_hits, d.cache_misses),
            hits=d.cache_hits,
            misses=d.cache_misses,
        ),
        l10n(
            "admin-dashboard-users", total=d.users.total, active=d.users.active_today, banned=d.users.banned
        ),
        l10n("admin-dashboard-tiers", tiers=tiers),
        l10n("admin-dashboard-stars", stars=star_count(d.stars_month, l10n)),
        l10n("admin-dashboard-failed-updates", count=d.failed_updates),
    ]
    lines += [
        f"  #{f.update_id} {formats.moment(f.created_at, l10n)}: {escape((f.error or '—')[:80])}"
        for f in d.latest_failed
    ]
    button = InlineKeyboardButton(
        text=l10n("admin-refresh"), callback_data=AdminCb(action=AdminAction.REFRESH).pack()
    )
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[[button]]))


def paused(now_paused: set[int], l10n: L10n) -> str:
    return l10n("admin-queue-paused", priorities=priorities(now_paused))


def purge_confirm(priority: Priority, count: int, l10n: L10n) -> Rendered:
    buttons = [
        InlineKeyboardButton(
            text=l10n("admin-purge-yes"),
            callback_data=AdminCb(action=AdminAction.PURGE, priority=int(priority)).pack(),
        ),
        InlineKeyboardButton(
            text=l10n("admin-purge-no"), callback_data=AdminCb(action=AdminAction.CANCEL).pack()
        ),
    ]
    return Rendered(
        l10n("admin-purge-confirm", priority=priority.name, count=l10n.plural("n-queued-jobs", count)),
        InlineKeyboardMarkup(inline_keyboard=[buttons]),
    )


def user_report(r: UserReport, settings_quota: int, now: datetime, l10n: L10n) -> Rendered:
    info = r.info
    current = effective_tier(info.tier, info.tier_expires_at, now)
    lines = [
        l10n(
            "admin-user",
            telegram_id=info.telegram_id,
            username=escape("@" + info.username) if info.username else "—",
            nickname=escape(info.faceit_nickname or "—"),
            language=info.language,
            tier=tier_name(current, l10n),
            until=formats.moment(info.tier_expires_at, l10n) if current != "free" else "—",
            used=r.used_today,
            quota=settings_quota,
            bonus=r.bonus,
            invited=r.invited,
            joined=formats.moment(info.created_at, l10n),
            seen=formats.moment(info.last_seen_at, l10n),
        )
    ]
    if info.banned_at:
        lines.append(l10n("admin-user-banned", since=formats.moment(info.banned_at, l10n)))
    lines.append(l10n("admin-user-payments"))
    lines += [payment_line(p, l10n) for p in r.payments] or [l10n("paysupport-none")]
    lines.append(l10n("admin-user-ledger"))
    lines += [ledger_line(e, l10n) for e in r.ledger] or [l10n("paysupport-none")]
    return Rendered("\n".join(lines))


def ledger_line(e: LedgerRow, l10n: L10n) -> str:
    refunded = l10n("admin-ledger-refunded", at=formats.moment(e.refunded_at, l10n)) if e.refunded_at else ""
    return l10n(
        "admin-ledger-line",
        id=e.id,
        date=formats.day(e.credited_at, l10n),
        tier=tier_name(e.tier, l10n),
        days=e.days,
        source=escape(e.source),
        ref=escape(e.source_ref),
        refunded=refunded,
    )


def refund(result: RefundResult, charge_id: str, l10n: L10n) -> str:
    charge = escape(charge_id)
    if result.outcome is RefundOutcome.UNKNOWN:
        return l10n("admin-refund-unknown", charge_id=charge)
    if result.outcome is RefundOutcome.ALREADY:
        return l10n("admin-refund-already", charge_id=charge)
    if result.outcome is RefundOutcome.FAILED:
        return l10n("admin-refund-failed", charge_id=charge, error=escape(result.error))
    assert result.payment is not None
    change = result.change
    tier = tier_name(change.tier if change else "free", l10n)
    return l10n(
        "admin-refund-done",
        charge_id=charge,
        stars=star_count(result.payment.stars, l10n),
        user_id=result.payment.telegram_id,
        tier=tier,
        until=formats.moment(change.tier_expires_at if change else None, l10n),
    )


def analytics(rows: list[DayRow], days: int, l10n: L10n) -> str:
    header = f"{'day':<6}{'new':>4}{'dau':>5}{'an F/P/Pro':>12}{'pay':>4}{'⭐':>6}{'conv':>5}{'calls':>6}{'hit':>5}"
    lines = [header]
    for r in rows:
        analyses = f"{r.analyses_free}/{r.analyses_premium}/{r.analyses_pro}"
        lines.append(
            f"{r.day.strftime('%m-%d'):<6}{r.new_users:>4}{r.active_users:>5}{analyses:>12}{r.payments:>4}"
            f"{r.stars:>6}{r.conversions:>5}{r.faceit_calls:>6}{hit_rate(r.cache_hits, r.cache_misses):>5}"
        )
    totals = l10n(
        "admin-analytics-totals",
        new=sum(r.new_users for r in rows),
        analyses=sum(r.analyses for r in rows),
        payments=sum(r.payments for r in rows),
        stars=star_count(sum(r.stars for r in rows), l10n),
        conversions=sum(r.conversions for r in rows),
        notifications=sum(r.notifications_sent for r in rows),
    )
    return "\n".join(
        [
            l10n("admin-analytics-title", days=l10n.plural("n-days", days)),
            "<pre>" + escape("\n".join(lines)) + "</pre>",
            totals,
        ]
    )


def broadcast_done(broadcast_id: int, tally: Tally, l10n: L10n) -> str:
    return l10n(
        "admin-broadcast-done", id=broadcast_id, sent=tally.sent, blocked=tally.blocked, failed=tally.failed
    )


def chart_series(rows: list[DayRow]) -> list[list[int]]:
    """DAU, analyses and Stars per day, oldest first: the three panels of render.chart.bars."""
    return [[r.active_users for r in rows], [r.analyses for r in rows], [r.stars for r in rows]]


def chart_caption(rows: list[DayRow], l10n: L10n) -> str:
    dau, analyses, stars = (max(series, default=0) for series in chart_series(rows))
    first = formats.day(rows[0].day, l10n) if rows else "—"
    last = formats.day(rows[-1].day, l10n) if rows else "—"
    return l10n("admin-analytics-chart", first=first, last=last, dau=dau, analyses=analyses, stars=stars)

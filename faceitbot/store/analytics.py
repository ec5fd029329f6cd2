"""analytics_daily (one row per UTC day, recomputed by upsert) and faceit_usage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class DayRow:
    day: date
    new_users: int
    active_users: int
    analyses_free: int
    analyses_premium: int
    analyses_pro: int
    notifications_sent: int
    payments: int
    stars: int
    conversions: int
    faceit_calls: int
    cache_hits: int
    cache_misses: int

    @property
    def analyses(self) -> int:
        return self.analyses_free + self.analyses_premium + self.analyses_pro


_COLUMNS = (
    "day, new_users, active_users, analyses_free, analyses_premium, analyses_pro, notifications_sent, payments,"
    " stars, conversions, faceit_calls, cache_hits, cache_misses"
)

# Everything about one day [$1, $2) in one statement. An analysis counts under the tier the user
# had paid for at that moment (their latest paid payment whose period covered it), FREE otherwise.
_AGGREGATE = f"""
    INSERT INTO analytics_daily ({_COLUMNS})
    SELECT $3::date,
        (SELECT count(*) FROM users WHERE created_at >= $1 AND created_at < $2),
        (SELECT count(*) FROM user_activity WHERE day = $3::date),
        coalesce(a.free, 0), coalesce(a.premium, 0), coalesce(a.pro, 0),
        $4::int,
        (SELECT count(*) FROM payments WHERE status = 'paid' AND created_at >= $1 AND created_at < $2),
        (SELECT coalesce(sum(stars), 0) FROM entitlements
         WHERE refunded_at IS NULL AND credited_at >= $1 AND credited_at < $2),
        (SELECT count(*) FROM (SELECT telegram_id, min(created_at) AS first FROM payments
                               WHERE status IN ('paid', 'refunded') GROUP BY telegram_id) f
         WHERE f.first >= $1 AND f.first < $2),
        coalesce(fu.calls, 0), coalesce(fu.hits, 0), coalesce(fu.misses, 0)
    FROM (
        SELECT count(*) FILTER (WHERE t.tier IS NULL) AS free,
               count(*) FILTER (WHERE t.tier = 'premium') AS premium,
               count(*) FILTER (WHERE t.tier = 'pro') AS pro
        FROM analysis_requests r
        LEFT JOIN LATERAL (
            SELECT p.tier FROM payments p
            WHERE p.telegram_id = r.telegram_id AND p.status = 'paid'
              AND p.created_at <= r.requested_at AND p.tier_expires_at > r.requested_at
            ORDER BY p.created_at DESC LIMIT 1
        ) t ON true
        WHERE r.requested_at >= $1 AND r.requested_at < $2
    ) a,
    (SELECT sum(calls) AS calls, sum(cache_hits) AS hits, sum(cache_misses) AS misses
     FROM faceit_usage WHERE day = $3::date) fu
    ON CONFLICT (day) DO UPDATE SET
        new_users = EXCLUDED.new_users, active_users = EXCLUDED.active_users,
        analyses_free = EXCLUDED.analyses_free, analyses_premium = EXCLUDED.analyses_premium,
        analyses_pro = EXCLUDED.analyses_pro, notifications_sent = EXCLUDED.notifications_sent,
        payments = EXCLUDED.payments, stars = EXCLUDED.stars, conversions = EXCLUDED.conversions,
        faceit_calls = EXCLUDED.faceit_calls, cache_hits = EXCLUDED.cache_hits,
        cache_misses = EXCLUDED.cache_misses, computed_at = now()
    RETURNING {_COLUMNS}
"""


def bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


async def aggregate(db: Executor, day: date, notifications_sent: int = 0) -> DayRow:
    start, end = bounds(day)
    record = await db.fetchrow(_AGGREGATE, start, end, day, notifications_sent)
    return DayRow(**dict(record))


async def days(db: Executor, last: date, count: int) -> list[DayRow]:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM analytics_daily WHERE day > $1 AND day <= $2 ORDER BY day",
        last - timedelta(days=count),
        last,
    )
    return [DayRow(**dict(r)) for r in rows]


async def notifications_table(db: Executor) -> str | None:
    """The monitoring feature's notifications outbox (sql/0005), when it is installed."""
    return await db.fetchval("SELECT to_regclass('notifications')::text")


async def notifications_sent(db: Executor, start: datetime, end: datetime) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM notifications WHERE status = 'sent' AND sent_at >= $1 AND sent_at < $2",
        start,
        end,
    )


async def add_faceit_usage(db: Executor, day: date, replica: str, calls: int, hits: int, misses: int) -> None:
    await db.execute(
        """
        INSERT INTO faceit_usage AS f (day, replica, calls, cache_hits, cache_misses) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (day, replica) DO UPDATE SET calls = f.calls + EXCLUDED.calls,
            cache_hits = f.cache_hits + EXCLUDED.cache_hits, cache_misses = f.cache_misses + EXCLUDED.cache_misses
        """,
        day,
        replica,
        calls,
        hits,
        misses,
    )

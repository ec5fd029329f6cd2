"""Writes of the legacy import; every one is conditional, so a re-run changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg

from faceitbot.store import tracking

# A record with no date of its own: older than anything the bot wrote.
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LegacyUser:
    telegram_id: int
    faceit_player_id: str | None
    faceit_nickname: str | None
    language: str
    notifications: bool
    tier: str
    tier_expires_at: datetime | None
    created_at: datetime
    seen_at: datetime  # the record's newest moment (UNDATED if none): decides whether it is newer than ours
    usage_day: date | None
    usage_used: int
    referred_by: int | None
    referral_code: str | None
    # Other players the user followed: (FACEIT player id, nickname or None). The old bot's
    # notifier watched the linked account; later builds kept a list beside it.
    tracked: tuple[tuple[str, str | None], ...] = ()


async def newer_than(conn: asyncpg.Connection, telegram_id: int, seen_at: datetime) -> str | None:
    """Why our data for this user should win over a legacy record seen at `seen_at`, if it should."""
    row = await conn.fetchrow(
        """
        SELECT (SELECT source_seen_at FROM legacy_imports WHERE telegram_id = $1) AS imported,
               (SELECT last_seen_at FROM users WHERE telegram_id = $1) AS seen
        """,
        telegram_id,
    )
    if row["imported"] is not None and row["imported"] >= seen_at:
        return "already imported, unchanged since"
    if row["seen"] is not None and row["seen"] >= seen_at and row["imported"] is None:
        return "the bot has newer data for this user"
    return None


async def upsert_user(conn: asyncpg.Connection, u: LegacyUser) -> None:
    await conn.execute(
        """
        INSERT INTO users (telegram_id, language, language_chosen, faceit_player_id, faceit_nickname, linked_at,
                           tier, tier_expires_at, notifications, created_at, last_seen_at, referral_code)
        VALUES ($1, $2, true, $3, $4, CASE WHEN $3::text IS NULL THEN NULL ELSE $8::timestamptz END, $5, $6, $7, $8, coalesce($9::timestamptz, now()),
                CASE WHEN EXISTS (SELECT 1 FROM users WHERE referral_code = $10 AND telegram_id <> $1)
                     THEN NULL ELSE $10 END)
        ON CONFLICT (telegram_id) DO UPDATE SET
            language = EXCLUDED.language, faceit_player_id = EXCLUDED.faceit_player_id,
            faceit_nickname = EXCLUDED.faceit_nickname, linked_at = EXCLUDED.linked_at, tier = EXCLUDED.tier,
            tier_expires_at = EXCLUDED.tier_expires_at, notifications = EXCLUDED.notifications,
            created_at = LEAST(users.created_at, EXCLUDED.created_at), last_seen_at = EXCLUDED.last_seen_at,
            referral_code = coalesce(EXCLUDED.referral_code, users.referral_code)
        """,
        u.telegram_id,
        u.language,
        u.faceit_player_id,
        u.faceit_nickname,
        u.tier,
        u.tier_expires_at,
        u.notifications,
        u.created_at,
        None if u.seen_at == UNDATED else u.seen_at,
        u.referral_code,
    )
    # The imported plan is a ledger row like any other, ending when the old bot said it ends.
    await conn.execute(
        "DELETE FROM entitlements WHERE source = 'legacy' AND source_ref = $1", str(u.telegram_id)
    )
    if u.tier != "free" and u.tier_expires_at is not None:
        await conn.execute(
            """
            WITH d AS (SELECT ceil(extract(epoch FROM $3::timestamptz - now()) / 86400)::int AS days)
            INSERT INTO entitlements (telegram_id, tier, days, source, source_ref, credited_at)
            SELECT $1::bigint, $2, d.days, 'legacy', $1::bigint::text, $3::timestamptz - make_interval(days => d.days)
            FROM d
            WHERE d.days > 0
            """,
            u.telegram_id,
            u.tier,
            u.tier_expires_at,
        )
    await conn.execute(
        "UPDATE users SET plan_ends_at = CASE WHEN tier <> 'free' THEN tier_expires_at END WHERE telegram_id = $1",
        u.telegram_id,
    )
    if u.usage_day is not None:
        await conn.execute(
            """
            INSERT INTO usage (telegram_id, day, used) VALUES ($1, $2, $3)
            ON CONFLICT (telegram_id, day) DO UPDATE SET used = GREATEST(usage.used, EXCLUDED.used)
            """,
            u.telegram_id,
            u.usage_day,
            u.usage_used,
        )
    await conn.execute(
        """
        INSERT INTO legacy_imports (telegram_id, source_seen_at) VALUES ($1, $2)
        ON CONFLICT (telegram_id) DO UPDATE SET source_seen_at = EXCLUDED.source_seen_at, imported_at = now()
        """,
        u.telegram_id,
        u.seen_at,
    )


async def add_referral(
    conn: asyncpg.Connection, referred_id: int, referrer_id: int, at: datetime
) -> str | None:
    """Record who invited whom; the old bot already paid its bonus, so none is owed here.
    Returns why it was not recorded, if it was not."""
    if not await conn.fetchval("SELECT true FROM users WHERE telegram_id = $1", referrer_id):
        return f"referrer {referrer_id} is unknown"
    await conn.execute(
        """
        INSERT INTO referrals (referred_id, referrer_id, bonus, created_at, rewarded_at)
        VALUES ($1, $2, 0, $3, $3) ON CONFLICT (referred_id) DO NOTHING
        """,
        referred_id,
        referrer_id,
        at,
    )
    return None


async def follow_player(
    conn: asyncpg.Connection, telegram_id: int, player_id: str, nickname: str | None, *, linked: bool
) -> bool:
    """Track a player the old bot watched for this user, from now on (older matches are never
    sent). True when the follow is new; a re-run adds nothing."""
    # The nickname is a placeholder until the first check reads the player.
    await conn.execute(
        "INSERT INTO players (player_id, nickname) VALUES ($1, $2) ON CONFLICT (player_id) DO NOTHING",
        player_id,
        nickname or player_id,
    )
    await tracking.lock_player(conn, player_id)
    return await tracking.follow(conn, telegram_id, player_id, linked=linked, first_check_s=60)

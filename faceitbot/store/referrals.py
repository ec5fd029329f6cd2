"""referrals, referral codes on users, and bonus_analyses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class Reward:
    referrer_id: int
    referrer_language: str
    referred_id: int
    bonus: int


async def code_of(db: Executor, telegram_id: int) -> str | None:
    return await db.fetchval("SELECT referral_code FROM users WHERE telegram_id = $1", telegram_id)


async def set_code(db: Executor, telegram_id: int, code: str) -> str:
    """Keeps an existing code; raises UniqueViolationError when `code` belongs to someone else."""
    return await db.fetchval(
        """
        UPDATE users SET referral_code = coalesce(referral_code, $2) WHERE telegram_id = $1
        RETURNING referral_code
        """,
        telegram_id,
        code,
    )


async def owner_of(db: Executor, code: str) -> int | None:
    return await db.fetchval("SELECT telegram_id FROM users WHERE referral_code = $1", code)


async def add(
    db: asyncpg.Connection, referred_id: int, referrer_id: int, bonus: int, new_since: datetime
) -> bool:
    """Record who invited a user who joined after `new_since` and has no FACEIT account yet.
    False when they already have a referrer (or are not new). Run in a transaction: two fresh
    accounts opening each other's link at the same moment would each see no referral the other
    way and both be recorded, so both users' rows are locked first (in id order, no deadlock) and
    the second of the two sees the first one's row."""
    await db.execute(
        "SELECT 1 FROM users WHERE telegram_id = ANY($1::bigint[]) ORDER BY telegram_id FOR UPDATE",
        [referred_id, referrer_id],
    )
    return (
        await db.fetchval(
            """
            INSERT INTO referrals (referred_id, referrer_id, bonus)
            SELECT u.telegram_id, $2, $3 FROM users u
            WHERE u.telegram_id = $1 AND u.created_at >= $4 AND u.faceit_player_id IS NULL
              -- never someone they invited themselves: two fresh accounts inviting each other
              AND NOT EXISTS (SELECT 1 FROM referrals back WHERE back.referred_id = $2 AND back.referrer_id = $1)
            ON CONFLICT (referred_id) DO NOTHING
            RETURNING true
            """,
            referred_id,
            referrer_id,
            bonus,
            new_since,
        )
        is not None
    )


async def reward(db: asyncpg.Connection, referred_ids: list[int], now: datetime) -> list[Reward]:
    """Mark due referrals rewarded: the referred user has linked a FACEIT account that has never
    earned a reward. Run in a transaction together with add_bonus."""
    rows = await db.fetch(
        """
        UPDATE referrals AS r SET rewarded_at = $2, rewarded_player_id = u.faceit_player_id
        FROM users u, users ref
        WHERE r.referred_id = ANY($1::bigint[]) AND r.rewarded_at IS NULL
          AND u.telegram_id = r.referred_id AND u.faceit_player_id IS NOT NULL
          AND ref.telegram_id = r.referrer_id
          -- a second Telegram account of the referrer's own FACEIT player earns nothing
          AND u.faceit_player_id IS DISTINCT FROM ref.faceit_player_id
          AND NOT EXISTS (SELECT 1 FROM referrals o WHERE o.rewarded_player_id = u.faceit_player_id)
        RETURNING r.referrer_id, ref.language AS referrer_language, r.referred_id, r.bonus
        """,
        referred_ids,
        now,
    )
    return [Reward(**dict(r)) for r in rows]


async def due_referred(db: Executor, limit: int = 500) -> list[int]:
    """Referred users who linked FACEIT but were not rewarded yet (a crash between the two)."""
    rows = await db.fetch(
        """
        SELECT r.referred_id FROM referrals r JOIN users u ON u.telegram_id = r.referred_id
        WHERE r.rewarded_at IS NULL AND u.faceit_player_id IS NOT NULL
        LIMIT $1
        """,
        limit,
    )
    return [r["referred_id"] for r in rows]


async def add_bonus(db: Executor, telegram_id: int, amount: int) -> None:
    await db.execute(
        """
        INSERT INTO bonus_analyses AS b (telegram_id, remaining) VALUES ($1, $2)
        ON CONFLICT (telegram_id) DO UPDATE SET remaining = b.remaining + EXCLUDED.remaining
        """,
        telegram_id,
        amount,
    )


async def spend_bonus(db: Executor, telegram_id: int) -> bool:
    """Use one bonus analysis if there is one left (atomic)."""
    status = await db.execute(
        "UPDATE bonus_analyses SET remaining = remaining - 1 WHERE telegram_id = $1 AND remaining > 0",
        telegram_id,
    )
    return status == "UPDATE 1"


async def bonus_left(db: Executor, telegram_id: int) -> int:
    return await db.fetchval(
        "SELECT coalesce((SELECT remaining FROM bonus_analyses WHERE telegram_id = $1), 0)", telegram_id
    )


async def counts(db: Executor, referrer_id: int) -> tuple[int, int]:
    """(invited, rewarded) for a referrer."""
    record = await db.fetchrow(
        "SELECT count(*) AS invited, count(rewarded_at) AS rewarded FROM referrals WHERE referrer_id = $1",
        referrer_id,
    )
    return record["invited"], record["rewarded"]

"""Referrals: `/start ref-<code>` deep links; when the invited user links a FACEIT account, both
get bonus analyses — once per invited user and once per FACEIT account, never for oneself."""

from __future__ import annotations

import re
import secrets
import string
from datetime import datetime, timedelta
from enum import StrEnum

import asyncpg
from loguru import logger

from faceitbot.store import referrals as store
from faceitbot.store.db import Pool
from faceitbot.store.referrals import Reward

CODE_ALPHABET = string.ascii_lowercase + string.digits
CODE_LENGTH = 8
START_PREFIX = "ref-"
START_ARG = re.compile(r"^ref-([a-z0-9]{8})$")
# Only someone who is new to the bot can be invited: an old user clicking a link is not a referral.
NEW_USER_WINDOW = timedelta(days=1)


class Accepted(StrEnum):
    RECORDED = "recorded"
    SELF = "self"
    UNKNOWN = "unknown"  # no such code
    IGNORED = "ignored"  # already invited by someone, or not a new user


async def code_for(pool: Pool, telegram_id: int) -> str:
    existing = await store.code_of(pool, telegram_id)
    if existing:
        return existing
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            return await store.set_code(pool, telegram_id, code)
        except asyncpg.UniqueViolationError:
            continue  # 36^8 codes: a clash is rare, try another


def start_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={START_PREFIX}{code}"


async def accept(pool: Pool, referred_id: int, start_arg: str, bonus: int, now: datetime) -> Accepted:
    match = START_ARG.match(start_arg)
    referrer = await store.owner_of(pool, match.group(1)) if match else None
    if referrer is None:
        return Accepted.UNKNOWN
    if referrer == referred_id:
        return Accepted.SELF
    async with pool.acquire() as conn, conn.transaction():
        recorded = await store.add(conn, referred_id, referrer, bonus, now - NEW_USER_WINDOW)
    if recorded:
        logger.info("user {} invited by {}", referred_id, referrer)
        return Accepted.RECORDED
    return Accepted.IGNORED


async def reward_linked(pool: Pool, referred_id: int, now: datetime) -> Reward | None:
    """Pay the bonus if this user was invited and has just linked FACEIT; idempotent."""
    try:
        async with pool.acquire() as conn, conn.transaction():
            rewards = await store.reward(conn, [referred_id], now)
            for r in rewards:
                await store.add_bonus(conn, r.referrer_id, r.bonus)
                await store.add_bonus(conn, r.referred_id, r.bonus)
    except asyncpg.UniqueViolationError:
        return None  # this FACEIT account earned a reward through someone else just now
    return rewards[0] if rewards else None


async def reward_due(pool: Pool, now: datetime) -> list[Reward]:
    """Catch up on rewards a crash left unpaid (linked, but not rewarded)."""
    paid = []
    for referred_id in await store.due_referred(pool):
        if (reward := await reward_linked(pool, referred_id, now)) is not None:
            paid.append(reward)
    return paid


async def bonus_left(pool: Pool, telegram_id: int) -> int:
    return await store.bonus_left(pool, telegram_id)


async def spend_bonus(conn: asyncpg.Connection, telegram_id: int) -> bool:
    return await store.spend_bonus(conn, telegram_id)


async def counts(pool: Pool, telegram_id: int) -> tuple[int, int]:
    return await store.counts(pool, telegram_id)

"""The periodic subscription tick: remind 3 days before a paid plan ends (once per expiry, fenced by
a subscription_reminders row), downgrade at expiry, and catch up on referral rewards. The
scheduler's job_runs slot makes one replica run each tick; the rows make a repeat harmless."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot.cluster.scheduler import Scheduler
from faceitbot.config import Settings
from faceitbot.i18n.loader import L10n
from faceitbot.render import payments as render
from faceitbot.render import referrals as render_referrals
from faceitbot.services import payments, referrals
from faceitbot.store import payments as payments_store
from faceitbot.store import settings as settings_store
from faceitbot.store import users as users_store
from faceitbot.store.db import Pool
from faceitbot.telegram import delivery, send_governor

EVERY_S = 300


async def run(pool: Pool, bot: Bot, i18n: I18n, settings: Settings, now: datetime) -> payments.ExpiryRun:
    done = await payments.remind_and_expire(pool, now)
    with send_governor.background():  # paced under Telegram's limits, behind users' replies
        await _notify(pool, bot, i18n, settings, now, done)
    if done.reminded or done.expired:
        logger.info("subscriptions: {} reminded, {} downgraded", len(done.reminded), len(done.expired))
    return done


async def _notify(
    pool: Pool, bot: Bot, i18n: I18n, settings: Settings, now: datetime, done: payments.ExpiryRun
) -> None:
    for user in done.reminded:
        zone = await settings_store.zone(pool, user.telegram_id)
        await delivery.send(
            bot,
            user.telegram_id,
            render.reminder(user.tier, user.tier_expires_at, L10n(i18n, user.language), zone),
        )
    for user in done.expired:
        await delivery.send(
            bot, user.telegram_id, render.expired(user.tier, settings, L10n(i18n, user.language))
        )
    for reward in await referrals.reward_due(pool, now):
        referred = await users_store.get(pool, reward.referred_id)
        language = referred.language if referred else i18n.default_locale
        await delivery.send(
            bot,
            reward.referred_id,
            render_referrals.rewarded_referred(reward.bonus, L10n(i18n, language)),
        )
        await delivery.send(
            bot,
            reward.referrer_id,
            render_referrals.rewarded_referrer(reward.bonus, L10n(i18n, reward.referrer_language)),
        )


def register(scheduler: Scheduler, pool: Pool, bot: Bot, i18n: I18n, settings: Settings) -> None:
    async def tick(_: datetime) -> None:
        await run(pool, bot, i18n, settings, datetime.now(UTC))
        await payments_store.prune_invoices(pool)

    scheduler.every("subscriptions", EVERY_S, tick)

"""Composition root: builds every long-lived object in order and tears them down in reverse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis
from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot import housekeeping, insight_jobs, jobs, subscriptions
from faceitbot.botsession import create_bot
from faceitbot.config import Settings
from faceitbot.faceit.budget import LocalBudget, RedisBudget
from faceitbot.faceit.cache import ResponseCache
from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers import get_routers
from faceitbot.i18n.loader import L10n, load_i18n
from faceitbot.jobs import JobContext
from faceitbot.kv import MemoryKV, RedisKV
from faceitbot.middlewares.context import UserContextMiddleware
from faceitbot.middlewares.membership import Activity, BanGate, BanList
from faceitbot.monitoring import Monitor, create_monitor
from faceitbot.queue import TaskQueue
from faceitbot.render.images import ImageCache
from faceitbot.scheduler import Scheduler
from faceitbot.services import admin as admin_service
from faceitbot.services import analytics
from faceitbot.store import embedded, migrate
from faceitbot.store.db import create_pool

COMMANDS = (
    "start",
    "match",
    "profile",
    "stats",
    "last",
    "matches",
    "form",
    "maps",
    "elo",
    "card",
    "matchcard",
    "settings",
    "link",
    "unlink",
    "track",
    "tracked",
    "notify",
    "subscribe",
    "referral",
    "language",
    "help",
    "paysupport",
    "terms",
)


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    pool: asyncpg.Pool
    redis: aioredis.Redis | None
    faceit: FaceitClient
    i18n: I18n
    queue: TaskQueue
    scheduler: Scheduler
    bot: Bot
    dp: Dispatcher
    monitor: Monitor


@asynccontextmanager
async def build(settings: Settings) -> AsyncIterator[Runtime]:
    async with AsyncExitStack() as stack:
        dsn = settings.database_url
        if dsn is None:
            pg = await embedded.start(settings.data_dir)
            stack.callback(pg.stop)
            dsn = pg.uri
        pool = await create_pool(dsn)
        stack.push_async_callback(pool.close)
        await migrate.apply(pool)

        redis = await _connect_redis(settings)
        if redis is not None:
            stack.push_async_callback(redis.aclose)

        if redis is not None:
            kv = RedisKV(redis, prefix=settings.redis_prefix)
            budget = RedisBudget(
                redis,
                settings.faceit_budget_requests,
                settings.faceit_budget_window_s,
                key=f"{settings.redis_prefix}budget:faceit",
            )
        else:
            kv, budget = MemoryKV(), LocalBudget(settings.faceit_budget_requests, settings.faceit_budget_window_s)
        faceit = FaceitClient(
            settings.faceit_api_url,
            settings.faceit_api_key,
            budget=budget,
            cache=ResponseCache(kv),
            concurrency=settings.faceit_concurrency,
            timeout_s=settings.faceit_timeout_s,
        )
        stack.push_async_callback(faceit.close)

        i18n = load_i18n()
        bot = create_bot(settings.telegram_bot_token, settings.telegram_api_url)
        stack.push_async_callback(bot.session.close)

        queue = TaskQueue(pool, workers=settings.queue_max_workers)
        job_ctx = JobContext(bot=bot, pool=pool, faceit=faceit, i18n=i18n, settings=settings)
        jobs.register(queue, job_ctx)
        insight_jobs.register(queue, job_ctx)
        monitor = create_monitor(
            settings, pool=pool, queue=queue, bot=bot, i18n=i18n, budget=budget, redis=redis
        )
        stack.push_async_callback(monitor.close)
        await admin_service.sync_pauses(pool, queue)  # queue priorities an admin paused
        await queue.start()
        stack.push_async_callback(queue.stop)

        scheduler = Scheduler(pool, queue.owner)
        housekeeping.register(scheduler, pool)
        subscriptions.register(scheduler, pool, bot, i18n, settings)
        analytics.register(scheduler, queue, pool, faceit)
        admin_service.register(scheduler, queue, pool, bot, i18n)
        monitor.schedule(scheduler)
        scheduler.start()
        stack.callback(scheduler.shutdown)

        bans = BanList(pool)
        dp = Dispatcher(
            settings=settings,
            pool=pool,
            redis=redis,
            faceit=faceit,
            i18n=i18n,
            queue=queue,
            bans=bans,
            images=ImageCache(kv),
        )
        dp.update.outer_middleware(UserContextMiddleware(pool, i18n))
        dp.update.outer_middleware(BanGate(bans))
        dp.update.outer_middleware(Activity(pool))
        dp.include_routers(*get_routers(kv))
        dp.startup.register(_announce_commands)
        yield Runtime(settings, pool, redis, faceit, i18n, queue, scheduler, bot, dp, monitor)


async def _connect_redis(settings: Settings) -> aioredis.Redis | None:
    if not settings.redis_url:
        logger.info("no REDIS_URL: in-process cache and locks, running as a single replica")
        return None
    redis = aioredis.from_url(settings.redis_url)
    await redis.ping()
    logger.info("Redis connected: shared cache, locks and budget")
    return redis


async def _announce_commands(bot: Bot, i18n: I18n) -> None:
    for locale in i18n.available_locales:
        l10n = L10n(i18n, locale)
        commands = [BotCommand(command=c, description=l10n(f"cmd-{c}")) for c in COMMANDS]
        # English is also the list for every language we do not speak.
        await bot.set_my_commands(commands, language_code=None if locale == "en" else locale)


async def run(settings: Settings, *, handle_signals: bool = True) -> None:
    async with build(settings) as rt:
        me = await rt.bot.get_me()
        logger.info("bot @{} starts long polling", me.username)
        await rt.dp.start_polling(rt.bot, handle_signals=handle_signals, polling_timeout=25)

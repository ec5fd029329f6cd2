"""Composition root: builds every long-lived object in order and tears them down in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import redis.asyncio as aioredis
from aiogram import Bot, Dispatcher
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot import housekeeping, subscriptions
from faceitbot.cluster.heartbeat import Heartbeat
from faceitbot.cluster.keys import RedisKeys
from faceitbot.cluster.kv import FallbackKV, MemoryKV, RedisHealth, RedisKV
from faceitbot.cluster.leader import AdvisoryLease, Lease, RedisLease, SoleLease
from faceitbot.cluster.scheduler import Scheduler
from faceitbot.commands import Scope, in_scope
from faceitbot.config import Settings
from faceitbot.faceit.allowance import (
    Allowance,
    Allowances,
    FallbackAllowance,
    LocalAllowance,
    RedisAllowance,
)
from faceitbot.faceit.budget import FallbackBudget, LocalBudget, RedisBudget
from faceitbot.faceit.cache import ResponseCache
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.configured import faceit_client
from faceitbot.faceit.pacing import FallbackPacer, LocalPacer, Pacer, RedisPacer
from faceitbot.handlers import install_handlers
from faceitbot.i18n.loader import L10n, load_i18n
from faceitbot.intake.gate import UpdateGate
from faceitbot.intake.inflight import InFlight
from faceitbot.intake.polling import LeaderPolling
from faceitbot.intake.webhook import PATH as WEBHOOK_PATH
from faceitbot.intake.webhook import add_webhook_route
from faceitbot.jobs import JobContext, register_all
from faceitbot.jobs import squads as squad_jobs
from faceitbot.logs import Redactor
from faceitbot.middlewares.allowance import FaceitAllowance
from faceitbot.middlewares.ban_gate import BanGate
from faceitbot.middlewares.context import UserContextMiddleware, prefetch_users
from faceitbot.middlewares.referral_rewards import ReferralRewards
from faceitbot.queue import TaskQueue
from faceitbot.render.images import ImageCache
from faceitbot.services import admin as admin_service
from faceitbot.services import analytics, scorecard
from faceitbot.services.bans import BanList
from faceitbot.store.database import migrated_pool
from faceitbot.telegram.send_governor import LocalPace, Pace, RedisPace, SendGovernor
from faceitbot.telegram.session import create_bot
from faceitbot.tracking import Monitor, create_monitor
from faceitbot.tracking.webhooks import WebhookIntake
from faceitbot.web.dashboard import DashboardDeps, add_dashboard_routes
from faceitbot.web.dashboard_auth import DashboardAuth
from faceitbot.web.faceit_webhook import add_faceit_webhook_route
from faceitbot.web.health import Readiness, add_health_routes
from faceitbot.web.metrics import Metrics, ScrapeSources
from faceitbot.web.server import HttpServer


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
    metrics: Metrics
    heartbeat: Heartbeat
    faceit_events: WebhookIntake
    governor: SendGovernor


@asynccontextmanager
async def build(settings: Settings) -> AsyncIterator[Runtime]:
    async with AsyncExitStack() as stack:
        pool, _ = await stack.enter_async_context(migrated_pool(settings.database_url, settings.data_dir))

        redis = await _connect_redis(settings)
        if redis is not None:
            stack.push_async_callback(redis.aclose)

        health = RedisHealth()
        keys = RedisKeys(settings.redis_prefix)
        if redis is not None:
            kv = FallbackKV(RedisKV(redis, prefix=keys.cache), MemoryKV(), health)
            budget = FallbackBudget(
                RedisBudget(
                    redis,
                    settings.faceit_budget_requests,
                    settings.faceit_budget_window_s,
                    key=keys.faceit_budget,
                ),
                LocalBudget(settings.faceit_budget_requests, settings.faceit_budget_window_s),
                health,
            )
            pacer: Pacer = FallbackPacer(
                RedisPacer(redis, settings.faceit_rate_per_second, key=keys.faceit_pace),
                LocalPacer(settings.faceit_rate_per_second),
                health,
            )
        else:
            kv, budget = (
                MemoryKV(),
                LocalBudget(settings.faceit_budget_requests, settings.faceit_budget_window_s),
            )
            pacer = LocalPacer(settings.faceit_rate_per_second)
        allowance_window = settings.user_faceit_allowance_window_s
        if redis is not None:
            allowance: Allowance = FallbackAllowance(
                RedisAllowance(redis, allowance_window, prefix=keys.allowance),
                LocalAllowance(allowance_window),
                health,
            )
        else:
            allowance = LocalAllowance(allowance_window)
        metrics = Metrics()
        faceit = faceit_client(
            settings,
            budget=budget,
            cache=ResponseCache(kv),
            pacer=pacer,
            on_rate_limited=metrics.faceit_rate_limited.inc,
        )
        stack.push_async_callback(faceit.close)
        metrics.watch_faceit(faceit)
        allowances = Allowances(
            allowance,
            settings.faceit_allowance(),
            exempt=settings.admin_ids,
            on_spent=metrics.user_allowance_spent.inc,
        )

        i18n = load_i18n()
        pace: Pace = (
            RedisPace(redis, keys.telegram, LocalPace(), health) if redis is not None else LocalPace()
        )
        governor = SendGovernor(pace, rate=settings.telegram_send_rate, metrics=metrics)
        bot = create_bot(settings.telegram_bot_token, settings.telegram_api_url, governor)
        stack.push_async_callback(bot.session.close)

        queue = TaskQueue(
            pool,
            workers=settings.queue_max_workers,
            lease_s=settings.queue_lease_s,
            observe=metrics.job_finished,
            redact=Redactor(settings.secrets),
        )
        monitor = create_monitor(
            settings,
            pool=pool,
            queue=queue,
            bot=bot,
            i18n=i18n,
            budget=budget,
            redis=redis,
            pacer=pacer,
            on_rate_limited=metrics.faceit_rate_limited.inc,
        )
        stack.push_async_callback(monitor.close)
        job_ctx = JobContext(
            bot=bot,
            pool=pool,
            faceit=faceit,
            i18n=i18n,
            settings=settings,
            monitor=monitor,
            allowances=allowances,
        )
        # Every replica runs every kind: queued FACEIT events too, whichever replica received them.
        register_all(queue, job_ctx)
        faceit_events = WebhookIntake(monitor)
        await admin_service.sync_pauses(pool, queue)  # queue priorities an admin paused
        await queue.start()
        stack.push_async_callback(queue.stop, settings.shutdown_grace_s)
        heartbeat = Heartbeat(
            pool,
            queue,
            faceit,
            floods=lambda: governor.floods,
            faceit_429=lambda: faceit.rate_limited + monitor.faceit.rate_limited,
        )
        await heartbeat.start()
        stack.push_async_callback(heartbeat.stop)

        scheduler = Scheduler(pool, queue.owner)
        housekeeping.register(scheduler, pool, notification_keep_days=settings.notification_keep_days)
        subscriptions.register(scheduler, pool, bot, i18n, settings)
        analytics.register(scheduler, queue, pool, faceit)
        scorecard.register(scheduler, queue, pool)
        admin_service.register(scheduler, queue, pool)
        squad_jobs.schedule(scheduler, queue, pool, bot, monitor.faceit, i18n)
        monitor.schedule(scheduler)
        scheduler.start()
        stack.push_async_callback(scheduler.stop)

        bans = BanList(pool)
        dp = Dispatcher(
            # Conversation state lives in PostgreSQL (prompts), shared by replicas; aiogram's
            # per-process FSM would only cost a storage lookup per update.
            disable_fsm=True,
            settings=settings,
            pool=pool,
            redis=redis,
            faceit=faceit,
            i18n=i18n,
            queue=queue,
            bans=bans,
            images=ImageCache(kv),
            kv=kv,
            monitor_faceit=monitor.faceit,  # reads on monitoring's share of the budget (squads)
        )
        dp.update.outer_middleware(UserContextMiddleware(pool, i18n))
        dp.update.outer_middleware(BanGate(bans))
        dp.update.outer_middleware(ReferralRewards(pool))
        dp.update.outer_middleware(FaceitAllowance(allowances))
        install_handlers(dp, kv)
        dp.startup.register(_announce_commands)
        yield Runtime(
            settings,
            pool,
            redis,
            faceit,
            i18n,
            queue,
            scheduler,
            bot,
            dp,
            monitor,
            metrics,
            heartbeat,
            faceit_events,
            governor,
        )


async def _connect_redis(settings: Settings) -> aioredis.Redis | None:
    if not settings.redis_url:
        logger.info("no REDIS_URL: in-process cache and locks, running as a single replica")
        return None
    # Timeouts so a Redis that stops answering fails fast instead of stalling the caller.
    redis = aioredis.from_url(settings.redis_url, socket_timeout=3, socket_connect_timeout=3)
    await redis.ping()
    logger.info("Redis connected: shared cache, locks and budget")
    return redis


async def _announce_commands(bot: Bot, i18n: I18n, settings: Settings) -> None:
    """Each scope's menu from the table of commands: private chats, group chats (only what works
    there) and each admin's chat (with /admin), in every language we speak."""
    scopes: list[tuple[Scope, Any]] = [
        (Scope.PRIVATE, None),  # the default, for clients that know no scopes
        (Scope.PRIVATE, BotCommandScopeAllPrivateChats()),
        (Scope.GROUP, BotCommandScopeAllGroupChats()),
        *((Scope.ADMIN, BotCommandScopeChat(chat_id=a)) for a in sorted(settings.admin_ids)),
    ]
    for locale in i18n.available_locales:
        l10n = L10n(i18n, locale)
        for scope, telegram_scope in scopes:
            commands = [
                BotCommand(command=c.name, description=l10n(c.description_key)) for c in in_scope(scope)
            ]
            # English is also the list for every language we do not speak.
            await bot.set_my_commands(
                commands, scope=telegram_scope, language_code=None if locale == "en" else locale
            )


def _tune_gc() -> None:
    """What start-up built (aiogram's hundreds of models, catalogs, pools) lives as long as the
    process: freeze it out of the collector's scans, and collect the young generation less often.
    Full collections over those objects cost more CPU than everything else an update does."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


async def run(settings: Settings, *, handle_signals: bool = True) -> None:
    """The bot until SIGTERM/SIGINT: updates by webhook or by leader-elected long polling."""
    stop = asyncio.Event()
    async with build(settings) as rt:
        if handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
        await serve(rt, stop)
    logger.info("stopped cleanly")


async def serve(rt: Runtime, stop: asyncio.Event) -> None:
    settings, bot, dp = rt.settings, rt.bot, rt.dp
    _tune_gc()
    me = await bot.get_me()
    redact = Redactor(settings.secrets)
    gate = UpdateGate(
        dp, bot, rt.pool, rt.queue.owner, hold_s=settings.update_claim_s, metrics=rt.metrics, redact=redact
    )
    lease: Lease | None = None
    lock_name = RedisKeys(settings.redis_prefix).polling_leader(me.id)
    if not settings.webhook_url:
        lease = (
            RedisLease(
                rt.redis,
                lock_name,
                rt.queue.owner,
                settings.leader_ttl_s,
                fallback=AdvisoryLease(rt.pool, lock_name),
            )
            if rt.redis is not None
            else SoleLease()
        )
    async with AsyncExitStack() as stack:
        health = HttpServer("health")
        sources = ScrapeSources(rt.pool, rt.faceit, (lambda: lease.leading) if lease is not None else None)
        ready = Readiness(rt.pool, bot, rt.redis, stop.is_set)
        health.add_routes(lambda app: add_health_routes(app, ready, rt.metrics, sources))
        if settings.dashboard_token:
            auth = DashboardAuth(settings.dashboard_token, settings.dashboard_admin_token)
            deps = DashboardDeps(rt.pool, rt.queue, rt.faceit, rt.i18n, auth)
            health.add_routes(lambda app: add_dashboard_routes(app, deps))
        if lease is not None:
            rt.heartbeat.leading = lambda: lease.leading
        if settings.faceit_webhook_secret:
            health.add_routes(
                lambda app: add_faceit_webhook_route(app, rt.faceit_events, settings.faceit_webhook_secret)
            )
        if settings.health_port:
            await health.start(settings.http_host, settings.health_port)
            stack.push_async_callback(health.stop)

        workflow = {"dispatcher": dp, "bots": [bot], **dp.workflow_data}
        await dp.emit_startup(bot=bot, **workflow)
        stack.push_async_callback(dp.emit_shutdown, bot=bot, **workflow)

        if settings.webhook_url:
            hook = HttpServer("webhook")
            hook.add_routes(
                lambda app: add_webhook_route(app, gate, bot, settings.webhook_secret, WEBHOOK_PATH)
            )
            await hook.start(settings.http_host, settings.port)
            stack.push_async_callback(hook.stop)  # first out: no new updates once stopping
            await bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=dp.resolve_used_update_types(),
            )
            ready.serving = True
            logger.info("bot @{} takes updates by webhook on port {}", me.username, hook.port)
            await stop.wait()
            return

        assert lease is not None
        with contextlib.suppress(Exception):
            await bot.delete_webhook()  # a webhook left by a previous deployment blocks getUpdates
        await lease.start()
        stack.push_async_callback(lease.stop)
        inflight = InFlight(
            dp,
            bot,
            rt.pool,
            rt.queue.owner,
            hold_s=settings.update_claim_s,
            metrics=rt.metrics,
            prefetch=functools.partial(prefetch_users, rt.pool),
            redact=redact,
        )
        polling = LeaderPolling(
            bot,
            inflight,
            lease,
            rt.pool,
            allowed_updates=dp.resolve_used_update_types(),
            hold_s=settings.update_claim_s,
        )
        task = asyncio.create_task(polling.run(), name="leader-polling")
        ready.serving = True
        logger.info("bot @{} polls for updates while it holds the leader lease", me.username)
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        polling.stop()
        stopped.cancel()
        await task  # a crash of the polling loop surfaces here

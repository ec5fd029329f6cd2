"""Prometheus metrics of one replica, in a registry of its own (no process-global state).

Counters that live code bumps (updates, jobs, FACEIT calls) are plain prometheus-client
metrics; figures that belong to the whole deployment (queue depth, notifications, payments,
budget left) are read when Prometheus scrapes, so every replica reports the same truth.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from faceitbot.cluster.heartbeat import EVERY_S as HEARTBEAT_EVERY_S
from faceitbot.constants import Priority
from faceitbot.faceit.client import FaceitClient
from faceitbot.store import figures

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A replica that missed three beats is no longer counted alive; its row is reported silent for
# five minutes, long enough for an alert's `for:` and short enough to clear after a crash.
ALIVE_S = 3 * HEARTBEAT_EVERY_S
SILENT_S = 300.0
DEPENDENCIES = ("postgresql", "redis", "telegram")
REPLICA_ROLES = ("leader", "follower", "webhook")
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


@dataclass(slots=True)
class ScrapeSources:
    """What /metrics reads at scrape time; `leading` is None when this replica does not poll."""

    pool: asyncpg.Pool
    faceit: FaceitClient
    leading: Callable[[], bool] | None = None


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.updates = Counter("faceitbot_updates_handled", "Telegram updates handled", ["type"], registry=r)
        self.update_duplicates = Counter(
            "faceitbot_updates_duplicate", "Updates dropped or deferred as repeats", ["claim"], registry=r
        )
        self.handler_latency = Histogram(
            "faceitbot_handler_seconds",
            "Time to handle one update",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.jobs = Counter(
            "faceitbot_jobs", "Queue job transitions on this replica", ["kind", "outcome"], registry=r
        )
        self.job_seconds = Histogram(
            "faceitbot_job_seconds",
            "Queue job run time",
            ["kind", "outcome"],
            buckets=JOB_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge("faceitbot_queue_jobs", "Live jobs", ["priority", "status"], registry=r)
        self.budget_left = Gauge(
            "faceitbot_faceit_budget_left", "FACEIT requests left in the window", registry=r
        )
        self.budget_limit = Gauge(
            "faceitbot_faceit_budget_limit", "FACEIT requests allowed per budget window", registry=r
        )
        self.notifications = Gauge(
            "faceitbot_notifications", "Match notifications by status", ["status"], registry=r
        )
        self.payments = Gauge("faceitbot_payments", "Stars payments by status", ["status"], registry=r)
        self.payment_stars = Gauge(
            "faceitbot_payment_stars", "Stars by payment status", ["status"], registry=r
        )
        self.leader = Gauge("faceitbot_polling_leader", "1 while this replica runs getUpdates", registry=r)
        self.oldest_queued = Gauge(
            "faceitbot_queue_oldest_seconds",
            "How long the longest-waiting due job of each priority has waited (0 when none)",
            ["priority"],
            registry=r,
        )
        self.replicas_alive = Gauge(
            "faceitbot_replicas_alive",
            "Replicas whose heartbeat is fresh, by role (polling leader, follower, webhook)",
            ["role"],
            registry=r,
        )
        self.replicas_silent = Gauge(
            "faceitbot_replicas_silent",
            "Replicas whose heartbeat stopped in the last minutes without a clean shutdown",
            registry=r,
        )
        self.dependency_up = Gauge(
            "faceitbot_dependency_up",
            "1 when this replica reached the dependency at scrape time (the /readyz checks)",
            ["dependency"],
            registry=r,
        )
        self.scrape_errors = Counter(
            "faceitbot_scrape_errors",
            "Scrapes whose deployment-wide figures could not be read (the database did not answer)",
            registry=r,
        )
        self.updates_failed = Counter(
            "faceitbot_updates_failed",
            "Updates kept as failed and skipped (unparsable, or failing outside a handler)",
            ["stage"],
            registry=r,
        )
        self.faceit_rate_limited = Counter(
            "faceitbot_faceit_rate_limited", "FACEIT answers of 429 Too Many Requests", registry=r
        )
        self.user_allowance_spent = Counter(
            "faceitbot_user_allowance_spent",
            "Requests refused because the user's own share of FACEIT calls was spent",
            registry=r,
        )
        self.telegram_rate_limited = Counter(
            "faceitbot_telegram_rate_limited",
            "Bot API answers of 429 with retry_after",
            ["method"],
            registry=r,
        )
        self.telegram_blocked = Counter(
            "faceitbot_telegram_blocked", "Sends refused with 403 (the user blocked the bot)", registry=r
        )
        # Per update type, the labelled children: .labels() takes a lock and builds a key each time.
        self._per_kind: dict[str, tuple[Any, Any]] = {}

    def watch_faceit(self, client: FaceitClient) -> None:
        self.registry.register(_FaceitCollector(client))

    # -- hooks called by live code ---------------------------------------------------------------
    def update_handled(self, kind: str, seconds: float) -> None:
        children = self._per_kind.get(kind)
        if children is None:
            children = self._per_kind[kind] = (self.updates.labels(kind), self.handler_latency.labels(kind))
        children[0].inc()
        children[1].observe(seconds)

    def update_failed(self, stage: str) -> None:
        self.updates_failed.labels(stage).inc()

    def duplicate_update(self, claim: str) -> None:
        self.update_duplicates.labels(claim).inc()

    def job_finished(self, kind: str, outcome: str, seconds: float) -> None:
        self.jobs.labels(kind, outcome).inc()
        self.job_seconds.labels(kind, outcome).observe(seconds)

    # -- scrape ------------------------------------------------------------------------------------
    async def render(self, src: ScrapeSources, dependencies: dict[str, bool] | None = None) -> bytes:
        """`dependencies` are the readiness checks just made; a dependency this replica does not
        use (Redis when unset) is reported up, so it never alerts."""
        if dependencies is not None:
            for name in DEPENDENCIES:
                self.dependency_up.labels(name).set(1 if dependencies.get(name, True) else 0)
        try:
            await self._refresh(src)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            # Still answer: the dependency gauges are what tells an operator the database is away.
            self.scrape_errors.inc()
        return generate_latest(self.registry)

    async def _refresh(self, src: ScrapeSources) -> None:
        async with asyncio.timeout(3):
            live = await figures.live_jobs(src.pool)
            oldest = await figures.oldest_ready_jobs(src.pool)
            roles, silent = await figures.replicas_by_role(src.pool, ALIVE_S, SILENT_S)
            sent = await figures.notifications_by_status(src.pool)
            paid = await figures.payments_by_status(src.pool)
            used = await src.faceit.budget.used()
        for p in Priority:
            for status in ("queued", "running"):
                self.queue_depth.labels(p.name.lower(), status).set(live.get((int(p), status), 0))
            self.oldest_queued.labels(p.name.lower()).set(oldest.get(int(p), 0.0))
        for role in REPLICA_ROLES:
            self.replicas_alive.labels(role).set(roles.get(role, 0))
        self.replicas_silent.set(silent)
        for status in ("pending", "sent", "skipped", "blocked", "failed"):
            self.notifications.labels(status).set(sent.get(status, 0))
        for status in ("paid", "refunded", "orphan"):
            n, stars = paid.get(status, (0, 0))
            self.payments.labels(status).set(n)
            self.payment_stars.labels(status).set(stars)
        self.budget_left.set(max(0, src.faceit.budget.limit - used))
        self.budget_limit.set(src.faceit.budget.limit)
        if src.leading is not None:
            self.leader.set(1 if src.leading() else 0)


class _FaceitCollector(Collector):
    """The client's own in-process counters, read as they are at scrape time."""

    def __init__(self, client: FaceitClient) -> None:
        self._client = client

    def collect(self):
        calls = CounterMetricFamily(
            "faceitbot_faceit_calls", "FACEIT requests sent", labels=["endpoint", "status"]
        )
        for (endpoint, status), n in sorted(self._client.statuses.items()):
            calls.add_metric([endpoint, status], n)
        yield calls
        cache = CounterMetricFamily(
            "faceitbot_faceit_cache", "FACEIT cache lookups", labels=["endpoint", "result"]
        )
        for endpoint, n in sorted(self._client.cache.hits.items()):
            cache.add_metric([endpoint, "hit"], n)
        for endpoint, n in sorted(self._client.cache.misses.items()):
            cache.add_metric([endpoint, "miss"], n)
        yield cache

"""The gauges the alert rules and the autoscaler read, scraped from /metrics as Prometheus does:
oldest due job per priority, replicas alive and silent, dependencies as /readyz sees them, and
finally failed jobs counted per kind."""

from __future__ import annotations

import re

import aiohttp
import asyncpg
import pytest

from faceitbot.constants import Priority
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.web.health import Readiness, add_health_routes
from faceitbot.web.metrics import Metrics, ScrapeSources
from faceitbot.web.server import HttpServer
from tests.dashboard_site import serve_dashboard


def sample(body: str, series: str) -> float:
    m = re.search(rf"^{re.escape(series)} (\S+)$", body, re.M)
    assert m, f"{series} is not exported:\n{body[:2000]}"
    return float(m.group(1))


async def scrape(base: str) -> str:
    async with aiohttp.ClientSession() as s, s.get(base + "/metrics") as r:
        assert r.status == 200
        return await r.text()


async def test_oldest_due_job_and_replica_roles_are_exported(bot) -> None:
    pool = bot.rt.pool
    await pool.execute(
        """
        INSERT INTO jobs (kind, priority, status, created_at, run_at) VALUES
            ('not_run_here', 1, 'queued', now() - interval '95 seconds', now() - interval '90 seconds'),
            ('not_run_here', 1, 'queued', now(), now()),
            -- a retry waiting out its backoff is not late
            ('not_run_here', 3, 'queued', now() - interval '1 hour', now() + interval '1 hour')
        """
    )
    await pool.execute(
        """
        INSERT INTO replica_heartbeats
            (replica, leader, busy, workers, rss_bytes, telegram_429, faceit_per_min, started_at, beat_at)
        VALUES ('lead-1', true, 0, 3, 1, 0, '{}', now(), now()),
               ('follow-1', false, 0, 3, 1, 0, '{}', now(), now()),
               ('crashed-1', false, 0, 3, 1, 0, '{}', now() - interval '1 hour', now() - interval '40 seconds'),
               ('long-gone', false, 0, 3, 1, 0, '{}', now() - interval '1 day', now() - interval '1 hour')
        """
    )
    async with serve_dashboard(bot.rt) as site:
        body = await scrape(site.base)
    assert 90 <= sample(body, 'faceitbot_queue_oldest_seconds{priority="high"}') < 3600
    assert sample(body, 'faceitbot_queue_oldest_seconds{priority="low"}') == 0
    assert sample(body, 'faceitbot_queue_oldest_seconds{priority="critical"}') == 0
    assert sample(body, 'faceitbot_replicas_alive{role="leader"}') == 1
    assert sample(body, 'faceitbot_replicas_alive{role="follower"}') == 1
    assert sample(body, "faceitbot_replicas_silent") == 1
    for dep in ("postgresql", "redis", "telegram"):
        assert sample(body, f'faceitbot_dependency_up{{dependency="{dep}"}}') == 1


async def test_an_unreachable_database_is_scraped_as_down_not_as_an_error(bot, dsn) -> None:
    gone = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    await gone.close()
    metrics = Metrics()
    server = HttpServer("health")
    ready = Readiness(gone, bot.rt.bot, None, lambda: False, serving=True)
    server.add_routes(lambda app: add_health_routes(app, ready, metrics, ScrapeSources(gone, bot.rt.faceit)))
    port = await server.start("127.0.0.1", 0)
    try:
        body = await scrape(f"http://127.0.0.1:{port}")
    finally:
        await server.stop()
    assert sample(body, 'faceitbot_dependency_up{dependency="postgresql"}') == 0
    assert sample(body, 'faceitbot_dependency_up{dependency="telegram"}') == 1
    assert sample(body, "faceitbot_scrape_errors_total") == 1


BOOM = JobSpec("boom", Priority.DEFAULT, max_attempts=1, timeout_s=10, backoff_s=0.05)


@pytest.mark.expect_errors(r"! failed boom #\d+: RuntimeError: the analysis broke")
async def test_a_job_that_fails_for_good_is_counted_failed(bot) -> None:
    metrics = Metrics()
    queue = TaskQueue(bot.rt.pool, workers=1, lease_s=5, poll_s=0.1, observe=metrics.job_finished)

    async def run(payload, job) -> None:
        raise RuntimeError("the analysis broke")

    queue.register(BOOM, run)
    await queue.start()
    try:
        job, _ = await queue.submit(BOOM, {})
        assert await queue.wait_outcome(job.id) == "failed"
    finally:
        await queue.stop(grace_s=1)
    assert await bot.rt.pool.fetchval("SELECT status FROM jobs WHERE id = $1", job.id) == "failed"
    body = (await metrics.render(ScrapeSources(bot.rt.pool, bot.rt.faceit))).decode()
    assert sample(body, 'faceitbot_jobs_total{kind="boom",outcome="failed"}') == 1
    assert sample(body, 'faceitbot_job_seconds_count{kind="boom",outcome="failed"}') == 1


async def test_a_replica_is_ready_only_once_it_serves_and_until_it_stops(bot) -> None:
    """The health port opens before the webhook port (startup sets the commands, the webhook,
    the lease): a load balancer that sent updates to a replica /readyz called ready in between
    would meet a refused connection."""
    stopping = [False]
    ready = Readiness(bot.rt.pool, bot.rt.bot, None, lambda: stopping[0])
    assert await ready.failing() == ["starting"]
    ready.serving = True
    assert await ready.failing() == []
    stopping[0] = True
    assert await ready.failing() == ["shutting down"]

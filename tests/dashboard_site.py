"""The dashboard served exactly as app.serve() wires it, on a free port, for the session bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from faceitbot.app import Runtime
from faceitbot.config import Secret
from faceitbot.web.dashboard import DashboardDeps, add_dashboard_routes
from faceitbot.web.dashboard_auth import DashboardAuth
from faceitbot.web.health import Readiness, add_health_routes
from faceitbot.web.metrics import ScrapeSources
from faceitbot.web.server import HttpServer

VIEWER_TOKEN = "viewer-token-0123456789-must-stay-secret"
ADMIN_TOKEN = "admin-token-0123456789-must-stay-secret"


@dataclass(frozen=True)
class Site:
    base: str
    auth: DashboardAuth


@asynccontextmanager
async def serve_dashboard(rt: Runtime) -> AsyncIterator[Site]:
    auth = DashboardAuth(Secret(VIEWER_TOKEN), Secret(ADMIN_TOKEN))
    server = HttpServer("health")
    ready = Readiness(rt.pool, rt.bot, rt.redis, lambda: False, serving=True)
    server.add_routes(
        lambda app: add_health_routes(app, ready, rt.metrics, ScrapeSources(rt.pool, rt.faceit))
    )
    server.add_routes(
        lambda app: add_dashboard_routes(app, DashboardDeps(rt.pool, rt.queue, rt.faceit, rt.i18n, auth))
    )
    port = await server.start("127.0.0.1", 0)
    try:
        yield Site(f"http://127.0.0.1:{port}", auth)
    finally:
        await server.stop()


async def add_job(
    pool,
    priority: int,
    status: str,
    *,
    kind: str = "not_run_here",
    finished_ago_s: float = 0,
    payload: dict | None = None,
    last_error: str | None = None,
) -> int:
    """A job row as the queue leaves it; kinds no replica registered are never claimed, so the
    row stays as inserted."""
    return await pool.fetchval(
        """
        INSERT INTO jobs (kind, priority, status, payload, last_error, attempts, created_at, started_at, finished_at)
        VALUES ($1, $2, $3, $4, $5, CASE WHEN $3 = 'failed' THEN 3 ELSE 0 END,
                now() - make_interval(secs => $6 + 5), CASE WHEN $3 <> 'queued' THEN now() - make_interval(secs => $6 + 2) END,
                CASE WHEN $3 IN ('done', 'failed') THEN now() - make_interval(secs => $6) END)
        RETURNING id
        """,
        kind,
        priority,
        status,
        payload or {},
        last_error,
        finished_ago_s,
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)

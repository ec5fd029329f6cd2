"""/healthz, /readyz and /metrics.

/healthz answers from the event loop itself, so a 200 means the process and its loop are alive.
/readyz says whether this replica can serve users now: PostgreSQL, Redis when configured, and
the Bot API answering; otherwise 503 naming what failed. A replica that is shutting down is not
ready, so a load balancer stops sending it updates first; nor is one still starting: the health
port opens before the webhook port does, and an update sent there in between would be refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis
from aiogram import Bot
from aiohttp import web

from faceitbot.store import db
from faceitbot.web.metrics import Metrics, ScrapeSources

CHECK_TIMEOUT_S = 3.0


@dataclass(slots=True)
class Readiness:
    pool: asyncpg.Pool
    bot: Bot
    redis: aioredis.Redis | None
    stopping: Callable[[], bool]
    serving: bool = False  # set once the webhook listens or the polling loop runs

    async def checks(self) -> dict[str, bool]:
        """Each dependency this replica needs → whether it answered now."""
        checks = {"postgresql": self._postgres(), "telegram": self._telegram()}
        if self.redis is not None:
            checks["redis"] = self._redis(self.redis)
        results = await asyncio.gather(*checks.values(), return_exceptions=True)
        return {name: r is True for name, r in zip(checks, results, strict=True)}

    async def failing(self) -> list[str]:
        failed = [name for name, up in (await self.checks()).items() if not up]
        if self.stopping():
            failed.insert(0, "shutting down")
        elif not self.serving:
            failed.insert(0, "starting")
        return failed

    async def _postgres(self) -> bool:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await db.answers(self.pool)

    async def _redis(self, redis: aioredis.Redis) -> bool:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return bool(await redis.ping())

    async def _telegram(self) -> bool:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await self.bot.get_me()
            return True


def add_health_routes(
    app: web.Application, ready: Readiness, metrics: Metrics, sources: ScrapeSources
) -> None:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        failed = await ready.failing()
        if failed:
            return web.json_response({"status": "unavailable", "failing": failed}, status=503)
        return web.json_response({"status": "ready"})

    async def metrics_page(_: web.Request) -> web.Response:
        # The same checks as /readyz, so an alert on a dependency says what readiness saw.
        body = await metrics.render(sources, await ready.checks())
        return web.Response(body=body, headers={"Content-Type": metrics.content_type})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)

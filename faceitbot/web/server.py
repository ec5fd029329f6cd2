"""A small aiohttp server; features add their routes with a registration function."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from loguru import logger

RouteSetup = Callable[[web.Application], None]


class HttpServer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.app = web.Application()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def add_routes(self, setup: RouteSetup) -> None:
        setup(self.app)

    async def start(self, host: str, port: int) -> int:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server is not None else ()  # the real port when 0 was asked
        self.port = sockets[0].getsockname()[1] if sockets else port
        logger.info("{} server listening on {}:{}", self.name, host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

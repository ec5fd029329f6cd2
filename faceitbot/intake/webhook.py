"""The webhook endpoint: every replica behind the load balancer takes updates.

Unlike aiogram's SimpleRequestHandler (which answers 200 before handling), the update is
handled before the answer: whatever the handlers put in the durable queue is committed when
Telegram hears 200. Any failure answers 5xx so Telegram delivers the update again, and the
gate makes the redelivery harmless.
"""

from __future__ import annotations

import hmac

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from loguru import logger
from pydantic import ValidationError

from faceitbot.intake.gate import DB_ERRORS, UpdateGate
from faceitbot.store.updates import Claim

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/webhook"


def add_webhook_route(
    app: web.Application, gate: UpdateGate, bot: Bot, secret: str, path: str = PATH
) -> None:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=401, text="Unauthorized")
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValueError, ValidationError):
            return web.Response(status=400, text="not an Update")
        try:
            claim, _ = await gate.feed(update)
        except DB_ERRORS as e:
            logger.warning(
                "update {} refused: PostgreSQL unavailable ({})", update.update_id, type(e).__name__
            )
            return web.Response(status=503, text="storage unavailable, retry")
        if claim is Claim.BUSY:
            return web.Response(status=503, text="being handled by another replica, retry")
        return web.json_response({})

    app.router.add_post(path, receive)

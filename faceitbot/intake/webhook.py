"""The webhook endpoint: every replica behind the load balancer takes updates.

Unlike aiogram's SimpleRequestHandler (which answers 200 before handling), the update is
handled before the answer: whatever the handlers put in the durable queue is committed when
Telegram hears 200. When PostgreSQL is unavailable it answers 503 so Telegram delivers the
update again, and the gate makes the redelivery harmless. An update that cannot be read, or
whose handling fails outside a handler, is kept as failed and answered 200.
"""

from __future__ import annotations

import hmac
import json

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
        raw = await request.text()
        try:
            update = Update.model_validate_json(raw, context={"bot": bot})
        except (ValueError, ValidationError) as e:
            # Answered 200 all the same: Telegram would otherwise redeliver it for ever, and hold
            # back every later update behind it. It is kept, as failed, for an operator to read.
            update_id = _update_id(raw)
            logger.warning(
                "update {} is unreadable, kept as failed and skipped: {}", update_id, type(e).__name__
            )
            if update_id is not None:
                await gate.keep_failed(update_id, raw, f"{type(e).__name__}: {str(e)[:300]}", stage="parse")
            return web.json_response({})
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


def _update_id(raw: str) -> int | None:
    try:
        value = json.loads(raw).get("update_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None

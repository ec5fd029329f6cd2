"""The FACEIT webhook route on the side server: a shared secret header, then the event goes to
monitoring (faceitbot/tracking/webhooks.py)."""

from __future__ import annotations

import hmac

from aiohttp import web
from loguru import logger

from faceitbot.tracking.webhooks import BadEvent, WebhookIntake, decode

PATH = "/faceit/webhook"
HEADER = "X-Faceit-Webhook-Secret"  # set as a custom header on the FACEIT app's webhook
MAX_BODY = 256 * 1024  # a match event is a few kilobytes


def add_faceit_webhook_route(
    app: web.Application, intake: WebhookIntake, secret: str, path: str = PATH
) -> None:
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(HEADER, "").encode()
        if not hmac.compare_digest(given, expected):  # constant time: no timing oracle on the secret
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"ok": False, "error": "too large"}, status=413)
        try:
            event = decode(await request.read())
        except BadEvent as e:
            logger.warning("FACEIT webhook: unreadable event: {}", e)
            return web.json_response({"ok": False, "error": "bad event"}, status=400)
        got = await intake.receive(event)
        return web.json_response(
            {"ok": True, "duplicate": got.duplicate, "tracked": got.tracked, "queued": got.queued}
        )

    app.router.add_post(path, handle)

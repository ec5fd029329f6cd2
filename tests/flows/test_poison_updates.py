"""One malformed update must not stop the bot: it is kept as failed (its JSON and the reason)
and skipped, the valid updates of its batch are answered, and polling goes on. The same in
webhook mode, answered 200 so Telegram does not redeliver it for ever."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from aiohttp import web

from faceitbot.cluster.leader import SoleLease
from faceitbot.intake.gate import UpdateGate
from faceitbot.intake.inflight import InFlight
from faceitbot.intake.polling import LeaderPolling
from faceitbot.intake.webhook import SECRET_HEADER, add_webhook_route
from faceitbot.telegram.session import create_bot
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI_SPEC, TOKEN, BotHarness

SECRET = "poison-hook-secret"


def text_update(update_id: int, user_id: int, text: str) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Ann", "language_code": "en"}
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
        "from": user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return {"update_id": update_id, "message": message}


def malformed(update_id: int) -> dict:
    # A message with no chat and a date that is no date: aiogram cannot build an Update of it.
    return {"update_id": update_id, "message": {"message_id": 1, "date": "yesterday", "text": "/help"}}


def failed_updates(bot: BotHarness, stage: str) -> float:
    return bot.rt.metrics.registry.get_sample_value("faceitbot_updates_failed_total", {"stage": stage}) or 0.0


async def failed_row(bot: BotHarness, update_id: int):
    return await bot.rt.pool.fetchrow(
        "SELECT status, error, payload FROM processed_updates WHERE update_id = $1", update_id
    )


async def test_a_malformed_update_between_two_valid_ones_is_kept_and_polling_goes_on(bot: BotHarness) -> None:
    first, second, later = bot.new_user(), bot.new_user(), bot.new_user()
    base = 7_300_000 + first * 10
    failed_before = failed_updates(bot, "parse")
    async with FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as tg:
        own_bot = create_bot(TOKEN, tg.base_url)
        await own_bot.me()
        inflight = InFlight(
            bot.rt.dp, own_bot, bot.rt.pool, "poison-leader", hold_s=30, metrics=bot.rt.metrics
        )
        polling = LeaderPolling(
            own_bot,
            inflight,
            SoleLease(),
            bot.rt.pool,
            allowed_updates=bot.rt.dp.resolve_used_update_types(),
            hold_s=30,
            poll_timeout_s=1,
        )
        for update in (
            text_update(base, first, "/help"),
            malformed(base + 1),
            text_update(base + 2, second, "/help"),
        ):
            tg.push_update(update)
        task = asyncio.create_task(polling.run())
        try:
            for uid in (first, second):
                [reply] = await tg.wait_for("sendMessage", chat_id=uid)
                assert "/profile" in reply.params["text"]
            # Polling is alive: a later update is answered too.
            tg.push_update(text_update(base + 3, later, "/help"))
            await tg.wait_for("sendMessage", chat_id=later)
        finally:
            polling.stop()
            await task
            await own_bot.session.close()
    kept = await failed_row(bot, base + 1)
    assert kept["status"] == "failed"
    assert json.loads(kept["payload"]) == malformed(base + 1)
    assert kept["error"].startswith("ValidationError")
    assert failed_updates(bot, "parse") == failed_before + 1
    offset = await bot.rt.pool.fetchval(
        "SELECT next_offset FROM polling_offsets WHERE bot_id = $1", own_bot.id
    )
    assert offset == base + 4


@pytest.fixture
async def webhook(bot: BotHarness):
    gate = UpdateGate(bot.rt.dp, bot.rt.bot, bot.rt.pool, "poison-hook", metrics=bot.rt.metrics)
    app = web.Application()
    add_webhook_route(app, gate, bot.rt.bot, SECRET)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        await runner.cleanup()


async def _post(url: str, body: str) -> int:
    async with aiohttp.ClientSession() as s, s.post(url, data=body, headers={SECRET_HEADER: SECRET}) as r:
        return r.status


async def test_a_malformed_update_in_webhook_mode_is_answered_200_and_kept(
    bot: BotHarness, webhook: str
) -> None:
    uid = bot.new_user()
    base = 7_600_000 + uid * 10
    failed_before = failed_updates(bot, "parse")
    assert await _post(webhook, json.dumps(malformed(base))) == 200
    bot.tg.mark()
    assert await _post(webhook, json.dumps(text_update(base + 1, uid, "/help"))) == 200
    [reply] = await bot.tg.wait_for("sendMessage", chat_id=uid)
    assert "/profile" in reply.params["text"]
    kept = await failed_row(bot, base)
    assert kept["status"] == "failed" and kept["error"].startswith("ValidationError")
    assert failed_updates(bot, "parse") == failed_before + 1
    # A redelivery of the failed update is acknowledged and dropped.
    assert await _post(webhook, json.dumps(malformed(base))) == 200
    assert await failed_row(bot, base) == kept

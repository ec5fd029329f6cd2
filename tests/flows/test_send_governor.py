"""The send governor against the fake Bot API with Telegram's limits on: replies that meet 429
are sent after the wait, every replica honours it, chats are spread, users go first, stale
progress edits are dropped, and 200 users at once are each answered exactly once."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from loguru import logger

from faceitbot.cluster.kv import RedisHealth
from faceitbot.telegram import send_governor, sent
from faceitbot.telegram.send_governor import LocalPace, RedisPace, Schedule, SendGovernor, Superseded
from faceitbot.telegram.session import create_bot
from faceitbot.web.metrics import Metrics
from faceitbot_sim.replicas import wait_until
from faceitbot_sim.telegram import FakeTelegram, SendLimits
from tests.conftest import BOTAPI_SPEC, TOKEN, BotHarness


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as fake:
        assert fake.send_limits == SendLimits()  # Telegram's limits, as by default
        yield fake


@pytest.fixture
async def bots(tg: FakeTelegram) -> AsyncIterator[list[Bot]]:
    made: list[Bot] = []
    yield made
    for b in made:
        await b.session.close()


def governed(tg: FakeTelegram, bots: list[Bot], governor: SendGovernor) -> Bot:
    bot = create_bot(TOKEN, tg.base_url, governor)
    bots.append(bot)
    return bot


def rate_limited(metrics: Metrics, method: str) -> float:
    return metrics.registry.get_sample_value("faceitbot_telegram_rate_limited_total", {"method": method}) or 0


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """ERROR lines and tracebacks, from loguru and from aiogram's stdlib logging alike."""
    seen: list[str] = []
    sink = logger.add(lambda m: seen.append(str(m)), level="ERROR")
    caplog.set_level(logging.ERROR)
    yield seen
    logger.remove(sink)
    seen.extend(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info)


async def test_a_reply_that_meets_429_waits_and_is_sent_once(bot: BotHarness, errors: list[str]) -> None:
    uid = bot.new_user()
    before = rate_limited(bot.rt.metrics, "sendMessage")
    bot.tg.flood(uid, retry_after=1, times=1)
    [reply] = await bot.say(uid, "/start")
    assert reply.params["text"].startswith("Hi, Ann!")
    flooded, delivered = bot.tg.calls_for(uid, "sendMessage", failed=True)
    assert (flooded.status, delivered.status) == (429, 200)
    assert delivered.at >= flooded.at + 1  # retry_after honoured, not replayed at once
    assert rate_limited(bot.rt.metrics, "sendMessage") == before + 1
    assert errors == []


async def test_200_users_at_once_are_each_answered_exactly_once(bot: BotHarness, errors: list[str]) -> None:
    assert bot.tg.send_limits == SendLimits()
    users = [bot.new_user() for _ in range(200)]
    bot.tg.mark()
    for uid in users:
        bot.tg.send_text(uid, "/start", user_id=uid, first_name="Ann")
    chats = set(users)
    await bot.tg.wait_for("sendMessage", predicate=lambda c: c.chat_id in chats, count=200, timeout=60)
    for uid in users:
        answers = [c for c in bot.tg.calls_for(uid, "sendMessage") if c.ok]
        assert [a.params["text"].startswith("Hi, Ann!") for a in answers] == [True], uid
    assert errors == []


async def test_schedules_and_flood_waits_are_shared_by_replicas(
    tg: FakeTelegram, bots: list[Bot], redis: aioredis.Redis, redis_prefix: str
) -> None:
    paces = [RedisPace(redis, redis_prefix, LocalPace()) for _ in range(3)]
    replicas = [governed(tg, bots, SendGovernor(p)) for p in paces]
    # 60 messages to 60 chats from three replicas at once: twice what Telegram takes in a second.
    await asyncio.gather(*(sent.send_message(replicas[i % 3], 3000 + i, "hi") for i in range(60)))
    assert tg.flood_refused == 0
    assert all(len(tg.chat_messages(3000 + i)) == 1 for i in range(60))

    # Three replicas writing to one chat: a short burst, then one a second, never a 429.
    await asyncio.gather(*(sent.send_message(r, 3999, f"from {i}") for i, r in enumerate(replicas)))
    await sent.send_message(replicas[0], 3999, "fourth")
    assert tg.flood_refused == 0 and len(tg.chat_messages(3999)) == 4
    stamps = [c.at for c in tg.calls_for(3999, "sendMessage")]
    assert stamps[3] - stamps[1] >= 1.0

    # One replica told to wait: the others wait too.
    await paces[0].flood(1.0)
    paused = tg.calls[-1].at
    await sent.send_message(replicas[2], 3998, "after the pause")
    assert tg.calls[-1].at - paused >= 1.0


async def test_sends_to_one_chat_keep_their_order_and_spacing(tg: FakeTelegram, bots: list[Bot]) -> None:
    bot = governed(tg, bots, SendGovernor(LocalPace()))
    await asyncio.gather(*(sent.send_message(bot, 4001, f"{i}") for i in range(5)))
    assert [m["text"] for m in tg.chat_messages(4001)] == ["0", "1", "2", "3", "4"]
    assert tg.flood_refused == 0
    stamps = [c.at for c in tg.calls_for(4001, "sendMessage")]
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(stamps[1:]))


async def test_replies_go_ahead_of_background_sends(tg: FakeTelegram, bots: list[Bot]) -> None:
    tg.send_limits = None  # the order is the governor's alone here
    governor = SendGovernor(LocalPace(), rate=10)
    bot = governed(tg, bots, governor)

    async def notify(chat: int) -> None:
        with send_governor.background():
            await sent.send_message(bot, chat, "notification")

    background = [asyncio.create_task(notify(5000 + i)) for i in range(20)]
    # They all ask for their slots first (a send books its slot as it comes).
    await wait_until(lambda: governor.requested == 20, 5, "the notifications to book", interval=0.001)
    await asyncio.gather(*(sent.send_message(bot, 6000 + i, "reply") for i in range(5)))
    order = [c.params["text"] for c in tg.calls if c.method == "sendMessage"]
    await asyncio.gather(*background)
    # The notifications booked before the replies came (a quarter second's worth) went first.
    assert order.count("notification") <= 4 and order.count("reply") == 5


async def test_a_progress_edit_superseded_while_it_waits_is_dropped(
    tg: FakeTelegram, bots: list[Bot]
) -> None:
    governor = SendGovernor(LocalPace())
    bot = governed(tg, bots, governor)
    first = await sent.send_message(bot, 4100, "working")
    await sent.send_message(bot, 4100, "the chat's burst is spent now")

    async def progress(text: str) -> None:
        with send_governor.progress():
            await sent.edit_message_text(bot, 4100, first.message_id, text)

    stale = [asyncio.create_task(progress(f"{n}/10")) for n in (1, 2)]
    # Both are waiting for the chat's next slot.
    await wait_until(lambda: governor.requested == 4, 5, "the two edits to wait", interval=0.001)
    await sent.edit_message_text(bot, 4100, first.message_id, "done")  # the result, newest
    for task in stale:
        with pytest.raises(Superseded):
            await task
    assert [c.params["text"] for c in tg.calls_for(4100, "editMessageText")] == ["done"]
    assert tg.chat_messages(4100)[0]["text"] == "done" and governor.superseded == 2


async def test_403_is_counted_as_a_blocked_chat(tg: FakeTelegram, bots: list[Bot]) -> None:
    metrics = Metrics()
    bot = governed(tg, bots, SendGovernor(LocalPace(), metrics=metrics))
    tg.fail_chat(4200)
    with pytest.raises(TelegramForbiddenError):
        await sent.send_message(bot, 4200, "hello?")
    assert metrics.registry.get_sample_value("faceitbot_telegram_blocked_total") == 1


async def test_a_crowd_books_through_a_small_redis_pool_without_falling_back(
    redis_url: str, redis_prefix: str, redis: aioredis.Redis
) -> None:
    small = aioredis.from_url(redis_url, max_connections=10)
    health = RedisHealth()
    pace = RedisPace(small, redis_prefix, LocalPace(), health)
    overall = Schedule("tg:overall", 1 / 28)
    try:
        booked = await asyncio.gather(
            *(pace.reserve(overall, [Schedule(f"tg:chat:{i}", 1.0, 2)], None) for i in range(150))
        )
    finally:
        await small.aclose()
    assert health.up and all(ok for ok, _ in booked)
    # One slot each, 1/28 s apart, all of them on the schedule in Redis (none in-process).
    assert sorted(d for _, d in booked)[-1] == pytest.approx(149 / 28, abs=0.2)
    booked_until = float(await redis.get(f"{redis_prefix}tg:overall"))
    assert booked_until - time.time() == pytest.approx(150 / 28, abs=0.3)

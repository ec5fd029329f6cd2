"""Inline mode and group chats: answers the spec-validating fake Bot API accepts, addressed to
the caller in groups, within 20 answers a minute per group."""

import json
from datetime import UTC, datetime

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineQueryResultArticle, InputTextMessageContent

from faceitbot.callbacks import PlayerAction, PlayerCb
from faceitbot.cluster.kv import RedisKV
from faceitbot.middlewares.group_limit import GroupRateLimit
from faceitbot.store import quotas
from faceitbot_sim.fixtures import World
from tests.conftest import SAMPLES, BotHarness

DARWIN = json.loads((SAMPLES / "player_details.json").read_text())
GROUP = -1001234567890


async def inline(bot: BotHarness, uid: int, text: str):
    bot.tg.mark()
    bot.tg.inline_query(uid, text)
    [answer] = await bot.tg.wait_for("answerInlineQuery")
    return answer


async def test_inline_nickname_offers_the_player_card(bot: BotHarness) -> None:
    answer = await inline(bot, bot.new_user(), "Darwin")
    [result] = answer.params["results"]
    assert (result["type"], result["title"]) == ("article", "Darwin · level 10 · 2014 ELO")
    assert result["description"] == "K/D 0.95 · win rate 50% · 2423 matches"
    text = result["input_message_content"]["message_text"]
    assert text.startswith("🇬🇧 <b>Darwin</b> · level 10 · 2014 ELO\nMatches: 2,423 · Win rate: 50%")
    assert answer.params["cache_time"] == 300
    calls = bot.faceit.stats()["total"]
    assert calls == 3  # nickname lookup, player, lifetime stats

    bot.faceit.reset_stats()
    again = await inline(bot, bot.new_user(), "Darwin")
    assert again.params["results"] == answer.params["results"] and bot.faceit.stats()["total"] == 0


async def test_inline_room_link_offers_the_match_summary(bot: BotHarness, world: World) -> None:
    match_id = world.finished[0]
    room = json.loads((bot.faceit.data_dir / "matches" / f"{match_id}.json").read_text())
    uid = bot.new_user()
    answer = await inline(bot, uid, f"https://www.faceit.com/en/cs2/room/{match_id}")
    [result] = answer.params["results"]
    one, two = room["teams"]["faction1"]["name"], room["teams"]["faction2"]["name"]
    assert result["title"] == f"{one} vs {two}"
    summary = result["input_message_content"]["message_text"].splitlines()
    assert summary[0] == f"🎯 <b>{one}</b> vs <b>{two}</b>"
    assert summary[1].startswith("Average ELO ")
    # Inline mode is no way around the daily quota: one unit, and the same room again is free.
    today = datetime.now(UTC).date()
    assert await quotas.used(bot.rt.pool, uid, today) == 1
    bot.faceit.reset_stats()
    again = await inline(bot, uid, match_id)
    assert again.params["results"][0]["title"] == result["title"]
    assert await quotas.used(bot.rt.pool, uid, today) == 1 and bot.faceit.stats()["total"] == 0


async def test_inline_room_over_the_quota_is_refused(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    for match_id in world.finished[:5]:  # FREE: 5 a day
        await inline(bot, uid, match_id)
    answer = await inline(bot, uid, world.finished[5])
    assert answer.params["results"] == []
    assert answer.params["button"]["text"].startswith("You've used all 5")


async def test_inline_unknown_nickname_explains_above_no_results(bot: BotHarness) -> None:
    answer = await inline(bot, bot.new_user(), "zz_nobody_zz")
    assert answer.params["results"] == []
    assert answer.params["button"]["text"].startswith("Player zz_nobody_zz was not found on FACEIT.")


async def test_the_fake_bot_api_rejects_malformed_inline_answers(bot: BotHarness) -> None:
    article = InlineQueryResultArticle(
        id="same", title="t", input_message_content=InputTextMessageContent(message_text="x")
    )
    with pytest.raises(TelegramBadRequest, match="RESULT_ID_DUPLICATE"):
        await bot.rt.bot.answer_inline_query("1", [article, article])
    broken = InlineQueryResultArticle(
        id="a",
        title="t",
        input_message_content=InputTextMessageContent(message_text="<b>x", parse_mode="HTML"),
    )
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.rt.bot.answer_inline_query("1", [broken])


async def test_group_commands_answer_the_caller(bot: BotHarness) -> None:
    uid = bot.new_user()
    bot.tg.mark()
    bot.tg.send_text(GROUP, "/maps Darwin", user_id=uid, chat_type="supergroup", first_name="Ann")
    [reply] = await bot.tg.wait_for("sendMessage", chat_id=GROUP)
    assert reply.params["text"].startswith("🗺 <b>Darwin</b> — maps")
    assert reply.response["result"]["reply_to_message"]["from"]["id"] == uid

    # A button pressed in the group: the answer names whoever pressed it.
    await bot.say(uid, "/link Darwin")
    bot.tg.mark()
    bot.tg.send_text(GROUP, "/form", user_id=uid, chat_type="supergroup", first_name="Ann")
    [menu] = await bot.tg.wait_for("sendMessage", chat_id=GROUP)
    data = next(
        b["callback_data"]
        for row in menu.params["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "20 matches"
    )
    bot.tg.mark()
    bot.tg.press_button(GROUP, menu.response["result"]["message_id"], data, user_id=uid)
    [ack] = await bot.tg.wait_for("sendMessage", chat_id=GROUP)
    assert ack.params["text"] == f'<a href="tg://user?id={uid}">Ann</a>, ⏳ Reading the matches…'
    [done] = await bot.tg.wait_for(
        "editMessageText", chat_id=GROUP, predicate=lambda c: "last 20" in c.params["text"]
    )
    assert done.params["text"].splitlines()[1] == "10 W / 10 L of 20 matches · win rate 50%"
    # Groups are never users: nothing the bot keeps per user (notifications included) points at one.
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM users WHERE telegram_id < 0") == 0


async def test_a_failed_button_in_a_group_names_whoever_pressed_it(bot: BotHarness) -> None:
    uid = bot.new_user()
    bot.tg.mark()
    bot.tg.send_text(GROUP, "/maps Darwin", user_id=uid, chat_type="supergroup", first_name="Ann")
    [card] = await bot.tg.wait_for("sendMessage", chat_id=GROUP)
    # A stale "stats" button for a player FACEIT no longer knows: the domain error's apology is
    # addressed to the presser, not posted to the group unaddressed.
    data = PlayerCb(action=PlayerAction.STATS, nickname="NoSuchPlayer404").pack()
    bot.tg.mark()
    bot.tg.press_button(GROUP, card.response["result"]["message_id"], data, user_id=uid, check_button=False)
    [apology] = await bot.tg.wait_for("sendMessage", chat_id=GROUP)
    assert apology.params["text"].startswith(f'<a href="tg://user?id={uid}">')
    assert "NoSuchPlayer404" in apology.params["text"]


async def test_group_answers_are_limited_to_twenty_a_minute(redis, redis_prefix: str) -> None:
    from aiogram.types import Chat

    limit = GroupRateLimit(RedisKV(redis, prefix=redis_prefix))
    handled: list[int] = []

    async def handler(event, data) -> None:
        handled.append(data["event_chat"].id)

    group, other = Chat(id=-100777, type="supergroup"), Chat(id=-100778, type="group")
    private = Chat(id=42, type="private")
    for _ in range(21):
        await limit(handler, None, {"event_chat": group})
    assert handled.count(group.id) == 20  # the 21st in the same minute is not answered
    await limit(handler, None, {"event_chat": other})
    for _ in range(25):
        await limit(handler, None, {"event_chat": private})
    assert handled.count(other.id) == 1 and handled.count(private.id) == 25


async def test_match_analysis_in_a_group_is_the_callers(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    match_id = world.finished[6]
    bot.tg.mark()
    bot.tg.send_text(GROUP, f"/match {match_id}", user_id=uid, chat_type="supergroup")
    [ack] = await bot.tg.wait_for("sendMessage", chat_id=GROUP)
    assert ack.response["result"]["reply_to_message"]["from"]["id"] == uid
    [result] = await bot.tg.wait_for(
        "editMessageText",
        chat_id=GROUP,
        predicate=lambda c: "FACEIT request" in c.params["text"],
        timeout=20,
    )
    assert result.params["message_id"] == ack.response["result"]["message_id"]
    assert await quotas.used(bot.rt.pool, uid, datetime.now(UTC).date()) == 1  # the caller's quota

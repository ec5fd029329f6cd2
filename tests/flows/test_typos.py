"""Typos and odd input as new users type them: each gets exactly one clear, translated reply that
says what was wrong and what is accepted. Never silence, never "something went wrong"."""

from __future__ import annotations

import pytest

from faceitbot.i18n.loader import L10n, load_i18n
from faceitbot.render.help import unknown_command
from tests.conftest import BotHarness

NOT_FACEIT_URL = "That link isn't a FACEIT profile. Send one like https://www.faceit.com/en/players/nickname."
HISTORY_COUNT = "Give a number of matches from 1 to 50, e.g. /matches 20"
REGION = "«Europe» is a region, not a time zone. Pick a city below or type one, e.g. /settings Europe/Berlin"


def buttons(call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row]


@pytest.mark.parametrize(
    "command", ["stats", "link", "last", "maps", "form", "card", "elo", "track", "untrack", "matches"]
)
async def test_a_url_that_does_not_parse_is_not_a_faceit_profile(bot: BotHarness, command: str) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    [reply] = await bot.say(uid, f"/{command} https://[x")
    assert reply.params["text"] == NOT_FACEIT_URL


@pytest.mark.parametrize("count", ["²", "١٠", "-3", "0", "51", "99999999999999999999"])
async def test_matches_takes_only_ascii_counts_in_range(bot: BotHarness, count: str) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    [reply] = await bot.say(uid, f"/matches {count} Darwin")
    assert reply.params["text"] == HISTORY_COUNT


async def test_a_region_is_not_a_time_zone_and_the_zones_are_offered(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    [reply] = await bot.say(uid, "/settings Europe")
    assert reply.params["text"] == REGION
    assert "st1:zone:Europe/Berlin" in buttons(reply)
    zone = await bot.rt.pool.fetchval("SELECT time_zone FROM user_settings WHERE telegram_id = $1", uid)
    assert zone is None  # nothing was set


async def test_a_region_in_russian(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start", lang="ru")
    [reply] = await bot.say(uid, "/settings America", lang="ru")
    assert reply.params["text"] == (
        "«America» — это регион, а не часовой пояс. Выбери город ниже или напиши его, "
        "например /settings Europe/Berlin"
    )


@pytest.mark.parametrize("zone", ["x" * 300, "../../etc/passwd", "Europe/Berlin\x00", "Мск", "/"])
async def test_a_zone_that_is_no_zone_is_named_as_such(bot: BotHarness, zone: str) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    [reply] = await bot.say(uid, f"/settings {zone}")
    assert reply.params["text"].endswith(
        "is not a time zone I know. Use Area/City, e.g. /settings Europe/Berlin"
    )


async def test_a_zone_in_lower_case_is_set_in_its_own_spelling(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    await bot.say(uid, "/settings asia/almaty")
    zone = await bot.rt.pool.fetchval("SELECT time_zone FROM user_settings WHERE telegram_id = $1", uid)
    assert zone == "Asia/Almaty"


@pytest.mark.parametrize(
    ("typed", "lang", "expected"),
    [
        ("/tarck half_buy", "en", "I don't know /tarck. Did you mean /track half_buy?"),
        ("/subscibe", "en", "I don't know /subscibe. Did you mean /subscribe?"),
        ("/tarck half_buy", "ru", "Нет команды /tarck. Может, /track half_buy?"),
        ("/profil", "ru", "Нет команды /profil. Может, /profile?"),
        ("/frobnicate", "en", "I don't know that command. /help lists what I can do."),
        ("/frobnicate", "ru", "Я не знаю такой команды. Список команд — /help."),
    ],
)
async def test_a_mistyped_command_is_answered_with_the_one_it_resembles(
    bot: BotHarness, typed: str, lang: str, expected: str
) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start", lang=lang)
    [reply] = await bot.say(uid, typed, lang=lang)
    assert reply.params["text"] == expected
    follows = await bot.rt.pool.fetchval("SELECT count(*) FROM follows WHERE telegram_id = $1", uid)
    assert follows == 0  # a suggestion is only a suggestion: nothing was tracked


def test_a_suggestion_keeps_short_arguments_only_and_escapes_them() -> None:
    en = L10n(load_i18n(), "en")
    assert unknown_command("/tarck " + "x" * 100, en) == "I don't know /tarck. Did you mean /track?"
    assert (
        unknown_command("/tarck <b>x</b>", en)
        == "I don't know /tarck. Did you mean /track &lt;b&gt;x&lt;/b&gt;?"
    )
    assert unknown_command("/tarck@faceit_demo_bot x", en) == "I don't know /tarck. Did you mean /track x?"
    generic = "I don't know that command. /help lists what I can do."
    assert unknown_command("/" + "a" * 5000, en) == unknown_command("/", en) == generic

"""End to end: updates go in through the fake Bot API, replies come out of it; FACEIT is the
simulator serving the recorded samples and a generated world; PostgreSQL is real."""

import json
from pathlib import Path

import pytest

from faceitbot_sim.fixtures import World
from tests.conftest import SAMPLES, BotHarness

DARWIN = json.loads((SAMPLES / "player_details.json").read_text())
DARWIN_STATS = json.loads((SAMPLES / "player_stats_cs2.json").read_text())


def keyboard_texts(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("keyboard") or markup.get("inline_keyboard") or []
    return [b["text"] for row in rows for b in row]


async def user_row(bot: BotHarness, user_id: int):
    return await bot.rt.pool.fetchrow("SELECT * FROM users WHERE telegram_id = $1", user_id)


async def test_start_greets_in_english_with_the_menu(bot: BotHarness) -> None:
    uid = bot.new_user()
    [reply] = await bot.say(uid, "/start")
    assert reply.params["text"].startswith("Hi, Ann! I'm your FACEIT CS2 companion.")
    assert keyboard_texts(reply) == [
        "📊 My stats",
        "🕹 Last match",
        "📜 Match history",
        "👤 Profile",
        "📈 Form analysis",
        "🔎 Find player",
        "🎯 Match analysis",
        "⭐ Subscription",
        "❓ Help",
        "⚙️ Settings",
    ]
    assert (await user_row(bot, uid))["language"] == "en"


async def test_start_greets_in_russian_for_a_russian_telegram(bot: BotHarness) -> None:
    uid = bot.new_user()
    [reply] = await bot.say(uid, "/start", lang="ru")
    assert reply.params["text"].startswith("Привет, Ann! Я твой помощник для FACEIT CS2.")
    assert keyboard_texts(reply)[3] == "👤 Профиль"


async def test_link_then_profile_shows_the_recorded_numbers(bot: BotHarness) -> None:
    uid = bot.new_user()
    [linked] = await bot.say(uid, "/link Darwin")
    assert linked.params["text"] == "✅ Linked to <b>Darwin</b> — level 10, 2014 ELO.\nYour stats: /profile"
    row = await user_row(bot, uid)
    assert (row["faceit_player_id"], row["faceit_nickname"]) == (DARWIN["player_id"], "Darwin")

    [card] = await bot.say(uid, "/profile")
    assert card.params["text"] == (
        "🇬🇧 <b>Darwin</b> · level 10 · 2014 ELO\n"
        "Matches: 2,423 · Win rate: 50%\n"
        "K/D: 0.95 · HS: 33% · Avg kills: 15.1\n"
        "Win streak: 0 now, 10 best\n"
        "Last 5 (oldest → newest): W W W W L"
    )
    snapshots = await bot.rt.pool.fetchval(
        "SELECT count(*) FROM elo_snapshots WHERE player_id = $1", DARWIN["player_id"]
    )
    assert snapshots >= 1


async def test_profile_with_a_nickname_shows_that_player_not_ones_own(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link Darwin")
    someone = world.players[3]
    [card] = await bot.say(uid, f"/profile {someone.nickname}")
    assert (
        card.params["text"]
        .splitlines()[0]
        .endswith(f"<b>{someone.nickname}</b> · level {someone.skill_level} · {someone.elo} ELO")
    )


async def test_profile_in_russian(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link https://www.faceit.com/ru/players/Darwin", lang="ru")
    [card] = await bot.say(uid, "👤 Профиль", lang="ru")
    assert card.params["text"].splitlines()[1] == "Матчей: 2\u00a0423 · Побед: 50%"
    assert card.params["text"].splitlines()[-1] == "Последние 5 (от старых к новым): В В В В П"


async def test_stats_of_a_world_player(bot: BotHarness, world: World) -> None:
    someone = world.players[3]
    stats = json.loads(
        (bot.faceit.data_dir / "players" / someone.player_id / "stats" / "cs2.json").read_text()
    )
    [card] = await bot.say(bot.new_user(), f"/stats {someone.nickname}")
    lines = card.params["text"].splitlines()
    assert f"<b>{someone.nickname}</b>" in lines[0] and f"{someone.elo} ELO" in lines[0]
    assert (
        lines[1]
        == f"Matches: {int(stats['lifetime']['Matches']):,} · Win rate: {stats['lifetime']['Win Rate %']}%"
    )


async def test_unknown_nickname_suggests_near_misses(bot: BotHarness, world: World) -> None:
    someone = world.players[0].nickname
    typo = someone[:-1]
    [reply] = await bot.say(bot.new_user(), f"/stats {typo}")
    assert reply.params["text"].startswith(f"Player <b>{typo}</b> was not found on FACEIT.")
    buttons = keyboard_texts(reply)
    assert f"📊 {someone}" in buttons and len(buttons) <= 5


async def test_pressing_a_suggestion_links_that_player(bot: BotHarness) -> None:
    uid = bot.new_user()
    [reply] = await bot.say(uid, "/link Darwi")
    markup = reply.params["reply_markup"]["inline_keyboard"]
    button = next(b for row in markup for b in row if b["text"] == "🔗 Darwin")
    message_id = reply.response["result"]["message_id"]
    [linked] = await bot.press(uid, message_id, button["callback_data"])
    assert linked.params["text"].startswith("✅ Linked to <b>Darwin</b>")
    assert (await user_row(bot, uid))["faceit_nickname"] == "Darwin"


async def test_language_switch_changes_later_replies(bot: BotHarness) -> None:
    uid = bot.new_user()
    [choose] = await bot.say(uid, "/language")
    assert keyboard_texts(choose) == ["🇷🇺 Русский", "🇬🇧 English"]
    ru = choose.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    [done] = await bot.press(uid, choose.response["result"]["message_id"], ru)
    assert done.params["text"] == "Язык: русский 🇷🇺"
    # The Telegram client still says English; the user's choice wins.
    [help_] = await bot.say(uid, "/help", lang="en")
    assert help_.params["text"].startswith("<b>Что я умею</b>")


async def test_unlink(bot: BotHarness) -> None:
    uid = bot.new_user()
    [nothing] = await bot.say(uid, "/unlink")
    assert nothing.params["text"] == "No FACEIT account is linked."
    await bot.say(uid, "/link Darwin")
    [done] = await bot.say(uid, "/unlink")
    assert done.params["text"].startswith("Unlinked <b>Darwin</b>.")
    assert (await user_row(bot, uid))["faceit_player_id"] is None


async def test_profile_before_linking_explains_how(bot: BotHarness) -> None:
    [reply] = await bot.say(bot.new_user(), "/profile")
    assert reply.params["text"] == "Link your FACEIT account first: <code>/link your_nickname</code>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/link", "Send your FACEIT nickname or profile link like this:"),
        ("/link " + "x" * 300, "That doesn't look like a FACEIT nickname"),
        ("/link https://steamcommunity.com/id/s1mple", "That link isn't a FACEIT profile."),
        ("/link 🔥💀🔥", "That doesn't look like a FACEIT nickname"),
        ("/link \u05e9\u05dc\u05d5\u05dd\u202e", "That doesn't look like a FACEIT nickname"),
        ("/link <script>alert(1)</script>", "That doesn't look like a FACEIT nickname"),
        ("/frobnicate", "I don't know that command."),
    ],
)
async def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    bot: BotHarness, text: str, expected: str
) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link Darwin")
    before = dict(await user_row(bot, uid))
    [reply] = await bot.say(uid, text)
    assert reply.params["text"].startswith(expected)
    after = dict(await user_row(bot, uid))
    before.pop("last_seen_at"), after.pop("last_seen_at")
    assert after == before


async def test_faceit_failure_is_reported_and_changes_nothing(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    bot.faceit.set_faults(1.0, "500")
    [reply] = await bot.say(uid, f"/link {world.players[5].nickname}")
    assert reply.params["text"] == "FACEIT is not answering right now. Please try again in a minute."
    assert (await user_row(bot, uid))["faceit_player_id"] is None
    assert bot.faceit.stats()["total"] >= 2  # it retried before giving up


def test_world_fixture_is_arranged(world_dir: Path) -> None:
    assert (world_dir / "players" / f"{DARWIN['player_id']}.json").read_bytes() == (
        SAMPLES / "player_details.json"
    ).read_bytes()

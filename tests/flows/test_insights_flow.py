"""End to end: the player insights through the fake Bot API, the FACEIT simulator (recorded samples
and the generated world) and the real PostgreSQL; numbers checked against the served payloads."""

import json

from faceitbot_sim.fixtures import World
from tests.conftest import SAMPLES, BotHarness

DARWIN = json.loads((SAMPLES / "player_details.json").read_text())


def buttons(call) -> list[tuple[str, str]]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def data_of(call, text: str) -> str:
    return next(d for t, d in buttons(call) if t == text)


def calls(bot: BotHarness) -> int:
    return bot.faceit.stats()["total"]


async def test_last_match_card_of_a_world_player_then_the_scoreboard(bot: BotHarness, world: World) -> None:
    someone = world.players[2]
    root = bot.faceit.data_dir
    rows = json.loads((root / "players" / someone.player_id / "games" / "cs2" / "stats.json").read_text())[
        "items"
    ]
    newest = rows[0]["stats"]
    match_stats = json.loads((root / "matches" / newest["Match Id"] / "stats.json").read_text())
    mine = next(
        p["player_stats"]
        for t in match_stats["rounds"][0]["teams"]
        for p in t["players"]
        if p["player_id"] == someone.player_id
    )
    uid = bot.new_user()
    [card] = await bot.say(uid, f"/last {someone.nickname}")
    lines = card.params["text"].splitlines()
    assert lines[0] == f"🕹 <b>{someone.nickname}</b> — last match"
    assert lines[1].startswith(newest["Map"].removeprefix("de_").capitalize() + " · ")
    assert lines[2].startswith(f"K-D-A {mine['Kills']}-{mine['Deaths']}-{mine['Assists']} · ")
    assert f"ADR {float(mine['ADR']):g}" in lines[2] or f"ADR {mine['ADR']}" in lines[2]
    assert lines[3] == (
        f"MVPs {mine['MVPs']} · 2k {mine['Double Kills']} · 3k {mine['Triple Kills']}"
        f" · 4k {mine['Quadro Kills']} · 5k {mine['Penta Kills']}"
    )
    assert lines[4].startswith(
        f"Entries won {mine['Entry Wins']}/{mine['Entry Count']} · 1v1 {mine['1v1Wins']}/"
    )
    # Cold: the player by nickname, the newest 20 per-match rows, the match scoreboard.
    assert calls(bot) == 3
    bot.faceit.reset_stats()
    [again] = await bot.say(uid, f"/last {someone.nickname}")
    assert again.params["text"] == card.params["text"] and calls(bot) == 0  # warm: all cached

    [board] = await bot.press(uid, card.response["result"]["message_id"], data_of(card, "📋 Full scoreboard"))
    teams = [t["team_stats"]["Team"] for t in match_stats["rounds"][0]["teams"]]
    assert all(f"{name} · " in board.params["text"] for name in teams)
    assert board.params["text"].count("\n") >= 14  # two tables of five players


async def test_last_match_of_the_linked_player_in_russian(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    someone = world.players[4]
    await bot.say(uid, f"/link {someone.nickname}", lang="ru")
    [card] = await bot.say(uid, "🕹 Последний матч", lang="ru")
    assert card.params["text"].startswith(f"🕹 <b>{someone.nickname}</b> — последний матч")
    assert "У-С-П " in card.params["text"]


async def test_match_history_pages_through_twenty_recorded_matches(bot: BotHarness) -> None:
    uid = bot.new_user()
    [page1] = await bot.say(uid, "/matches 15 Darwin")
    lines = page1.params["text"].splitlines()
    assert lines[0] == "📜 <b>Darwin</b> — matches 1–10 of 15"
    # The newest row: finished 2026-03-16 23:22:41 UTC = 03-17 02:22 in Moscow (the default zone),
    # de_inferno, "11 / 13", Result 0, 19 kills, 15 deaths, ADR 75.
    assert lines[1] == "17 Mar, 02:22 · Inferno · 11 / 13 · L · 19-15 · ADR 75"
    assert len(lines) == 11
    assert [t for t, _ in buttons(page1)] == ["Older ▶"]

    bot.tg.mark()
    bot.tg.press_button(uid, page1.response["result"]["message_id"], data_of(page1, "Older ▶"), user_id=uid)
    [page2] = await bot.tg.wait_for("editMessageText", chat_id=uid)
    lines = page2.params["text"].splitlines()
    assert lines[0] == "📜 <b>Darwin</b> — matches 11–15 of 15"
    # Row 11: 2026-02-24 22:28:18 UTC → 25 Feb, 01:28 Moscow, de_anubis "13 / 3" (faction order), a
    # loss: the player's side had the 3.
    assert lines[1] == "25 Feb, 01:28 · Anubis · 3 / 13 · L · 7-15 · ADR 43.8"
    assert len(lines) == 6 and [t for t, _ in buttons(page2)] == ["◀ Newer"]


async def test_match_history_rejects_a_bad_count(bot: BotHarness) -> None:
    uid = bot.new_user()
    [reply] = await bot.say(uid, "/matches 51 Darwin")
    assert reply.params["text"] == "Give a number of matches from 1 to 50, e.g. /matches 20"
    assert calls(bot) == 0


async def test_form_views_run_as_jobs_with_the_recorded_numbers(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link Darwin")
    [menu] = await bot.say(uid, "📈 Form analysis")
    assert menu.params["text"] == "📈 <b>Darwin</b>: form over which period?"
    message_id = menu.response["result"]["message_id"]

    bot.faceit.reset_stats()
    [ack] = await bot.press(uid, message_id, data_of(menu, "20 matches"))
    assert ack.params["text"] == "⏳ Reading the matches…"
    [done] = await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: c.params["text"].startswith("📈")
    )
    lines = done.params["text"].splitlines()
    # 20 rows: 10 wins; 290 kills / 277 deaths = 1.05; ADR 29621.8 / 419 rounds = 70.7;
    # HS 111 / 290 = 38 %; 14.5 kills a match.
    assert lines[0] == "📈 <b>Darwin</b> — form over the last 20 matches"
    assert lines[1] == "10 W / 10 L of 20 matches · win rate 50%"
    assert lines[2] == "K/D 1.05 · ADR 70.7 · HS 38% · avg kills 14.5"
    assert lines[5] == "Best map: Overpass 2/3 · K/D 1.2"
    assert lines[6] == "Worst map: Nuke 1/3 · K/D 1.05"
    assert lines[7] == "Longest streaks: 4 wins, 4 losses · now 1 L in a row"
    assert calls(bot) == 1  # one page of 20 rows; the player was read (and cached) for the menu

    bot.faceit.reset_stats()
    await bot.press(uid, message_id, data_of(menu, "100"))
    [done] = await bot.tg.wait_for(
        "editMessageText",
        chat_id=uid,
        predicate=lambda c: c.params["text"].startswith("📈 <b>Darwin</b> — form over the last"),
    )
    assert done.params["text"].splitlines()[-1] == "Found only 20 matches of the 100 asked for."
    # The page read was reported as progress in the same message before the result.
    [progress] = await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: c.params["text"] == "⏳ Matches read: 20 of 100…"
    )
    assert progress.params["message_id"] == done.params["message_id"] and progress.at < done.at
    # One page of up to 100 rows; the player is still cached.
    assert calls(bot) == 1  # one page of up to 100 rows


async def test_sessions_and_today(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link Darwin")
    [menu] = await bot.say(uid, "/form")
    message_id = menu.response["result"]["message_id"]
    await bot.press(uid, message_id, data_of(menu, "🎮 Sessions"))
    [done] = await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: c.params["text"].startswith("🎮")
    )
    lines = done.params["text"].splitlines()
    # Newest sessions in Moscow time: 03-17 02:22 alone (a loss); 03-16 01:26–02:18 (two wins).
    assert lines[1] == "17 Mar, 02:22–02:22 · 0 W / 1 L · K/D 1.27 · ELO —"
    assert lines[2].startswith("16 Mar, 01:26–02:18 · 2 W / 0 L · ")
    assert len(lines) == 6  # title + the 5 newest of 8 sessions

    await bot.press(uid, message_id, data_of(menu, "📅 Today"))
    [today] = await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: c.params["text"].startswith("📅")
    )
    # The recorded matches are from February and March 2026: none today.
    assert today.params["text"] == "📅 <b>Darwin</b> — today (Europe/Moscow)\nNo matches since midnight."


async def test_maps_view_of_the_recorded_player(bot: BotHarness) -> None:
    [reply] = await bot.say(bot.new_user(), "/maps Darwin")
    lines = reply.params["text"].splitlines()
    assert lines[0] == "🗺 <b>Darwin</b> — maps (lifetime, 5v5)"
    # Mirage: 259 matches, 125 wins (48 %), 3884 kills / 4074 deaths = 0.95, ADR 76.5.
    assert lines[1] == "Mirage: 259 matches · 48% wins · K/D 0.95 · ADR 76.5"
    assert lines[-1] == "💪 Strongest: Overpass (57%) · 🩹 Weakest: Dust2 (24%)"
    assert calls(bot) == 2  # nickname lookup + lifetime stats


async def test_settings_change_the_time_zone_and_refuse_a_bad_one(bot: BotHarness) -> None:
    uid = bot.new_user()
    [view] = await bot.say(uid, "/settings")
    assert view.params["text"].splitlines()[1].startswith("Time zone: Europe/Moscow (now ")
    [bad] = await bot.say(uid, "/settings Mars/Olympus")
    assert (
        bad.params["text"]
        == "«Mars/Olympus» is not a time zone I know. Use Area/City, e.g. /settings Europe/Berlin"
    )
    [typed] = await bot.say(uid, "/settings asia/almaty")
    assert typed.params["text"].splitlines()[1].startswith("Time zone: Asia/Almaty (now ")

    bot.tg.mark()
    bot.tg.press_button(uid, view.response["result"]["message_id"], data_of(view, "London"), user_id=uid)
    [edited] = await bot.tg.wait_for("editMessageText", chat_id=uid)
    assert edited.params["text"].splitlines()[1].startswith("Time zone: Europe/London (now ")
    zone = await bot.rt.pool.fetchval("SELECT time_zone FROM user_settings WHERE telegram_id = $1", uid)
    assert zone == "Europe/London"
    # History dates follow the zone: 2026-03-16 23:22 UTC is 23:22 in London.
    [page] = await bot.say(uid, "/matches 1 Darwin")
    assert page.params["text"].splitlines()[1].startswith("16 Mar, 23:22 · Inferno")


async def test_a_typed_nickname_counts_only_when_the_bot_asked(bot: BotHarness) -> None:
    uid = bot.new_user()
    [stray] = await bot.say(uid, "Darwin")
    assert stray.params["text"] == "Use the buttons below or a command from /help."  # nothing looked up
    assert calls(bot) == 0

    [prompt] = await bot.say(uid, "🔎 Find player")
    assert prompt.params["text"] == "🔎 Send me the FACEIT nickname of the player."
    assert prompt.params["reply_markup"]["force_reply"] is True
    [card] = await bot.say(uid, "Darwin")
    assert card.params["text"].startswith("🇬🇧 <b>Darwin</b> · level 10 · 2014 ELO")
    assert [t for t, _ in buttons(card)] == ["🔗 Link as mine", "👁 Track"]
    row = await bot.rt.pool.fetchrow("SELECT faceit_player_id FROM users WHERE telegram_id = $1", uid)
    assert row["faceit_player_id"] is None  # finding is not linking

    [again] = await bot.say(uid, "Darwin")  # the prompt was answered: plain text again
    assert again.params["text"] == "Use the buttons below or a command from /help."


async def test_link_by_answering_the_prompt_from_settings(bot: BotHarness) -> None:
    uid = bot.new_user()
    [view] = await bot.say(uid, "/settings")
    [prompt] = await bot.press(uid, view.response["result"]["message_id"], data_of(view, "🔗 Link account"))
    assert prompt.params["text"].startswith("🔗 Send me your FACEIT nickname")
    [linked] = await bot.say(uid, "https://www.faceit.com/en/players/Darwin")
    assert linked.params["text"] == "✅ Linked to <b>Darwin</b> — level 10, 2014 ELO.\nYour stats: /profile"
    row = await bot.rt.pool.fetchrow("SELECT faceit_player_id FROM users WHERE telegram_id = $1", uid)
    assert row["faceit_player_id"] == DARWIN["player_id"]


async def test_find_player_suggests_near_misses(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    await bot.say(uid, "🔎 Find player")
    typo = world.players[0].nickname[:-1]
    [reply] = await bot.say(uid, typo)
    assert reply.params["text"].startswith(f"Player <b>{typo}</b> was not found on FACEIT.")
    assert any(world.players[0].nickname in t for t, _ in buttons(reply))


async def test_faceit_failure_in_a_view_is_reported_not_a_crash(bot: BotHarness) -> None:
    uid = bot.new_user()
    bot.faceit.set_faults(1.0, "503")
    [reply] = await bot.say(uid, "/last Darwin")
    assert reply.params["text"] == "FACEIT is not answering right now. Please try again in a minute."
    bot.faceit.clear_faults()
    [fine] = await bot.say(uid, "/maps Darwin")
    assert fine.params["text"].startswith("🗺 <b>Darwin</b>")


async def test_a_view_of_nobody_linked_asks_to_link(bot: BotHarness) -> None:
    [reply] = await bot.say(bot.new_user(), "/last")
    assert "/link" in reply.params["text"]
    assert calls(bot) == 0


async def test_last_match_shows_the_elo_change_the_snapshots_tell(bot: BotHarness, world: World) -> None:
    someone = world.players[7]
    rows = json.loads(
        (bot.faceit.data_dir / "players" / someone.player_id / "games" / "cs2" / "stats.json").read_text()
    )["items"]
    newest, previous = (rows[i]["stats"]["Match Finished At"] // 1000 for i in (0, 1))
    # A snapshot between the previous match and the last one: the ELO before it.
    await bot.rt.pool.execute(
        "INSERT INTO players (player_id, nickname, level, elo, updated_at) VALUES ($1, $2, 1, $3, to_timestamp($4))",
        someone.player_id,
        someone.nickname,
        someone.elo - 23,
        (newest + previous) // 2,
    )
    await bot.rt.pool.execute(
        "INSERT INTO elo_snapshots (player_id, taken_at, elo, level) VALUES ($1, to_timestamp($2), $3, 1)",
        someone.player_id,
        (newest + previous) // 2,
        someone.elo - 23,
    )
    # Reading the player now keeps the ELO after it: +23.
    [card] = await bot.say(bot.new_user(), f"/last {someone.nickname}")
    assert "\nELO +23\n" in card.params["text"]

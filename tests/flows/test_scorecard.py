"""The prediction scorecard: what a briefing stores, how outcomes are learnt, and /accuracy's
arithmetic from stored rows."""

import json

from faceitbot.services import scorecard
from faceitbot.store import predictions as store
from faceitbot.store.predictions import Prediction
from faceitbot.tracking import results
from faceitbot_sim.fixtures import World
from tests.conftest import BotHarness
from tests.flows.test_monitoring import Matches, a_finished_match, backdate, check
from tests.flows.test_monitoring import matches as matches  # the fixture, used by name

ROWS = [
    # match, our faction and chance, FACEIT's favourite, first-pick map and its faction, outcome
    (Prediction("1-m1", "faction1", 0.55, "faction1", 0.53, "Dust2", "faction1"), ("faction1", "Dust2")),
    (Prediction("1-m2", "faction2", 0.58, "faction1", 0.51, "Mirage", "faction2"), ("faction1", "Nuke")),
    (Prediction("1-m3", "faction1", 0.65, None, None, "Inferno", "faction2"), ("faction1", "Inferno")),
    (Prediction("1-m4", "faction2", 0.75, "faction2", 0.7, None, None), ("faction2", "Anubis")),
    (Prediction("1-m5", "faction1", 0.72, "faction2", 0.55, None, None), ("faction2", "Nuke")),
    (Prediction("1-m6", "faction1", 0.9, "faction1", 0.8, "Nuke", "faction1"), "void"),
    (Prediction("1-m7", "faction1", 0.6, "faction1", 0.6, "Nuke", "faction1"), None),
]


async def _insert_rows(pool) -> None:
    for prediction, outcome in ROWS:
        assert await store.insert(pool, prediction)
        if outcome == "void":
            assert await store.void(pool, prediction.match_id)
        elif outcome is not None:
            assert await store.record_outcome(pool, prediction.match_id, *outcome)


async def test_scorecard_arithmetic_from_stored_rows(bot: BotHarness) -> None:
    pool = bot.rt.pool
    await _insert_rows(pool)
    # a repeat briefing or outcome changes nothing
    assert not await store.insert(pool, Prediction("1-m1", "faction2", 0.8))
    assert not await store.record_outcome(pool, "1-m1", "faction2", "Nuke")
    card = await scorecard.accuracy(pool)
    # finished: m1-m5 (m6 void, m7 open). Ours won m1, m3, m4 = 3 of 5; FACEIT named a favourite
    # in m1, m2, m4, m5 and it won all 4.
    assert (card.total.matches, card.total.ours_won, card.total.faceit_matches, card.total.faceit_won) == (
        5,
        3,
        4,
        4,
    )
    tiers = {t.tier: (t.matches, t.ours_won, t.faceit_matches, t.faceit_won) for t in card.tiers}
    # 50-60: m1 (won), m2 (lost); 60-70: m3 (won, no FACEIT favourite); 70+: m4 (won), m5 (lost)
    assert tiers == {"50-60": (2, 1, 2, 2), "60-70": (1, 1, 0, 0), "70+": (2, 1, 2, 2)}
    # first-pick map played in m1 (Dust2, advised faction1 won) and m3 (Inferno, advised faction2 lost)
    assert (card.maps.played, card.maps.won) == (2, 1)

    uid = bot.new_user()
    [reply] = await bot.say(uid, "/accuracy")
    text = reply.params["text"]
    assert "Our pick won 60% of 5 matches; the favourite (FACEIT's) won 100% of 4." in text
    assert "• 50–60 %: our pick won 50% of 2; the favourite 100% of 2" in text
    assert "• 60–70 %: our pick won 100% of 1" in text
    assert "• 70 %+: our pick won 50% of 2; the favourite 100% of 2" in text
    assert "the team we advised it for won 50% of 2." in text
    [ru] = await bot.say(uid, "/accuracy", lang="ru")
    assert "Наш выбор победил в 60% из 5 матчей" in ru.params["text"]


async def test_accuracy_with_nothing_finished_says_so(bot: BotHarness) -> None:
    [reply] = await bot.say(bot.new_user(), "/accuracy")
    assert reply.params["text"].startswith("No predicted match has finished yet.")
    [help_] = await bot.say(bot.new_user(), "/help")
    assert "/accuracy — How often our predictions came true" in help_.params["text"]


def _doc(bot: BotHarness, match_id: str) -> dict:
    return json.loads((bot.faceit.data_dir / "matches" / f"{match_id}.json").read_text())


async def test_a_briefing_of_a_live_room_is_stored_and_a_finished_one_is_not(
    bot: BotHarness, world: World
) -> None:
    uid = bot.new_user()
    live, done = world.live[0], world.finished[0]
    for match_id in (live, done):
        bot.tg.mark()
        bot.tg.send_text(uid, f"/match {match_id}", user_id=uid, first_name="A")
        await bot.tg.wait_for(
            "editMessageText",
            chat_id=uid,
            predicate=lambda c: "FACEIT request" in c.params["text"],
            timeout=20,
        )
    rows = await bot.rt.pool.fetch(
        "SELECT match_id, predicted_faction, predicted_chance, faceit_faction FROM predictions"
    )
    assert [r["match_id"] for r in rows] == [live]
    doc = _doc(bot, live)
    elo = {k: doc["teams"][k]["stats"]["rating"] for k in ("faction1", "faction2")}
    favourite = max(elo, key=elo.get)
    assert rows[0]["predicted_faction"] == favourite and rows[0]["predicted_chance"] > 0.5
    assert rows[0]["faceit_faction"] == favourite  # the world's FACEIT chance is ELO-based too


async def test_the_outcome_is_learnt_by_one_low_priority_lookup(bot: BotHarness, world: World) -> None:
    pool = bot.rt.pool
    done, cancelled_or_unknown = world.finished[1], "1-00000000-0000-0000-0000-000000000000"
    doc = _doc(bot, done)
    for match_id in (done, cancelled_or_unknown):
        await store.insert(pool, Prediction(match_id, "faction1", 0.6, None, None, "Dust2", "faction1"))
    await pool.execute("UPDATE predictions SET next_check_at = now()")  # as if the match had had its time
    bot.faceit.reset_stats()
    await scorecard.due_lookups(pool, bot.rt.queue)
    # (the bot's own 5-minute tick may have claimed them first: either way one job per match)
    jobs = await pool.fetch("SELECT id, priority, payload FROM jobs WHERE kind = 'scorecard.outcome'")
    assert sorted(j["payload"]["match_id"] for j in jobs) == sorted([done, cancelled_or_unknown])
    assert {j["priority"] for j in jobs} == {3}  # LOW
    for j in jobs:
        assert await bot.rt.queue.wait_outcome(j["id"]) == "done"
    assert bot.faceit.stats()["total"] == 2, bot.faceit.stats()  # one match-details call each
    row = await pool.fetchrow("SELECT outcome, winner, played_map FROM predictions WHERE match_id = $1", done)
    played = next(
        e["name"]
        for e in doc["voting"]["map"]["entities"]
        if e["class_name"] == doc["voting"]["map"]["pick"][0]
    )
    assert (row["outcome"], row["winner"], row["played_map"]) == (
        "finished",
        doc["results"]["winner"],
        played,
    )
    assert (
        await pool.fetchval("SELECT outcome FROM predictions WHERE match_id = $1", cancelled_or_unknown)
        == "void"
    )
    # claimed rows are pushed ahead: the next tick has nothing to look up
    assert await scorecard.due_lookups(pool, bot.rt.queue) == []


async def test_monitoring_records_the_outcome_for_free(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    template, roster = a_finished_match(matches, world)
    _pid, nick = roster[0]
    uid = bot.new_user()
    await bot.say(uid, f"/track {nick}")
    await backdate(bot.rt.pool)
    await check(bot, 0)
    new = matches.finish(template)
    await store.insert(bot.rt.pool, Prediction(new, "faction1", 0.6, None, None, "Dust2", "faction1"))
    await check(bot, 1)
    row = await bot.rt.pool.fetchrow(
        "SELECT outcome, winner, played_map FROM predictions WHERE match_id = $1", new
    )
    doc = _doc(bot, template)
    assert (row["outcome"], row["winner"]) == ("finished", doc["results"]["winner"])
    assert row["played_map"] == results.map_name(matches.stats(new)["rounds"][0]["round_stats"]["Map"])
    assert not await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE kind = 'scorecard.outcome'")

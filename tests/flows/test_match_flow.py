"""Match analysis end to end: paste a room link, get an acknowledgement at once, then the
analysis edited into the same message; quotas, dedup, shared FACEIT calls and failures."""

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from faceitbot.services import match_requests
from faceitbot.services.match_requests import ANALYSIS, AnalysisJob, QuotaExceeded
from faceitbot.store import users as users_store
from faceitbot_sim.fixtures import World
from tests.conftest import BotHarness

ROOM = "https://www.faceit.com/{lang}/cs2/room/{match_id}"


def is_result(call) -> bool:
    return "FACEIT request" in call.params.get("text", "") or " к FACEIT ·" in call.params.get("text", "")


async def wait_result(bot: BotHarness, uid: int):
    [call] = await bot.tg.wait_for("editMessageText", chat_id=uid, predicate=is_result, timeout=20)
    return call


def room_doc(bot: BotHarness, match_id: str) -> dict:
    return json.loads((bot.faceit.data_dir / "matches" / f"{match_id}.json").read_text())


async def test_pasted_room_is_acknowledged_then_analysed(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    match_id = world.live[0]
    [ack] = await bot.say(uid, ROOM.format(lang="en", match_id=match_id) + "/scoreboard")
    assert ack.params["text"] == "⏳ Analysing the match… (queue position 1)\nAnalyses left today: 4"
    result = await wait_result(bot, uid)
    assert result.params["message_id"] == ack.response["result"]["message_id"]
    text = result.params["text"]
    doc = room_doc(bot, match_id)
    for faction in ("faction1", "faction2"):
        assert f"<b>{doc['teams'][faction]['name']}</b>" in text
        for player in doc["teams"][faction]["roster"]:
            assert player["nickname"][:12] in text
    # 1 match + 3 per player for 10 players, nothing twice
    assert "⚡ 31 FACEIT requests" in text
    assert bot.faceit.stats()["total"] == 31


async def run_again_as_if_its_replica_died(bot: BotHarness, job_id: int) -> None:
    """A done job put back as its dead replica would have left it: running, its lease lapsed."""
    bot.rt.queue.outcomes.pop(job_id)
    await bot.rt.pool.execute(
        """
        UPDATE jobs SET status = 'running', finished_at = NULL, lease_owner = 'dead',
                        lease_expires_at = now() - interval '1 second'
        WHERE id = $1
        """,
        job_id,
    )
    assert await bot.rt.queue.wait_outcome(job_id) == "done"


async def test_a_job_run_again_after_its_replica_died_delivers_nothing_new(
    bot: BotHarness, world: World
) -> None:
    uid = bot.new_user()
    await bot.say(uid, ROOM.format(lang="en", match_id=world.finished[1]))
    first = await wait_result(bot, uid)
    job_id = await bot.rt.pool.fetchval(
        "SELECT id FROM jobs WHERE kind = 'analysis' AND (payload->>'chat_id')::bigint = $1", uid
    )
    assert await bot.rt.queue.wait_outcome(job_id) == "done"
    # As if its replica had died after the result went out but before the job was marked done:
    # the lease lapses and the job runs again.
    fetched = bot.faceit.stats()["total"]
    await run_again_as_if_its_replica_died(bot, job_id)
    assert await bot.rt.pool.fetchval("SELECT attempts FROM jobs WHERE id = $1", job_id) == 2
    # The kept result went out again unchanged: Telegram refused the edit as "not modified".
    edits = bot.tg.calls_for(uid, "editMessageText", failed=True)
    assert [c for c in edits if c.ok and is_result(c)] == [first]
    assert edits[-1].status == 400 and edits[-1].params["text"] == first.params["text"]
    assert bot.faceit.stats()["total"] == fetched  # nothing analysed again


async def test_a_result_sent_afresh_is_edited_not_sent_again_on_a_retry(
    bot: BotHarness, world: World
) -> None:
    """No acknowledgement to edit (its process died before recording it): the result goes out as
    a new message, and a retry of the job edits that one."""
    uid = bot.new_user()
    payload = AnalysisJob(chat_id=uid, user_id=uid, match_id=world.finished[2], day=datetime.now(UTC).date())
    job, _ = await bot.rt.queue.submit(ANALYSIS, msgspec.to_builtins(payload))
    assert await bot.rt.queue.wait_outcome(job.id) == "done"
    [result] = [c for c in bot.tg.calls_for(uid, "sendMessage") if c.ok]
    assert is_result(result)
    await run_again_as_if_its_replica_died(bot, job.id)
    assert [c for c in bot.tg.calls_for(uid, "sendMessage") if c.ok] == [result]
    [edit] = bot.tg.calls_for(uid, "editMessageText", failed=True)
    assert edit.params["message_id"] == result.response["result"]["message_id"] and edit.status == 400


async def test_two_users_share_one_set_of_faceit_calls(bot: BotHarness, world: World) -> None:
    a, b = bot.new_user(), bot.new_user()
    match_id = world.live[1]
    bot.tg.mark()
    bot.tg.send_text(a, f"/match {match_id}", user_id=a, first_name="A")
    bot.tg.send_text(
        b, ROOM.format(lang="ru", match_id=match_id), user_id=b, language_code="ru", first_name="B"
    )
    await wait_result(bot, a)
    result_b = await wait_result(bot, b)
    assert " к FACEIT ·" in result_b.params["text"]
    assert bot.faceit.stats()["total"] == 31


async def test_the_same_request_twice_is_one_job(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    user = await users_store.get(bot.rt.pool, uid)
    now = datetime.now(UTC)
    first, second = await asyncio.gather(
        *(
            match_requests.request_analysis(
                bot.rt.pool,
                bot.rt.queue,
                bot.rt.settings,
                user,
                world.finished[0],
                chat_id=uid,
                locale="en",
                now=now,
            )
            for _ in range(2)
        )
    )
    assert {first.created, second.created} == {True, False}
    assert first.job_id == second.job_id
    assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", uid) == 1
    await bot.rt.pool.execute("DELETE FROM jobs")  # held for an acknowledgement that never comes


async def test_quota_race_gives_exactly_the_daily_limit(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    user = await users_store.get(bot.rt.pool, uid)
    now = datetime.now(UTC)
    matches = [*world.finished, *world.live][:20]
    assert len(matches) == 20
    results = await asyncio.gather(
        *(
            match_requests.request_analysis(
                bot.rt.pool, bot.rt.queue, bot.rt.settings, user, m, chat_id=uid, locale="en", now=now
            )
            for m in matches
        ),
        return_exceptions=True,
    )
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, QuotaExceeded)]
    assert (len(accepted), len(refused)) == (5, 15)
    assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", uid) == 5
    assert (
        await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE payload->>'user_id' = $1", str(uid)) == 5
    )
    await bot.rt.pool.execute("DELETE FROM jobs")  # held for acknowledgements that never come


async def test_at_the_limit_the_user_is_told_and_nothing_is_queued(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    await bot.rt.pool.execute(
        "INSERT INTO usage (telegram_id, day, used) VALUES ($1, $2, 5)", uid, datetime.now(UTC).date()
    )
    [reply] = await bot.say(uid, f"/match {world.finished[1]}")
    text = reply.params["text"]
    # The wait to midnight UTC in words: "in 9 hr", or "in 40 min" late in the day.
    wait = re.fullmatch(
        r"You've used all 5 analyses for today\. The limit resets in (\d+) (hr|min|sec) \(00:00 UTC\); "
        r"for more a day: /subscribe",
        text,
    )
    assert wait is not None, text
    now = datetime.now(UTC)
    left = (datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC) - now).total_seconds()
    size = {"hr": 3600, "min": 60, "sec": 1}[wait[2]]
    assert abs(int(wait[1]) - left / size) <= 1
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs") == 0


async def test_a_repeat_within_the_cache_window_is_free(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    match_id = world.finished[2]
    await bot.say(uid, f"/match {match_id}")
    await wait_result(bot, uid)
    [ack] = await bot.say(uid, f"/match {match_id}")
    assert ack.params["text"].endswith("A repeat of a recent analysis: free.")
    repeat = await wait_result(bot, uid)
    assert "⚡ 0 FACEIT requests" in repeat.params["text"]
    assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", uid) == 1


async def test_faceit_down_ends_in_a_reply_and_a_refund(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    bot.faceit.set_faults(1.0, "500")
    await bot.say(uid, f"/match {world.finished[3]}")
    [failed] = await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: "not answering" in c.params["text"], timeout=30
    )
    assert failed.params["text"] == "FACEIT is not answering right now. Please try again in a minute."
    assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", uid) == 0
    assert await bot.rt.pool.fetchval("SELECT status FROM jobs") == "failed"


async def test_unknown_match_is_reported(bot: BotHarness) -> None:
    uid = bot.new_user()
    missing = "1-00000000-0000-0000-0000-000000000000"
    await bot.say(uid, f"/match {missing}")
    [failed] = await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: "was not found" in c.params["text"], timeout=20
    )
    assert failed.params["text"] == f"Match <code>{missing}</code> was not found on FACEIT."
    assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", uid) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/match 1-nonsense", "That isn't a FACEIT match room."),
        (
            "/match https://example.com/en/cs2/room/1-bb13fd78-e183-4d37-8a4b-ceed67da5265",
            "That link isn't a FACEIT",
        ),
        ("/match https://www.faceit.com/en/players/Darwin", "That isn't a FACEIT match room."),
    ],
)
async def test_bad_match_input(bot: BotHarness, text: str, expected: str) -> None:
    uid = bot.new_user()
    [reply] = await bot.say(uid, text)
    assert reply.params["text"].startswith(expected)
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs") == 0


async def test_match_without_argument_uses_the_linked_players_latest(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link Darwin")
    history = json.loads(
        (
            bot.faceit.data_dir / "players" / "ffe3566c-9574-4f1b-8012-bf4d42aeb898" / "history.json"
        ).read_text()
    )
    latest = history["items"][0]["match_id"]
    await bot.say(uid, "/match")
    # The recorded history's latest match is not among the recorded rooms: FACEIT says 404.
    [failed] = await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: latest in c.params["text"], timeout=20
    )
    assert failed.params["text"] == f"Match <code>{latest}</code> was not found on FACEIT."

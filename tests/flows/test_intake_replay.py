"""The polling leader's kept updates: confirmed to Telegram at once, so a leader that dies (or
stops) before handling them must leave them to the next one, who replays each exactly once."""

from __future__ import annotations

import functools
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from faceitbot.intake.inflight import MAX_ATTEMPTS, InFlight
from faceitbot.middlewares.context import PREFETCHED, prefetch_users
from faceitbot.store import updates as updates_store
from faceitbot.telegram.session import Received
from faceitbot_sim.fixtures import World
from tests.conftest import BotHarness

pytestmark = pytest.mark.asyncio

_ids = iter(range(9_100_000, 9_200_000))


def text_update(user_id: int, text: str, lang: str = "en") -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Ann", "language_code": lang}
    message = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
        "from": user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return {"update_id": next(_ids), "message": message}


def inflight(bot: BotHarness, owner: str, *, prefetch: bool = False) -> InFlight:
    """The polling leader's in-flight set; with `prefetch`, reading users by the batch as `run` does."""
    users = functools.partial(prefetch_users, bot.rt.pool) if prefetch else None
    return InFlight(bot.rt.dp, bot.rt.bot, bot.rt.pool, owner, hold_s=30, prefetch=users)


async def row(bot: BotHarness, update_id: int):
    return await bot.rt.pool.fetchrow(
        "SELECT owner, status, attempts, payload IS NOT NULL AS kept, claimed_until < now() AS lapsed"
        " FROM processed_updates WHERE update_id = $1",
        update_id,
    )


async def test_a_dead_leaders_unhandled_update_is_replayed_once_by_the_next(bot: BotHarness) -> None:
    user = bot.new_user()
    raw = text_update(user, "/help")
    # The dead leader claimed and confirmed it, then never handled it nor renewed the claim.
    await updates_store.accept_batch(bot.rt.pool, 1, [(raw["update_id"], _json(raw))], "dead", 0)
    assert await bot.rt.pool.fetchval("SELECT next_offset FROM polling_offsets WHERE bot_id = 1") == (
        raw["update_id"] + 1
    )

    bot.tg.mark()
    leader = inflight(bot, "next")
    assert await leader.replay_abandoned() == 1
    [reply] = await bot.tg.wait_for("sendMessage", chat_id=user)
    assert "/profile" in reply.params["text"]  # the help text, in English as the user's client says
    await leader.close(grace_s=10)
    assert tuple(await row(bot, raw["update_id"]))[:3] == ("next", "done", 2)

    # Nothing is left to replay, and a late second leader finds nothing either.
    assert await inflight(bot, "third").replay_abandoned() == 0
    assert len(bot.tg.calls_for(user, "sendMessage")) == 1


async def test_an_update_a_live_replica_still_renews_is_not_replayed(bot: BotHarness) -> None:
    raw = text_update(bot.new_user(), "/help")
    await updates_store.accept_batch(bot.rt.pool, 1, [(raw["update_id"], _json(raw))], "alive", 30)
    assert await inflight(bot, "other").replay_abandoned() == 0
    assert tuple(await row(bot, raw["update_id"]))[:2] == ("alive", "handling")


async def test_stopping_gives_unfinished_updates_back_and_the_next_leader_answers(
    bot: BotHarness, world: World
) -> None:
    user = bot.new_user()
    nickname = world.players[0].nickname
    raw = text_update(user, f"/stats {nickname}")
    bot.faceit.fail_next(1, "hang", path="/players")  # the player lookup never answers
    stopping = inflight(bot, "stopping")
    await stopping.accept(bot.rt.bot.id, [Received.parse(_json(raw), bot.rt.bot)])
    await stopping.close(grace_s=0.3)
    given_back = await row(bot, raw["update_id"])
    assert (given_back["owner"], given_back["status"], given_back["kept"], given_back["lapsed"]) == (
        "stopping",
        "handling",
        True,
        True,
    )

    bot.faceit.clear_faults()
    bot.tg.mark()
    leader = inflight(bot, "next")
    assert await leader.replay_abandoned() == 1
    [card] = await bot.tg.wait_for("sendMessage", chat_id=user)
    assert nickname in card.params["text"]
    await leader.close(grace_s=10)
    assert (await row(bot, raw["update_id"]))["status"] == "done"


@pytest.mark.expect_errors("kept unreadable; giving it up", "failed 3 times; giving it up")
async def test_an_update_that_cannot_be_replayed_is_given_up_not_retried_forever(bot: BotHarness) -> None:
    unreadable = next(_ids)
    worn_out = text_update(bot.new_user(), "/help")
    await updates_store.accept_batch(
        bot.rt.pool, 1, [(unreadable, "{not json"), (worn_out["update_id"], _json(worn_out))], "dead", 0
    )
    await bot.rt.pool.execute(
        "UPDATE processed_updates SET attempts = $2 WHERE update_id = $1", worn_out["update_id"], MAX_ATTEMPTS
    )
    assert await inflight(bot, "next").replay_abandoned() == 0
    assert (await row(bot, unreadable))["status"] == "failed"
    assert (await row(bot, worn_out["update_id"]))["status"] == "failed"
    assert bot.tg.calls_for(worn_out["message"]["chat"]["id"], "sendMessage") == []
    assert await inflight(bot, "later").replay_abandoned() == 0


async def test_a_batch_touches_its_users_at_once_and_each_is_answered_in_their_language(
    bot: BotHarness,
) -> None:
    returning, newcomer, away = bot.new_user(), bot.new_user(), bot.new_user()
    await bot.say(returning, "/help")  # their row and today's activity exist now
    await bot.say(away, "/help")
    await bot.rt.pool.execute(  # last seen yesterday, not active today
        "UPDATE users SET last_seen_at = now() - interval '1 day' WHERE telegram_id = $1", away
    )
    await bot.rt.pool.execute("DELETE FROM user_activity WHERE telegram_id = $1", away)
    last_seen = "SELECT last_seen_at FROM users WHERE telegram_id = $1"
    seen_before = await bot.rt.pool.fetchval(last_seen, returning)
    batch = [
        Received.parse(_json(text_update(returning, "/help")), bot.rt.bot),
        Received.parse(_json(text_update(newcomer, "/help", lang="ru")), bot.rt.bot),
        Received.parse(_json(text_update(away, "/help")), bot.rt.bot),
    ]
    updates = [r.update for r in batch]
    # Before the claim only reads: the fresh row of the returning user, nothing written.
    assert list(await prefetch_users(bot.rt.pool, updates)) == [updates[0].update_id]
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM users WHERE telegram_id = $1", newcomer) == 0
    prefetched = await prefetch_users(bot.rt.pool, updates, write=True)
    rows = [prefetched[u.update_id][PREFETCHED] for u in updates]
    assert [(u.telegram_id, u.language) for u in rows] == [(returning, "en"), (newcomer, "ru"), (away, "en")]
    # The newcomer now exists, the one away is seen again, both are active today; the returning
    # user's fresh row was only read.
    active = await bot.rt.pool.fetch(
        "SELECT telegram_id FROM user_activity WHERE day = $2 AND telegram_id = ANY($1::bigint[])",
        [returning, newcomer, away],
        datetime.now(UTC).date(),
    )
    assert {r["telegram_id"] for r in active} == {returning, newcomer, away}
    assert await bot.rt.pool.fetchval(last_seen, away) > seen_before
    assert await bot.rt.pool.fetchval(last_seen, returning) == seen_before
    batch = batch[:2]

    bot.tg.mark()
    leader = inflight(bot, "leader", prefetch=True)
    await leader.accept(1, batch)
    [again] = await bot.tg.wait_for("sendMessage", chat_id=returning)
    [welcome] = await bot.tg.wait_for("sendMessage", chat_id=newcomer)
    assert "/profile" in again.params["text"] and "/profile" in welcome.params["text"]
    assert again.params["text"] != welcome.params["text"]  # English and Russian
    await leader.close(grace_s=10)
    assert await bot.rt.pool.fetchval("SELECT language FROM users WHERE telegram_id = $1", newcomer) == "ru"


async def test_only_updates_this_replica_takes_touch_their_users(bot: BotHarness) -> None:
    """A batch fetched again after a failover: what another replica handled already writes nothing."""
    handled, newcomer = bot.new_user(), bot.new_user()
    done = text_update(handled, "/help")
    await updates_store.accept_batch(bot.rt.pool, 1, [(done["update_id"], _json(done))], "other", 30)
    await updates_store.finish(bot.rt.pool, [done["update_id"]], "other")
    fresh = text_update(newcomer, "/help", lang="ru")
    bot.tg.mark()
    leader = inflight(bot, "leader", prefetch=True)
    await leader.accept(1, [Received.parse(_json(u), bot.rt.bot) for u in (done, fresh)])
    [welcome] = await bot.tg.wait_for("sendMessage", chat_id=newcomer)
    await leader.close(grace_s=10)
    assert "/profile" in welcome.params["text"]
    assert bot.tg.calls_for(handled, "sendMessage") == []
    users = await bot.rt.pool.fetch(
        "SELECT telegram_id, language FROM users WHERE telegram_id = ANY($1::bigint[])", [handled, newcomer]
    )
    assert [tuple(u) for u in users] == [(newcomer, "ru")]


def _json(update: dict[str, Any]) -> str:
    return json.dumps(update)

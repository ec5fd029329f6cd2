"""FACEIT webhooks for monitoring, the outbox pruning, and monitoring in two real bot processes.

The simulator POSTs FACEIT-shaped events over HTTP to the bot's side-server route; the same
outbox rows as polling come out at once, duplicates and bad secrets change nothing, and covered
players are polled less often."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from faceitbot import housekeeping
from faceitbot.config import ConfigError
from faceitbot.store import migrate
from faceitbot.store.db import create_pool
from faceitbot.tracking import cadence, results
from faceitbot.web.faceit_webhook import PATH, add_faceit_webhook_route
from faceitbot.web.server import HttpServer
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import World
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI_SPEC, FACEIT_KEY, PG_DSN, TOKEN, BotHarness, bot_settings
from tests.flows.test_monitoring import (
    Matches,
    a_finished_match,
    backdate,
    button_match,
    check,
    expected_block,
    follow,
    notifications_to,
    settle,
)
from tests.replicas import replica_env, start_replica, wait_ready, wait_until

SECRET = "faceit-hook-secret-0123456789"
STATS_ROUTE = "/v4/matches/{matchId}/stats"


@pytest.fixture
def matches(world: World, faceit_sim: FaceitSim) -> Iterator[Matches]:
    m = Matches(faceit_sim.data_dir)
    try:
        yield m
    finally:
        m.restore()


@pytest.fixture
async def hook(bot: BotHarness) -> AsyncIterator[str]:
    """The bot's FACEIT webhook route on a side server of its own (app.serve() adds the same
    route to the health server when FACEIT_WEBHOOK_SECRET is set)."""
    server = HttpServer("faceit-webhook")
    server.add_routes(lambda app: add_faceit_webhook_route(app, bot.rt.faceit_events, SECRET))
    port = await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}{PATH}"
    finally:
        await server.stop()


async def test_a_finished_match_event_sends_the_polling_message_at_once_and_only_once(
    bot: BotHarness, world: World, matches: Matches, hook: str
) -> None:
    template, roster = a_finished_match(matches, world)
    pid, nick = roster[0]
    uid = bot.new_user()
    await bot.say(uid, f"/track {nick}")
    await backdate(bot.rt.pool)
    await check(bot, 0)  # the player's rhythm and ELO are known, as after any first check
    elo = matches.elo(pid)
    new = matches.finish(template)
    matches.set_elo(pid, elo + 25)

    # A wrong or missing secret: 401 and nothing recorded.
    assert (await bot.faceit.post_event(hook, None, new))[0] == 401
    assert (await bot.faceit.post_event(hook, SECRET[:-1] + "x", new))[0] == 401
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM faceit_events") == 0

    status, answer = await bot.faceit.post_event(hook, SECRET, new)
    assert (status, answer) == (200, {"ok": True, "duplicate": False, "tracked": 1, "queued": True})
    await settle(bot.rt.pool, [bot.rt.queue])  # no monitoring tick ran: the event alone did it
    head, stats = expected_block(matches, new, pid)
    [note] = notifications_to(bot, uid)
    assert note.params["text"] == (
        f"🏁 Match finished · <b>{results.map_name(matches.stats(new)['rounds'][0]['round_stats']['Map'])}</b>"
        f" · Europe 5v5 Queue\n\n{head}\n{stats}\nELO {elo} → {elo + 25} (+25)"
    )
    assert button_match(note) == new

    # FACEIT redelivers (a new transaction id, same event and match): nothing new.
    status, answer = await bot.faceit.post_event(hook, SECRET, new)
    assert (status, answer["duplicate"]) == (200, True)
    await check(bot, 1)  # and a poll afterwards finds the match resolved already
    assert len(notifications_to(bot, uid)) == 1
    assert bot.faceit.stats()["by_route"][STATS_ROUTE] == 1

    # The player is covered: polling waits 4× the cadence's wish (here the follow-up wait,
    # 45 min after the finish, so about 4 × 45 = 180 min).
    row = await bot.rt.pool.fetchrow(
        "SELECT webhook_at, interval_s, extract(epoch FROM next_check_at - now()) AS due_in "
        "FROM tracked_players WHERE player_id = $1",
        pid,
    )
    assert row["webhook_at"] is not None
    assert 4 * 44 * 60 <= row["interval_s"] <= 4 * 45 * 60
    assert row["due_in"] > 4 * 44 * 60


async def test_events_the_bot_cannot_use_change_nothing(
    bot: BotHarness, world: World, matches: Matches, hook: str
) -> None:
    template, _ = a_finished_match(matches, world)
    new = matches.finish(template)  # nobody tracks anyone in it
    assert (await bot.faceit.post_event(hook, SECRET, new))[1] == {
        "ok": True,
        "duplicate": False,
        "tracked": 0,
        "queued": False,
    }
    status, answer = await bot.faceit.post_event(hook, SECRET, body={"event": "match_status_finished"})
    assert (status, answer["error"]) == (400, "bad event")
    hub = {"event": "hub_user_added", "payload": {"id": "hub-1"}}
    assert (await bot.faceit.post_event(hook, SECRET, body=hub))[1]["queued"] is False
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE kind = 'monitor.webhook'") == 0
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM notifications") == 0


async def test_a_ready_event_brings_a_linked_user_the_pregame_analysis_at_once(
    bot: BotHarness, world: World, matches: Matches, hook: str
) -> None:
    live = world.live[0]
    details = json.loads((world.root / "matches" / f"{live}.json").read_text())
    player = details["teams"]["faction1"]["roster"][0]
    fan = bot.new_user()
    await bot.say(fan, f"/link {player['nickname']}")
    matches.go_live(live, player["player_id"])
    bot.tg.mark()
    status, answer = await bot.faceit.post_event(hook, SECRET, live, "match_status_ready")
    assert (status, answer["queued"]) == (200, True)
    [ack] = await bot.tg.wait_for("sendMessage", chat_id=fan, predicate=lambda c: "🎮" in c.params["text"])
    assert (
        ack.params["text"]
        == f"🎮 <b>{player['nickname']}</b>'s match is starting — analysing the room for you…"
    )
    await settle(bot.rt.pool, [bot.rt.queue])
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE kind = 'analysis'") == 1
    # The same event again: nothing more.
    assert (await bot.faceit.post_event(hook, SECRET, live, "match_status_ready"))[1]["duplicate"] is True


async def test_the_simulator_posts_events_on_request_over_http(
    bot: BotHarness, world: World, matches: Matches, hook: str
) -> None:
    template, _ = a_finished_match(matches, world)
    new = matches.finish(template)
    control = bot.faceit.base_url.replace("/data/v4", "/_sim/webhook")
    async with aiohttp.ClientSession() as http:
        body = {"url": hook, "secret": SECRET, "match_id": new}
        async with http.post(control, json=body) as resp:
            assert (await resp.json())["status"] == 200
        async with http.post(control, json={**body, "secret": "wrong-secret-0123456789"}) as resp:
            assert (await resp.json())["status"] == 401
    assert await bot.rt.pool.fetchval("SELECT event_key FROM faceit_events") == f"match_status_finished:{new}"


def test_webhook_coverage_makes_polling_rarer_within_a_day() -> None:
    now = 2_000_000_000.0
    assert not cadence.covered(None, now)
    assert cadence.covered(now - 13 * 86400, now)
    assert not cadence.covered(now - 15 * 86400, now)
    assert cadence.covered_next_in(600) == 2400  # 10 min → 40 min
    assert cadence.covered_next_in(6 * 3600) == 24 * 3600  # 24 h, not 4 × 6 h
    assert cadence.covered_next_in(30 * 3600) == 30 * 3600  # never shorter than uncovered


def test_webhook_and_pruning_settings() -> None:
    s = bot_settings("postgresql://x", "http://f", "http://t")
    assert (s.faceit_webhook_secret, s.notification_keep_days) == ("", 30)
    s = bot_settings(
        "postgresql://x", "http://f", "http://t", FACEIT_WEBHOOK_SECRET=SECRET, NOTIFICATION_KEEP_DAYS="7"
    )
    assert (s.faceit_webhook_secret, s.notification_keep_days) == (SECRET, 7)
    assert SECRET in s.secrets  # scrubbed from every log line
    with pytest.raises(ConfigError, match="FACEIT_WEBHOOK_SECRET"):
        bot_settings("postgresql://x", "http://f", "http://t", FACEIT_WEBHOOK_SECRET="short")


async def test_housekeeping_prunes_old_settled_notifications_and_never_resends(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    template, roster = a_finished_match(matches, world)
    _, nick = roster[7]
    uid = bot.new_user()
    await bot.say(uid, f"/track {nick}")
    await backdate(bot.rt.pool, hours=2)
    matches.finish(template, ago_s=3000)
    matches.finish(template, ago_s=60)
    await check(bot, 0)
    assert len(notifications_to(bot, uid)) == 2
    pool = bot.rt.pool
    # One sent row 31 days old, one 29; an old row still pending is never pruned.
    await pool.execute(
        "UPDATE notifications SET created_at = now() - make_interval(days => CASE WHEN id = "
        "(SELECT min(id) FROM notifications) THEN 31 ELSE 29 END)"
    )
    await pool.execute(
        "INSERT INTO notifications (telegram_id, match_id, kind, payload, created_at) "
        "VALUES ($1, 'old-pending', 'result', '{}', now() - interval '40 days')",
        uid,
    )
    pruned = await housekeeping.prune_once(pool, notification_keep_days=30)
    assert pruned["notifications"] == 1
    left = await pool.fetch("SELECT status FROM notifications ORDER BY id")
    assert [r["status"] for r in left] == ["sent", "pending"]
    await pool.execute("DELETE FROM notifications WHERE match_id = 'old-pending'")
    await check(bot, 1)  # the pruned match stays resolved: nothing is sent again
    assert len(notifications_to(bot, uid)) == 2


# -- two bot processes --------------------------------------------------------------------------
@pytest.fixture
async def scratch_schema() -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A schema of its own: the in-process test bot's monitor never claims these players."""
    name = f"w_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE SCHEMA "{name}"')
    pool = await create_pool(PG_DSN, schema=name)
    try:
        await migrate.apply(pool)
        sep = "&" if "?" in PG_DSN else "?"
        yield f"{PG_DSN}{sep}search_path={name}", pool
    finally:
        await pool.close()
        await admin.execute(f'DROP SCHEMA "{name}" CASCADE')
        await admin.close()


async def test_two_bot_processes_ticking_and_taking_the_same_event_send_one_message_each(
    tmp_path: Path, scratch_schema: tuple[str, asyncpg.Pool], redis_url: str, world: World, world_dir: Path
) -> None:
    dsn, pool = scratch_schema
    m = Matches(world_dir)
    try:
        template, roster = a_finished_match(m, world)
        (a, a_nick), (b, b_nick) = roster[1], roster[8]
        ua, ub, both = 884001, 884002, 884003
        for uid, pid, nick in ((ua, a, a_nick), (ub, b, b_nick), (both, a, a_nick), (both, b, b_nick)):
            await follow(pool, uid, pid, nick)
        polled = m.finish(template, ago_s=900)  # found by the replicas' own ticks
        async with (
            FaceitSim(world_dir, api_key=FACEIT_KEY) as faceit,
            FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as tg,
        ):
            env = replica_env(
                dsn,
                faceit.base_url,
                tg.base_url,
                redis_url=redis_url,
                prefix=f"mon{os.getpid()}:",
                MONITOR_TICK_SECONDS="5",
                FACEIT_WEBHOOK_SECRET=SECRET,
            )
            replicas = [await start_replica(env, tmp_path / f"replica{i}.log") for i in range(2)]
            try:
                for r in replicas:
                    await wait_ready(r)

                def sent(uid: int) -> list[str]:
                    return [
                        button_match(c)
                        for c in tg.calls_for(uid, "sendMessage")
                        if c.ok and "🏁 Match finished" in c.params["text"]
                    ]

                async def waited(predicate, timeout: float, what: str) -> None:
                    try:
                        await wait_until(predicate, timeout, what)
                    except AssertionError as e:  # say what the processes were doing
                        raise AssertionError(
                            f"{e}\n" + "\n".join(r.logs()[-4000:] for r in replicas)
                        ) from None

                await waited(lambda: all(sent(u) for u in (ua, ub, both)), 60, "the polled match's messages")
                # The same finished-match event to both processes at once.
                pushed = m.finish(template, ago_s=5)
                answers = await asyncio.gather(
                    *(faceit.post_event(r.base + PATH, SECRET, pushed) for r in replicas)
                )
                assert sorted(a["duplicate"] for _, a in answers) == [False, True], answers
                await waited(lambda: all(len(sent(u)) >= 2 for u in (ua, ub, both)), 45, "the pushed match")
                # One more tick slot run by the replicas, and no job left: nothing else is coming.
                ticks = await pool.fetchval("SELECT count(*) FROM job_runs WHERE job_name = 'monitor'")

                async def quiet() -> bool:
                    done = await pool.fetchval("SELECT count(*) FROM job_runs WHERE job_name = 'monitor'")
                    busy = await pool.fetchval(
                        "SELECT count(*) FROM jobs WHERE kind LIKE 'monitor.%' AND status IN ('queued', 'running')"
                    )
                    return done >= ticks + 1 and busy == 0

                await waited(quiet, 45, "one more tick")
                for uid in (ua, ub, both):
                    assert sent(uid) == [polled, pushed], uid  # one message per match, in order
                [last] = [c for c in tg.calls_for(both, "sendMessage") if pushed in str(c.params)][-1:]
                assert f"<b>{a_nick}</b>" in last.params["text"] and f"<b>{b_nick}</b>" in last.params["text"]
                assert await pool.fetchval("SELECT count(*) FROM notifications WHERE status = 'sent'") == 6
                owners = await pool.fetch("SELECT DISTINCT replica FROM job_runs WHERE job_name = 'monitor'")
                assert len(owners) >= 1
            finally:
                stopped = [await r.stop(signal.SIGTERM) for r in replicas]
            assert all(code == 0 for code, _ in stopped), [r.logs()[-2000:] for r in replicas]
            assert SECRET not in "".join(r.logs() for r in replicas)
    finally:
        m.restore()

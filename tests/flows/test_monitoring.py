"""Monitoring end to end: tracked players finish matches in the FACEIT simulator (new files in its
fixture tree), the bot's monitor finds them, and followers get their messages from the fake Bot
API exactly once; several replicas, Telegram's 403/429, the budget governor, pre-game analyses.
Plus the pure parts: the cadence rule, history scanning, ELO exactness, sliding windows."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
from aiogram import Bot

from faceitbot.callbacks import TrackAction, TrackCb
from faceitbot.cluster.scheduler import Scheduler, slot_of
from faceitbot.faceit.budget import LocalBudget, RedisBudget
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.models import History, HistoryItem, MatchStats
from faceitbot.i18n.loader import load_i18n
from faceitbot.queue import TaskQueue
from faceitbot.services.analysis import analyse_match
from faceitbot.store import migrate
from faceitbot.store import players as players_store
from faceitbot.store import tracking as tracking_store
from faceitbot.store import users as users_store
from faceitbot.store.db import create_pool
from faceitbot.telegram.session import create_bot
from faceitbot.tracking import Monitor, cadence, create_monitor, results
from faceitbot.tracking.governor import Governor, LocalWindow, RedisWindow, ShareBudget, ShareSpent
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import World
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import FACEIT_KEY, PG_DSN, TOKEN, BotHarness, bot_settings

NOTIFICATION = "🏁 Match finished"


# -- the FACEIT world, changed during a test ------------------------------------------------------
class Matches:
    """Writes new matches into the simulator's fixture tree; every file touched is restored after."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._saved: dict[Path, bytes | None] = {}

    def _read(self, rel: str) -> Any:
        return json.loads((self.root / rel).read_text())

    def _write(self, rel: str, doc: Any) -> None:
        path = self.root / rel
        if path not in self._saved:
            self._saved[path] = path.read_bytes() if path.exists() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc))

    def restore(self) -> None:
        for path, body in self._saved.items():
            if body is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(body)

    def stats(self, match_id: str) -> dict[str, Any]:
        return self._read(f"matches/{match_id}/stats.json")

    def roster(self, match_id: str) -> list[tuple[str, str]]:
        """(player id, nickname) of everyone in a finished match."""
        rnd = self.stats(match_id)["rounds"][0]
        return [(p["player_id"], p["nickname"]) for t in rnd["teams"] for p in t["players"]]

    def elo(self, player_id: str) -> int:
        return self._read(f"players/{player_id}.json")["games"]["cs2"]["faceit_elo"]

    def set_elo(self, player_id: str, elo: int) -> None:
        doc = self._read(f"players/{player_id}.json")
        doc["games"]["cs2"]["faceit_elo"] = elo
        self._write(f"players/{player_id}.json", doc)

    def _history_item(self, template: str) -> dict[str, Any]:
        pid = self.roster(template)[0][0]
        return next(
            i for i in self._read(f"players/{pid}/history.json")["items"] if i["match_id"] == template
        )

    def _prepend(self, player_id: str, item: dict[str, Any]) -> None:
        doc = self._read(f"players/{player_id}/history.json")
        doc["items"].insert(0, item)
        doc["end"] = len(doc["items"])
        self._write(f"players/{player_id}/history.json", doc)

    def finish(
        self, template: str, *, ago_s: float = 10, duration_s: float = 2400, stats: bool = True
    ) -> str:
        """A copy of finished match `template` (same rosters and scoreboard) that ended `ago_s`
        ago: its stats and a history item for all ten players. Returns the new match id."""
        match_id = f"1-{uuid.uuid4()}"
        finished = int(time.time() - ago_s)
        if stats:
            self.add_stats(match_id, template)
        details = self._read(f"matches/{template}.json")
        self._write(
            f"matches/{match_id}.json",
            dict(details, match_id=match_id, started_at=int(finished - duration_s), finished_at=finished),
        )
        item = dict(
            self._history_item(template),
            match_id=match_id,
            finished_at=finished,
            started_at=int(finished - duration_s),
        )
        for pid, _ in self.roster(template):
            self._prepend(pid, item)
        return match_id

    def add_stats(self, match_id: str, template: str) -> None:
        doc = self.stats(template)
        for r in doc["rounds"]:
            r["match_id"] = match_id
        self._write(f"matches/{match_id}/stats.json", doc)

    def go_live(self, live_match: str, player_id: str) -> None:
        """The player's history shows `live_match` as their newest match, not finished yet."""
        details = self._read(f"matches/{live_match}.json")
        teams = {
            f: {
                "team_id": t["faction_id"],
                "nickname": t["name"],
                "players": [{"player_id": p["player_id"], "nickname": p["nickname"]} for p in t["roster"]],
            }
            for f, t in details["teams"].items()
        }
        self._prepend(
            player_id,
            {
                "match_id": live_match,
                "game_id": "cs2",
                "status": "ongoing",
                "competition_name": details.get("competition_name", ""),
                "started_at": int(time.time() - 120),
                "teams": teams,
            },
        )


@pytest.fixture
def matches(world: World, faceit_sim: FaceitSim) -> Iterator[Matches]:
    m = Matches(faceit_sim.data_dir)
    try:
        yield m
    finally:
        m.restore()


def a_finished_match(
    m: Matches, world: World, *, without: str | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """A finished match of the generated world (optionally one `without` a player) and its roster."""
    for mid in world.finished:
        roster = m.roster(mid)
        if without not in {pid for pid, _ in roster}:
            return mid, roster
    raise AssertionError("no such match in the world")


# -- driving the bot's monitor ------------------------------------------------------------------------
_BASE = slot_of(datetime.now(UTC) + timedelta(days=3), 15)


def slot(i: int) -> datetime:
    """Tick slots far enough ahead that every tracked player is due, and the bot's own
    APScheduler tick (on the real clock) never finds anyone due during a test."""
    return _BASE + timedelta(seconds=15 * i)


async def pending_jobs(pool: asyncpg.Pool, kinds: tuple[str, ...]) -> list[int]:
    rows = await pool.fetch(
        "SELECT id FROM jobs WHERE kind LIKE ANY($1::text[]) AND status IN ('queued', 'running')", list(kinds)
    )
    return [r["id"] for r in rows]


async def settle(
    pool: asyncpg.Pool,
    queues: list[TaskQueue],
    kinds: tuple[str, ...] = ("monitor.%", "analysis"),
    timeout: float = 30,
) -> None:
    """Wait (on the queues' outcome events, not the clock) until no such job is left to run."""
    async with asyncio.timeout(timeout):
        while ids := await pending_jobs(pool, kinds):
            for q in queues:
                for i in ids:
                    # Job ids restart with every test: forget an outcome from before, wait for the next.
                    q.outcomes.pop(i, None)
            if not (ids := await pending_jobs(pool, kinds)):
                return
            waiters = [asyncio.create_task(q.wait_outcome(i, timeout)) for q in queues for i in ids]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
                await asyncio.gather(*waiters, return_exceptions=True)


async def check(bot: BotHarness, i: int) -> list[int]:
    """One monitoring tick of the running bot, then everything it caused."""
    ids = await bot.rt.monitor.tick(slot(i))
    await settle(bot.rt.pool, [bot.rt.queue])
    return ids


async def backdate(pool: asyncpg.Pool, hours: float = 1) -> None:
    """As if every follow began `hours` ago (and the ELO we saw then was seen then)."""
    shift = int(hours * 3600)
    await pool.execute("UPDATE tracked_players SET seen_until = seen_until - $1", shift)
    await pool.execute("UPDATE follows SET created_at = created_at - make_interval(secs => $1)", shift)
    await pool.execute("UPDATE elo_snapshots SET taken_at = taken_at - make_interval(secs => $1)", shift)


def notifications_to(bot: BotHarness, uid: int) -> list:
    return [c for c in bot.tg.calls_for(uid, "sendMessage") if c.ok and NOTIFICATION in c.params["text"]]


def expected_block(m: Matches, match_id: str, player_id: str) -> tuple[str, str]:
    """The notification's two lines about one player, from the scoreboard file itself."""
    rnd = m.stats(match_id)["rounds"][0]
    team = next(t for t in rnd["teams"] if any(p["player_id"] == player_id for p in t["players"]))
    other = next(t for t in rnd["teams"] if t is not team)
    p = next(p for p in team["players"] if p["player_id"] == player_id)["player_stats"]
    won = team["team_stats"]["Team Win"] == "1"
    nick = next(p["nickname"] for p in team["players"] if p["player_id"] == player_id)
    head = (
        f"{'✅' if won else '❌'} <b>{nick}</b> {'won' if won else 'lost'} "
        f"{team['team_stats']['Final Score']}:{other['team_stats']['Final Score']}"
    )
    kd = num(int(p["Kills"]) / max(int(p["Deaths"]), 1), 2)
    stats = (
        f"K-D-A {p['Kills']}-{p['Deaths']}-{p['Assists']} · K/D {kd} · ADR {num(float(p['ADR']), 1)} · "
        f"HS {p['Headshots %']}% · MVPs {p['MVPs']}"
    )
    return head, stats


def num(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def button_match(call) -> str:
    [[button]] = call.params["reply_markup"]["inline_keyboard"]
    return TrackCb.unpack(button["callback_data"]).value


# -- end to end through the running bot ---------------------------------------------------------------
async def test_a_finished_match_reaches_each_follower_once(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    template, roster = a_finished_match(matches, world)
    pid, nick = roster[0]
    u1, u2 = bot.new_user(), bot.new_user()
    await bot.say(u1, f"/track {nick}")
    await bot.say(u2, f"/track https://www.faceit.com/en/players/{nick}")
    await backdate(bot.rt.pool)
    elo = matches.elo(pid)

    assert await check(bot, 0)  # the first look only learns the player's rhythm
    assert not notifications_to(bot, u1) and not notifications_to(bot, u2)

    new = matches.finish(template)
    matches.set_elo(pid, elo + 25)
    await check(bot, 1)
    head, stats = expected_block(matches, new, pid)
    for uid in (u1, u2):
        [note] = notifications_to(bot, uid)
        assert note.params["text"] == (
            f"🏁 Match finished · <b>{results.map_name(matches.stats(new)['rounds'][0]['round_stats']['Map'])}</b>"
            f" · Europe 5v5 Queue\n\n{head}\n{stats}\nELO {elo} → {elo + 25} (+25)"
        )
        assert button_match(note) == new

    await check(bot, 2)  # nothing new: nothing sent
    assert len(notifications_to(bot, u1)) == len(notifications_to(bot, u2)) == 1
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM notifications WHERE status = 'sent'") == 2
    assert bot.faceit.stats()["by_route"]["/v4/matches/{matchId}/stats"] == 1

    # The button under the message asks for the full analysis of that match.
    [note] = notifications_to(bot, u1)
    [ack] = await bot.press(
        u1, note.result["message_id"], TrackCb(action=TrackAction.ANALYSE, value=new).pack()
    )
    assert ack.params["text"].startswith("⏳ Analysing the match…")
    await settle(bot.rt.pool, [bot.rt.queue])


async def test_two_tracked_players_in_one_match_make_one_message(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    template, roster = a_finished_match(matches, world)
    (a, a_nick), (b, b_nick) = roster[0], roster[6]
    uid = bot.new_user()
    await bot.say(uid, f"/track {a_nick}")
    await bot.say(uid, f"/track {b_nick}")
    await backdate(bot.rt.pool)
    await check(bot, 0)
    bot.faceit.reset_stats()

    new = matches.finish(template)
    await check(bot, 1)
    [note] = notifications_to(bot, uid)
    text = note.params["text"]
    for player in (a, b):
        head, stats = expected_block(matches, new, player)
        assert f"{head}\n{stats}" in text
    assert bot.faceit.stats()["by_route"]["/v4/matches/{matchId}/stats"] == 1  # resolved together
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM monitored_matches") == 1


async def test_a_fresh_track_does_not_resend_old_matches(bot: BotHarness, world: World) -> None:
    busiest = max(
        world.players,
        key=lambda p: len(
            json.loads((world.root / "players" / p.player_id / "history.json").read_text())["items"]
        ),
    )
    uid = bot.new_user()
    await bot.say(uid, f"/track {busiest.nickname}")
    await check(bot, 0)
    await check(bot, 1)
    assert not notifications_to(bot, uid)
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM notifications") == 0
    # Old matches are not even looked at.
    assert "/v4/matches/{matchId}/stats" not in bot.faceit.stats()["by_route"]
    row = await bot.rt.pool.fetchrow("SELECT * FROM tracked_players WHERE player_id = $1", busiest.player_id)
    assert row["last_match_id"] is not None and row["last_checked_at"] is not None  # it did look


async def test_several_matches_between_checks_are_all_sent_in_order(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    template, roster = a_finished_match(matches, world)
    _, nick = roster[2]
    uid = bot.new_user()
    await bot.say(uid, f"/track {nick}")
    await backdate(bot.rt.pool, hours=5)
    await check(bot, 0)
    played = [matches.finish(template, ago_s=ago) for ago in (3 * 3600, 2 * 3600, 600)]
    await check(bot, 1)
    notes = notifications_to(bot, uid)
    assert [button_match(n) for n in notes] == played
    # Only the newest one can tell the ELO after it; none of them claims an exact change.
    assert "ELO now" in notes[-1].params["text"] and "→" not in "".join(n.params["text"] for n in notes)
    await check(bot, 2)
    assert len(notifications_to(bot, uid)) == 3


async def test_a_match_without_stats_yet_is_sent_once_they_exist(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    template, roster = a_finished_match(matches, world)
    pid, nick = roster[3]
    uid = bot.new_user()
    await bot.say(uid, f"/track {nick}")
    await backdate(bot.rt.pool)
    new = matches.finish(template, stats=False)
    await check(bot, 0)
    assert not notifications_to(bot, uid)
    seen_until = await bot.rt.pool.fetchval(
        "SELECT seen_until FROM tracked_players WHERE player_id = $1", pid
    )
    assert seen_until < int(time.time()) - 1800  # not marked seen
    await bot.rt.monitor.faceit.cache.clear()  # the 404 is remembered for a minute
    matches.add_stats(new, template)
    await check(bot, 1)
    assert [button_match(n) for n in notifications_to(bot, uid)] == [new]


async def test_the_notification_switch_is_respected(bot: BotHarness, world: World, matches: Matches) -> None:
    template, roster = a_finished_match(matches, world)
    _, nick = roster[4]
    uid = bot.new_user()
    await bot.say(uid, f"/track {nick}")
    [off] = await bot.say(uid, "/notify off")
    assert off.params["text"].startswith("🔕")
    await backdate(bot.rt.pool)
    matches.finish(template, ago_s=1200)
    await check(bot, 0)
    assert not notifications_to(bot, uid)
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM notifications") == 0

    await bot.say(uid, "/notify on")
    second = matches.finish(template)
    await check(bot, 1)
    assert [button_match(n) for n in notifications_to(bot, uid)] == [second]


async def test_a_blocked_chat_turns_notifications_off_until_start(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    template, roster = a_finished_match(matches, world)
    _, nick = roster[5]
    uid = bot.new_user()
    await bot.say(uid, f"/track {nick}")
    await backdate(bot.rt.pool, hours=3)
    bot.tg.fail_chat(uid, 403)
    matches.finish(template, ago_s=7200)
    await check(bot, 0)
    user = await bot.rt.pool.fetchrow(
        "SELECT notifications, notify_blocked_at FROM users WHERE telegram_id = $1", uid
    )
    assert user["notifications"] is False and user["notify_blocked_at"] is not None
    assert await bot.rt.pool.fetchval("SELECT status FROM notifications") == "blocked"
    assert await bot.rt.pool.fetchval("SELECT status FROM jobs WHERE kind = 'monitor.notify'") == "done"
    attempts = len(bot.tg.calls_for(uid, "sendMessage", failed=True))

    matches.finish(template, ago_s=3600)
    await check(bot, 1)
    assert len(bot.tg.calls_for(uid, "sendMessage", failed=True)) == attempts  # no further sends
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM notifications") == 1

    bot.tg.clear_faults()
    [hello] = await bot.say(uid, "/start")
    assert hello.params["text"].startswith("Hi, Ann!")
    assert await bot.rt.pool.fetchval("SELECT notifications FROM users WHERE telegram_id = $1", uid) is True
    third = matches.finish(template)
    await check(bot, 2)
    assert [button_match(n) for n in notifications_to(bot, uid)] == [third]


async def test_a_flood_wait_pauses_every_sender_then_each_is_delivered_once(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    first, roster = a_finished_match(matches, world)
    a, a_nick = roster[1]
    second, roster2 = a_finished_match(matches, world, without=a)
    _, b_nick = next((pid, n) for pid, n in roster2 if pid not in dict(roster))
    u1, u2 = bot.new_user(), bot.new_user()
    await bot.say(u1, f"/track {a_nick}")
    await bot.say(u2, f"/track {b_nick}")
    await backdate(bot.rt.pool)
    floods = bot.rt.governor.floods
    since = len(bot.tg.calls)
    bot.tg.flood(None, retry_after=2, times=1)  # the next send, whoever's, gets 429 retry_after=2
    matches.finish(first)
    matches.finish(second)
    budget = bot.rt.faceit.budget
    assert await check(bot, 0), f"no polls allowed: FACEIT budget {await budget.used()}/{budget.limit}"

    [flooded] = [c for c in bot.tg.calls[since:] if c.status == 429]
    [to_u1], [to_u2] = notifications_to(bot, u1), notifications_to(bot, u2)
    assert to_u1.at >= flooded.at + 2 and to_u2.at >= flooded.at + 2  # honoured by every sender
    assert [c.status for c in bot.tg.calls_for(flooded.chat_id, "sendMessage", failed=True)][-2:] == [
        429,
        200,
    ]
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM notifications WHERE status = 'sent'") == 2
    assert bot.rt.governor.floods == floods + 1  # what the heartbeat reports to the dashboard
    await bot.rt.heartbeat.beat()
    assert await bot.rt.pool.fetchval("SELECT telegram_429 FROM replica_heartbeats") == floods + 1


async def test_a_live_match_of_a_linked_player_brings_the_pregame_analysis(
    bot: BotHarness, world: World, matches: Matches
) -> None:
    live = world.live[0]
    details = json.loads((world.root / "matches" / f"{live}.json").read_text())
    player = details["teams"]["faction1"]["roster"][0]
    fan, broke, quiet = bot.new_user(), bot.new_user(), bot.new_user()
    for uid in (fan, broke, quiet):
        await bot.say(uid, f"/link {player['nickname']}")
    await bot.say(quiet, "/notify off")
    await bot.rt.pool.execute(
        "INSERT INTO usage (telegram_id, day, used) VALUES ($1, $2, $3)",
        broke,
        datetime.now(UTC).date(),
        bot.rt.settings.quota_free,
    )
    matches.go_live(live, player["player_id"])
    bot.tg.mark()
    await check(bot, 0)
    [ack] = await bot.tg.wait_for("sendMessage", chat_id=fan, predicate=lambda c: "🎮" in c.params["text"])
    assert (
        ack.params["text"]
        == f"🎮 <b>{player['nickname']}</b>'s match is starting — analysing the room for you…"
    )
    [result] = await bot.tg.wait_for(
        "editMessageText", chat_id=fan, predicate=lambda c: "FACEIT request" in c.params["text"], timeout=20
    )
    assert result.params["message_id"] == ack.result["message_id"]
    assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", fan) == 1
    statuses = dict(
        await bot.rt.pool.fetch("SELECT telegram_id, status FROM notifications WHERE kind = 'pregame'")
    )
    assert statuses == {fan: "sent", broke: "skipped"}  # over quota: nothing; notifications off: no row
    for uid in (broke, quiet):
        assert not [c for c in bot.tg.calls_for(uid, "sendMessage") if "🎮" in c.params["text"]]

    await check(bot, 1)  # still live: no second analysis
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE kind = 'analysis'") == 1


# -- several replicas on their own schema -----------------------------------------------------------
@dataclass
class Replica:
    scheduler: Scheduler
    queue: TaskQueue
    monitor: Monitor

    async def tick(self, s: datetime) -> None:
        await self.monitor.tick(s)


@pytest.fixture
async def scratch_pool() -> AsyncIterator[asyncpg.Pool]:
    """A schema of its own: the running bot's queue never sees these replicas' jobs."""
    name = f"r_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE SCHEMA "{name}"')
    pool = await create_pool(PG_DSN, schema=name)
    try:
        await migrate.apply(pool)
        yield pool
    finally:
        await pool.close()
        await admin.execute(f'DROP SCHEMA "{name}" CASCADE')
        await admin.close()


@pytest.fixture
async def tg_bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    b = create_bot(TOKEN, telegram.base_url)
    try:
        yield b
    finally:
        await b.session.close()


@contextlib.asynccontextmanager
async def replicas(
    n: int,
    pool: asyncpg.Pool,
    bot: Bot,
    sim: FaceitSim,
    redis: aioredis.Redis | None,
    prefix: str,
    **env: str,
) -> AsyncIterator[list[Replica]]:
    settings = bot_settings("postgresql://unused", sim.base_url, "http://unused", REDIS_PREFIX=prefix, **env)
    i18n = load_i18n()
    made: list[Replica] = []
    try:
        for i in range(n):
            queue = TaskQueue(pool, workers=3, poll_s=0.1, owner=f"replica-{i}")
            if redis is not None:
                budget = RedisBudget(
                    redis,
                    settings.faceit_budget_requests,
                    settings.faceit_budget_window_s,
                    key=f"{prefix}budget:faceit",
                )
            else:
                budget = LocalBudget(settings.faceit_budget_requests, settings.faceit_budget_window_s)
            monitor = create_monitor(
                settings,
                pool=pool,
                queue=queue,
                bot=bot,
                i18n=i18n,
                budget=budget,
                redis=redis,
                per_second=100,
            )
            await queue.start()
            made.append(Replica(Scheduler(pool, queue.owner), queue, monitor))
        yield made
    finally:
        for r in made:
            await r.queue.stop()
            await r.monitor.close()


async def follow(pool: asyncpg.Pool, uid: int, player_id: str, nickname: str, *, hours: float = 1) -> None:
    await users_store.touch(pool, uid, "en", None, datetime.now(UTC).date())
    await players_store.remember(pool, player_id, nickname, "gb", 5, 1000)
    async with pool.acquire() as conn, conn.transaction():
        await tracking_store.follow(conn, uid, player_id, linked=False, first_check_s=0)
    await backdate(pool, hours)


def sends_to(tg: FakeTelegram, uid: int, since: int) -> list:
    return [c for c in tg.calls[since:] if c.method == "sendMessage" and c.ok and c.chat_id == uid]


async def test_three_replicas_ten_slots_one_poll_per_player_per_slot_one_message_per_user_and_match(
    scratch_pool: asyncpg.Pool,
    tg_bot: Bot,
    telegram: FakeTelegram,
    faceit_sim: FaceitSim,
    redis: aioredis.Redis,
    redis_prefix: str,
    world: World,
    matches: Matches,
) -> None:
    template, roster = a_finished_match(matches, world)
    (a, an), (b, bn), (c, cn), (d, dn) = roster[0], roster[1], roster[5], roster[6]
    u1, u2, u3 = 9_100_001, 9_100_002, 9_100_003
    for uid, pid, nick in ((u1, a, an), (u1, b, bn), (u2, b, bn), (u2, c, cn), (u3, d, dn)):
        await follow(scratch_pool, uid, pid, nick, hours=0)
    await backdate(scratch_pool, 2)
    start = len(telegram.calls)
    base = slot_of(datetime.now(UTC) + timedelta(days=3), 15)
    slots = [base + timedelta(seconds=15 * i) for i in range(13)]
    async with replicas(3, scratch_pool, tg_bot, faceit_sim, redis, redis_prefix) as reps:
        queues = [r.queue for r in reps]
        first = second = ""
        for i, s in enumerate(slots[:10]):
            if i == 3:
                first = matches.finish(template, ago_s=900)  # a, b, c, d all played it
            if i == 6:
                second = matches.finish(template, ago_s=60)
            ran = await asyncio.gather(*(r.scheduler.run_slot("monitor", s, r.tick) for r in reps))
            assert sum(ran) == 1  # the job_runs fence: one replica ran the tick
            await settle(scratch_pool, queues)
        # Broken fence: all three run the tick of the same slot themselves — still one poll each.
        for s in slots[10:]:
            await asyncio.gather(*(r.monitor.tick(s) for r in reps))
            await settle(scratch_pool, queues)
    polls = await scratch_pool.fetch("SELECT dedupe_key FROM jobs WHERE kind = 'monitor.poll'")
    assert len(polls) == 4 * 13 == len({r["dedupe_key"] for r in polls})
    assert await scratch_pool.fetchval("SELECT count(*) FROM job_runs WHERE job_name = 'monitor'") == 10
    rows = await scratch_pool.fetch("SELECT telegram_id, match_id, status FROM notifications ORDER BY id")
    owed = {(u, m) for u in (u1, u2, u3) for m in (first, second)}
    assert {(r["telegram_id"], r["match_id"]) for r in rows} == owed and len(rows) == len(owed)
    assert {r["status"] for r in rows} == {"sent"}
    for uid in (u1, u2, u3):
        assert [button_match(c) for c in sends_to(telegram, uid, start)] == [first, second]
    for u1_note in sends_to(telegram, u1, start):  # one message for both players u1 follows
        assert f"<b>{an}</b>" in u1_note.params["text"] and f"<b>{bn}</b>" in u1_note.params["text"]


async def test_crash_after_the_outbox_insert_delivers_once_after_restart(
    scratch_pool: asyncpg.Pool,
    tg_bot: Bot,
    telegram: FakeTelegram,
    faceit_sim: FaceitSim,
    world: World,
    matches: Matches,
) -> None:
    template, roster = a_finished_match(matches, world)
    pid, nick = roster[7]
    uid = 9_200_001
    await follow(scratch_pool, uid, pid, nick)
    matches.finish(template)
    start = len(telegram.calls)
    async with replicas(1, scratch_pool, tg_bot, faceit_sim, None, "crash:") as [dying]:
        await dying.queue.stop()  # it polls, commits the outbox row and its job, then dies
        [job_id] = await dying.monitor.tick(slot(0))
        job = await scratch_pool.fetchrow("SELECT * FROM jobs WHERE id = $1", job_id)
        await dying.monitor.poll(job["payload"], job)  # the job body, run by hand
    assert await scratch_pool.fetchval("SELECT status FROM notifications") == "pending"
    assert not sends_to(telegram, uid, start)
    async with replicas(1, scratch_pool, tg_bot, faceit_sim, None, "crash:") as [restarted]:
        await settle(scratch_pool, [restarted.queue])
    assert len(sends_to(telegram, uid, start)) == 1
    assert await scratch_pool.fetchval("SELECT status FROM notifications") == "sent"


async def test_the_governor_keeps_monitoring_within_its_share_oldest_due_first(
    scratch_pool: asyncpg.Pool, tg_bot: Bot, faceit_sim: FaceitSim, world: World
) -> None:
    players = [p for p in world.players][:28]
    for i, p in enumerate(players):
        await follow(scratch_pool, 9_300_000 + i, p.player_id, p.nickname, hours=0)
        await scratch_pool.execute(
            "UPDATE tracked_players SET next_check_at = now() - make_interval(mins => $2) WHERE player_id = $1",
            p.player_id,
            100 - i,
        )
    env = {"FACEIT_BUDGET_REQUESTS": "60", "MONITOR_BUDGET_SHARE": "0.4"}  # share: 24 calls per window
    async with replicas(1, scratch_pool, tg_bot, faceit_sim, None, "gov:", **env) as [rep]:
        spend = rep.monitor.faceit.budget
        assert isinstance(spend, ShareBudget)
        for i in range(40):
            await rep.monitor.tick(datetime.now(UTC) + timedelta(seconds=i))
            await settle(scratch_pool, [rep.queue])
        monitoring_calls = faceit_sim.stats()["total"]
        # it spent its share (less the reserve kept for polls under way), never more
        assert 24 - 6 <= monitoring_calls <= 24 == spend.share.limit
        assert await spend.share.used() == monitoring_calls
        polled = {
            r["player_id"]
            for r in await scratch_pool.fetch(
                "SELECT player_id FROM tracked_players WHERE last_checked_at IS NOT NULL"
            )
        }
        assert polled == {p.player_id for p in players[: len(polled)]}  # the oldest-due went first
        # A user's analysis (HIGH) on the same key is not starved: its 31 calls go through at once,
        # paced with monitoring's at the key's 10 a second.
        user_client = FaceitClient(
            faceit_sim.base_url, FACEIT_KEY, budget=spend.overall, pacer=rep.monitor.faceit.pacer
        )
        try:
            async with asyncio.timeout(10):
                done = await analyse_match(user_client, world.live[1])
        finally:
            await user_client.close()
        assert done.faceit_calls == 31


# -- the pure parts ------------------------------------------------------------------------------------
BASE = 600.0


def test_cadence_waits_for_the_next_match_to_be_able_to_finish() -> None:
    now = 1_800_000_000.0
    just = cadence.plan(now, base_s=BASE, last_finished_at=now - 60, recent_matches=10)
    assert just == cadence.Plan(cadence.FOLLOW_UP_S - 60, True, waiting=True)
    later = cadence.plan(now, base_s=BASE, last_finished_at=now - 50 * 60, recent_matches=10)
    assert later == cadence.Plan(cadence.SESSION_STEP * BASE, True)
    over = cadence.plan(now, base_s=BASE, last_finished_at=now - 70 * 60, recent_matches=10)
    assert not over.in_session
    # Found late: the player may be in the next match right now.
    late = cadence.plan(now, base_s=BASE, last_finished_at=now - 70 * 60, recent_matches=10, found_new=True)
    assert late == cadence.Plan(cadence.SESSION_STEP * BASE, True)
    live = cadence.plan(now, base_s=BASE, last_finished_at=None, recent_matches=0, live_since=now - 300)
    assert live == cadence.Plan(cadence.MIN_MATCH_S - 300, True, waiting=True)


def test_cadence_checks_idle_players_less_the_less_they_play() -> None:
    now = 1_800_000_000.0
    day = 86400

    def idle(recent: int, since: float) -> float:
        p = cadence.plan(now, base_s=BASE, last_finished_at=now - since, recent_matches=recent)
        assert not p.in_session
        return p.interval_s

    grinder, weekly, dormant = idle(42, 2 * 3600), idle(7, day), idle(0, 30 * day)
    assert grinder == BASE  # 6 a day: the base interval
    assert grinder < weekly < dormant <= cadence.MAX_IDLE_S
    assert idle(7, 5 * day) > idle(7, 2 * day)  # idle for days: rarer still
    never = cadence.plan(now, base_s=BASE, last_finished_at=None, recent_matches=0)
    assert never.interval_s == cadence.MAX_IDLE_S


def test_only_the_governor_stretch_scales_intervals_and_never_the_waits() -> None:
    idle, step, wait = cadence.Plan(BASE, False), cadence.Plan(BASE / 2, True), cadence.Plan(900, True, True)
    tight = cadence.Stretch(idle=3.0, session=2.0)
    assert (cadence.next_in(idle, tight), cadence.next_in(step, tight), cadence.next_in(wait, tight)) == (
        3 * BASE,
        BASE,
        900,
    )
    roomy = cadence.Stretch(idle=0.25)
    assert cadence.next_in(idle, roomy) == BASE / 4 and cadence.next_in(step, roomy) == BASE / 2
    assert cadence.elo_affordable(cadence.Stretch(idle=1.5))
    assert not cadence.elo_affordable(tight) and not cadence.elo_affordable(
        cadence.Stretch(idle=1, session=1.2)
    )


def _item(match_id: str, finished: int | None, status: str = "finished") -> HistoryItem:
    return HistoryItem(match_id=match_id, status=status, finished_at=finished or 0)


def test_scan_finds_every_new_match_oldest_first_and_nothing_old() -> None:
    now = 1_800_000_000
    items = [
        _item("m5", now - 100),
        _item("m4", now - 3000),
        _item("m3", now - 6000),
        _item("m2", now - 9 * 86400),
    ]
    fresh = results.scan(items, now, now)
    assert fresh.new == () and fresh.newest == items[0] and fresh.recent == 3
    seen = results.scan(items, now - 7000, now)
    assert [i.match_id for i in seen.new] == ["m3", "m4", "m5"] and not seen.more
    everything = results.scan(items, 0, now)
    assert everything.more  # a whole page of new matches: look at the next page too
    live = results.scan([_item("m6", None, "ONGOING"), *items], now - 200, now)
    assert live.live is not None and live.live.match_id == "m6" and [i.match_id for i in live.new] == ["m5"]
    assert results.scan([_item("m7", None, "cancelled"), *items], now, now).live is None
    assert results.previous_finish(items, now - 100) == now - 3000


def test_player_line_reads_the_scoreboard(world: World) -> None:
    stats = json.loads((world.root / "matches" / world.finished[0] / "stats.json").read_text())
    decoded = _decode_stats(stats)
    rnd = stats["rounds"][0]
    for team in rnd["teams"]:
        for p in team["players"]:
            line = results.player_line(decoded, p["player_id"])
            assert line is not None
            s = p["player_stats"]
            assert (line["kills"], line["deaths"], line["assists"], line["mvps"]) == (
                int(s["Kills"]),
                int(s["Deaths"]),
                int(s["Assists"]),
                int(s["MVPs"]),
            )
            assert line["hs"] == int(s["Headshots %"]) and line["adr"] == float(s["ADR"])
            assert line["win"] is (team["team_stats"]["Team Win"] == "1")
            assert line["score"][0] == int(team["team_stats"]["Final Score"])
    assert results.player_line(decoded, "not-in-it") is None


def _decode_stats(doc: dict[str, Any]) -> MatchStats:
    import msgspec

    return msgspec.json.decode(json.dumps(doc), type=MatchStats)


def test_an_elo_change_is_only_claimed_when_it_is_exact() -> None:
    t = 1_800_000_000
    assert results.elo_view(before=(1000, t - 50), after=1025, previous_finish=t - 100, covered=True) == (
        results.EloView(1000, 1025)
    )
    # the snapshot predates the previous match: the change would span two matches
    assert (
        results.elo_view(before=(1000, t - 500), after=1025, previous_finish=t - 100, covered=True).before
        is None
    )
    assert (
        results.elo_view(before=(1000, t - 50), after=1025, previous_finish=None, covered=False).before
        is None
    )
    assert results.elo_view(before=None, after=1025, previous_finish=None, covered=True) == results.EloView(
        None, 1025
    )
    assert results.after_is_current(t, t + 60, newest=False)
    assert not results.after_is_current(t, t + cadence.NEXT_FINISH_S + 1, newest=False)


def test_history_decoding_of_a_live_item_without_finish() -> None:
    import msgspec

    doc = {"items": [{"match_id": "1-x", "status": "ongoing", "started_at": 5}]}
    assert msgspec.json.decode(json.dumps(doc), type=History).items[0].finished_at == 0


async def test_local_window_is_a_sliding_log() -> None:
    now = [0.0]
    w = LocalWindow(3, 10, clock=lambda: now[0])
    assert [await w.try_acquire() for _ in range(4)] == [True, True, True, False]
    now[0] = 9.9
    assert not await w.try_acquire() and w.wait_s() == pytest.approx(0.1)
    now[0] = 10.0
    assert await w.try_acquire() and await w.used() == 1  # the three from t=0 have left
    with pytest.raises(ValueError):
        LocalWindow(0, 1)


async def test_the_share_budget_refuses_instead_of_waiting() -> None:
    overall = LocalBudget(100, 600)
    spend = ShareBudget(overall, LocalWindow(2, 600), LocalWindow(50, 1))
    await spend.acquire()
    await spend.acquire()
    with pytest.raises(ShareSpent):
        await spend.acquire()
    assert await overall.used() == 2  # the refused call never touched the key's budget
    governor = Governor(spend, tick_s=15)
    assert await governor.polls_allowed() == 0
    capacity = governor.capacity
    # Plenty of room: idle checks come sooner, down to a quarter of their interval.
    assert governor.stretch(idle_demand=capacity / 100, session_demand=0.0) == cadence.Stretch(0.25, 1.0)
    assert governor.stretch(idle_demand=4 * capacity, session_demand=0.0).idle == pytest.approx(4.0)
    # Sessions take what they need first; idle checks share what is left.
    assert governor.stretch(idle_demand=capacity / 2, session_demand=capacity / 2).idle == pytest.approx(1.0)
    crowded = governor.stretch(idle_demand=capacity, session_demand=1.6 * capacity)
    assert crowded.session == pytest.approx(2.0) and crowded.idle == pytest.approx(5.0)


async def test_redis_windows_are_shared_by_replicas(redis: aioredis.Redis, redis_prefix: str) -> None:
    a, b = (RedisWindow(redis, 3, 60, key=f"{redis_prefix}share") for _ in range(2))
    got = [await w.try_acquire() for w in (a, b, a, b)]
    assert got == [True, True, True, False] and await b.used() == 3


def test_settings_for_tracking() -> None:
    s = bot_settings(
        "postgresql://x", "http://f", "http://t", TRACK_LIMIT_PREMIUM="7", MONITOR_BUDGET_SHARE="0.25"
    )
    assert (s.track_limit("free"), s.track_limit("premium"), s.track_limit("pro")) == (3, 7, 100)
    assert s.monitor_budget_share == 0.25 and s.monitor_tick_s == 15
    assert replace(s, check_interval_minutes=5).check_interval_minutes == 5
    from faceitbot.config import ConfigError

    with pytest.raises(ConfigError, match="MONITOR_BUDGET_SHARE"):
        bot_settings("postgresql://x", "http://f", "http://t", MONITOR_BUDGET_SHARE="1.5")

"""Monitoring at scale: thousands of tracked players on one FACEIT key, a simulated day.

    python bench/monitoring.py [--players 5000] [--hours 24] [--latency-ms 0] [--seed 7]
                               [--webhook-share 1.0] [--webhook-loss 0.01] [--sweep]

A synthetic world of tracked players with a realistic play pattern (most play a few sessions a
week, sessions of 2-5 matches of 35-45 minutes, some daily grinders, parties of friends who
queue together) runs on a virtual clock. As matches finish, the FACEIT simulator's fixture tree
gets their stats and the players' history files, as a real finish would; every request both
policies make (history pages, match stats, player ELO) goes over HTTP to the simulator through
the real FaceitClient. The two policies run side by side in the same run, each with its own key:

- adaptive: the real cadence rule (faceitbot/tracking/cadence.py), the real budget governor
  and ShareBudget (faceitbot/tracking/governor.py, windows on the virtual clock) and the real
  history scanning (faceitbot/tracking/results.py); the PostgreSQL claim (oldest due first) is
  a heap here, and matches are resolved once for every tracked player in them, as in the bot;
- naive: the seed's policy, every player every CHECK_INTERVAL_MINUTES, under the same share cap
  (oldest due first), with the same once-per-match resolution (which only flatters it);
- webhooks: adaptive, plus FACEIT webhook events for a share of the players (--webhook-share,
  all by default): a finished match of a covered player arrives WEBHOOK_DELAY_S after its end
  (a few seconds to a minute; --webhook-loss of events never arrive) and checks that player at
  once through the same poll path, as the bot's monitor.webhook job does; covered players are
  polled WEBHOOK_SLOWDOWN times less often (cadence rule 5), polling being the safety net.

429s counts calls that would have met a FACEIT 429: those beyond BUDGET in a sliding 10 minutes
(the windows are enforced client side, so it is 0 unless the budget code is wrong).

Delay = when the match was found minus when it finished (a follower's message follows within
Telegram's send limits). Matches still unseen at the end are found by a final sweep and count
with that (long) delay; "lost" counts any still missing after it, "dup" any found twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import json
import math
import random
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from common import ROOT, median, pct, table

from faceitbot.cluster.kv import MemoryKV
from faceitbot.faceit.cache import ResponseCache
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.tally import tally
from faceitbot.tracking import cadence, results
from faceitbot.tracking.governor import Governor, LocalWindow, ShareBudget, ShareSpent
from faceitbot.tracking.monitor import CACHE_TTLS, HISTORY_LIMIT, MAX_PAGES, SHARE_SPENT_RETRY_S

KEY = "bench-key"
START = 1_800_057_600  # a midnight (UTC)
BUDGET, WINDOW_S, SHARE = 500, 600, 0.6
TICK_S = 15
BASE_S = 600  # CHECK_INTERVAL_MINUTES = 10
WEBHOOK_DELAY_S = (3.0, 60.0)  # FACEIT's delivery after the match ends, uniform
POLICIES = ("adaptive", "naive", "webhooks")
HISTORY_KEEP = HISTORY_LIMIT  # a page holds it all: the simulator serves the file as is


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- the world -----------------------------------------------------------------------------------
@dataclass
class Match:
    id: str
    started: int
    finished: int
    players: list[str]


@dataclass
class World:
    players: list[str]
    matches: list[Match]  # every match, oldest finish first
    parties: int


def build_world(rng: random.Random, n: int, start: int, end: int) -> World:
    """Schedules from a week before `start` to `end`: the week fills the histories the cadence
    reads; only matches finishing in [start, end] are measured."""
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]
    order = ids[:]
    rng.shuffle(order)
    groups: list[list[str]] = []
    i = 0
    while i < len(order):
        size = rng.choice((2, 2, 3, 4)) if rng.random() < 0.25 else 1  # about 40% of players queue in parties
        groups.append(order[i : i + size])
        i += size
    matches: list[Match] = []
    history_from = start - 7 * 86400
    for group in groups:
        kind = rng.random()
        if kind < 0.1:  # daily grinders: 1-2 sessions a day of 4-8 matches
            per_day, lengths = rng.uniform(1.0, 2.0), (4, 8)
        elif kind < 0.65:  # regulars: a few sessions a week of 2-5 matches
            per_day, lengths = rng.uniform(2, 5) / 7, (2, 5)
        else:  # casual: about one session a week, 1-3 matches
            per_day, lengths = rng.uniform(0.5, 1.5) / 7, (1, 3)
        home = rng.gauss(20, 2.5) + rng.choice((-3, 0, 0, 2))  # evening, in one of a few time zones
        day = history_from - 86400
        while day < end:
            for _ in range(_poisson(rng, per_day)):
                t = int(day + (home + rng.gauss(0, 1.5)) * 3600)
                for _ in range(rng.randint(*lengths)):
                    t += rng.randint(120, 600)  # queue, accept, veto
                    duration = rng.randint(35 * 60, 45 * 60)
                    if history_from <= t + duration <= end:
                        matches.append(
                            Match(
                                f"1-{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                                t,
                                t + duration,
                                list(group),
                            )
                        )
                    t += duration
            day += 86400
    matches.sort(key=lambda m: m.finished)
    return World(ids, _no_overlaps(matches), sum(1 for g in groups if len(g) > 1))


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _no_overlaps(matches: list[Match]) -> list[Match]:
    """Drop a match when one of its players is still in another (two sessions drawn on top of
    each other): nobody plays two matches at once."""
    busy: dict[str, int] = {}
    kept = []
    for m in sorted(matches, key=lambda m: m.started):
        if all(busy.get(p, 0) <= m.started for p in m.players):
            kept.append(m)
            for p in m.players:
                busy[p] = m.finished
    kept.sort(key=lambda m: m.finished)
    return kept


def _history_item(m: Match) -> dict[str, Any]:
    return {
        "match_id": m.id,
        "game_id": "cs2",
        "status": "finished",
        "competition_name": "Europe 5v5 Queue",
        "started_at": m.started,
        "finished_at": m.finished,
        "teams": {
            "faction1": {"players": [{"player_id": p} for p in m.players]},
            "faction2": {"players": []},
        },
        "results": {"winner": "faction1"},
    }


def _stats_doc(m: Match, rng: random.Random) -> dict[str, Any]:
    mine = [
        {
            "player_id": p,
            "nickname": p[:8],
            "player_stats": {
                "Kills": str(rng.randint(5, 30)),
                "Deaths": str(rng.randint(5, 25)),
                "Assists": str(rng.randint(0, 10)),
                "Headshots": str(rng.randint(0, 10)),
                "ADR": f"{rng.uniform(40, 120):.1f}",
                "MVPs": str(rng.randint(0, 5)),
            },
        }
        for p in m.players
    ]
    teams = [
        {"team_id": "f1", "team_stats": {"Team Win": "1", "Final Score": "13"}, "players": mine},
        {"team_id": "f2", "team_stats": {"Team Win": "0", "Final Score": "9"}, "players": []},
    ]
    return {
        "rounds": [{"match_id": m.id, "round_stats": {"Map": "de_mirage", "Rounds": "22"}, "teams": teams}]
    }


class Tree:
    """The simulator's fixture tree, kept in step with the virtual clock."""

    def __init__(self, root: Path, world: World, start: int, rng: random.Random) -> None:
        self.root = root
        self._rng = rng
        self._dirs: set[Path] = set()
        self.history: dict[str, list[dict[str, Any]]] = {p: [] for p in world.players}
        for p in world.players:
            doc = {
                "player_id": p,
                "nickname": p[:8],
                "games": {"cs2": {"faceit_elo": 1500, "skill_level": 7}},
            }
            self._write(f"players/{p}.json", doc)
        self._pending = world.matches
        self._next = 0
        self._start = start
        self.finish_until(start)
        for p, items in self.history.items():
            if not items:  # never played in the week: an empty history, as FACEIT answers
                self._write(f"players/{p}/history.json", {"items": [], "start": 0, "end": 0})

    def _write(self, rel: str, doc: Any) -> None:
        path = self.root / rel
        if path.parent not in self._dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path.parent)
        path.write_text(json.dumps(doc, separators=(",", ":")))

    def finish_until(self, now: float) -> list[Match]:
        done = []
        while self._next < len(self._pending) and self._pending[self._next].finished <= now:
            m = self._pending[self._next]
            self._next += 1
            done.append(m)
            if m.finished >= self._start:  # older ones are never news: nobody asks for their stats
                self._write(f"matches/{m.id}/stats.json", _stats_doc(m, self._rng))
            for p in m.players:
                items = self.history[p]
                items.insert(0, _history_item(m))
                del items[HISTORY_KEEP:]
        for p in {p for m in done for p in m.players}:
            items = self.history[p]
            self._write(f"players/{p}/history.json", {"items": items, "start": 0, "end": len(items)})
        return done


# -- a monitor on the virtual clock ------------------------------------------------------------------
@dataclass
class PlayerState:
    seen_until: int
    last_finished: int | None
    recent: int
    interval: float
    in_session: bool
    next_at: float


@dataclass
class Monitor:
    name: str
    adaptive: bool
    client: FaceitClient
    spend: ShareBudget
    governor: Governor
    clock: Clock
    state: dict[str, PlayerState] = field(default_factory=dict)
    heap: list[tuple[float, str]] = field(default_factory=list)
    found: dict[tuple[str, str], float] = field(default_factory=dict)
    resolved: set[str] = field(default_factory=set)
    duplicates: int = 0
    polls: int = 0
    polls_in_run: int = 0
    calls_at: Counter[int] = field(default_factory=Counter)  # FACEIT calls per tick slot
    demand: list[float] = field(default_factory=lambda: [0.0, 0.0])  # idle, session
    covered: set[str] = field(default_factory=set)  # players whose finished matches FACEIT pushes
    events: list[tuple[float, str]] = field(default_factory=list)  # (arrives at, a covered player)
    events_in: int = 0

    def _wished(self, player: str, p: cadence.Plan, stretch: cadence.Stretch) -> tuple[float, float]:
        """(interval for the demand, seconds to the next check), as monitor._poll decides them."""
        next_in, interval = cadence.next_in(p, stretch), p.interval_s
        if player in self.covered:
            next_in, interval = cadence.covered_next_in(next_in), cadence.covered_next_in(interval)
        return interval, next_in

    def finished(self, matches: list[Match], rng: random.Random, loss: float) -> None:
        """FACEIT sends an event for each finished match with a covered player in it."""
        for m in matches:
            players = [p for p in m.players if p in self.covered]
            if players and rng.random() >= loss:
                heapq.heappush(self.events, (m.finished + rng.uniform(*WEBHOOK_DELAY_S), players[0]))

    def track(self, histories: dict[str, list[dict[str, Any]]], start: int, rng: random.Random) -> None:
        """A warm start, as after a long run: each player was last checked a random part of its
        (stretched) interval ago."""
        plans = {}
        for player, items in histories.items():
            finished = [i["finished_at"] for i in items]
            recent = sum(1 for f in finished if f > start - cadence.RECENT_DAYS * 86400)
            last = max(finished, default=None)
            if self.adaptive:
                p = cadence.plan(start, base_s=BASE_S, last_finished_at=last, recent_matches=recent)
            else:
                p = cadence.Plan(BASE_S, False)
            interval = cadence.covered_next_in(p.interval_s) if player in self.covered else p.interval_s
            st = PlayerState(start, last, recent, interval, p.in_session, start)
            self.state[player] = st
            self._add_demand(st, +1)
            plans[player] = p
        stretch = self.governor.stretch(*self.demand) if self.adaptive else cadence.Stretch()
        for player, p in plans.items():
            self.state[player].next_at = start + rng.uniform(0, self._wished(player, p, stretch)[1])
            heapq.heappush(self.heap, (self.state[player].next_at, player))

    def _add_demand(self, st: PlayerState, sign: int) -> None:
        self.demand[1 if st.in_session else 0] += sign / st.interval

    def _reschedule(self, player: str, interval: float, in_session: bool, at: float) -> None:
        st = self.state[player]
        self._add_demand(st, -1)
        st.interval, st.in_session, st.next_at = interval, in_session, at
        self._add_demand(st, +1)
        heapq.heappush(self.heap, (at, player))

    async def tick(self, now: float) -> None:
        stretch = self.governor.stretch(*self.demand) if self.adaptive else cadence.Stretch()
        pushed: set[str] = set()
        while self.events and self.events[0][0] <= now:
            pushed.add(heapq.heappop(self.events)[1])
        if pushed:  # the monitor.webhook jobs: checked now, before the tick's claim
            self.events_in += len(pushed)
            await asyncio.gather(*(self.poll(p, now, stretch) for p in pushed))
        allowed = await self.governor.polls_allowed()
        due: list[str] = []
        while self.heap and self.heap[0][0] <= now and len(due) < allowed:
            at, player = heapq.heappop(self.heap)
            if self.state[player].next_at == at:  # else a stale entry, rescheduled since
                due.append(player)
        await asyncio.gather(*(self.poll(p, now, stretch) for p in due))

    async def poll(self, player: str, now: float, stretch: cadence.Stretch) -> None:
        st = self.state[player]
        with tally() as spent:
            try:
                items = await self._history(player, st.seen_until)
                seen = results.scan(items, st.seen_until, now)
                for item in seen.new:
                    await self._resolve(player, item, now, item is seen.newest, stretch)
                    st.seen_until = item.finished_at
            except ShareSpent:
                self._reschedule(player, st.interval, st.in_session, now + SHARE_SPENT_RETRY_S)
                return
            finally:
                self.calls_at[int(now)] += spent.calls
                self.governor.observe(spent.calls)
        self.polls += 1
        if seen.newest is not None:
            st.last_finished = max(st.last_finished or 0, seen.newest.finished_at)
        st.recent = seen.recent
        if self.adaptive:
            p = cadence.plan(
                now,
                base_s=BASE_S,
                last_finished_at=st.last_finished,
                recent_matches=st.recent,
                found_new=bool(seen.new),
            )
            interval, next_in = self._wished(player, p, stretch)
            self._reschedule(player, interval, p.in_session, now + next_in)
        else:
            self._reschedule(player, BASE_S, False, now + BASE_S)

    async def _history(self, player: str, seen_until: int) -> list[Any]:
        items: list[Any] = []
        for page in range(MAX_PAGES):
            got = (await self.client.history(player, limit=HISTORY_LIMIT, offset=page * HISTORY_LIMIT)).items
            items += got
            if len(got) < HISTORY_LIMIT or not results.scan(got, seen_until, self.clock()).more:
                break
        return items

    async def _resolve(
        self, player: str, item: Any, now: float, newest: bool, stretch: cadence.Stretch
    ) -> None:
        if item.match_id in self.resolved:
            return
        self.resolved.add(item.match_id)  # the bot's monitored_matches row: one resolver per match
        try:
            stats = await self.client.match_stats(item.match_id)
            tracked = [p for p in results.roster(stats) if p in self.state]
            for p in tracked:
                current = results.after_is_current(item.finished_at, now, newest if p == player else False)
                if current and cadence.elo_affordable(stretch):
                    await self.client.player(p)  # the ELO after the match
        except BaseException:
            self.resolved.discard(item.match_id)  # rolled back: the next look resolves it
            raise
        for p in tracked:
            key = (p, item.match_id)
            if key in self.found:
                self.duplicates += 1
            else:
                self.found[key] = now
            if p != player and self.adaptive:  # just played: in session now
                wait = cadence.plan(
                    now, base_s=BASE_S, last_finished_at=item.finished_at, recent_matches=0, found_new=True
                ).interval_s
                other = self.state[p]
                other.last_finished = max(other.last_finished or 0, item.finished_at)
                if now + wait < other.next_at:
                    self._reschedule(p, other.interval, True, now + wait)

    def per_ten_minutes(self, start: int, end: int) -> list[int]:
        """FACEIT calls in every 600 s window sliding by one tick."""
        slots = range(start, end, TICK_S)
        counts = [self.calls_at.get(s, 0) for s in slots]
        per = WINDOW_S // TICK_S
        sums, acc = [], 0
        for i, c in enumerate(counts):
            acc += c
            if i >= per:
                acc -= counts[i - per]
            sums.append(acc)
        return sums


def make_monitor(name: str, adaptive: bool, url: str, clock: Clock, concurrency: int) -> Monitor:
    """A policy's monitor with a key of its own."""
    overall = LocalWindow(BUDGET, WINDOW_S, clock=clock)
    share = LocalWindow(int(BUDGET * SHARE), WINDOW_S, clock=clock)
    # Within one virtual tick every request happens "at once"; FACEIT's per-second gateway limit
    # is left to the bot's real per-second window (not simulated here).
    per_second = LocalWindow(10**9, 1.0, clock=clock)
    spend = ShareBudget(overall, share, per_second)
    client = FaceitClient(
        url,
        KEY,
        budget=spend,
        cache=ResponseCache(MemoryKV(), ttls=CACHE_TTLS),
        concurrency=concurrency,
        timeout_s=120,  # virtual time stands still: a slow simulator on a busy machine is no timeout
    )
    return Monitor(name, adaptive, client, spend, Governor(spend, TICK_S), clock)


@contextlib.asynccontextmanager
async def simulator(root: Path, latency_ms: float) -> AsyncIterator[str]:
    """The FACEIT simulator in a process of its own (`python -m faceitbot_sim faceit`): the second core
    serves while this one simulates."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "faceitbot_sim",
        "faceit",
        "--data",
        str(root),
        "--port",
        str(port),
        "--api-key",
        KEY,
        "--latency-ms",
        str(latency_ms),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,  # the simulators are importable from the checkout, not installed
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        if b"serving" not in line:
            raise RuntimeError(f"the simulator did not start: {line!r}")
        yield f"http://127.0.0.1:{port}/data/v4"
    finally:
        proc.terminate()
        await proc.wait()


async def _served(base_url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(base_url.replace("/data/v4", "/_sim/stats")) as resp:
        return int((await resp.json())["total"])


def _scratch_parent() -> str | None:
    """tmpfs when there is one: the tree gets thousands of small writes."""
    return "/dev/shm" if Path("/dev/shm").is_dir() else None


# -- the run -------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    players: int
    hours: float
    row: dict[str, list[Any]]
    wall_s: float
    sim_calls: int
    matches: int
    events: dict[str, int]


async def run(
    players: int,
    hours: float,
    latency_ms: float,
    seed: int,
    concurrency: int,
    policies: tuple[str, ...] = POLICIES,
    webhook_share: float = 1.0,
    webhook_loss: float = 0.01,
) -> Outcome:
    rng = random.Random(seed)
    end = START + int(hours * 3600)
    world = build_world(rng, players, START, end)
    measured = [m for m in world.matches if m.finished >= START]
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="faceitbot-bench-", dir=_scratch_parent()) as tmp:
        tree = Tree(Path(tmp), world, START, rng)
        clock = Clock(START)
        async with simulator(Path(tmp), latency_ms) as base_url:
            monitors = [make_monitor(p, p != "naive", base_url, clock, concurrency) for p in policies]
            pushes = random.Random(seed + 1)  # its own stream: the other policies see the same world
            covered = set(pushes.sample(world.players, round(webhook_share * len(world.players))))
            try:
                for m in monitors:
                    if m.name == "webhooks":
                        m.covered = covered
                    m.track(tree.history, START, rng)
                t = START
                while t < end:
                    clock.now = t
                    done = tree.finish_until(t)
                    for m in monitors:
                        m.finished(done, pushes, webhook_loss)
                    await asyncio.gather(*(m.tick(t) for m in monitors))
                    t += TICK_S
                clock.now = end + 1
                tree.finish_until(end)
                final = {m.name: await _sweep(m, measured, end + 1) for m in monitors}
                row = {m.name: _figures(m, measured, START, end, final[m.name]) for m in monitors}
                calls = await _served(base_url)
                assert calls == sum(sum(m.client.calls.values()) for m in monitors), (
                    "every call reached the simulator"
                )
            finally:
                for m in monitors:
                    await m.client.close()
    events = {m.name: m.events_in for m in monitors}
    return Outcome(players, hours, row, time.perf_counter() - began, calls, len(measured), events)


async def _sweep(m: Monitor, measured: list[Match], now: float) -> int:
    """Look once more, with all the budget in the world, at every player who still has a match
    unseen (nobody else has one to find): what is missing after this was lost. Returns how many
    (player, match) pairs the sweep found: they were late, not lost."""
    before = len(m.found)
    m.polls_in_run = m.polls
    m.spend.share.limit = m.spend.overall.limit = 10**9
    behind = {p for match in measured for p in match.players if (p, match.id) not in m.found}
    await asyncio.gather(*(m.poll(p, now, cadence.Stretch()) for p in behind))
    return len(m.found) - before


def _figures(m: Monitor, measured: list[Match], start: int, end: int, swept: int) -> list[Any]:
    delays = []
    lost = 0
    for match in measured:
        for p in match.players:
            at = m.found.get((p, match.id))
            if at is None:
                lost += 1
            else:
                delays.append((at - match.finished) / 60)
    windows = m.per_ten_minutes(start, end)
    per = WINDOW_S // TICK_S
    disjoint = windows[per - 1 :: per]  # back-to-back 10-minute windows
    hours = (end - start) / 3600
    slots = range(start, end, TICK_S)
    over = sum(min(m.calls_at.get(s, 0), max(0, w - BUDGET)) for s, w in zip(slots, windows, strict=True))
    return [
        f"{m.polls_in_run / hours:.0f}",
        f"{max(windows)} / {BUDGET}",
        f"{sum(disjoint) / max(1, len(disjoint)):.0f}",
        over,
        f"{median(delays):.1f}",
        f"{pct(delays, 95):.1f}",
        f"{max(delays, default=0):.0f}",
        swept,
        lost,
        m.duplicates,
    ]


HEADERS = [
    "policy",
    "checks/h",
    "max calls/10 min",
    "mean calls/10 min",
    "429s",
    "p50 min",
    "p95 min",
    "max min",
    "late (sweep)",
    "lost",
    "dup",
]


P50, P95 = 4, 5  # columns of a figures row
SWEEP_FROM = {"adaptive": 500, "webhooks": 5000, "naive": 500}
SWEEP_MAX = 80_000
SWEEP_STEP = 0.25  # bisect until the bracket is this narrow (relative)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--players", type=int, default=5000)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--webhook-share", type=float, default=1.0, help="players covered by webhook events")
    parser.add_argument("--webhook-loss", type=float, default=0.01, help="events FACEIT never delivers")
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="also: the largest N with p95 <= 15 min, adaptive and with webhooks",
    )
    parser.add_argument("--sweep-hours", type=float, default=None, help="simulated hours of each sweep run")
    parser.add_argument("--sweep-policies", default="adaptive,webhooks", help="comma-separated")
    parser.add_argument("--skip-main", action="store_true", help="only the sweep")
    parser.add_argument("--sweep-from", type=int, default=None, help="the first N to try")
    args = parser.parse_args()
    hooks = {"webhook_share": args.webhook_share, "webhook_loss": args.webhook_loss}

    if not args.skip_main:
        await _main_table(args, hooks)
    if args.sweep:
        await _sweep_table(args, hooks)


async def _main_table(args: argparse.Namespace, hooks: dict[str, float]) -> None:
    out = await run(args.players, args.hours, args.latency_ms, args.seed, args.concurrency, **hooks)
    print(
        f"\nMonitoring {out.players} tracked players for {out.hours:g} simulated hours on one key "
        f"({BUDGET} requests / {WINDOW_S // 60} min, monitoring share {SHARE:.0%} = {int(BUDGET * SHARE)}), "
        f"{out.matches} matches; simulator latency {args.latency_ms:g} ms; webhooks: "
        f"{args.webhook_share:.0%} of players covered, {args.webhook_loss:.0%} of events lost, "
        f"{out.events['webhooks']} events handled"
    )
    print(table(HEADERS, [[name, *figures] for name, figures in out.row.items()]))
    adaptive, naive = out.row["adaptive"], out.row["naive"]
    print(
        f"naive demand: {out.players * 3600 // BASE_S} checks/h = {out.players * WINDOW_S // BASE_S} calls/10 min "
        f"({out.players * WINDOW_S / BASE_S / BUDGET:.0f}x the whole key)"
    )
    print(
        f"median delay, naive / adaptive: {float(naive[P50]) / max(float(adaptive[P50]), 0.01):.1f}x; "
        f"p95: {float(naive[P95]) / max(float(adaptive[P95]), 0.01):.1f}x"
    )
    for name in ("adaptive", "webhooks"):
        p95 = float(out.row[name][P95])
        verdict = "meets" if p95 <= 15 else "does NOT meet"
        print(f"{name}: p95 {p95:.1f} min {verdict} the 15-minute target at {out.players} players")
    print(f"{out.sim_calls} FACEIT requests served by the simulator; wall time {out.wall_s:.0f} s")


async def _sweep_table(args: argparse.Namespace, hooks: dict[str, float]) -> None:
    hours = args.sweep_hours or args.hours
    print(f"\nThe largest N with p95 <= 15 min (same key, {hours:g} simulated hours, seed {args.seed}):")
    for name in args.sweep_policies.split(","):
        largest, rows = await _largest_n(name, hours, args, hooks)
        print(
            table(
                [
                    "policy",
                    "players",
                    "checks/h",
                    "mean calls/10 min",
                    "429s",
                    "p50 min",
                    "p95 min",
                    "late",
                    "lost",
                    "dup",
                    "p95 <= 15",
                ],
                rows,
            ),
            flush=True,
        )
        print(f"largest N meeting p95 <= 15 min, {name}: {largest or 'none'} (to within {SWEEP_STEP:.0%})")


async def _largest_n(
    name: str, hours: float, args: argparse.Namespace, hooks: dict[str, float]
) -> tuple[int, list[list[Any]]]:
    """Doubling from SWEEP_FROM until p95 > 15 min, then bisection (p95 grows with N)."""
    good, bad, n, rows = 0, 0, args.sweep_from or SWEEP_FROM[name], []
    while not bad or bad - good > SWEEP_STEP * max(good, SWEEP_FROM[name]):
        o = await run(n, hours, 0, args.seed, args.concurrency, policies=(name,), **hooks)
        f = o.row[name]
        ok = float(f[P95]) <= 15
        rows.append([name, n, f[0], f[2], f[3], f[P50], f[P95], f[7], f[8], f[9], "yes" if ok else "no"])
        print(f"  {name} at {n} players: p95 {f[P95]} min ({o.wall_s:.0f} s)", flush=True)
        if ok:
            good = n
            if n >= SWEEP_MAX:
                break
        else:
            bad = n
        n = min(2 * n, SWEEP_MAX) if not bad else round((good + bad) / 2)
        if bad and n <= SWEEP_FROM[name] // 4:
            break  # fails even at a quarter of the start
    return good, rows


if __name__ == "__main__":
    asyncio.run(main())

"""Match analysis latency and FACEIT calls against the simulator with real network latency,
under the key's real limit: the simulator answers 429 past 10 requests a second (API.md §5).

    python bench/analysis.py [--latency-ms 150] [--concurrency 5] [--rooms 8] [--crowd 10]

Cold: every analysis starts with an empty cache, after a second in which the key was idle.
Warm: the same room again. The floor is what no client can beat with that many calls at that
concurrency and rate: max(ceil(calls / concurrency) x latency, (calls - 10) / 10 s + latency).
Then `--crowd` users ask for as many different rooms at once through the durable queue (real
PostgreSQL), in this process; and the same on 2 replica processes (run.py) sharing one Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from datetime import UTC, datetime

from common import median, pct, scratch_schema, table, temp_dir
from replicas import one_round

from faceitbot.errors import PlayerNotFound
from faceitbot.faceit.allowance import Allowances, AllowanceSpent, LocalAllowance, spending
from faceitbot.faceit.budget import LocalBudget
from faceitbot.faceit.client import FaceitClient
from faceitbot.logs import setup_logging
from faceitbot.queue import TaskQueue
from faceitbot.services.analysis import analyse_match
from faceitbot.services.match_requests import ANALYSIS
from faceitbot.services.players import find_player
from faceitbot.store import migrate
from faceitbot.store.db import create_pool
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import build_world

KEY = "bench-key"
RATE = 10  # the simulator's default, as the real key


def floor_s(calls: int, concurrency: int, latency_ms: float) -> float:
    latency = latency_ms / 1000
    return max(math.ceil(calls / concurrency) * latency, max(calls - RATE, 0) / RATE + latency)


async def single_rooms(sim: FaceitSim, rooms: list[str], concurrency: int, latency_ms: float) -> None:
    client = FaceitClient(sim.base_url, KEY, budget=LocalBudget(10_000, 600), concurrency=concurrency)
    cold_ms, cold_calls, warm_ms, warm_calls, ratios = [], [], [], [], []
    limited = 0
    try:
        for room in rooms:
            await client.cache.clear()
            await asyncio.sleep(1.0)  # the floor assumes the key's window is full at the start
            before = sim.stats()["rate_limited"]
            cold = await analyse_match(client, room)
            limited += sim.stats()["rate_limited"] - before
            cold_ms.append(cold.elapsed_ms)
            cold_calls.append(cold.faceit_calls)
            ratios.append(cold.elapsed_ms / 1000 / floor_s(cold.faceit_calls, concurrency, latency_ms))
            for _ in range(3):
                warm = await analyse_match(client, room)
                warm_ms.append(warm.elapsed_ms)
                warm_calls.append(warm.faceit_calls)
    finally:
        await client.close()
    calls = max(cold_calls)
    floor_ms = floor_s(calls, concurrency, latency_ms) * 1000
    print(
        f"\nSingle analyses: {len(rooms)} rooms, latency {latency_ms:.0f} ms, concurrency {concurrency}, "
        f"{RATE} requests/s"
    )
    print(
        table(
            ["run", "p50 ms", "p95 ms", "FACEIT calls", "429s", "floor ms", "p50 / floor", "worst", "target"],
            [
                [
                    "cold",
                    median(cold_ms),
                    pct(cold_ms, 95),
                    calls,
                    limited,
                    f"{floor_ms:.0f}",
                    f"{median(ratios):.2f}",
                    f"{max(ratios):.2f}",
                    "<= 1.15, 0 x 429",
                ],
                [
                    "warm",
                    median(warm_ms),
                    pct(warm_ms, 95),
                    max(warm_calls),
                    "-",
                    "-",
                    "-",
                    "-",
                    "<= 100 ms, <= 1 call",
                ],
            ],
        )
    )


async def flood(sim: FaceitSim, room: str, concurrency: int) -> None:
    """One user sends 60 lookups of random nicknames in 15 s; another user's analysis starts 1 s
    in. The analysis is compared with the same room cold on an idle key."""
    client = FaceitClient(sim.base_url, KEY, budget=LocalBudget(10_000, 600), concurrency=concurrency)
    allowances = Allowances(LocalAllowance(600), {"free": 30})
    try:
        await asyncio.sleep(1.0)
        await client.cache.clear()
        alone = await analyse_match(client, room)
        await client.cache.clear()
        await asyncio.sleep(1.0)
        sim.reset_stats()
        refused = 0

        async def flooder() -> None:
            nonlocal refused
            with spending(allowances.spender(1, "free")):
                for i in range(60):
                    try:
                        await find_player(client, f"zq{i:08d}nobody")
                    except PlayerNotFound:
                        pass
                    except AllowanceSpent:
                        refused += 1
                    await asyncio.sleep(0.25)

        flooding = asyncio.create_task(flooder())
        await asyncio.sleep(1.0)
        during = await analyse_match(client, room)
        await flooding
    finally:
        await client.close()
    lookups = sim.stats()["total"] - during.faceit_calls
    print("\nOne user floods 60 lookups in 15 s; another user's cold analysis starts 1 s in")
    print(
        table(
            [
                "flood FACEIT calls",
                "refused (slow down)",
                "429s",
                "analysis alone ms",
                "during flood ms",
                "ratio",
                "target",
            ],
            [
                [
                    lookups,
                    refused,
                    sim.stats()["rate_limited"],
                    alone.elapsed_ms,
                    during.elapsed_ms,
                    f"{during.elapsed_ms / alone.elapsed_ms:.2f}",
                    "<= 30 calls, <= 1.20",
                ]
            ],
        )
    )


async def crowd(sim: FaceitSim, rooms: list[str], concurrency: int, budget: int) -> None:
    async with scratch_schema() as dsn:
        pool = await create_pool(dsn)
        await migrate.apply(pool)
        limiter = LocalBudget(budget, 600)
        client = FaceitClient(sim.base_url, KEY, budget=limiter, concurrency=concurrency)
        queue = TaskQueue(pool, workers=3, poll_s=0.2)
        answered: dict[int, float] = {}

        async def run(payload: dict, job) -> None:
            await analyse_match(client, payload["match_id"])
            answered[payload["user_id"]] = time.perf_counter()

        queue.register(ANALYSIS, run)
        sim.reset_stats()
        started = time.perf_counter()
        jobs = [
            (await queue.submit(ANALYSIS, {"user_id": i, "match_id": room}, dedupe_key=f"u{i}:{room}"))[0]
            for i, room in enumerate(rooms)
        ]
        await queue.start()
        outcomes = [await queue.wait_outcome(j.id, timeout=600) for j in jobs]
        elapsed = time.perf_counter() - started
        await queue.stop()
        calls, limited = sim.stats()["total"], sim.stats()["rate_limited"]
        used = await limiter.used()
        statuses = dict(await pool.fetch("SELECT status, count(*) FROM jobs GROUP BY status"))
        await client.close()
        await pool.close()
    print(f"\n{len(rooms)} users, {len(rooms)} different rooms at once (durable queue, 3 workers)")
    print(
        table(
            ["answered", "lost", "jobs done", "FACEIT calls", "429s", "budget", "last answer s", "/ floor"],
            [
                [
                    len(answered),
                    len(rooms) - len(answered),
                    statuses.get("done", 0),
                    calls,
                    limited,
                    f"{used}/{budget}",
                    f"{elapsed:.2f}",
                    f"{elapsed / floor_s(calls, concurrency, sim.latency_ms):.2f}",
                ]
            ],
        )
    )
    assert all(o == "done" for o in outcomes)
    assert sim.stats()["total"] <= budget


async def two_replicas(sim: FaceitSim, rooms: list[str], concurrency: int, log_dir) -> None:
    sim.reset_stats()
    r = await one_round(2, rooms, sim, log_dir)
    calls, limited = sim.stats()["total"], sim.stats()["rate_limited"]
    print(f"\n{len(rooms)} users, {len(rooms)} different rooms at once, 2 replica processes sharing Redis")
    print(
        table(
            ["results", "doubled", "FACEIT calls", "429s", "last answer s", "floor s", "/ floor", "target"],
            [
                [
                    f"{r.results}/{r.requests}",
                    r.doubled,
                    calls,
                    limited,
                    f"{r.seconds:.2f}",
                    f"{floor_s(calls, 2 * concurrency, sim.latency_ms):.2f}",
                    f"{r.seconds / floor_s(calls, 2 * concurrency, sim.latency_ms):.2f}",
                    "all delivered, 0 x 429",
                ]
            ],
        )
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--rooms", type=int, default=8)
    parser.add_argument("--budget", type=int, default=500)
    parser.add_argument("--crowd", type=int, default=10, help="users (and rooms) at once")
    parser.add_argument(
        "--rate-model",
        default="bucket",
        choices=("bucket", "window"),
        help="how the simulated key counts its 10 a second: a refilling bucket, or any second",
    )
    args = parser.parse_args()
    setup_logging("WARNING", "text", ())
    with temp_dir() as tmp:
        world = build_world(tmp, seed=3, players=60, matches=60, now=int(datetime.now(UTC).timestamp()))
        rooms = [*world.finished, *world.live]
        async with FaceitSim(tmp, api_key=KEY, latency_ms=args.latency_ms, rate_model=args.rate_model) as sim:
            await single_rooms(sim, rooms[: args.rooms], args.concurrency, args.latency_ms)
            await flood(sim, rooms[0], args.concurrency)
            await crowd(sim, rooms[: args.crowd], args.concurrency, args.budget)
            await two_replicas(sim, rooms[: args.crowd], args.concurrency, tmp)


if __name__ == "__main__":
    asyncio.run(main())

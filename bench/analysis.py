"""Match analysis latency and FACEIT calls against the simulator with real network latency.

    python bench/analysis.py [--latency-ms 150] [--concurrency 5] [--rooms 8]

Cold: every analysis starts with an empty cache. Warm: the same room again. The floor is what
no client can beat with that many calls at that concurrency: ceil(calls / concurrency) x latency.
Then 50 users ask for 50 different rooms at once through the durable queue (real PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from datetime import UTC, datetime

from common import median, pct, scratch_schema, table, temp_dir

from faceitbot.faceit.budget import LocalBudget
from faceitbot.faceit.client import FaceitClient
from faceitbot.logs import setup_logging
from faceitbot.queue import TaskQueue
from faceitbot.services.analysis import analyse_match
from faceitbot.services.match_requests import ANALYSIS
from faceitbot.sim.faceit import FaceitSim
from faceitbot.sim.fixtures import build_world
from faceitbot.store import migrate
from faceitbot.store.db import create_pool

KEY = "bench-key"


async def single_rooms(sim: FaceitSim, rooms: list[str], concurrency: int, latency_ms: float) -> None:
    client = FaceitClient(sim.base_url, KEY, budget=LocalBudget(10_000, 600), concurrency=concurrency)
    cold_ms, cold_calls, warm_ms, warm_calls = [], [], [], []
    try:
        for room in rooms:
            await client.cache.clear()
            cold = await analyse_match(client, room)
            cold_ms.append(cold.elapsed_ms)
            cold_calls.append(cold.faceit_calls)
            for _ in range(3):
                warm = await analyse_match(client, room)
                warm_ms.append(warm.elapsed_ms)
                warm_calls.append(warm.faceit_calls)
    finally:
        await client.close()
    calls = max(cold_calls)
    floor_ms = math.ceil(calls / concurrency) * latency_ms
    print(f"\nSingle analyses: {len(rooms)} rooms, latency {latency_ms:.0f} ms, concurrency {concurrency}")
    print(
        table(
            ["run", "p50 ms", "p95 ms", "FACEIT calls", "floor ms", "p50 / floor", "target"],
            [
                [
                    "cold",
                    median(cold_ms),
                    pct(cold_ms, 95),
                    calls,
                    f"{floor_ms:.0f}",
                    f"{median(cold_ms) / floor_ms:.2f}",
                    "<= 1.30",
                ],
                [
                    "warm",
                    median(warm_ms),
                    pct(warm_ms, 95),
                    max(warm_calls),
                    "-",
                    "-",
                    "<= 100 ms, <= 1 call",
                ],
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
        used = await limiter.used()
        statuses = dict(await pool.fetch("SELECT status, count(*) FROM jobs GROUP BY status"))
        await client.close()
        await pool.close()
    print(f"\n{len(rooms)} users, {len(rooms)} different rooms at once (durable queue, 3 workers)")
    print(
        table(
            ["answered", "lost", "jobs done", "FACEIT calls", "budget", "last answer s"],
            [
                [
                    len(answered),
                    len(rooms) - len(answered),
                    statuses.get("done", 0),
                    sim.stats()["total"],
                    f"{used}/{budget}",
                    f"{elapsed:.2f}",
                ]
            ],
        )
    )
    assert all(o == "done" for o in outcomes)
    assert sim.stats()["total"] <= budget


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--rooms", type=int, default=8)
    parser.add_argument("--budget", type=int, default=500)
    args = parser.parse_args()
    setup_logging("WARNING", "text", ())
    with temp_dir() as tmp:
        world = build_world(tmp, seed=3, players=60, matches=60, now=int(datetime.now(UTC).timestamp()))
        rooms = [*world.finished, *world.live]
        async with FaceitSim(tmp, api_key=KEY, latency_ms=args.latency_ms) as sim:
            await single_rooms(sim, rooms[: args.rooms], args.concurrency, args.latency_ms)
            await crowd(sim, rooms[:50], args.concurrency, args.budget)


if __name__ == "__main__":
    asyncio.run(main())

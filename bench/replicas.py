"""Analyses per minute with 1 and with 3 replicas (real `run.py` processes), and RSS per replica.

    python bench/replicas.py [--latency-ms 150] [--requests 60] [--replicas 1,3]

Each round starts N replicas in polling mode against one scratch PostgreSQL schema, a fresh
Redis prefix (cold shared cache), the FACEIT simulator at the given latency (budget raised so
it never binds) and the fake Bot API. Idle RSS is read once every replica is ready; then
`--requests` users each ask for a different room at once, and the round lasts until the last
result is delivered. RSS under load is the highest VmRSS sampled every 0.2 s meanwhile.
Both simulators run in this process. The ratio is rounds' throughput against one replica.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from common import ROOT, scratch_schema, table, temp_dir

from faceitbot.logs import setup_logging
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import build_world
from faceitbot_sim.replicas import Replica, replica_env, start_replica, wait_ready
from faceitbot_sim.telegram import FakeTelegram

KEY = "bench-key"
TOKEN = "5556:BENCH-replicas-token"
SPEC = ROOT.parent / "shared" / "telegram" / "botapi.json"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RSS_TARGET_MB = 150
SCALING_TARGET = 2.5


@dataclass
class Round:
    replicas: int
    requests: int
    seconds: float = 0.0
    results: int = 0
    doubled: int = 0
    idle_mb: list[float] = field(default_factory=list)
    busy_mb: list[float] = field(default_factory=list)
    faceit_calls: int = 0
    cpu_s: list[float] = field(default_factory=list)

    @property
    def per_minute(self) -> float:
        return self.results / self.seconds * 60 if self.seconds else 0.0


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def is_result(call) -> bool:
    return call.method in ("editMessageText", "sendMessage") and "FACEIT request" in call.params.get(
        "text", ""
    )


async def one_round(n: int, rooms: list[str], faceit: FaceitSim, log_dir: Path) -> Round:
    result = Round(n, len(rooms))
    async with scratch_schema() as dsn, FakeTelegram(token=TOKEN, spec=SPEC) as tg:
        env = replica_env(
            dsn,
            faceit.base_url,
            tg.base_url,
            token=TOKEN,
            faceit_key=KEY,
            redis_url=REDIS_URL,
            prefix=f"benchrep:{uuid.uuid4().hex[:8]}:",
            LOG_LEVEL="WARNING",
            FACEIT_BUDGET_REQUESTS="1000000",
            QUOTA_FREE="1000",
            LEADER_TTL_SECONDS="5",
        )
        replicas: list[Replica] = []
        try:
            for i in range(n):
                replicas.append(await start_replica(env, log_dir / f"r{n}-{i}.log"))
            try:
                await asyncio.gather(*(wait_ready(r, timeout=120) for r in replicas))
            except AssertionError as e:
                raise RuntimeError(f"replicas did not become ready; see {log_dir}") from e
            await asyncio.sleep(2)  # start-up work (commands, first ticks) settles before "idle"
            procs = [r.proc for r in replicas]
            result.idle_mb = [rss_mb(p.pid) for p in procs]
            cpu_before = [cpu_seconds(p.pid) for p in procs]
            busy = [0.0] * n
            users = [900_000 + i for i in range(len(rooms))]
            started = time.perf_counter()
            for user, room in zip(users, rooms, strict=True):
                tg.send_text(user, f"/match {room}", user_id=user, first_name="Bench")
            while True:
                busy = [max(b, rss_mb(p.pid)) for b, p in zip(busy, procs, strict=True)]
                done = sum(1 for u in users if any(is_result(c) for c in tg.calls_for(u)))
                if done == len(users):
                    break
                if time.perf_counter() - started > 600:
                    break
                await asyncio.sleep(0.2)
            result.seconds = time.perf_counter() - started
            result.results = done
            result.doubled = sum(1 for u in users if sum(is_result(c) for c in tg.calls_for(u)) > 1)
            result.busy_mb = busy
            result.cpu_s = [cpu_seconds(p.pid) - c for p, c in zip(procs, cpu_before, strict=True)]
        finally:
            await asyncio.gather(*(r.stop(timeout=30) for r in replicas))
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--replicas", default="1,3")
    parser.add_argument(
        "--faceit-rate",
        type=int,
        default=10,
        help="the simulated key's requests a second (10 as the real key; 0 lifts it to measure CPU scaling)",
    )
    args = parser.parse_args()
    setup_logging("WARNING", "text", ())
    counts = [int(c) for c in args.replicas.split(",")]
    with temp_dir() as tmp:
        world_dir = tmp / "world"
        world = build_world(
            world_dir, seed=5, players=400, matches=args.requests + 10, now=int(datetime.now(UTC).timestamp())
        )
        rooms = list(world.finished)[: args.requests]
        if len(rooms) < args.requests:
            rooms = ([*world.finished, *world.live])[: args.requests]
        rounds = []
        async with FaceitSim(
            world_dir, api_key=KEY, latency_ms=args.latency_ms, rate_limit=args.faceit_rate or None
        ) as faceit:
            for n in counts:
                faceit.reset_stats()
                rounds.append(await one_round(n, rooms, faceit, tmp))
                rounds[-1].faceit_calls = faceit.stats()["total"]
    base = rounds[0].per_minute or 1.0
    print(
        f"\n{args.requests} users, each a different room, FACEIT latency {args.latency_ms:.0f} ms, "
        f"{os.cpu_count()} CPU cores, both simulators in this process"
    )
    print(
        table(
            [
                "replicas",
                "results",
                "doubled",
                "seconds",
                "analyses/min",
                "vs 1",
                "FACEIT calls",
                "CPU s / replica",
                "RSS idle MB",
                "RSS busy MB (max)",
            ],
            [
                [
                    r.replicas,
                    f"{r.results}/{r.requests}",
                    r.doubled,
                    f"{r.seconds:.1f}",
                    f"{r.per_minute:.0f}",
                    f"{r.per_minute / base:.2f}x",
                    r.faceit_calls,
                    " ".join(f"{c:.1f}" for c in r.cpu_s),
                    " ".join(f"{m:.0f}" for m in r.idle_mb),
                    " ".join(f"{m:.0f}" for m in r.busy_mb),
                ]
                for r in rounds
            ],
        )
    )
    last = rounds[-1]
    busiest = max(m for r in rounds for m in r.busy_mb)
    print(
        f"\nscaling {last.replicas} vs {rounds[0].replicas}: {last.per_minute / base:.2f}x "
        f"(target >= {SCALING_TARGET}x); RSS busy max {busiest:.0f} MB (target <= {RSS_TARGET_MB} MB)"
    )


if __name__ == "__main__":
    asyncio.run(main())

"""FACEIT calls a squad costs in a week, for squads of 5 and 50 members.

    python bench/squads.py [--sizes 5,50] [--seed 7]

A generated FACEIT world (the simulator, over HTTP, through the real FaceitClient), a scratch
PostgreSQL schema with the migrations, and a squad whose members have linked accounts. A week
passes day by day: the leaderboard is looked at every 10 minutes (1,008 looks, the bot's
refresh cadence) through the real leaderboard code, then the weekly digest is built once.

Two cases for the leaderboard, the bounds of real life:
- tracked: monitoring saw each member's ELO within the day (their snapshots are fresh), so the
  board reads only what the bot keeps;
- idle: nobody's ELO was read for a day (nobody played, nobody looked), so each member is read
  once a day, on monitoring's share (the day passing is the rows' clock moved back a day).
The digest reads one page of 100 per-match rows a member, whatever the case.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from common import scratch_schema, table, temp_dir

from faceitbot.cluster.kv import MemoryKV
from faceitbot.faceit.budget import LocalBudget
from faceitbot.faceit.cache import ResponseCache
from faceitbot.faceit.client import FaceitClient
from faceitbot.services import squads
from faceitbot.store import migrate
from faceitbot.store import players as players_store
from faceitbot.store import squads as store
from faceitbot.store.db import create_pool
from faceitbot.tracking.monitor import CACHE_TTLS
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import build_world

KEY = "bench-key"
LOOKS_A_DAY = 24 * 6  # every 10 minutes


def total(client: FaceitClient) -> int:
    return sum(client.calls.values())


async def week(pool, client: FaceitClient, world, size: int, chat_id: int, *, idle: bool) -> tuple[int, int]:
    members = world.players[:size]
    for i, p in enumerate(members):
        uid = chat_id * -1000 + i
        await pool.execute(
            "INSERT INTO users (telegram_id, faceit_player_id, faceit_nickname) VALUES ($1, $2, $3)",
            uid,
            p.player_id,
            p.nickname,
        )
        await players_store.remember(pool, p.player_id, p.nickname, p.country, p.skill_level, p.elo)
        await store.ensure(pool, chat_id, "en", uid)
        await store.add_member(pool, chat_id, uid)
    before = total(client)
    for _day in range(7):
        if idle:
            await pool.execute(
                "UPDATE players SET updated_at = updated_at - interval '1 day' WHERE player_id = ANY($1::text[])",
                [p.player_id for p in members],
            )
        for _ in range(LOOKS_A_DAY):
            await squads.leaderboard(pool, client, chat_id, datetime.now(UTC))
    board = total(client) - before
    before = total(client)
    built = await squads.build_digest(pool, client, chat_id, datetime.now(UTC))
    assert built.digest.members == size
    return board, total(client) - before


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5,50")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with temp_dir() as root:
        world = build_world(root, seed=args.seed, players=max(sizes) + 10, matches=60, indent=None)
        async with FaceitSim(root, api_key=KEY, rate_limit=None) as sim, scratch_schema() as dsn:
            pool = await create_pool(dsn)
            await migrate.apply(pool)
            try:
                for n, size in enumerate(sizes):
                    figures = {}
                    for case, idle in (("tracked", False), ("idle", True)):
                        # A client of its own per case: a cold cache, as a week later.
                        # Monitoring's client reads players fresh, as the bot's does (its TTLs).
                        client = FaceitClient(
                            sim.base_url,
                            KEY,
                            budget=LocalBudget(1_000_000, 600),
                            cache=ResponseCache(MemoryKV(), CACHE_TTLS),
                        )
                        try:
                            chat_id = -(1000 + 10 * n + int(idle))
                            figures[case] = await week(pool, client, world, size, chat_id, idle=idle)
                        finally:
                            await client.close()
                        await pool.execute("DELETE FROM squads")
                        await pool.execute("DELETE FROM users")
                    (t_board, t_digest), (i_board, i_digest) = figures["tracked"], figures["idle"]
                    rows.append(
                        [
                            size,
                            t_board,
                            i_board,
                            t_digest,
                            f"{t_board + t_digest}–{i_board + i_digest}",
                            f"{(i_board + i_digest) / size:.1f}",
                        ]
                    )
            finally:
                await pool.close()
    print(
        table(
            [
                "members",
                "board, tracked",
                "board, idle",
                "digest",
                "calls/week",
                "per member (idle)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())

"""Many users at once under Telegram's send limits: how long until the last one is answered.

    python bench/send_limits.py [--users 200] [--rounds 3]

The fake Bot API (a process of its own) enforces Telegram's limits as it does by default: about
30 messages a second overall, a short burst then one a second per chat, 429 with retry_after
beyond (telegram/NOTES.md §2). `--users` users the bot has never seen send /start at the same
moment; the bot runs its real intake (`faceitbot run`: leader lease, batches claimed in
PostgreSQL) with the send governor keeping its schedules in Redis. Printed per round: answers, users answered more than once, 429s, the time from
the push to the last answer, the floor the limit itself sets (users / 30 s) and the ratio.
Target: every user answered once, ratio <= 1.2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
import uuid
from collections import Counter

import redis.asyncio as aioredis
from common import scratch_schema, table, temp_dir
from updates import KEY, TOKEN, RemoteTelegram, serving

from faceitbot.app import build
from faceitbot.config import load_settings
from faceitbot.logs import setup_logging
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import build_world

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TELEGRAM_PER_S = 30  # what the fake (and Telegram) allows


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_logging("WARNING", "text", ())
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    rows = []
    with temp_dir() as tmp:
        build_world(tmp, seed=5, players=10, matches=5, now=int(time.time()))
        async with (
            scratch_schema() as dsn,
            FaceitSim(tmp, api_key=KEY) as sim,
            RemoteTelegram(send_limits=True) as tg,
        ):
            settings = load_settings(
                {
                    "TELEGRAM_BOT_TOKEN": TOKEN,
                    "FACEIT_API_KEY": KEY,
                    "DATABASE_URL": dsn,
                    "REDIS_URL": REDIS_URL,
                    "REDIS_PREFIX": prefix,
                    "FACEIT_API_URL": sim.base_url,
                    "TELEGRAM_API_URL": tg.base_url,
                    "LOG_LEVEL": "WARNING",
                    "HEALTH_PORT": "0",
                },
                dotenv=None,
            )
            try:
                async with build(settings) as rt, serving(rt, tg):
                    for r in range(args.rounds):
                        if r:
                            await asyncio.sleep(2)  # the chats' and the bot's schedules drain between rounds
                        rows.append(await burst(tg, 10_000_000 + r * args.users, args.users))
            finally:
                redis = aioredis.from_url(REDIS_URL)
                with contextlib.suppress(Exception):
                    keys = [k async for k in redis.scan_iter(f"{prefix}*")]
                    if keys:
                        await redis.delete(*keys)
                await redis.aclose()
    floor = args.users / TELEGRAM_PER_S
    print(f"\n{args.users} new users send /start at once; fake Bot API at Telegram's send limits")
    print(
        table(
            ["round", "answered", "answered twice", "429s", "last answer s", "floor s", "ratio", "target"],
            [
                [i + 1, a, twice, floods, f"{last:.2f}", f"{floor:.2f}", f"{last / floor:.2f}", "<= 1.20"]
                for i, (a, twice, floods, last) in enumerate(rows)
            ],
        )
    )


async def burst(tg: RemoteTelegram, first_id: int, users: int) -> tuple[int, int, int, float]:
    since = len(await tg.all_calls())
    pushed = await tg.push([(first_id + i, "/start") for i in range(users)])
    await tg.replies(users, chats=set(pushed))
    calls = (await tg.all_calls())[since:]
    sends = [c for c in calls if c["method"] == "sendMessage" and int(c["chat_id"]) in pushed]
    per_chat = Counter(int(c["chat_id"]) for c in sends if c["status"] == 200)
    last = max(c["at"] for c in sends if c["status"] == 200)
    floods = sum(1 for c in calls if c["status"] == 429)
    return len(per_chat), sum(1 for n in per_chat.values() if n > 1), floods, last - min(pushed.values())


if __name__ == "__main__":
    asyncio.run(main())

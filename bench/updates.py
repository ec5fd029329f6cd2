"""Updates per second through the real dispatcher vs a bare aiogram echo bot, same fake Bot API.

    python bench/updates.py [--updates 600] [--users 200]

The fake Bot API runs in a process of its own (its HTTP control endpoints feed updates and
report calls), so only the bot's own work is measured. Ours: /profile of a linked player with a warm FACEIT cache (user row upsert, two cached FACEIT
reads, an ELO snapshot write, rendering, sendMessage). Baseline: an aiogram bot whose only
handler echoes the text, polling the same kind of fake server. Then the acknowledgement latency
when `--users` users paste a room link at the same moment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import aiohttp
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from common import ROOT, pct, scratch_schema, table, temp_dir

from faceitbot.app import build
from faceitbot.config import load_settings
from faceitbot.logs import setup_logging
from faceitbot.sim.faceit import FaceitSim
from faceitbot.sim.fixtures import build_world

TOKEN = "5555:BENCH-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
KEY = "bench-key"


class RemoteTelegram:
    """The fake Bot API in a process of its own, so its CPU is not charged to the bot measured."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._seen = 0
        self._message_ids = itertools.count(1)

    async def __aenter__(self) -> RemoteTelegram:
        self._proc = subprocess.Popen(  # noqa: ASYNC220 - harness start-up, before measuring
            [sys.executable, "-m", "faceitbot.cli", "sim", "telegram", "--port", str(self.port), "--token", TOKEN],
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        self._http = aiohttp.ClientSession()
        for _ in range(600):
            try:
                async with self._http.get(f"{self.base_url}/_sim/calls?since=0") as r:
                    if r.status == 200:
                        return self
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)  # the harness waiting for a process to listen
        raise RuntimeError("fake Bot API did not start")

    async def __aexit__(self, *exc: object) -> None:
        assert self._proc is not None and self._http is not None
        await self._http.close()
        self._proc.terminate()
        self._proc.wait(10)

    def _update(self, uid: int, text: str) -> dict:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text[0] == "/" else []
        user = {"id": uid, "is_bot": False, "first_name": "B", "language_code": "en"}
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "text": text,
                   "chat": {"id": uid, "type": "private", "first_name": "B"}, "from": user}
        return {"message": {**message, "entities": entities} if entities else message}

    async def push(self, texts: list[tuple[int, str]]) -> dict[int, float]:
        assert self._http is not None
        pushed = {uid: time.monotonic() for uid, _ in texts}
        async with self._http.post(f"{self.base_url}/_sim/updates", json=[self._update(u, t) for u, t in texts]) as r:
            r.raise_for_status()
        return pushed

    async def replies(self, count: int, contains: str = "") -> list[dict]:
        """The next `count` successful sendMessage calls (polling the simulator's call log)."""
        assert self._http is not None
        found: list[dict] = []
        deadline = time.monotonic() + 300
        while len(found) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(found)} of {count} replies")
            async with self._http.get(f"{self.base_url}/_sim/calls?since={self._seen}") as r:
                calls = await r.json()
            self._seen += len(calls)
            found += [c for c in calls if c["method"] == "sendMessage" and c["status"] == 200
                      and contains in c["params"].get("text", "")]
            if len(found) < count:
                await asyncio.sleep(0.02)
        return found[:count]

    async def wait_polling(self) -> None:
        while not any(c["method"] == "getUpdates" for c in await self._all()):  # noqa: ASYNC110 - polling another process
            await asyncio.sleep(0.05)

    async def _all(self) -> list[dict]:
        assert self._http is not None
        async with self._http.get(f"{self.base_url}/_sim/calls?since=0") as r:
            return await r.json()


async def drive(tg: RemoteTelegram, texts: list[tuple[int, str]]) -> float:
    """Push every update at once; seconds until as many replies came back."""
    started = time.perf_counter()
    await tg.push(texts)
    await tg.replies(len(texts))
    return time.perf_counter() - started


async def echo_rate(n: int) -> float:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    async with RemoteTelegram() as tg:
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        dp = Dispatcher()
        dp.include_router(router)
        task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
        await tg.wait_polling()
        await drive(tg, [(100_000 + i, "warm") for i in range(50)])
        seconds = await drive(tg, [(200_000 + i, f"/echo {i}") for i in range(n)])
        await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bot.session.close()
    return n / seconds


async def ours(n: int, users: int) -> tuple[float, list[float]]:
    with temp_dir() as tmp:
        world = build_world(tmp, seed=5, players=40, matches=30, now=int(datetime.now(UTC).timestamp()))
        async with scratch_schema() as dsn, FaceitSim(tmp, api_key=KEY) as sim, RemoteTelegram() as tg:
            settings = load_settings(
                {"TELEGRAM_BOT_TOKEN": TOKEN, "FACEIT_API_KEY": KEY, "DATABASE_URL": dsn,
                 "FACEIT_API_URL": sim.base_url, "TELEGRAM_API_URL": tg.base_url, "LOG_LEVEL": "WARNING",
                 "QUOTA_FREE": "1000"},
                dotenv=None,
            )
            async with build(settings) as rt:
                task = asyncio.create_task(rt.dp.start_polling(rt.bot, handle_signals=False, polling_timeout=5))
                await tg.wait_polling()
                players = world.players
                linked = [(300_000 + i, players[i % len(players)]) for i in range(n)]
                await rt.pool.executemany(
                    "INSERT INTO users (telegram_id, faceit_player_id, faceit_nickname) VALUES ($1, $2, $3)",
                    [(uid, p.player_id, p.nickname) for uid, p in linked],
                )
                # Warm-up: every player's profile in the FACEIT cache, the code paths exercised.
                await drive(tg, [(uid, "/profile") for uid, _ in linked[: len(players)]])
                seconds = await drive(tg, [(uid, "/profile") for uid, _ in linked])

                rooms = [*world.finished, *world.live]
                pushed = await tg.push(
                    [(400_000 + i, f"https://www.faceit.com/en/cs2/room/{rooms[i % len(rooms)]}") for i in range(users)]
                )
                acks = await tg.replies(users, contains="queue position")
                latencies = [(a["at"] - pushed[int(a["params"]["chat_id"])]) * 1000 for a in acks]
                await rt.dp.stop_polling()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return n / seconds, latencies


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    setup_logging("WARNING", "text", ())
    baseline = await echo_rate(args.updates)
    rate, acks = await ours(args.updates, args.users)
    print(f"\n{args.updates} updates pushed at once, fake Bot API over HTTP, real PostgreSQL")
    print(table(
        ["bot", "updates/s", "ratio to echo", "target"],
        [["aiogram echo (baseline)", f"{baseline:.0f}", "1.00", "-"],
         ["faceitbot /profile (warm)", f"{rate:.0f}", f"{rate / baseline:.2f}", ">= 0.70"]],
    ))
    print(f"\nAcknowledgement latency, {args.users} users paste a room link at once")
    print(table(["p50 ms", "p95 ms", "p99 ms", "max ms"],
                [[f"{pct(acks, 50):.0f}", f"{pct(acks, 95):.0f}", f"{pct(acks, 99):.0f}", f"{max(acks):.0f}"]]))


if __name__ == "__main__":
    asyncio.run(main())

"""Shared fixtures: the machine's real PostgreSQL and Redis, both simulators, and the running bot.

Each test session works in its own PostgreSQL schema (dropped at the end) and its own Redis
database index; tables are truncated before every test.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
from loguru import logger

from faceitbot.app import Runtime, build
from faceitbot.config import Settings, load_settings
from faceitbot.store import migrate
from faceitbot.store.db import create_pool
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import World, arrange_samples, build_world
from faceitbot_sim.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "faceit" / "samples"
BOTAPI_SPEC = SHARED / "telegram" / "botapi.json"

PG_DSN = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TOKEN = "4242:TEST-token-that-must-never-be-logged"
FACEIT_KEY = "faceit-key-that-must-never-be-logged"

_user_ids = itertools.count(10_001)
# After the replies a test expects, say() and press() keep watching this long: a second
# message or a trailing apology then fails the test instead of hiding behind the first reply.
SETTLE_S = 0.3
# The session bot's only admin: far above the ids new_user() hands out.
ADMIN_ID = 999_001


def pytest_configure(config: pytest.Config) -> None:
    if not SAMPLES.is_dir() or not BOTAPI_SPEC.is_file():
        raise pytest.UsageError(f"the shared hand-outs must sit beside the repo: {SHARED} is missing")


@pytest.fixture(autouse=True)
def no_unexpected_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test during which anything logged at ERROR that the test did not declare with
    @pytest.mark.expect_errors(pattern, ...): an ERROR is a bug, and a user's outcome never is."""
    seen: list[str] = []
    sink = logger.add(lambda m: seen.append(str(m.record["message"])), level="ERROR", format="{message}")
    yield
    # A test that set up logging of its own (test_processes) has removed every sink, ours too.
    with contextlib.suppress(ValueError):
        logger.remove(sink)
    marker = request.node.get_closest_marker("expect_errors")
    allowed = [re.compile(p) for p in (marker.args if marker else ())]
    if marker and not allowed:
        return
    unexpected = [line for line in seen if not any(p.search(line) for p in allowed)]
    if unexpected:
        pytest.fail("the bot logged ERROR lines this test did not expect:\n  " + "\n  ".join(unexpected))


@pytest.fixture(scope="session")
def schema() -> str:
    return f"t_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def dsn(schema: str) -> str:
    sep = "&" if "?" in PG_DSN else "?"
    return f"{PG_DSN}{sep}search_path={schema}"


@pytest.fixture(scope="session")
async def pool(schema: str) -> AsyncIterator[asyncpg.Pool]:
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    pool = await create_pool(PG_DSN, schema=schema)
    await migrate.apply(pool)
    try:
        yield pool
    finally:
        await pool.close()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


@pytest.fixture(autouse=True)
async def clean_db(request: pytest.FixtureRequest) -> None:
    if "pool" not in request.fixturenames and "bot" not in request.fixturenames:
        return
    pool: asyncpg.Pool = request.getfixturevalue("pool")
    tables = await pool.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'"
    )
    if tables:
        names = ", ".join(f'"{t["tablename"]}"' for t in tables)
        for attempt in range(3):
            try:
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute("SET LOCAL lock_timeout = '10s'")
                    await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
                break
            except asyncpg.DeadlockDetectedError:
                # A periodic tick of the session bot locked two of these tables in the other order.
                if attempt == 2:
                    raise
            except asyncpg.LockNotAvailableError:
                # Seen rarely: a connection left inside asyncpg's type introspection by a task
                # cancelled at a previous test's teardown keeps its transaction open forever.
                # It belongs to an earlier test; end it so this test starts clean.
                stuck = await pool.fetch(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()
                      AND xact_start < now() - interval '10 seconds'
                      AND application_name = 'faceitbot'
                    """
                )
                if attempt == 2 or not stuck:
                    raise


@pytest.fixture(scope="session")
def redis_url() -> str:
    # A database index of our own so a developer's local Redis data is never touched; tests
    # keep to key prefixes of their own inside it.
    return REDIS_URL.rsplit("/", 1)[0] + "/13" if REDIS_URL.count("/") >= 3 else REDIS_URL + "/13"


@pytest.fixture
def redis_prefix() -> str:
    """Keys of one test; never flushdb — other test runs may share this Redis."""
    return f"t{uuid.uuid4().hex[:10]}:"


@pytest.fixture
async def redis(redis_url: str, redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{redis_prefix}*", count=500):
            await client.delete(key)
        await client.aclose()


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faceit-world")
    arrange_samples(SAMPLES, root)
    return root


@pytest.fixture(scope="session")
def world(world_dir: Path) -> World:
    return build_world(world_dir, seed=11, players=30, matches=20)


@pytest.fixture(scope="session")
async def faceit_sim(world_dir: Path, world: World) -> AsyncIterator[FaceitSim]:
    async with FaceitSim(world_dir, api_key=FACEIT_KEY) as sim:
        yield sim


@pytest.fixture(autouse=True)
async def reset_faceit_sim(request: pytest.FixtureRequest) -> None:
    if "faceit_sim" in request.fixturenames or "bot" in request.fixturenames:
        sim: FaceitSim = request.getfixturevalue("faceit_sim")
        sim.clear_faults()
        sim.reset_stats()


@pytest.fixture(scope="session")
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as tg:
        yield tg


def bot_settings(dsn: str, faceit_url: str, telegram_url: str, **extra: str) -> Settings:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "FACEIT_API_KEY": FACEIT_KEY,
        "DATABASE_URL": dsn,
        "FACEIT_API_URL": faceit_url,
        "TELEGRAM_API_URL": telegram_url,
        "LOG_LEVEL": "DEBUG",
        **extra,
    }
    return load_settings(env, dotenv=None)


@dataclass
class BotHarness:
    rt: Runtime
    tg: FakeTelegram
    faceit: FaceitSim

    def new_user(self) -> int:
        return next(_user_ids)

    async def say(
        self, user_id: int, text: str, *, lang: str = "en", replies: int = 1, exact: bool = True
    ) -> list:
        """Types `text` as the user and returns the bot's next `replies` sendMessage calls; with
        `exact` (the default) fails if any more arrive within SETTLE_S. Only a test whose chat
        gets other messages too (a broadcast to the admin who sent it) passes exact=False."""
        self.tg.mark()
        self.tg.send_text(user_id, text, user_id=user_id, language_code=lang, first_name="Ann")
        settle = SETTLE_S if exact else 0.0
        return await self.tg.wait_for("sendMessage", chat_id=user_id, count=replies, settle=settle)

    async def press(
        self, user_id: int, message_id: int, data: str, *, lang: str = "en", replies: int = 1
    ) -> list:
        self.tg.mark()
        self.tg.press_button(user_id, message_id, data, user_id=user_id, language_code=lang)
        return await self.tg.wait_for("sendMessage", chat_id=user_id, count=replies, settle=SETTLE_S)


@pytest.fixture(scope="session")
async def bot_runtime(
    dsn: str, pool: asyncpg.Pool, faceit_sim: FaceitSim, telegram: FakeTelegram
) -> AsyncIterator[Runtime]:
    # This bot lives through the whole session, and its FACEIT budget window (10 min) with it: at
    # the production 500 requests, the calls of earlier tests fill the window and the monitoring
    # governor then rightly allows no polls (seen as flaky monitoring tests late in a full run).
    # Budget behaviour is tested on budgets of its own (test_faceit_client, test_monitoring).
    settings = bot_settings(
        dsn, faceit_sim.base_url, telegram.base_url, ADMIN_IDS=str(ADMIN_ID), FACEIT_BUDGET_REQUESTS="100000"
    )
    async with build(settings) as rt:
        task = asyncio.create_task(rt.dp.start_polling(rt.bot, handle_signals=False, polling_timeout=5))
        try:
            yield rt
        finally:
            await rt.dp.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.fixture
async def bot(bot_runtime: Runtime, telegram: FakeTelegram, faceit_sim: FaceitSim) -> BotHarness:
    telegram.clear_faults()
    await bot_runtime.faceit.cache.clear()  # every test starts with a cold FACEIT cache
    # Job ids restart with every test's TRUNCATE: forget earlier tests' outcomes under the same ids.
    bot_runtime.queue.outcomes.clear()
    return BotHarness(bot_runtime, telegram, faceit_sim)

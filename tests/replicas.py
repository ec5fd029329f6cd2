"""What the multi-replica tests add to faceitbot_sim/replicas.py: the suite's bot, schemas and
Redis servers of a test's own, leaders."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import asyncpg

from faceitbot.store import migrate
from faceitbot.store.db import create_pool
from faceitbot_sim import replicas as sim_replicas
from faceitbot_sim.replicas import PYTHON, Replica, free_port, get, start_replica, wait_ready, wait_until
from tests.conftest import FACEIT_KEY, PG_DSN, TOKEN

# The generic harness is named here too, so a test imports everything about replicas from one place.
__all__ = [
    "PYTHON",
    "PrivateRedis",
    "Replica",
    "doubled_job_runs",
    "find_leader",
    "free_port",
    "get",
    "leading",
    "own_schema",
    "post_update",
    "replica_env",
    "start_replica",
    "wait_ready",
    "wait_until",
]


def replica_env(
    dsn: str,
    faceit_url: str,
    telegram_url: str,
    *,
    redis_url: str | None = None,
    prefix: str = "",
    **extra: str,
) -> dict[str, str]:
    """A replica of the test suite's bot (its token and FACEIT key)."""
    return sim_replicas.replica_env(
        dsn,
        faceit_url,
        telegram_url,
        token=TOKEN,
        faceit_key=FACEIT_KEY,
        redis_url=redis_url,
        prefix=prefix,
        **extra,
    )


async def post_update(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as http, http.post(url, data=json.dumps(update), headers=headers) as r:
        return r.status


@asynccontextmanager
async def own_schema() -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A schema of the test's own, migrated, as (dsn for replicas, pool for assertions).

    The session's in-process bot (conftest `bot_runtime`) runs queue workers on the session
    schema: replicas sharing that schema would have their jobs taken by it, answered on another
    fake Telegram, and their users would wait for results forever."""
    schema = f"r_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    pool = await create_pool(PG_DSN, schema=schema)
    try:
        await migrate.apply(pool)
        sep = "&" if "?" in PG_DSN else "?"
        yield f"{PG_DSN}{sep}search_path={schema}", pool
    finally:
        await pool.close()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


class PrivateRedis:
    """A redis-server of the test's own, which it may stop and start again (the shared one on
    6379 never is)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._server: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._server = await asyncio.create_subprocess_exec(
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no"),
            stdout=asyncio.subprocess.DEVNULL,
        )

    async def stop(self) -> None:
        if self._server is not None and self._server.returncode is None:
            self._server.terminate()
            await self._server.wait()

    async def __aenter__(self) -> PrivateRedis:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def doubled_job_runs(pool: asyncpg.Pool) -> int:
    """Periodic (job, slot) pairs that ran more than once: PostgreSQL fences each tick."""
    return await pool.fetchval(
        "SELECT count(*) FROM (SELECT 1 FROM job_runs GROUP BY job_name, slot_ts HAVING count(*) > 1) d"
    )


async def leading(replica: Replica) -> bool:
    """Whether the replica's /metrics says it holds the polling lease."""
    _, body = await get(replica.base + "/metrics")
    return "faceitbot_polling_leader 1.0" in body


async def find_leader(replicas: list[Replica]) -> Replica | None:
    for r in replicas:
        if r.proc.returncode is None and await leading(r):
            return r
    return None

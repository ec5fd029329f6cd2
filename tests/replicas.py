"""Bot replicas as real subprocesses for the multi-replica tests: ports, start, wait, stop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg

from faceitbot.store import migrate
from faceitbot.store.db import create_pool
from tests.conftest import FACEIT_KEY, PG_DSN, ROOT, TOKEN

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replica_env(
    dsn: str,
    faceit_url: str,
    telegram_url: str,
    *,
    redis_url: str | None = None,
    prefix: str = "",
    **extra: str,
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "FACEIT_", "DATABASE_", "REDIS_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        FACEIT_API_KEY=FACEIT_KEY,
        DATABASE_URL=dsn,
        FACEIT_API_URL=faceit_url,
        TELEGRAM_API_URL=telegram_url,
        LOG_LEVEL="INFO",
        HTTP_HOST="127.0.0.1",
    )
    if redis_url:
        env.update(REDIS_URL=redis_url, REDIS_PREFIX=prefix)
    env.update(extra)
    return env


@dataclass
class Replica:
    proc: asyncio.subprocess.Process
    health_port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.health_port}"

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> tuple[int, float]:
        """Signals the replica; (exit code, seconds it took to exit)."""
        started = time.monotonic()
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        return code, time.monotonic() - started


async def start_replica(env: dict[str, str], log: Path, health_port: int | None = None) -> Replica:
    port = health_port or free_port()
    env = {**env, "HEALTH_PORT": str(port)}
    out = log.open("ab")
    proc = await asyncio.create_subprocess_exec(PYTHON, "run.py", cwd=ROOT, env=env, stdout=out, stderr=out)
    out.close()
    return Replica(proc, port, log)


async def get(url: str, timeout: float = 5) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as r,
    ):
        return r.status, await r.text()


async def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    """Polls an (async or plain) predicate until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


async def wait_ready(replica: Replica, timeout: float = 60) -> None:
    async def ready() -> bool:
        if replica.proc.returncode is not None:
            raise AssertionError(f"replica exited with {replica.proc.returncode}:\n{replica.logs()[-3000:]}")
        try:
            status, _ = await get(replica.base + "/readyz", timeout=4)
        except (aiohttp.ClientError, TimeoutError):
            return False
        return status == 200

    await wait_until(ready, timeout, "the replica to be ready", interval=0.2)


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

"""Bot replicas as real `run.py` subprocesses, for the multi-replica tests and benchmarks:
their environment, start, readiness and stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
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
    token: str,
    faceit_key: str,
    redis_url: str | None = None,
    prefix: str = "",
    **extra: str,
) -> dict[str, str]:
    """This process's environment without any bot setting of its own, plus the replica's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "FACEIT_", "DATABASE_", "REDIS_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        FACEIT_API_KEY=faceit_key,
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

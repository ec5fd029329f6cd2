"""The repo's supervisord.conf with 3 replicas (real supervisord, real processes) pointed at the
simulators and a schema of the test's own; one replica is killed with SIGKILL while it runs
analyses."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sys
from pathlib import Path

import pytest

from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import World
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI_SPEC, FACEIT_KEY, ROOT, TOKEN
from tests.replicas import get, own_schema, replica_env, wait_until

SUPERVISORD = Path(sys.executable).with_name("supervisord")

pytestmark = pytest.mark.asyncio


def port_prefix() -> str:
    """A prefix P whose ports P0-P2 (health) and Q0-Q2 (webhook, Q = P + 1) are free right now.

    Kept below the kernel's ephemeral range (32768+), where a client socket of anything else on
    the machine may take one of them between our check and the replica's bind."""
    for candidate in random.sample(range(1500, 3200), 1700):  # parallel runs start apart
        ports = [int(f"{candidate}{n}") for n in range(3)] + [int(f"{candidate + 1}{n}") for n in range(3)]
        if all(_free(p) for p in ports):
            return str(candidate)
    raise RuntimeError("no free port range")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def is_result(call) -> bool:
    return "FACEIT request" in call.params.get("text", "")


async def test_three_supervised_replicas_survive_a_sigkill_and_every_user_gets_one_result(
    tmp_path: Path, redis_url: str, world_dir: Path, world: World
) -> None:
    async with own_schema() as (dsn, pool):
        await _supervised_replicas_survive_a_sigkill(tmp_path, dsn, pool, redis_url, world_dir, world)


async def _supervised_replicas_survive_a_sigkill(
    tmp_path: Path, dsn: str, pool, redis_url: str, world_dir: Path, world: World
) -> None:
    prefix = port_prefix()
    async with (
        FaceitSim(world_dir, api_key=FACEIT_KEY, latency_ms=150) as faceit,
        FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as tg,
    ):
        env = replica_env(
            dsn,
            faceit.base_url,
            tg.base_url,
            redis_url=redis_url,
            prefix=f"sup{os.getpid()}:",
            FACEITBOT_RUN_DIR=str(tmp_path),
            HEALTH_PORT_PREFIX=prefix,
            WEBHOOK_PORT_PREFIX=str(int(prefix) + 1),
            QUEUE_LEASE_SECONDS="3",
            LEADER_TTL_SECONDS="3",
            UPDATE_CLAIM_SECONDS="5",
            FACEIT_BUDGET_REQUESTS="100000",
            QUOTA_FREE="5",
        )
        sup = await asyncio.create_subprocess_exec(
            str(SUPERVISORD),
            "-c",
            str(ROOT / "supervisord.conf"),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        health = [f"http://127.0.0.1:{prefix}{n}" for n in range(3)]
        try:
            for base in health:
                await wait_until(lambda b=base: _ready(b), 120, f"{base}/readyz")

            users = list(range(883001, 883031))
            rooms = list(world.finished[:10]) + list(world.live[:5])
            for i, u in enumerate(users):
                tg.send_text(u, f"/match {rooms[i % len(rooms)]}", user_id=u, first_name="Sup")

            # Kill the replica running the most analyses right now (its pid is in the lease owner).
            owner = await wait_until(lambda: _busiest_owner(pool), 60, "analyses running")
            victim = int(owner.split(":")[1])
            os.kill(victim, signal.SIGKILL)
            # Read after the kill, not before: the victim may claim another job in between. Its
            # leases stay in its name until they lapse (QUEUE_LEASE_SECONDS), long after this.
            running = {
                r["id"]
                for r in await pool.fetch(
                    "SELECT id FROM jobs WHERE status = 'running' AND lease_owner = $1", owner
                )
            }

            # Generous waits: on a loaded machine (CI, other suites beside it) three replicas
            # share two cores, and FACEIT answers 10 requests a second.
            await wait_until(lambda: all(_results(tg, u) for u in users), 300, "a result for every user")
            await wait_until(lambda: _all_done(pool), 120, "every job to finish")
            for u in users:
                assert len(_results(tg, u)) == 1, u  # exactly one result each
            jobs = await pool.fetch("SELECT id, status, attempts FROM jobs WHERE kind = 'analysis'")
            assert len(jobs) == 30 and {j["status"] for j in jobs} == {"done"}
            # Only the killed replica's jobs ran twice; none is left running.
            assert {j["id"] for j in jobs if j["attempts"] > 1} <= running
            assert await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'running'") == 0
            assert (
                await pool.fetchval("SELECT count(*) FROM usage WHERE used <> 1") == 0
            )  # quota charged once
            assert (
                await pool.fetchval(
                    "SELECT count(*) FROM (SELECT telegram_id, match_id FROM notifications GROUP BY 1, 2 HAVING count(*) > 1) d"
                )
                == 0
            )
            assert await pool.fetchval("SELECT count(*) FROM payments") == 0
            # supervisord restarted the killed replica; all three are serving again.
            for base in health:
                await wait_until(lambda b=base: _ready(b), 120, f"{base}/readyz after the restart")
        finally:
            sup.send_signal(signal.SIGTERM)  # supervisord stops its children with TERM (stopsignal)
            code = await asyncio.wait_for(sup.wait(), 30)
        assert code == 0
        logs = _replica_logs(tmp_path)
        assert logs.count("stopped cleanly") >= 3
        assert TOKEN not in logs


def _replica_logs(run_dir: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted(run_dir.glob("faceitbot_*.log")))


async def _ready(base: str) -> bool:
    try:
        status, _ = await get(base + "/readyz", timeout=4)
    except Exception:
        return False
    return status == 200


def _results(tg: FakeTelegram, user: int) -> list:
    return [c for c in tg.calls_for(user) if c.method in ("editMessageText", "sendMessage") and is_result(c)]


async def _busiest_owner(pool) -> str | None:
    return await pool.fetchval(
        """SELECT lease_owner FROM jobs WHERE status = 'running' GROUP BY 1 HAVING count(*) >= 2
           ORDER BY count(*) DESC LIMIT 1"""
    )


async def _all_done(pool) -> bool:
    return await pool.fetchval("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')") == 0

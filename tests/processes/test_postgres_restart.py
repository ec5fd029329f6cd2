"""PostgreSQL restarted under a running bot (a real process on a private cluster): the bot
reconnects by itself, no job is lost, and users whose messages arrived while the database was
down get their real answer once it is back."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import World
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI_SPEC, FACEIT_KEY, TOKEN
from tests.private_postgres import PrivatePostgres
from tests.replicas import Replica, get, replica_env, start_replica, wait_ready, wait_until

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def private_pg() -> AsyncIterator[PrivatePostgres]:
    pg = PrivatePostgres()
    await pg.init()
    try:
        yield pg
    finally:
        await pg.destroy()


def _results(tg: FakeTelegram, user: int) -> list:
    return [
        c
        for c in tg.calls_for(user)
        if c.method in ("editMessageText", "sendMessage") and "FACEIT request" in c.params.get("text", "")
    ]


@asynccontextmanager
async def bot_on(
    pg: PrivatePostgres, world_dir: Path, tmp_path: Path
) -> AsyncIterator[tuple[FakeTelegram, Replica]]:
    """One replica without Redis on the private cluster: PostgreSQL is all the shared state it
    has. Stopped with SIGTERM at the end; it must exit cleanly."""
    async with (
        FaceitSim(world_dir, api_key=FACEIT_KEY, latency_ms=150) as faceit,
        FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as tg,
    ):
        env = replica_env(
            pg.dsn, faceit.base_url, tg.base_url, QUEUE_LEASE_SECONDS="5", FACEIT_BUDGET_REQUESTS="100000"
        )
        replica = await start_replica(env, tmp_path / "replica.log")
        try:
            await wait_ready(replica)
            yield tg, replica
        finally:
            code, _ = await replica.stop(signal.SIGTERM)
        assert code == 0 and "stopped cleanly" in replica.logs(), (code, replica.logs()[-3000:])
        assert TOKEN not in replica.logs()


async def _fetchval(dsn: str, query: str):
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def test_postgresql_restarted_mid_run_the_bot_reconnects_and_answers_everyone(
    tmp_path: Path, private_pg: PrivatePostgres, world_dir: Path, world: World
) -> None:
    dsn = private_pg.dsn
    async with bot_on(private_pg, world_dir, tmp_path) as (tg, replica):
        rooms = list(world.finished[:8])
        before = list(range(885001, 885009))
        during = list(range(885101, 885105))
        for i, u in enumerate(before):
            tg.send_text(u, f"/match {rooms[i]}", user_id=u, first_name="Pg")
        await wait_until(
            lambda: _fetchval(
                dsn, "SELECT count(*) FROM jobs WHERE kind = 'analysis' AND status = 'running'"
            ),
            30,
            "analyses running",
        )

        await private_pg.stop()
        # Messages that arrive while the database is down.
        for i, u in enumerate(during):
            tg.send_text(u, f"/match {rooms[i]}", user_id=u, first_name="Gap")
        status, body = await get(replica.base + "/readyz", timeout=10)
        assert status == 503 and "postgresql" in body
        await private_pg.start()

        everyone = before + during
        await wait_until(lambda: all(_results(tg, u) for u in everyone), 90, "a result for every user")
        await wait_until(
            lambda: _fetchval(dsn, "SELECT count(*) = 0 FROM jobs WHERE status IN ('queued', 'running')"),
            30,
            "every job to finish",
        )
        for u in everyone:
            assert len(_results(tg, u)) == 1, u
            # No apology for the outage: the real answer only.
            texts = [c.params.get("text", "") for c in tg.calls_for(u) if c.method == "sendMessage"]
            failures = [line for line in replica.logs().splitlines() if "failed" in line][-10:]
            assert not any("went wrong" in t.lower() for t in texts), (u, texts, failures)
        assert (
            await _fetchval(dsn, "SELECT count(*) FROM jobs WHERE kind = 'analysis' AND status = 'done'")
            == 12
        )
        assert (
            await _fetchval(dsn, "SELECT count(*) FROM jobs WHERE kind = 'analysis' AND status <> 'done'")
            == 0
        )
        # Each user was charged one analysis, once.
        assert await _fetchval(dsn, "SELECT count(*) FROM usage WHERE used <> 1") == 0
        assert await _fetchval(dsn, "SELECT count(*) FROM usage") == 12
        await wait_ready(replica, timeout=30)


async def test_postgresql_restarted_with_200_analyses_in_flight_answers_each_user_once(
    tmp_path: Path, private_pg: PrivatePostgres, world_dir: Path, world: World
) -> None:
    dsn = private_pg.dsn
    async with bot_on(private_pg, world_dir, tmp_path) as (tg, _replica):
        rooms = list(world.finished[:4])
        users = list(range(886001, 886201))
        for i, u in enumerate(users):
            tg.send_text(u, f"/match {rooms[i % len(rooms)]}", user_id=u, first_name="Pg")
        await wait_until(
            lambda: sum(bool(tg.calls_for(u, "sendMessage")) for u in users) >= 20,
            60,
            "the first acknowledgements",
            interval=0.02,
        )
        await private_pg.stop()  # an immediate restart, with most of the 200 in flight
        await private_pg.start()
        await wait_until(lambda: all(_results(tg, u) for u in users), 240, "a result for every user")
        await wait_until(
            lambda: _fetchval(
                dsn,
                "SELECT count(*) = 0 FROM jobs WHERE status IN ('queued', 'running')"
                " AND NOT EXISTS (SELECT 1 FROM processed_updates WHERE status = 'handling')",
            ),
            60,
            "every job and update to finish",
        )
        doubled = [u for u in users if len(_results(tg, u)) != 1]
        acks = {
            u: sum(1 for c in tg.calls_for(u, "sendMessage") if c.params.get("text", "").startswith("⏳"))
            for u in users
        }
        apologies = [
            u
            for u in users
            for c in tg.calls_for(u, "sendMessage")
            if "went wrong" in c.params.get("text", "")
        ]
        assert doubled == [] and [u for u, n in acks.items() if n > 1] == [] and apologies == []

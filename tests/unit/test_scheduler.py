"""Periodic ticks run once per slot however many replicas fire them."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from faceitbot.cluster.scheduler import Scheduler, slot_of


def test_slots_are_aligned() -> None:
    t = datetime(2026, 11, 25, 10, 0, 47, tzinfo=UTC)
    assert slot_of(t, 30) == datetime(2026, 11, 25, 10, 0, 30, tzinfo=UTC)
    assert slot_of(t, 60) == datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)


async def test_three_replicas_ten_ticks_run_each_tick_once(pool) -> None:
    replicas = [Scheduler(pool, f"replica-{i}") for i in range(3)]
    runs: list[datetime] = []

    async def tick(slot: datetime) -> None:
        runs.append(slot)

    base = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    slots = [base + timedelta(seconds=15 * i) for i in range(10)]
    # Every replica fires every tick at the same moment (broken leader election, worst case).
    # (a name of its own: the session's bot runs its real periodic jobs in this schema too)
    results = await asyncio.gather(*(r.run_slot("test-tick", s, tick) for s in slots for r in replicas))
    assert sum(results) == 10
    assert sorted(runs) == slots
    assert await pool.fetchval("SELECT count(*) FROM job_runs WHERE job_name = 'test-tick'") == 10
    assert (
        await pool.fetchval("SELECT count(*) FROM job_runs WHERE job_name = 'test-tick' AND outcome = 'ok'")
        == 10
    )


@pytest.mark.expect_errors("periodic flaky failed")
async def test_a_failing_tick_is_recorded_and_not_rerun(pool) -> None:
    sched = Scheduler(pool, "r")
    slot = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)

    async def broken(_: datetime) -> None:
        raise RuntimeError("upstream down")

    assert await sched.run_slot("flaky", slot, broken)
    assert not await sched.run_slot("flaky", slot, broken)
    assert await pool.fetchval("SELECT outcome FROM job_runs WHERE job_name = 'flaky'") == (
        "RuntimeError: upstream down"
    )


async def test_apscheduler_fires_registered_jobs(pool) -> None:
    sched = Scheduler(pool, "r")
    fired = asyncio.Event()

    async def tick(_: datetime) -> None:
        fired.set()

    sched.every("heartbeat", 3600, tick)
    sched.start()
    try:
        await asyncio.wait_for(fired.wait(), 5)
    finally:
        await sched.stop()


async def test_stopping_lets_a_running_tick_finish_and_record_its_end(pool) -> None:
    sched = Scheduler(pool, "r")
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []

    async def slow(_: datetime) -> None:
        started.set()
        await release.wait()
        finished.append(True)

    sched.every("slow", 3600, slow)
    sched.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(sched.stop(grace_s=30))
    release.set()
    await stopping
    # Not cancelled half-way (a query cut off mid-flight once left a pooled connection stuck).
    assert finished == [True]
    assert await pool.fetchval("SELECT outcome FROM job_runs WHERE job_name = 'slow'") == "ok"

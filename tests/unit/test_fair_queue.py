"""The fair queue: a user's jobs run one at a time, a few wait, and workers take users in turn."""

from typing import Any

import asyncpg
import pytest

from faceitbot.constants import Priority
from faceitbot.errors import BadInput
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.services.insight_requests import checked_player_id
from faceitbot.store import jobs as jobs_store
from faceitbot.store.jobs import JobRow, TooManyJobs

FAIR = JobSpec("fair", Priority.HIGH, max_attempts=1, timeout_s=10, per_user=4)


async def test_one_users_flood_delays_another_user_by_at_most_one_job(pool: asyncpg.Pool) -> None:
    order: list[tuple[int, int]] = []
    running: dict[int, int] = {}
    most_at_once: dict[int, int] = {}

    async def run(payload: dict[str, Any], job: JobRow) -> None:
        user = payload["user_id"]
        running[user] = running.get(user, 0) + 1
        most_at_once[user] = max(most_at_once.get(user, 0), running[user])
        order.append((user, payload["n"]))
        running[user] -= 1

    q = TaskQueue(pool, workers=2, lease_s=5.0, poll_s=0.05)
    q.register(FAIR, run)
    flood = [(await q.submit(FAIR, {"user_id": 1, "n": n}, dedupe_key=f"a{n}"))[0] for n in range(4)]
    with pytest.raises(TooManyJobs):
        await q.submit(FAIR, {"user_id": 1, "n": 4}, dedupe_key="a4")
    # An identical request attaches to the live job instead of counting again.
    same, created = await q.submit(FAIR, {"user_id": 1, "n": 0}, dedupe_key="a0")
    assert (same.id, created) == (flood[0].id, False)
    other, _ = await q.submit(FAIR, {"user_id": 2, "n": 0}, dedupe_key="b0")
    await q.start()
    try:
        outcomes = [await q.wait_outcome(j.id, timeout=10) for j in [*flood, other]]
    finally:
        await q.stop(grace_s=1)
    assert outcomes == ["done"] * 5
    assert most_at_once == {1: 1, 2: 1}
    assert order.index((2, 0)) <= 1  # at most one of the flood ran first


async def test_claims_take_users_in_turn(pool: asyncpg.Pool) -> None:
    for user, n in [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (3, 0)]:
        await jobs_store.submit(
            pool, "fair", int(Priority.HIGH), {"user_id": user, "n": n}, dedupe_key=None, max_attempts=1
        )
    seen: list[tuple[int, int]] = []
    for _ in range(6):
        [job] = await jobs_store.claim(pool, "me", 1, 30, [], ["fair"], ["fair"])
        seen.append((job.payload["user_id"], job.payload["n"]))
        await jobs_store.finish(pool, job.id, job.lease_token)
    assert seen == [(1, 0), (2, 0), (3, 0), (1, 1), (2, 1), (1, 2)]


async def test_a_user_with_a_running_job_waits_for_it(pool: asyncpg.Pool) -> None:
    for n in range(2):
        await jobs_store.submit(
            pool, "fair", int(Priority.HIGH), {"user_id": 7, "n": n}, dedupe_key=None, max_attempts=1
        )
    first = await jobs_store.claim(pool, "me", 5, 30, [], ["fair"], ["fair"])
    assert [j.payload["n"] for j in first] == [0]
    assert await jobs_store.claim(pool, "other", 5, 30, [], ["fair"], ["fair"]) == []


def test_a_form_view_job_takes_only_a_faceit_player_id() -> None:
    assert checked_player_id("ffe3566c-9574-4f1b-8012-bf4d42aeb898") == "ffe3566c-9574-4f1b-8012-bf4d42aeb898"
    for forged in ("", "../matches/x", "ffe3566c-9574-4f1b-8012-bf4d42aeb898?x=1", "Darwin"):
        with pytest.raises(BadInput) as e:
            checked_player_id(forged)
        assert e.value.key == "error-bad-player-id"

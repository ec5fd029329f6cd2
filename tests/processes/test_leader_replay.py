"""The polling leader killed with SIGKILL while hundreds of analysis requests are in flight: the
replica that takes over replays what the dead one had claimed and not marked, and still every
user is answered once. One acknowledgement at most, exactly one result, and never a second
result as "a repeat of a recent analysis"."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

import pytest

from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import World
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI_SPEC, FACEIT_KEY, TOKEN
from tests.replicas import (
    find_leader,
    leading,
    own_schema,
    replica_env,
    start_replica,
    wait_ready,
    wait_until,
)

USERS = 200
ROOM = "https://www.faceit.com/en/cs2/room/{}"

pytestmark = pytest.mark.asyncio


def _is_ack(text: str) -> bool:
    return text.startswith("⏳ Analysing the match")


def _is_result(text: str) -> bool:
    return "FACEIT request" in text


async def test_a_leader_killed_mid_batch_leaves_every_user_answered_once(
    tmp_path: Path, redis_url: str, world_dir: Path, world: World
) -> None:
    rooms = list(world.finished[:4])
    async with (
        own_schema() as (dsn, pool),
        FaceitSim(world_dir, api_key=FACEIT_KEY) as faceit,
        FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as tg,
    ):
        env = replica_env(
            dsn,
            faceit.base_url,
            tg.base_url,
            redis_url=redis_url,
            prefix=f"replay{os.getpid()}:",
            LEADER_TTL_SECONDS="2",
            UPDATE_CLAIM_SECONDS="3",
            QUEUE_LEASE_SECONDS="5",
        )
        replicas = [await start_replica(env, tmp_path / f"replica{i}.log") for i in range(2)]
        try:
            for r in replicas:
                await wait_ready(r)
            leader = await wait_until(lambda: find_leader(replicas), 20, "a leader")
            other = next(r for r in replicas if r is not leader)
            users = list(range(883_001, 883_001 + USERS))
            for i, uid in enumerate(users):
                tg.send_text(uid, ROOM.format(rooms[i % len(rooms)]), user_id=uid, first_name="Kill")
            # Killed once it has answered some, with the rest claimed or on their way.
            await wait_until(
                lambda: sum(bool(tg.calls_for(u, "sendMessage")) for u in users) >= USERS // 5,
                60,
                "the leader to acknowledge a fifth of the users",
                interval=0.02,
            )
            leader.proc.send_signal(signal.SIGKILL)
            await leader.proc.wait()
            in_flight = await pool.fetchval(
                "SELECT count(*) FROM processed_updates WHERE status = 'handling'"
            )

            def results() -> Counter[int]:
                seen: Counter[int] = Counter()
                for uid in users:
                    for c in tg.calls_for(uid):
                        if (
                            c.ok
                            and c.method in ("sendMessage", "editMessageText")
                            and _is_result(c.params["text"])
                        ):
                            seen[uid] += 1
                return seen

            await wait_until(lambda: len(results()) == USERS, 180, "every user's result", interval=0.2)
            await wait_until(lambda: leading(other), 10, "the standby to lead")
            # Anything still to come (a replay, a retried job) arrives by the time every update
            # and job is finished.
            await wait_until(
                lambda: _all_finished(pool), 60, "every update and job to be finished", interval=0.2
            )
        finally:
            for r in replicas:
                if r.proc.returncode is None:
                    await r.stop(signal.SIGTERM)
        per_user = results()
        doubled = sorted(u for u, n in per_user.items() if n != 1)
        acks = Counter(
            uid
            for uid in users
            for c in tg.calls_for(uid, "sendMessage")
            if c.ok and _is_ack(c.params["text"])
        )
        twice_acked = sorted(u for u, n in acks.items() if n > 1)
        repeats = [
            uid
            for uid in users
            for c in tg.calls_for(uid)
            if c.ok and "repeat of a recent analysis" in (c.params.get("text") or "")
        ]
        assert in_flight > 0, "the kill came after the batch was done: nothing was tested"
        assert doubled == [] and twice_acked == [] and repeats == [], (
            in_flight,
            doubled,
            twice_acked,
            repeats,
        )
        sends = Counter(c.chat_id for c in tg.calls if c.ok and c.method == "sendMessage")
        assert all(sends[u] <= 2 for u in users)  # an acknowledgement and, at most, a fresh result


async def _all_finished(pool) -> bool:
    updates = await pool.fetchval("SELECT count(*) FROM processed_updates WHERE status = 'handling'")
    jobs = await pool.fetchval("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")
    return updates == 0 and jobs == 0

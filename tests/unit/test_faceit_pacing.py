"""Pacing at the key's per-second limit: the simulator enforces 10 a second like the real key."""

import asyncio
import io

import aiohttp
import pytest

from faceitbot.faceit.budget import LocalBudget
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.errors import FaceitRateLimited
from faceitbot.faceit.pacing import LocalPacer, RedisPacer, parse_headers, retry_after_s
from faceitbot.logs import setup_logging
from faceitbot.web.metrics import Metrics
from faceitbot_sim.faceit import FaceitSim
from tests.conftest import FACEIT_KEY


def test_ietf_ratelimit_headers_parse() -> None:
    info = parse_headers(
        {"ratelimit-limit": "10, 10;w=1", "ratelimit-remaining": "8", "ratelimit-reset": "0"}
    )
    assert (info.limit, info.remaining, info.reset_s) == (10, 8, 0)
    hourly = parse_headers({"ratelimit-limit": "3, 10;w=1, 3;w=3600", "ratelimit-remaining": "0"})
    assert (hourly.limit, hourly.remaining) == (10, 0)
    assert parse_headers({"x-ratelimit-limit": "7"}).limit == 7
    assert parse_headers({"x-ratelimit-remaining-hour": "0"}).remaining_hour == 0
    assert parse_headers({"ratelimit-limit": "lots", "ratelimit-remaining": "-1"}) == parse_headers({})
    assert retry_after_s({"Retry-After": "3"}) == 3.0
    assert retry_after_s({"ratelimit-reset": "2"}) == 2.0
    assert retry_after_s({"ratelimit-reset": "0"}) == 1.0  # within the second: the next window
    assert retry_after_s({}) == 1.0


def test_local_pacer_never_empties_the_gateways_bucket() -> None:
    now = [100.0]
    pacer = LocalPacer(10, clock=lambda: now[0])
    admitted: list[float] = []
    while now[0] < 103.0:
        if pacer.wait_s() == 0:
            admitted.append(now[0])
        else:
            now[0] += 0.001
    # The gateway's bucket: 10 tokens, 10 more a second; every admitted request finds one.
    tokens, last = 10.0, 100.0
    for t in admitted:
        tokens = min(10.0, tokens + (t - last) * 10)
        last = t
        assert tokens >= 1.0
        tokens -= 1.0
    assert admitted[:10] == [100.0] * 10  # the burst is not wasted
    assert 38 <= len(admitted) <= 40  # and then about 10 a second


def test_requests_that_can_wait_leave_the_reserve_to_those_that_cannot() -> None:
    now = [100.0]
    pacer = LocalPacer(10, clock=lambda: now[0])
    lookups = sum(1 for _ in range(20) if pacer.wait_s(reserve=5) == 0)
    analysis = sum(1 for _ in range(20) if pacer.wait_s() == 0)
    assert (lookups, analysis) == (5, 5)
    now[0] += 0.5  # five tokens back: the reserve first
    assert sum(1 for _ in range(20) if pacer.wait_s(reserve=5) == 0) == 0
    assert sum(1 for _ in range(20) if pacer.wait_s() == 0) == 4


async def test_a_429_is_held_by_every_replica_counted_and_logged_once(
    faceit_sim: FaceitSim, redis, redis_prefix: str, world
) -> None:
    key = f"{redis_prefix}pace"
    metrics = Metrics()
    clients = [
        FaceitClient(
            faceit_sim.base_url,
            FACEIT_KEY,
            budget=LocalBudget(1000, 60),
            pacer=RedisPacer(redis, 10, key=key),
            on_rate_limited=metrics.faceit_rate_limited.inc,
            retries=retries,
        )
        for retries in (0, 3)
    ]
    sink = io.StringIO()
    setup_logging("INFO", "text", (), stream=sink)
    loop = asyncio.get_running_loop()
    try:
        faceit_sim.retry_after = 1
        faceit_sim.fail_next(1, "429")
        with pytest.raises(FaceitRateLimited):
            await clients[0].player(world.players[0].player_id)
        held_from = loop.time()
        second = await clients[1].player(world.players[1].player_id)  # it never met the 429 itself
        waited = loop.time() - held_from
    finally:
        setup_logging("INFO", "text", ())
        for c in clients:
            await c.close()
    assert second.player_id == world.players[1].player_id
    assert waited >= 0.5
    assert faceit_sim.stats()["total"] == 2
    assert metrics.faceit_rate_limited._value.get() == 1
    assert clients[0].rate_limited == 1 and clients[1].rate_limited == 0
    warnings = [line for line in sink.getvalue().splitlines() if "429" in line]
    assert len(warnings) == 1 and "WARNING" in warnings[0]
    assert "Traceback" not in sink.getvalue()


async def test_three_replicas_sharing_redis_never_meet_the_keys_limit(
    faceit_sim: FaceitSim, redis, redis_prefix: str, world
) -> None:
    key = f"{redis_prefix}pace"
    clients = [
        FaceitClient(
            faceit_sim.base_url,
            FACEIT_KEY,
            budget=LocalBudget(1000, 60),
            pacer=RedisPacer(redis, 10, key=key),
        )
        for _ in range(3)
    ]
    players = [p.player_id for p in world.players[:24]]
    try:
        found = await asyncio.gather(*(clients[i % 3].player(pid) for i, pid in enumerate(players)))
    finally:
        for c in clients:
            await c.close()
    assert [p.player_id for p in found] == players
    stats = faceit_sim.stats()
    assert (stats["total"], stats["rate_limited"]) == (24, 0)


@pytest.mark.parametrize("shared", [False, True], ids=["local", "redis"])
async def test_a_second_spent_by_someone_else_is_learnt_from_the_headers(
    faceit_sim: FaceitSim, redis, redis_prefix: str, world, shared: bool
) -> None:
    """Another sender on the same key (a second deployment, a script) has spent most of the
    second: the first answer's ratelimit-remaining tells, and the burst that follows is paced to
    what the gateway has left instead of meeting 429."""
    pacer = RedisPacer(redis, 10, key=f"{redis_prefix}pace") if shared else LocalPacer(10)
    client = FaceitClient(faceit_sim.base_url, FACEIT_KEY, budget=LocalBudget(1000, 60), pacer=pacer)
    players = [p.player_id for p in world.players[:11]]
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {FACEIT_KEY}"}) as other:
            for pid in players[5:11]:
                async with other.get(f"{faceit_sim.base_url}/players/{pid}") as resp:
                    assert resp.status == 200
        await client.player(players[0])
        found = await asyncio.gather(*(client.player(pid) for pid in players[1:11]))
    finally:
        await client.close()
    assert [p.player_id for p in found] == players[1:11]
    assert faceit_sim.stats()["rate_limited"] == 0
    assert client.rate_limited == 0


async def test_unpaced_bursts_meet_429_at_the_simulators_default(faceit_sim: FaceitSim, world) -> None:
    """The limit the pacer keeps to is real: 24 requests at once from three separate limiters."""
    clients = [
        FaceitClient(faceit_sim.base_url, FACEIT_KEY, budget=LocalBudget(1000, 60), retries=3)
        for _ in range(3)
    ]
    players = [p.player_id for p in world.players[:24]]
    try:
        await asyncio.gather(
            *(clients[i % 3].player(pid) for i, pid in enumerate(players)), return_exceptions=True
        )
    finally:
        for c in clients:
            await c.close()
    assert faceit_sim.stats()["rate_limited"] > 0


def test_a_strict_pacer_sends_at_most_the_rate_in_any_second() -> None:
    now = [100.0]
    pacer = LocalPacer(10, clock=lambda: now[0])
    assert sum(1 for _ in range(20) if pacer.wait_s() == 0) == 10
    asyncio.run(pacer.strict())
    admitted: list[float] = []
    while now[0] < 103.0:
        if pacer.wait_s() == 0:
            admitted.append(now[0])
        else:
            now[0] += 0.001
    everything = [100.0] * 10 + admitted
    assert all(everything[i + 10] - everything[i] >= 1.0 for i in range(len(everything) - 10))
    assert len(admitted) == 20  # ten at 101.02 and ten at 102.04: the burst waits a whole second


async def test_a_gateway_counting_any_second_switches_every_replica_to_strict_pacing(
    world_dir, redis, redis_prefix: str, world
) -> None:
    key = f"{redis_prefix}pace"
    async with FaceitSim(world_dir, api_key=FACEIT_KEY, rate_model="window") as sim:
        clients = [
            FaceitClient(
                sim.base_url, FACEIT_KEY, budget=LocalBudget(1000, 60), pacer=RedisPacer(redis, 10, key=key)
            )
            for _ in range(2)
        ]
        try:
            ids = [p.player_id for p in world.players[:30]]
            first = await asyncio.gather(*(clients[i % 2].player(pid) for i, pid in enumerate(ids)))
            met = sim.stats()["rate_limited"]
            again = await asyncio.gather(*(clients[i % 2].player_stats(pid) for i, pid in enumerate(ids)))
        finally:
            for c in clients:
                await c.close()
        assert len(first) == len(again) == 30
        assert met >= 2  # the bucket's pace met the stricter gateway a few times...
        assert sim.stats()["rate_limited"] == met  # ...and then never again, on either replica

"""The FACEIT client against the simulator: decoding, errors, retries, cache, singleflight, budget."""

import asyncio
import io
from collections.abc import AsyncIterator

import msgspec
import pytest

from faceitbot.cluster.kv import MemoryKV, RedisKV
from faceitbot.faceit import models
from faceitbot.faceit.budget import LocalBudget, RedisBudget
from faceitbot.faceit.cache import ResponseCache
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.errors import FaceitAuthError, FaceitNotFound, FaceitRateLimited, FaceitUnavailable
from faceitbot.logs import setup_logging
from faceitbot_sim.faceit import FaceitSim
from tests.conftest import FACEIT_KEY, SAMPLES

DARWIN_ID = "ffe3566c-9574-4f1b-8012-bf4d42aeb898"
MODELS = {
    "player_details.json": models.Player,
    "players_by_nickname.json": models.Player,
    "player_stats_cs2.json": models.PlayerStats,
    "player_history.json": models.History,
    "player_games_stats_cs2.json": models.GameStats,
    "match_details.json": models.Match,
    "match_details_2.json": models.Match,
    "match_details_cancelled_from_hub_list.json": models.Match,
    "match_stats.json": models.MatchStats,
    "match_stats_2.json": models.MatchStats,
    "search_players.json": models.SearchResult,
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_recorded_payload_decodes(name: str) -> None:
    decoded = msgspec.json.decode((SAMPLES / name).read_bytes(), type=MODELS[name])
    assert decoded is not None


def test_every_sample_file_is_covered() -> None:
    recorded = {p.name for p in SAMPLES.glob("*.json")} - {
        "response_headers.json",
        "webhook_match_status_ready.json",
    }
    assert recorded == set(MODELS)


@pytest.fixture
async def client_for(faceit_sim: FaceitSim) -> AsyncIterator:
    clients: list[FaceitClient] = []

    def make(**kw) -> FaceitClient:
        kw.setdefault("budget", LocalBudget(1000, 60))
        kw.setdefault("backoff_s", 0.01)
        client = FaceitClient(faceit_sim.base_url, kw.pop("api_key", FACEIT_KEY), **kw)
        clients.append(client)
        return client

    yield make
    for c in clients:
        await c.close()


async def test_every_endpoint_through_the_simulator(client_for, faceit_sim: FaceitSim) -> None:
    c = client_for()
    assert (await c.player_by_nickname("Darwin")).player_id == DARWIN_ID
    assert (await c.player(DARWIN_ID)).cs2.faceit_elo == 2014
    assert (await c.player_stats(DARWIN_ID)).lifetime["Matches"] == "2423"
    assert len((await c.history(DARWIN_ID, limit=5)).items) == 5
    assert len((await c.game_stats(DARWIN_ID, limit=20)).items) == 20
    assert (await c.match("1-58f7a7d3-47c3-442a-bf36-b7a6e89345cf")).status == "FINISHED"
    assert (await c.match_stats("1-58f7a7d3-47c3-442a-bf36-b7a6e89345cf")).rounds[0].round_stats[
        "Map"
    ] == "de_dust2"
    assert any(p.nickname == "Darwin" for p in (await c.search_players("darw")).items)
    assert faceit_sim.stats()["total"] == 8


async def test_not_found_is_a_domain_error_and_cached_briefly(client_for, faceit_sim: FaceitSim) -> None:
    c = client_for()
    for _ in range(2):
        with pytest.raises(FaceitNotFound):
            await c.player_by_nickname("nobody_here_at_all")
    assert faceit_sim.stats()["total"] == 1


async def test_a_wrong_key_is_a_configuration_error_in_the_log(client_for) -> None:
    sink = io.StringIO()
    setup_logging("INFO", "text", ("wrong-key",), stream=sink)
    try:
        with pytest.raises(FaceitAuthError):
            await client_for(api_key="wrong-key").player(DARWIN_ID)
    finally:
        setup_logging("INFO", "text", ())
    assert "check FACEIT_API_KEY" in sink.getvalue()


async def test_server_errors_are_retried(client_for, faceit_sim: FaceitSim) -> None:
    faceit_sim.fail_next(2, "500")
    player = await client_for(retries=3).player(DARWIN_ID)
    assert player.nickname == "Darwin"
    assert faceit_sim.stats()["total"] == 3


async def test_retries_are_bounded(client_for, faceit_sim: FaceitSim) -> None:
    faceit_sim.set_faults(1.0, "503")
    with pytest.raises(FaceitUnavailable):
        await client_for(retries=2).player(DARWIN_ID)
    assert faceit_sim.stats()["total"] == 3


async def test_429_honours_retry_after_then_succeeds(client_for, faceit_sim: FaceitSim) -> None:
    faceit_sim.fail_next(1, "429")
    loop = asyncio.get_running_loop()
    started = loop.time()
    player = await client_for().player(DARWIN_ID)
    assert player.nickname == "Darwin"
    # The simulator says Retry-After: 1; the retry waited for it instead of hammering.
    assert loop.time() - started >= 0.9
    assert faceit_sim.stats()["total"] == 2


async def test_a_429_storm_ends_as_rate_limited(client_for, faceit_sim: FaceitSim) -> None:
    faceit_sim.set_faults(1.0, "429", retry_after=0)
    with pytest.raises(FaceitRateLimited):
        await client_for(retries=2).player(DARWIN_ID)


async def test_hangs_time_out(client_for, faceit_sim: FaceitSim) -> None:
    faceit_sim.hang_s = 5
    faceit_sim.set_faults(1.0, "hang")
    try:
        with pytest.raises(FaceitUnavailable):
            await client_for(timeout_s=0.2, retries=1).player(DARWIN_ID)
    finally:
        faceit_sim.hang_s = 30
    assert faceit_sim.stats()["total"] == 2


async def test_concurrent_identical_requests_make_one_call(client_for, faceit_sim: FaceitSim) -> None:
    faceit_sim.latency_ms = 100
    try:
        c = client_for()
        results = await asyncio.gather(*(c.player(DARWIN_ID) for _ in range(10)))
    finally:
        faceit_sim.latency_ms = 0
    assert {r.player_id for r in results} == {DARWIN_ID}
    assert faceit_sim.stats()["total"] == 1
    assert c.cache.misses["player"] == 1 and c.cache.hits["player"] == 9
    await c.player(DARWIN_ID)
    assert faceit_sim.stats()["total"] == 1 and c.cache.hits["player"] == 10


async def test_replicas_share_the_cache_and_singleflight_through_redis(
    client_for, faceit_sim: FaceitSim, redis, redis_prefix: str
) -> None:
    faceit_sim.latency_ms = 150
    try:
        replicas = [client_for(cache=ResponseCache(RedisKV(redis, prefix=redis_prefix))) for _ in range(3)]
        results = await asyncio.gather(*(r.player_stats(DARWIN_ID) for r in replicas for _ in range(3)))
    finally:
        faceit_sim.latency_ms = 0
    assert {r.player_id for r in results} == {DARWIN_ID}
    assert faceit_sim.stats()["total"] == 1


async def test_three_replicas_stay_inside_one_shared_budget(redis, redis_prefix: str) -> None:
    key = f"{redis_prefix}budget"
    budgets = [RedisBudget(redis, 5, 60, key=key) for _ in range(3)]
    waiting = [asyncio.create_task(budgets[i % 3].acquire()) for i in range(8)]
    done, pending = await asyncio.wait(waiting, timeout=1.0)
    for task in pending:
        task.cancel()
    assert (len(done), len(pending)) == (5, 3)
    assert await budgets[0].used() == 5


async def test_local_budget_counts_what_it_admitted() -> None:
    budget = LocalBudget(3, 60)
    for _ in range(3):
        await budget.acquire()
    assert await budget.used() == 3
    blocked = asyncio.create_task(budget.acquire())
    done, _ = await asyncio.wait([blocked], timeout=0.3)
    blocked.cancel()
    assert not done


def test_memory_kv_is_bounded() -> None:
    kv = MemoryKV(max_items=2)

    async def fill() -> list:
        for k in ("a", "b", "c"):
            await kv.set(k, b"1", 60)
        return [await kv.get(k) for k in ("a", "b", "c")]

    assert asyncio.run(fill()) == [None, b"1", b"1"]

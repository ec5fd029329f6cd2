"""The FACEIT simulator over real HTTP, and the fixture worlds it serves."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import (
    SampleIds,
    World,
    arrange_samples,
    build_world,
    default_samples_dir,
    demo_world_path,
    skill_level,
    world_main,
)

SAMPLES = default_samples_dir()
KEY = "sim-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
NOT_FOUND = {
    "errors": [
        {"message": "The resource was not found.", "code": "err_nf0", "http_status": 404, "parameters": []}
    ]
}
DEMO_NICKNAMES = ("s1mple_fan", "half_buy", "igl_brain")  # the ones demo_world/README.md suggests


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _load(path: Path) -> dict:
    return json.loads(path.read_bytes())


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleIds, World]:
    root = tmp_path_factory.mktemp("sim-tree")
    ids = arrange_samples(SAMPLES, root)
    world = build_world(root, seed=3, players=30, matches=12)
    return root, ids, world


@pytest.fixture(scope="module")
async def server(tree: tuple[Path, SampleIds, World]) -> AsyncIterator[FaceitSim]:
    async with FaceitSim(tree[0], api_key=KEY, seed=1) as sim:
        yield sim


@pytest.fixture
def sim(server: FaceitSim) -> FaceitSim:
    server.clear_faults()
    server.latency_ms = 0
    server.hang_s = 30.0
    server.rate_limit = None
    server.reset_stats()
    return server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


async def _get(http: aiohttp.ClientSession, sim: FaceitSim, path: str, **kw) -> tuple[int, bytes, dict]:
    async with http.get(sim.base_url + path, **kw) as resp:
        return resp.status, await resp.read(), dict(resp.headers)


# -- serving the recorded samples -------------------------------------------------------------
async def test_every_sample_is_served_byte_identical(sim: FaceitSim, http, tree) -> None:
    _, ids, _ = tree
    pid, (m1, m2) = ids.player_id, ids.match_ids
    cases = {
        f"/players/{pid}": "player_details.json",
        "/players?nickname=Darwin&game=cs2": "player_details.json",
        f"/players/{pid}/stats/cs2": "player_stats_cs2.json",
        f"/players/{pid}/history": "player_history.json",
        f"/players/{pid}/history?game=cs2&offset=0&limit=20": "player_history.json",
        f"/players/{pid}/games/cs2/stats?offset=0&limit=100": "player_games_stats_cs2.json",
        f"/matches/{m1}": "match_details.json",
        f"/matches/{m1}/stats": "match_stats.json",
        f"/matches/{m2}": "match_details_2.json",
        f"/matches/{m2}/stats": "match_stats_2.json",
    }
    for path, sample in cases.items():
        status, body, headers = await _get(http, sim, path)
        assert status == 200, path
        assert body == _sample(sample), path
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert (headers["ratelimit-limit"], headers["ratelimit-remaining"], headers["ratelimit-reset"]) == (
            "10, 10;w=1",
            "8",
            "0",
        )
    assert ids.nickname == "Darwin" and len(ids.match_ids) == 2


async def test_nickname_lookup_is_exact_and_sees_files_added_later(sim: FaceitSim, http, tree) -> None:
    root, _, world = tree
    someone = world.players[4]
    status, body, _ = await _get(http, sim, f"/players?nickname={someone.nickname}")
    assert status == 200 and body == (root / "players" / f"{someone.player_id}.json").read_bytes()
    assert (await _get(http, sim, "/players?nickname=darwin"))[0] == 404
    assert (await _get(http, sim, "/players?nickname=nobody_at_all"))[0] == 404
    steam = _load(root / "players" / f"{someone.player_id}.json")["games"]["cs2"]["game_player_id"]
    assert (await _get(http, sim, f"/players?game=cs2&game_player_id={steam}"))[1] == body

    late = dict(
        _load(root / "players" / f"{someone.player_id}.json"), player_id="late-1", nickname="LateComer"
    )
    (root / "players" / "late-1.json").write_text(json.dumps(late))
    try:
        status, body, _ = await _get(http, sim, "/players?nickname=LateComer")
        assert status == 200 and json.loads(body)["player_id"] == "late-1"
    finally:
        (root / "players" / "late-1.json").unlink()
    assert (await _get(http, sim, "/players?nickname=LateComer"))[0] == 404


async def test_search_is_case_insensitive_substring_with_paging(sim: FaceitSim, http, tree) -> None:
    _, _, world = tree
    needle = "a"
    expected = {p.nickname for p in world.players if needle in p.nickname.lower()} | {"Darwin"}
    status, body, _ = await _get(http, sim, f"/search/players?nickname={needle.upper()}&game=cs2&limit=100")
    assert status == 200
    doc = json.loads(body)
    assert {i["nickname"] for i in doc["items"]} == expected
    assert (doc["start"], doc["end"]) == (0, len(expected))
    sample_item = json.loads(_sample("search_players.json"))["items"][0]
    for item in doc["items"]:
        assert item.keys() == sample_item.keys()
        assert item["country"].isupper() and item["games"][0]["name"] == "cs2"
        assert isinstance(item["games"][0]["skill_level"], str)
    someone = next(p for p in world.players if needle in p.nickname.lower())
    found = next(i for i in doc["items"] if i["nickname"] == someone.nickname)
    assert (found["player_id"], found["games"][0]["skill_level"]) == (
        someone.player_id,
        str(someone.skill_level),
    )

    status, body, _ = await _get(http, sim, f"/search/players?nickname={needle}&offset=2&limit=3")
    page = json.loads(body)
    assert [i["nickname"] for i in page["items"]] == [i["nickname"] for i in doc["items"][2:5]]
    assert (page["start"], page["end"]) == (2, 5)
    exact = json.loads((await _get(http, sim, "/search/players?nickname=darwin"))[1])
    assert exact["items"][0]["nickname"] == "Darwin"


async def test_history_paging_and_time_window(sim: FaceitSim, http, tree) -> None:
    _, ids, _ = tree
    recorded = json.loads(_sample("player_history.json"))
    base = f"/players/{ids.player_id}/history?game=cs2"
    page = json.loads((await _get(http, sim, base + "&offset=3&limit=5"))[1])
    assert page["items"] == recorded["items"][3:8]
    assert (page["start"], page["end"]) == (3, 8)
    assert (
        json.loads((await _get(http, sim, base + "&offset=18&limit=5"))[1])["items"] == recorded["items"][18:]
    )

    cut = recorded["items"][5]["finished_at"]
    window = json.loads((await _get(http, sim, base + f"&from={cut}"))[1])
    assert window["items"] == [i for i in recorded["items"] if i["finished_at"] >= cut]
    assert window["from"] == cut
    rows = json.loads((await _get(http, sim, f"/players/{ids.player_id}/games/cs2/stats?limit=2"))[1])
    assert rows["items"] == json.loads(_sample("player_games_stats_cs2.json"))["items"][:2]
    assert (await _get(http, sim, base + "&limit=0"))[0] == 400
    assert (await _get(http, sim, base + "&offset=x"))[0] == 400


async def test_missing_resource_is_faceit_shaped_404(sim: FaceitSim, http, tree) -> None:
    _, _, world = tree
    for path in (
        "/matches/1-nope",
        "/players/nope/stats/cs2",
        f"/matches/{world.live[0]}/stats",
        "/players/..",
    ):
        status, body, headers = await _get(http, sim, path)
        assert status == 404, path
        assert json.loads(body) == NOT_FOUND
        assert headers["Content-Type"] == "application/json; charset=utf-8"


async def test_auth_is_required(sim: FaceitSim, tree) -> None:
    _, ids, _ = tree
    url = f"{sim.base_url}/players/{ids.player_id}"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
        async with aiohttp.ClientSession(headers=headers) as session, session.get(url) as resp:
            assert resp.status == 401
            error = (await resp.json())["errors"][0]
            assert error["code"] == "err_unauthorized" and error["http_status"] == 401


async def test_latency_is_applied(sim: FaceitSim, http, tree) -> None:
    sim.latency_ms = 150
    started = time.monotonic()
    status, _, _ = await _get(http, sim, f"/players/{tree[1].player_id}")
    assert status == 200 and time.monotonic() - started >= 0.15


async def test_fault_rate_429_carries_retry_after(sim: FaceitSim, http, tree) -> None:
    sim.set_faults(1.0, "429", retry_after=3)
    for _ in range(3):
        status, body, headers = await _get(http, sim, f"/players/{tree[1].player_id}")
        assert status == 429 and headers["Retry-After"] == "3"
        assert json.loads(body)["errors"][0]["http_status"] == 429
    sim.clear_faults()
    assert (await _get(http, sim, f"/players/{tree[1].player_id}"))[0] == 200


def test_fault_rate_is_seeded(tree) -> None:
    def pattern() -> list[str | None]:
        sim = FaceitSim(tree[0], api_key=KEY, fault_rate=0.5, fault_kind="503", seed=42)
        return [sim._next_fault("/data/v4/x") for _ in range(40)]

    first = pattern()
    assert first == pattern() and "503" in first and None in first
    with pytest.raises(ValueError):
        FaceitSim(tree[0], api_key=KEY, fault_rate=2)


async def test_fail_next_then_recover_and_path_filter(sim: FaceitSim, http, tree) -> None:
    pid = tree[1].player_id
    sim.fail_next(2, "500")
    assert [(await _get(http, sim, f"/players/{pid}"))[0] for _ in range(3)] == [500, 500, 200]
    sim.fail_next(1, "503", path="/stats")
    assert (await _get(http, sim, f"/players/{pid}"))[0] == 200
    assert (await _get(http, sim, f"/players/{pid}/stats/cs2"))[0] == 503
    assert (await _get(http, sim, f"/players/{pid}/stats/cs2"))[0] == 200


async def test_hang_outlasts_client_timeout(sim: FaceitSim, http, tree) -> None:
    sim.hang_s = 5
    sim.fail_next(1, "hang")
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await _get(http, sim, f"/players/{tree[1].player_id}", timeout=aiohttp.ClientTimeout(total=0.2))
    assert time.monotonic() - started < 2
    assert (await _get(http, sim, f"/players/{tree[1].player_id}"))[0] == 200


async def test_faults_over_http(sim: FaceitSim, http, tree) -> None:
    control = sim.base_url.replace("/data/v4", "/_sim/faults")
    async with http.post(control, json={"next": 1, "kind": "429", "retry_after": 2}) as resp:
        assert resp.status == 200
    status, _, headers = await _get(http, sim, f"/players/{tree[1].player_id}")
    assert status == 429 and headers["Retry-After"] == "2"
    async with http.post(control, json={"rate": 1, "kind": "502"}) as resp:
        assert (await resp.json())["rate"] == 1
    assert (await _get(http, sim, f"/players/{tree[1].player_id}"))[0] == 502
    async with http.delete(control) as resp:
        assert resp.status == 200
    assert (await _get(http, sim, f"/players/{tree[1].player_id}"))[0] == 200
    async with http.post(control, json={"rate": 1, "kind": "teapot"}) as resp:
        assert resp.status == 400


async def test_call_counts_by_route_and_reset(sim: FaceitSim, http, tree) -> None:
    pid, mid = tree[1].player_id, tree[1].match_ids[0]
    for path in (
        f"/players/{pid}",
        f"/players/{pid}/stats/cs2",
        f"/players/{pid}/stats/cs2",
        f"/players/{pid}/history?limit=5",
        f"/players/{pid}/games/cs2/stats",
        f"/matches/{mid}",
        f"/matches/{mid}/stats",
        "/players?nickname=Darwin",
        "/search/players?nickname=x",
    ):
        await _get(http, sim, path)
    stats_url = sim.base_url.replace("/data/v4", "/_sim/stats")
    async with http.get(stats_url) as resp:
        served = await resp.json()
    assert served == sim.stats()
    assert served["total"] == 9
    assert served["by_route"] == {
        "/v4/players/{playerId}": 1,
        "/v4/players/{playerId}/stats/{gameId}": 2,
        "/v4/players/{playerId}/history": 1,
        "/v4/players/{playerId}/games/{gameId}/stats": 1,
        "/v4/matches/{matchId}": 1,
        "/v4/matches/{matchId}/stats": 1,
        "/v4/players": 1,
        "/v4/search/players": 1,
    }
    assert served["by_path"][f"/data/v4/players/{pid}/stats/cs2"] == 2
    async with http.post(stats_url.replace("/stats", "/reset")) as resp:
        assert (await resp.json())["total"] == 0
    assert sim.stats() == {"total": 0, "rate_limited": 0, "by_route": {}, "by_path": {}}


async def test_simulated_rate_limit_headers(tree) -> None:
    now = [100.25]
    async with (
        FaceitSim(tree[0], api_key=KEY, rate_limit=3, clock=lambda: now[0]) as sim,
        aiohttp.ClientSession(headers=AUTH) as http,
    ):
        seen = [await _get(http, sim, f"/players/{tree[1].player_id}") for _ in range(4)]
        assert [s for s, _, _ in seen] == [200, 200, 200, 429]
        assert [h["ratelimit-remaining"] for _, _, h in seen] == ["2", "1", "0", "0"]
        assert seen[0][2]["ratelimit-limit"] == "3, 3;w=1" and seen[3][2]["Retry-After"] == "1"
        now[0] = 101.1
        assert (await _get(http, sim, f"/players/{tree[1].player_id}"))[0] == 200


# -- the generated world ------------------------------------------------------------------------
def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_world_is_deterministic(tmp_path: Path) -> None:
    a = build_world(tmp_path / "a", seed=5, players=20, matches=8)
    b = build_world(tmp_path / "b", seed=5, players=20, matches=8)
    build_world(tmp_path / "c", seed=6, players=20, matches=8)
    assert _tree_bytes(tmp_path / "a") == _tree_bytes(tmp_path / "b")
    assert _tree_bytes(tmp_path / "a") != _tree_bytes(tmp_path / "c")
    assert a.players == b.players and a.matches == b.matches


def _same_keys(generated: dict, recorded: dict, where: str) -> None:
    assert set(generated) == set(recorded), f"{where}: {set(generated) ^ set(recorded)}"


def test_world_is_consistent(tree) -> None:
    root, _, world = tree
    assert len({p.nickname for p in world.players}) == len(world.players)
    assert len(world.live) >= 2 and len(world.finished) >= 1
    rec_match = _load(SAMPLES / "match_details_2.json")
    rec_stats = _load(SAMPLES / "match_stats_2.json")["rounds"][0]
    rec_line = rec_stats["teams"][0]["players"][0]["player_stats"]
    sides: Counter[tuple[str, ...]] = Counter()
    lines: dict[tuple[str, str], dict] = {}
    for mid in world.finished + world.live:
        match = _load(root / "matches" / f"{mid}.json")
        teams = match["teams"]
        assert [len(teams[f]["roster"]) for f in ("faction1", "faction2")] == [5, 5]
        rosters = {teams[f]["faction_id"]: {p["player_id"] for p in teams[f]["roster"]} for f in teams}
        assert len(set().union(*rosters.values())) == 10
        for team in teams.values():
            for group in world.premades:
                if set(group) <= {p["player_id"] for p in team["roster"]}:
                    sides[group] += 1
        entities = match["voting"]["map"]["entities"]
        assert all(e["name"][0].isupper() and e["class_name"].startswith("de_") for e in entities)
        assert match["voting"]["map"]["pick"][0] in {e["game_map_id"] for e in entities}
        stats_file = root / "matches" / mid / "stats.json"
        if mid in world.live:
            assert match["status"] in ("READY", "ONGOING") and "results" not in match
            assert not stats_file.exists()
            continue
        _same_keys(match, rec_match, "match details")
        assert match["status"] == "FINISHED"
        stats = _load(stats_file)["rounds"][0]
        _same_keys(stats, rec_stats, "match stats")
        score = match["results"]["score"]
        winner = teams[match["results"]["winner"]]["faction_id"]
        assert stats["round_stats"]["Winner"] == winner
        assert stats["round_stats"]["Score"] == f"{score['faction1']} / {score['faction2']}"
        assert int(stats["round_stats"]["Rounds"]) == score["faction1"] + score["faction2"]
        assert {t["team_id"]: {p["player_id"] for p in t["players"]} for t in stats["teams"]} == rosters
        kills = {
            t["team_id"]: sum(int(p["player_stats"]["Kills"]) for p in t["players"]) for t in stats["teams"]
        }
        deaths = {
            t["team_id"]: sum(int(p["player_stats"]["Deaths"]) for p in t["players"]) for t in stats["teams"]
        }
        a, b = kills
        assert deaths[b] - 1 <= kills[a] <= deaths[b] and deaths[a] - 1 <= kills[b] <= deaths[a]
        for team in stats["teams"]:
            won = team["team_id"] == winner
            assert team["team_stats"]["Team Win"] == str(int(won))
            assert sum(int(p["player_stats"]["MVPs"]) for p in team["players"]) == int(
                team["team_stats"]["Final Score"]
            )
            for p in team["players"]:
                _same_keys(p["player_stats"], rec_line, "player_stats")
                assert p["player_stats"]["Result"] == str(int(won))
                lines[(mid, p["player_id"])] = p["player_stats"]
    for group in world.premades:
        assert sides[group] >= 2, "a premade should queue together on one side repeatedly"

    rec_player = _load(SAMPLES / "player_details.json")
    rec_lifetime = _load(SAMPLES / "player_stats_cs2.json")
    rec_row = _load(SAMPLES / "player_games_stats_cs2.json")["items"][0]["stats"]
    rec_item = _load(SAMPLES / "player_history.json")["items"][0]
    for wp in world.players:
        base = root / "players" / wp.player_id
        player = _load(root / "players" / f"{wp.player_id}.json")
        _same_keys(player, rec_player, "player")
        cs2 = player["games"]["cs2"]
        assert cs2["skill_level"] == skill_level(cs2["faceit_elo"]) == wp.skill_level
        history = _load(base / "history.json")["items"]
        rows = [r["stats"] for r in _load(base / "games" / "cs2" / "stats.json")["items"]]
        mine = [m for m in world.finished if (m, wp.player_id) in lines]
        assert {h["match_id"] for h in history} == set(mine)
        assert [h["finished_at"] for h in history] == sorted(
            (h["finished_at"] for h in history), reverse=True
        )
        assert [r["Match Id"] for r in rows] == [h["match_id"] for h in history]
        for h, row in zip(history, rows, strict=True):
            _same_keys(h, rec_item, "history item")
            _same_keys(row, rec_row, "games stats row")
            assert h["status"] == "finished" and wp.player_id in h["playing_players"]
            assert row["Match Finished At"] == h["finished_at"] * 1000 and row["Map"].startswith("de_")
            line = lines[(h["match_id"], wp.player_id)]
            assert (row["Kills"], row["Deaths"], row["ADR"], row["Result"]) == (
                line["Kills"],
                line["Deaths"],
                line["ADR"],
                line["Result"],
            )
        stats = _load(base / "stats" / "cs2.json")
        _same_keys(stats["lifetime"], rec_lifetime["lifetime"], "lifetime")
        life = stats["lifetime"]
        assert abs(int(life["Win Rate %"]) - 100 * int(life["Wins"]) / int(life["Matches"])) <= 0.5
        assert sum(int(s["stats"]["Matches"]) for s in stats["segments"]) == int(life["Matches"])
        if rows:
            assert life["Recent Results"][-1] == rows[0]["Result"], "Recent Results end with the newest match"
        for seg in stats["segments"]:
            _same_keys(seg, rec_lifetime["segments"][0], "segment")
            _same_keys(seg["stats"], rec_lifetime["segments"][0]["stats"], "segment stats")
            s = seg["stats"]
            assert not seg["label"].startswith("de_") and all(isinstance(v, str) for v in s.values())
            assert abs(int(s["Win Rate %"]) - 100 * int(s["Wins"]) / int(s["Matches"])) <= 0.5


async def test_world_players_are_served(sim: FaceitSim, http, tree) -> None:
    _, _, world = tree
    for wp in world.players[:5]:
        status, body, _ = await _get(http, sim, f"/players?nickname={wp.nickname}")
        assert status == 200 and json.loads(body)["games"]["cs2"]["faceit_elo"] == wp.elo
        status, body, _ = await _get(http, sim, f"/players/{wp.player_id}/history?game=cs2&offset=0&limit=1")
        assert status == 200 and len(json.loads(body)["items"]) <= 1


def test_world_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world_main(["--out", str(tmp_path), "--seed", "2", "--players", "12", "--matches", "3", "--compact"])
    assert "12 players" in capsys.readouterr().out
    assert len(list((tmp_path / "players").glob("*.json"))) == 12
    assert len(list((tmp_path / "matches").glob("*.json"))) == 3


async def test_demo_world_is_bundled_and_served(http) -> None:
    root = demo_world_path()
    assert (root / "README.md").is_file()
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size < 2_200_000
    async with FaceitSim(root, api_key=KEY) as sim:
        for nickname in (*DEMO_NICKNAMES, "Darwin"):
            assert (await _get(http, sim, f"/players?nickname={nickname}"))[0] == 200, nickname

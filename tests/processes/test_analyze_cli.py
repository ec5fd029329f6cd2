"""`faceitbot analyze --json`: the documented keys, numbers as numbers."""

import asyncio
import json
import os
import sys

from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import World
from tests.conftest import FACEIT_KEY, ROOT


async def test_analyze_prints_the_documented_json(faceit_sim: FaceitSim, world: World) -> None:
    match_id = world.live[0]
    env = {**os.environ, "FACEIT_API_KEY": FACEIT_KEY, "FACEIT_API_URL": faceit_sim.base_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "faceitbot.cli",
        "analyze",
        f"https://www.faceit.com/ru/cs2/room/{match_id}",
        "--json",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    doc = json.loads(out)
    assert set(doc) == {
        "match_id",
        "status",
        "maps",
        "teams",
        "map_advice",
        "faceit_calls",
        "cache_hits",
        "elapsed_ms",
    }
    assert doc["match_id"] == match_id
    assert set(doc["maps"]) == {"pool", "picked"}
    assert len(doc["teams"]) == 2
    team = doc["teams"][0]
    assert {"faction", "name", "avg_elo", "win_probability", "players"} <= set(team)
    # the world's rooms carry FACEIT's own chance, rounded to two places as FACEIT sends it
    assert team["faceit_win_probability"] == round(team["win_probability"], 2)
    assert all(isinstance(g, list) and len(g) >= 2 for g in team["parties"])
    player = team["players"][0]
    assert set(player) == {
        "player_id",
        "nickname",
        "level",
        "elo",
        "lifetime",
        "recent",
        "maps",
        "danger",
        "rating",
        "skills",
        "flag",
    }
    assert set(player["rating"]) == {"value", "rounds", "estimated_bonus"}
    assert player["skills"]["entry"]["count"] >= player["skills"]["entry"]["wins"]
    assert set(player["lifetime"]) == {"matches", "win_rate", "kd", "hs_pct"}
    assert set(player["recent"]) == {"matches", "win_rate", "kd", "adr", "avg_kills"}
    assert isinstance(player["elo"], int) and isinstance(player["recent"]["kd"], float)
    assert isinstance(team["win_probability"], float)
    assert doc["teams"][0]["win_probability"] + doc["teams"][1]["win_probability"] == 1.0
    advice = doc["map_advice"][0]
    assert set(advice) == {
        "map",
        "team1_win_rate",
        "team2_win_rate",
        "recommendation",
        "team1_shrunk",
        "team2_shrunk",
    }
    assert doc["faceit_calls"] == 31 and doc["cache_hits"] == 0
    assert isinstance(doc["elapsed_ms"], int)


async def test_analyze_rejects_bad_input() -> None:
    env = {**os.environ, "FACEIT_API_KEY": "key-of-a-test", "FACEIT_API_URL": "http://127.0.0.1:9/data/v4"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "faceitbot.cli",
        "analyze",
        "not-a-match",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert "That isn't a FACEIT match room." in err.decode()

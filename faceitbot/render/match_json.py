"""The documented JSON shape of an analysis (`faceitbot analyze --json`). Keys are stable."""

from __future__ import annotations

from typing import Any

from faceitbot.analysis.match import PlayerReport
from faceitbot.services.analysis import AnalysisResult


def _player(p: PlayerReport) -> dict[str, Any]:
    return {
        "player_id": p.player_id,
        "nickname": p.nickname,
        "level": p.level,
        "elo": p.elo,
        "lifetime": {
            "matches": p.lifetime.matches,
            "win_rate": p.lifetime.win_rate,
            "kd": p.lifetime.kd,
            "hs_pct": p.lifetime.hs_pct,
        },
        "recent": {
            "matches": p.recent.matches,
            "win_rate": p.recent.win_rate,
            "kd": p.recent.kd,
            "adr": p.recent.adr,
            "avg_kills": p.recent.avg_kills,
        },
        "maps": {name: {"matches": m.matches, "win_rate": m.win_rate, "kd": m.kd} for name, m in p.maps.items()},
        "danger": p.danger,
    }


def analysis_json(result: AnalysisResult) -> dict[str, Any]:
    r = result.report
    return {
        "match_id": r.match_id,
        "status": r.status,
        "maps": {"pool": list(r.map_pool), "picked": list(r.maps_picked)},
        "teams": [
            {
                "faction": t.faction,
                "name": t.name,
                "avg_elo": t.avg_elo,
                "win_probability": t.win_probability,
                "expected_elo": {"gain": r.elo_gain.get(t.faction, 0), "loss": r.elo_loss.get(t.faction, 0)},
                "players": [_player(p) for p in t.players],
            }
            for t in r.teams
        ],
        "map_advice": [
            {
                "map": a.map,
                "team1_win_rate": a.team1_win_rate,
                "team2_win_rate": a.team2_win_rate,
                "recommendation": a.recommendation,
            }
            for a in r.map_advice
        ],
        "faceit_calls": result.faceit_calls,
        "cache_hits": result.cache_hits,
        "elapsed_ms": result.elapsed_ms,
    }

"""The documented JSON shape of an analysis (`faceitbot analyze --json`). Keys are stable."""

from __future__ import annotations

from typing import Any

from faceitbot.analysis.match import PlayerReport
from faceitbot.analysis.skills import Duels
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
        "maps": {
            name: {"matches": m.matches, "win_rate": m.win_rate, "kd": m.kd} for name, m in p.maps.items()
        },
        "danger": p.danger,
        "rating": None
        if p.rating is None
        else {
            "value": p.rating.value,
            "rounds": p.rating.rounds,
            "estimated_bonus": p.rating.estimated_bonus,
        },
        "skills": None
        if p.skills is None
        else {
            "entry_per_round": p.skills.entry_per_round,
            "entry": _duels(p.skills.entry),
            "clutch_1v1": _duels(p.skills.clutch_1v1),
            "clutch_1v2": _duels(p.skills.clutch_1v2),
            "utility_damage_per_round": p.skills.utility_damage_per_round,
            "flash": _duels(p.skills.flash),
            "multi_kills": p.skills.multi_kills,
        },
        "flag": None
        if p.flag is None
        else {
            "kind": p.flag.kind,
            "lifetime_matches": p.flag.lifetime_matches,
            "reasons": [{"metric": r.metric, "value": r.value, "limit": r.limit} for r in p.flag.reasons],
        },
    }


def _duels(d: Duels | None) -> dict[str, Any] | None:
    return None if d is None else {"wins": d.wins, "count": d.count, "rate": d.rate}


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
                "faceit_win_probability": t.faceit_win_probability,
                "parties": [list(g) for g in t.parties],
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
                "team1_shrunk": a.team1_shrunk,
                "team2_shrunk": a.team2_shrunk,
            }
            for a in r.map_advice
        ],
        "faceit_calls": result.faceit_calls,
        "cache_hits": result.cache_hits,
        "elapsed_ms": result.elapsed_ms,
    }

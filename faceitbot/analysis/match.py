"""Pre-game match analysis: both rosters, every player's strength and form, map advice, chances.

Pure: FACEIT models in, result structs out. The numbers are those FACEIT reports; anything we
derive (recent averages, team map rates) is computed from per-match rows, never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from faceitbot.analysis.elo import expected_change, win_probability
from faceitbot.analysis.numbers import num
from faceitbot.faceit.models import GameStats, Match, Player, PlayerStats

RECENT_MATCHES = 20
DANGER_KD = 1.2
DANGER_ADR = 85.0
DANGER_ELO_MARGIN = 300
MAP_ADVICE_MARGIN = 5.0  # percentage points between the teams before we call a map a pick or a ban


@dataclass(frozen=True, slots=True)
class Lifetime:
    matches: int
    win_rate: float
    kd: float
    hs_pct: float


@dataclass(frozen=True, slots=True)
class Recent:
    matches: int
    win_rate: float
    kd: float
    adr: float
    avg_kills: float


@dataclass(frozen=True, slots=True)
class MapRecord:
    matches: int
    wins: int
    win_rate: float
    kd: float


@dataclass(frozen=True, slots=True)
class PlayerReport:
    player_id: str
    nickname: str
    level: int
    elo: int
    lifetime: Lifetime
    recent: Recent
    maps: dict[str, MapRecord]
    danger: bool = False


@dataclass(frozen=True, slots=True)
class TeamReport:
    faction: str
    name: str
    avg_elo: int
    win_probability: float
    players: tuple[PlayerReport, ...]


@dataclass(frozen=True, slots=True)
class MapAdvice:
    map: str
    team1_win_rate: float | None
    team2_win_rate: float | None
    recommendation: str  # "pick" / "ban" for team 1, or "neutral" / "unknown"


@dataclass(frozen=True, slots=True)
class MatchReport:
    match_id: str
    status: str
    competition: str
    map_pool: tuple[str, ...]
    maps_picked: tuple[str, ...]
    teams: tuple[TeamReport, TeamReport]
    map_advice: tuple[MapAdvice, ...]
    elo_gain: dict[str, int] = field(default_factory=dict)  # faction → expected gain if it wins
    elo_loss: dict[str, int] = field(default_factory=dict)  # faction → expected loss if it loses


@dataclass(frozen=True, slots=True)
class PlayerData:
    """What the fetch stage collected for one roster player."""

    player: Player | None
    stats: PlayerStats | None
    recent: GameStats | None


def lifetime(stats: PlayerStats | None) -> Lifetime:
    life = stats.lifetime if stats else {}
    return Lifetime(
        matches=round(num(life.get("Matches"))),
        win_rate=num(life.get("Win Rate %")),
        kd=num(life.get("Average K/D Ratio")),
        hs_pct=num(life.get("Average Headshots %")),
    )


def recent_form(rows: GameStats | None, limit: int = RECENT_MATCHES) -> Recent:
    """Sums over the per-match rows, then ratios: a 40-kill game weighs what it should."""
    items = [r.stats for r in (rows.items if rows else [])][:limit]
    if not items:
        return Recent(0, 0.0, 0.0, 0.0, 0.0)
    kills = sum(num(s.get("Kills")) for s in items)
    deaths = sum(num(s.get("Deaths")) for s in items)
    wins = sum(1 for s in items if str(s.get("Result")) == "1")
    rounds = sum(num(s.get("Rounds")) for s in items)
    if rounds:
        adr = sum(num(s.get("ADR")) * num(s.get("Rounds")) for s in items) / rounds
    else:
        adr = sum(num(s.get("ADR")) for s in items) / len(items)
    n = len(items)
    return Recent(
        matches=n,
        win_rate=round(100.0 * wins / n, 1),
        kd=round(kills / deaths, 2) if deaths else round(kills, 2),
        adr=round(adr, 1),
        avg_kills=round(kills / n, 1),
    )


def map_records(stats: PlayerStats | None) -> dict[str, MapRecord]:
    records: dict[str, MapRecord] = {}
    for seg in stats.segments if stats else []:
        if seg.type.lower() != "map" or seg.mode != "5v5":
            continue
        matches = round(num(seg.stats.get("Matches")))
        wins = round(num(seg.stats.get("Wins")))
        records[seg.label] = MapRecord(
            matches=matches,
            wins=wins,
            win_rate=round(100.0 * wins / matches, 1) if matches else 0.0,
            kd=num(seg.stats.get("Average K/D Ratio")),
        )
    return records


def _player_report(player_id: str, nickname: str, level: int, data: PlayerData) -> PlayerReport:
    game = data.player.cs2 if data.player else None
    return PlayerReport(
        player_id=player_id,
        nickname=data.player.nickname if data.player else nickname,
        level=game.skill_level if game else level,
        elo=game.faceit_elo if game else 0,
        lifetime=lifetime(data.stats),
        recent=recent_form(data.recent),
        maps=map_records(data.stats),
    )


def _is_danger(p: PlayerReport, match_avg_elo: float) -> bool:
    hot_form = p.recent.matches >= 5 and p.recent.kd >= DANGER_KD and p.recent.adr >= DANGER_ADR
    return hot_form or (p.elo > 0 and p.elo >= match_avg_elo + DANGER_ELO_MARGIN)


def map_pool(match: Match) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """(pool display names, picked display names, de_* id → display name)."""
    voting = match.voting.map if match.voting and match.voting.map else None
    if voting is None:
        return (), (), {}
    names: dict[str, str] = {}
    for e in voting.entities:
        label = e.name or e.class_name
        for ident in (e.class_name, e.game_map_id, e.guid):
            if ident:
                names[ident] = label
    pool = tuple(dict.fromkeys(e.name or e.class_name for e in voting.entities))
    picked = tuple(names.get(p, p) for p in voting.pick)
    return pool, picked, names


def team_map_rate(players: tuple[PlayerReport, ...], map_name: str) -> float | None:
    """Sum of wins over sum of matches on that map, across the team's players."""
    wins = matches = 0
    for p in players:
        rec = p.maps.get(map_name)
        if rec:
            wins += rec.wins
            matches += rec.matches
    return round(100.0 * wins / matches, 1) if matches else None


def advise_maps(
    pool: tuple[str, ...], team1: tuple[PlayerReport, ...], team2: tuple[PlayerReport, ...]
) -> tuple[MapAdvice, ...]:
    advice = []
    for name in pool:
        r1, r2 = team_map_rate(team1, name), team_map_rate(team2, name)
        if r1 is None or r2 is None:
            rec = "unknown"
        elif r1 - r2 >= MAP_ADVICE_MARGIN:
            rec = "pick"
        elif r2 - r1 >= MAP_ADVICE_MARGIN:
            rec = "ban"
        else:
            rec = "neutral"
        advice.append(MapAdvice(name, r1, r2, rec))

    def order(a: MapAdvice) -> tuple[int, float]:
        if a.team1_win_rate is None or a.team2_win_rate is None:
            return (1, 0.0)
        return (0, -(a.team1_win_rate - a.team2_win_rate))

    return tuple(sorted(advice, key=order))


def analyse(match: Match, data: dict[str, PlayerData]) -> MatchReport:
    factions = [(key, match.teams[key]) for key in ("faction1", "faction2") if key in match.teams]
    if len(factions) != 2:
        raise ValueError("a match room has two factions")
    rosters: list[tuple[str, str, list[PlayerReport]]] = []
    for key, faction in factions:
        reports = [
            _player_report(
                r.player_id,
                r.nickname,
                r.game_skill_level,
                data.get(r.player_id, PlayerData(None, None, None)),
            )
            for r in faction.roster
        ]
        rosters.append((key, faction.name or key, reports))

    elos = [p.elo for _, _, ps in rosters for p in ps if p.elo]
    match_avg = sum(elos) / len(elos) if elos else 0.0
    avg = []
    for _, _, ps in rosters:
        known = [p.elo for p in ps if p.elo]
        avg.append(round(sum(known) / len(known)) if known else 0)

    p1 = win_probability(avg[0], avg[1])
    teams = []
    for i, (key, name, ps) in enumerate(rosters):
        marked = tuple(
            PlayerReport(
                **{
                    **{f: getattr(p, f) for f in PlayerReport.__dataclass_fields__},
                    "danger": _is_danger(p, match_avg),
                }
            )
            for p in ps
        )
        teams.append(TeamReport(key, name, avg[i], round(p1 if i == 0 else 1 - p1, 4), marked))

    pool, picked, _ = map_pool(match)
    gain1, loss1 = expected_change(avg[0], avg[1])
    gain2, loss2 = expected_change(avg[1], avg[0])
    return MatchReport(
        match_id=match.match_id,
        status=match.status.upper(),
        competition=match.competition_name,
        map_pool=pool,
        maps_picked=picked,
        teams=(teams[0], teams[1]),
        map_advice=advise_maps(pool, teams[0].players, teams[1].players),
        elo_gain={teams[0].faction: gain1, teams[1].faction: gain2},
        elo_loss={teams[0].faction: loss1, teams[1].faction: loss2},
    )

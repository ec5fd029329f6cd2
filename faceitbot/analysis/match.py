"""Pre-game match analysis: both rosters, every player's strength and form, map advice, chances.

Pure: FACEIT models in, result structs out. The numbers are those FACEIT reports; anything we
derive (recent averages, team map rates) is computed from per-match rows, never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from faceitbot.analysis.elo import expected_change, win_probability
from faceitbot.analysis.numbers import num
from faceitbot.analysis.parties import find_parties
from faceitbot.analysis.rating import Rating, recent_rating
from faceitbot.analysis.skills import Skills, skills
from faceitbot.analysis.smurfs import Flag, flag
from faceitbot.faceit.models import GameStats, Match, Player, PlayerStats

RECENT_MATCHES = 20
DANGER_KD = 1.2
DANGER_ADR = 85.0
DANGER_ELO_MARGIN = 300
MAP_ADVICE_MARGIN = 5.0  # percentage points between the teams before we call a map a pick or a ban
# Map win rates are pulled toward 50 % by this many pseudo-matches before pick/ban, so that a
# 3-0 map reads 67 %, not a lock.
MAP_SHRINK_K = 6


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
    rating: Rating | None = None
    skills: Skills | None = None
    flag: Flag | None = None


@dataclass(frozen=True, slots=True)
class TeamReport:
    faction: str
    name: str
    avg_elo: int
    win_probability: float
    players: tuple[PlayerReport, ...]
    faceit_win_probability: float | None = None  # FACEIT's own, from the match room, when it gives one
    parties: tuple[tuple[str, ...], ...] = ()  # player ids of each premade in this team


@dataclass(frozen=True, slots=True)
class MapAdvice:
    map: str
    team1_win_rate: float | None
    team2_win_rate: float | None
    recommendation: str  # "pick" / "ban" for team 1, or "neutral" / "unknown"
    team1_shrunk: float | None = None  # the rates the recommendation is made on
    team2_shrunk: float | None = None


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


def recent_rows(rows: GameStats | None, limit: int = RECENT_MATCHES) -> list[dict[str, str | int]]:
    return [r.stats for r in (rows.items if rows else [])][:limit]


def _player_report(player_id: str, nickname: str, level: int, data: PlayerData) -> PlayerReport:
    game = data.player.cs2 if data.player else None
    life, recent = lifetime(data.stats), recent_form(data.recent)
    rows = recent_rows(data.recent)
    level = game.skill_level if game else level
    raw_life = data.stats.lifetime if data.stats else None
    return PlayerReport(
        player_id=player_id,
        nickname=data.player.nickname if data.player else nickname,
        level=level,
        elo=game.faceit_elo if game else 0,
        lifetime=life,
        recent=recent,
        maps=map_records(data.stats),
        rating=recent_rating(rows, raw_life),
        skills=skills(raw_life, rows) if data.stats or rows else None,
        flag=flag(
            level=level,
            lifetime_matches=life.matches,
            recent_matches=recent.matches,
            kd=recent.kd,
            adr=recent.adr,
            win_rate=recent.win_rate,
        )
        if data.stats
        else None,
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


def _team_map_record(players: tuple[PlayerReport, ...], map_name: str) -> tuple[int, int]:
    wins = matches = 0
    for p in players:
        rec = p.maps.get(map_name)
        if rec:
            wins += rec.wins
            matches += rec.matches
    return wins, matches


def team_map_rate(players: tuple[PlayerReport, ...], map_name: str) -> float | None:
    """Sum of wins over sum of matches on that map, across the team's players."""
    wins, matches = _team_map_record(players, map_name)
    return round(100.0 * wins / matches, 1) if matches else None


def shrunk_rate(wins: int, matches: int, k: int = MAP_SHRINK_K) -> float:
    """The win rate with k pseudo-matches at 50 % added: few matches stay close to even."""
    return round(100.0 * (wins + k / 2) / (matches + k), 1)


def team_map_shrunk(players: tuple[PlayerReport, ...], map_name: str) -> float | None:
    wins, matches = _team_map_record(players, map_name)
    return shrunk_rate(wins, matches) if matches else None


def advise_maps(
    pool: tuple[str, ...], team1: tuple[PlayerReport, ...], team2: tuple[PlayerReport, ...]
) -> tuple[MapAdvice, ...]:
    advice = []
    for name in pool:
        s1, s2 = team_map_shrunk(team1, name), team_map_shrunk(team2, name)
        if s1 is None or s2 is None:
            rec = "unknown"
        elif s1 - s2 >= MAP_ADVICE_MARGIN:
            rec = "pick"
        elif s2 - s1 >= MAP_ADVICE_MARGIN:
            rec = "ban"
        else:
            rec = "neutral"
        advice.append(MapAdvice(name, team_map_rate(team1, name), team_map_rate(team2, name), rec, s1, s2))

    def order(a: MapAdvice) -> tuple[int, float]:
        if a.team1_shrunk is None or a.team2_shrunk is None:
            return (1, 0.0)
        return (0, -(a.team1_shrunk - a.team2_shrunk))

    return tuple(sorted(advice, key=order))


def analyse(match: Match, data: dict[str, PlayerData]) -> MatchReport:
    factions = [(key, match.teams[key]) for key in ("faction1", "faction2") if key in match.teams]
    if len(factions) != 2:
        raise ValueError("a match room has two factions")
    rosters: list[tuple[str, str, list[PlayerReport]]] = []
    rows = {pid: recent_rows(d.recent) for pid, d in data.items()}
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
        marked = tuple(replace(p, danger=_is_danger(p, match_avg)) for p in ps)
        stats = match.teams[key].stats
        faceit_p = stats.winProbability if stats is not None else None
        teams.append(
            TeamReport(
                key,
                name,
                avg[i],
                round(p1 if i == 0 else 1 - p1, 4),
                marked,
                faceit_win_probability=faceit_p,
                parties=find_parties([p.player_id for p in ps], rows),
            )
        )

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

"""The last-match card: one player's line from a match scoreboard, and the teammates' lines."""

from __future__ import annotations

from dataclasses import dataclass

from faceitbot.analysis.numbers import num, whole
from faceitbot.faceit.models import MatchPlayerStats, MatchStats


@dataclass(frozen=True, slots=True)
class ScoreLine:
    player_id: str
    nickname: str
    kills: int
    deaths: int
    assists: int
    kd: float
    adr: float
    hs_pct: float
    mvps: int
    doubles: int
    triples: int
    quadros: int
    pentas: int
    entry_count: int
    entry_wins: int
    clutch_1v1: tuple[int, int]  # (won, played)
    clutch_1v2: tuple[int, int]


@dataclass(frozen=True, slots=True)
class TeamBoard:
    name: str
    score: int
    won: bool
    players: tuple[ScoreLine, ...]  # most kills first


@dataclass(frozen=True, slots=True)
class LastMatch:
    match_id: str
    map: str
    score: str  # the player's team first: "13 / 10"
    rounds: int
    won: bool
    player: ScoreLine
    team: TeamBoard  # the player's team, the player included
    enemy: TeamBoard
    finished_at: int = 0
    elo_change: int | None = None


def score_line(p: MatchPlayerStats) -> ScoreLine:
    s = p.player_stats
    kills, deaths = whole(s.get("Kills")), whole(s.get("Deaths"))
    return ScoreLine(
        player_id=p.player_id,
        nickname=p.nickname,
        kills=kills,
        deaths=deaths,
        assists=whole(s.get("Assists")),
        kd=kills / deaths if deaths else float(kills),
        adr=num(s.get("ADR")),
        hs_pct=num(s.get("Headshots %")),
        mvps=whole(s.get("MVPs")),
        doubles=whole(s.get("Double Kills")),
        triples=whole(s.get("Triple Kills")),
        quadros=whole(s.get("Quadro Kills")),
        pentas=whole(s.get("Penta Kills")),
        entry_count=whole(s.get("Entry Count")),
        entry_wins=whole(s.get("Entry Wins")),
        clutch_1v1=(whole(s.get("1v1Wins")), whole(s.get("1v1Count"))),
        clutch_1v2=(whole(s.get("1v2Wins")), whole(s.get("1v2Count"))),
    )


def last_match(
    stats: MatchStats, player_id: str, *, finished_at: int = 0, elo_change: int | None = None
) -> LastMatch:
    """The card of `player_id` in the first map of the match. KeyError when they did not play it."""
    if not stats.rounds:
        raise KeyError(player_id)
    rnd = stats.rounds[0]
    boards = []
    mine = None
    for i, team in enumerate(rnd.teams):
        lines = tuple(sorted((score_line(p) for p in team.players), key=lambda x: (-x.kills, x.deaths)))
        boards.append(
            TeamBoard(
                name=team.team_stats.get("Team", ""),
                score=whole(team.team_stats.get("Final Score")),
                won=team.team_id == rnd.round_stats.get("Winner"),
                players=lines,
            )
        )
        if any(x.player_id == player_id for x in lines):
            mine = i
    if mine is None or len(boards) != 2:
        raise KeyError(player_id)
    team, enemy = boards[mine], boards[1 - mine]
    me = next(x for x in team.players if x.player_id == player_id)
    return LastMatch(
        match_id=rnd.match_id,
        map=rnd.round_stats.get("Map", ""),
        score=f"{team.score} / {enemy.score}",
        rounds=whole(rnd.round_stats.get("Rounds")),
        won=team.won,
        player=me,
        team=team,
        enemy=enemy,
        finished_at=finished_at,
        elo_change=elo_change,
    )

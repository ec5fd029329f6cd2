"""The briefing from one side of the room: the requesting user's team when their linked player
is in it, otherwise a neutral view (a spectator)."""

from __future__ import annotations

from dataclasses import dataclass

from faceitbot.analysis.match import MatchReport, PlayerReport, TeamReport

DISAGREE_POINTS = 10.0  # our and FACEIT's chances further apart than this get explained
WATCH = 2
ADVISED_MAPS = 2


@dataclass(frozen=True, slots=True)
class MapCall:
    map: str
    ours: float  # shrunk win rates, ours first
    theirs: float


@dataclass(frozen=True, slots=True)
class Briefing:
    ours: TeamReport | None  # None: a spectator
    theirs: TeamReport | None
    chance: float  # ours (team 1's for a spectator), 0..1
    faceit_chance: float | None
    disagree: bool
    gain: int
    loss: int
    picks: tuple[MapCall, ...]
    bans: tuple[MapCall, ...]
    watch: tuple[PlayerReport, ...]  # the opponents (or, for a spectator, anyone) to watch
    pull: PlayerReport | None  # the player whose ELO moves the averages most (why ours differs)


def threat(p: PlayerReport) -> tuple[float, int]:
    """Recent rating first (a real performance figure), ELO to break ties and for blanks."""
    return (p.rating.value if p.rating else 0.0, p.elo)


def briefing(report: MatchReport, viewer_player_id: str | None) -> Briefing:
    index = next(
        (i for i, t in enumerate(report.teams) if any(p.player_id == viewer_player_id for p in t.players)),
        None,
    )
    ours = report.teams[index] if index is not None else None
    theirs = report.teams[1 - index] if index is not None else None
    side = report.teams[index if index is not None else 0]
    chance = side.win_probability
    faceit = side.faceit_win_probability
    disagree = faceit is not None and abs(chance - faceit) * 100 > DISAGREE_POINTS
    picks: list[MapCall] = []
    bans: list[MapCall] = []
    for a in report.map_advice:
        if a.team1_shrunk is None or a.team2_shrunk is None:
            continue
        mine, other = (a.team2_shrunk, a.team1_shrunk) if index == 1 else (a.team1_shrunk, a.team2_shrunk)
        verdict = a.recommendation if index != 1 else {"pick": "ban", "ban": "pick"}.get(a.recommendation, "")
        if verdict == "pick":
            picks.append(MapCall(a.map, mine, other))
        elif verdict == "ban":
            bans.append(MapCall(a.map, mine, other))
    picks.sort(key=lambda c: c.theirs - c.ours)
    bans.sort(key=lambda c: c.ours - c.theirs)
    pool = theirs.players if theirs else tuple(p for t in report.teams for p in t.players)
    watch = tuple(sorted(pool, key=threat, reverse=True)[:WATCH])
    players = [p for t in report.teams for p in t.players if p.elo]
    mean = sum(p.elo for p in players) / len(players) if players else 0.0
    pull = max(players, key=lambda p: abs(p.elo - mean)) if disagree and players else None
    return Briefing(
        ours=ours,
        theirs=theirs,
        chance=chance,
        faceit_chance=faceit,
        disagree=disagree,
        gain=report.elo_gain.get(side.faction, 0),
        loss=report.elo_loss.get(side.faction, 0),
        picks=tuple(picks[:ADVISED_MAPS]),
        bans=tuple(bans[:ADVISED_MAPS]),
        watch=watch,
        pull=pull,
    )


def predicted(report: MatchReport) -> tuple[TeamReport, float] | None:
    """Our favourite and its chance; None for a dead even room."""
    t1, t2 = report.teams
    if t1.win_probability == t2.win_probability:
        return None
    return (t1, t1.win_probability) if t1.win_probability > t2.win_probability else (t2, t2.win_probability)

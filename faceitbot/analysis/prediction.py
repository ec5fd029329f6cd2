"""What a briefing predicts, for the scorecard: our favourite, FACEIT's, and our first-pick map."""

from __future__ import annotations

from dataclasses import dataclass

from faceitbot.analysis.match import MatchReport

# A briefing of a match that has already ended (or died) predicts nothing.
NOT_PREDICTIONS = frozenset({"FINISHED", "CANCELLED", "ABORTED"})


@dataclass(frozen=True, slots=True)
class Predicted:
    match_id: str
    faction: str
    chance: float
    faceit_faction: str | None
    faceit_chance: float | None
    pick_map: str | None
    pick_faction: str | None


def predicted(report: MatchReport) -> Predicted | None:
    """None for a finished room, or one our ELO model calls dead even."""
    if report.status.upper() in NOT_PREDICTIONS:
        return None
    t1, t2 = report.teams
    if t1.win_probability == t2.win_probability:
        return None
    fav = t1 if t1.win_probability > t2.win_probability else t2
    f1, f2 = t1.faceit_win_probability, t2.faceit_win_probability
    faceit_fav = None
    if f1 is not None and f2 is not None and f1 != f2:
        faceit_fav = t1 if f1 > f2 else t2
    pick_map = pick_faction = None
    best = 0.0
    for a in report.map_advice:
        if a.recommendation not in ("pick", "ban") or a.team1_shrunk is None or a.team2_shrunk is None:
            continue
        gap = abs(a.team1_shrunk - a.team2_shrunk)
        if gap > best:  # the map with the clearest edge, for the team it favours
            best, pick_map = gap, a.map
            pick_faction = t1.faction if a.recommendation == "pick" else t2.faction
    return Predicted(
        match_id=report.match_id,
        faction=fav.faction,
        chance=fav.win_probability,
        faceit_faction=faceit_fav.faction if faceit_fav else None,
        faceit_chance=faceit_fav.faceit_win_probability if faceit_fav else None,
        pick_map=pick_map,
        pick_faction=pick_faction,
    )

"""The maps view: lifetime 5v5 map segments, most played first, with the strongest and weakest."""

from __future__ import annotations

from dataclasses import dataclass

from faceitbot.analysis.numbers import num, whole
from faceitbot.faceit.models import PlayerStats

# Fewer matches than this on a map says nothing about strength.
MIN_MATCHES_TO_RANK = 10


@dataclass(frozen=True, slots=True)
class MapStat:
    map: str
    matches: int
    wins: int
    kd: float  # lifetime kills / deaths on the map
    adr: float

    @property
    def win_rate(self) -> float:
        return 100 * self.wins / self.matches if self.matches else 0.0


@dataclass(frozen=True, slots=True)
class MapsView:
    maps: tuple[MapStat, ...]
    strongest: MapStat | None
    weakest: MapStat | None


def maps_view(stats: PlayerStats) -> MapsView:
    rows = []
    for seg in stats.segments:
        if seg.type.lower() != "map" or seg.mode != "5v5":
            continue
        s = seg.stats
        kills, deaths = whole(s.get("Kills")), whole(s.get("Deaths"))
        rows.append(
            MapStat(
                map=seg.label,
                matches=whole(s.get("Matches")),
                wins=whole(s.get("Wins")),
                # Σkills/Σdeaths, not FACEIT's "Average K/D Ratio" (a mean of per-match ratios).
                kd=kills / deaths if deaths else float(kills),
                adr=num(s.get("ADR")),
            )
        )
    rows.sort(key=lambda m: (-m.matches, m.map))
    ranked = sorted((m for m in rows if m.matches >= MIN_MATCHES_TO_RANK), key=lambda m: (m.win_rate, m.kd))
    return MapsView(
        maps=tuple(rows),
        strongest=ranked[-1] if ranked else None,
        weakest=ranked[0] if len(ranked) > 1 else None,
    )

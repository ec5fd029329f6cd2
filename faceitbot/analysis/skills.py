"""Entry, clutch, utility and multi-kill figures, only from fields FACEIT really sends: lifetime
totals of /stats/cs2 and the per-match rows of /games/cs2/stats. A figure whose field is missing
stays None (shown as "-"), never a made-up constant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from faceitbot.analysis.numbers import num


@dataclass(frozen=True, slots=True)
class Duels:
    wins: int
    count: int

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.wins / self.count, 1) if self.count else None


@dataclass(frozen=True, slots=True)
class Skills:
    entry_per_round: float | None  # opening duels taken per round (lifetime)
    entry: Duels | None  # opening duels won / taken (lifetime)
    clutch_1v1: Duels | None
    clutch_1v2: Duels | None
    utility_damage_per_round: float | None
    flash: Duels | None  # flashes that blinded an enemy / flashes thrown
    multi_kills: int  # rounds with 3+ kills in the recent rows
    recent_matches: int


def _duels(life: Mapping[str, object], wins: str, count: str) -> Duels | None:
    if count not in life:
        return None
    return Duels(round(num(life.get(wins))), round(num(life.get(count))))


def skills(lifetime: Mapping[str, object] | None, rows: Iterable[Mapping[str, object]]) -> Skills:
    life = lifetime or {}
    rows = list(rows)
    rounds = num(life.get("Total Rounds with extended stats"))
    entries = num(life.get("Total Entry Count"))
    return Skills(
        entry_per_round=round(entries / rounds, 3) if rounds and "Total Entry Count" in life else None,
        entry=_duels(life, "Total Entry Wins", "Total Entry Count"),
        clutch_1v1=_duels(life, "Total 1v1 Wins", "Total 1v1 Count"),
        clutch_1v2=_duels(life, "Total 1v2 Wins", "Total 1v2 Count"),
        utility_damage_per_round=(
            round(num(life.get("Total Utility Damage")) / rounds, 2)
            if rounds and "Total Utility Damage" in life
            else None
        ),
        flash=_duels(life, "Total Flash Successes", "Total Flash Count"),
        multi_kills=round(
            sum(num(r.get(k)) for r in rows for k in ("Triple Kills", "Quadro Kills", "Penta Kills"))
        ),
        recent_matches=len(rows),
    )

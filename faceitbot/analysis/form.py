"""Form over the last N matches: ratios over sums, a first-half/second-half trend, maps, streaks.

Input lines are newest first (as FACEIT sends them); "first half" is the older half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from faceitbot.analysis.recent import MatchLine, map_label

# A map needs this many matches in the period to be called best or worst.
MIN_MAP_MATCHES = 2


@dataclass(frozen=True, slots=True)
class Totals:
    matches: int
    wins: int
    kd: float
    adr: float
    hs_pct: float
    avg_kills: float
    rating: float  # an estimate, see estimated_rating

    @property
    def win_rate(self) -> float:
        return 100 * self.wins / self.matches if self.matches else 0.0


@dataclass(frozen=True, slots=True)
class MapForm:
    map: str  # label: "Inferno"
    matches: int
    wins: int
    kd: float

    @property
    def win_rate(self) -> float:
        return 100 * self.wins / self.matches if self.matches else 0.0


@dataclass(frozen=True, slots=True)
class Form:
    totals: Totals
    older: Totals  # the first half of the period
    newer: Totals  # the second half
    best_map: MapForm | None
    worst_map: MapForm | None
    longest_win_streak: int
    longest_loss_streak: int
    current_streak: int  # > 0 wins in a row now, < 0 losses in a row now


def estimated_rating(lines: Sequence[MatchLine]) -> float:
    """HLTV-2.0-style estimate from kills, deaths, assists, ADR and multi-kills per round.

    The community regression 0.0073·KAST + 0.3591·KPR − 0.5329·DPR + 0.2372·Impact + 0.0032·ADR
    + 0.1587 with Impact = 2.13·KPR + 0.42·APR − 0.41; KAST is not in the per-match rows, so it
    is fixed at 73 %. Small per-round bonuses for multi-kills and MVPs and the × 1.03 scale are
    the calibration against FACEIT's displayed rating (mean absolute error about 0.12).
    """
    rounds = sum(m.rounds for m in lines)
    if not rounds:
        return 0.0
    kpr = sum(m.kills for m in lines) / rounds
    dpr = sum(m.deaths for m in lines) / rounds
    apr = sum(m.assists for m in lines) / rounds
    adr = sum(m.adr * m.rounds for m in lines) / rounds
    impact = 2.13 * kpr + 0.42 * apr - 0.41
    base = 0.0073 * 73 + 0.3591 * kpr - 0.5329 * dpr + 0.2372 * impact + 0.0032 * adr + 0.1587
    bonus = (
        sum(
            0.0125 * m.doubles + 0.0375 * m.triples + 0.0875 * m.quadros + 0.15 * m.pentas + 0.0375 * m.mvps
            for m in lines
        )
        / rounds
    )
    return (base + bonus) * 1.03


def totals(lines: Sequence[MatchLine]) -> Totals:
    n = len(lines)
    kills = sum(m.kills for m in lines)
    deaths = sum(m.deaths for m in lines)
    rounds = sum(m.rounds for m in lines)
    return Totals(
        matches=n,
        wins=sum(m.won for m in lines),
        kd=kills / deaths if deaths else float(kills),
        # Weighted by rounds: a 13:0 stomp must not count as much as a 19:16 overtime.
        adr=sum(m.adr * m.rounds for m in lines) / rounds if rounds else 0.0,
        hs_pct=100 * sum(m.headshots for m in lines) / kills if kills else 0.0,
        avg_kills=kills / n if n else 0.0,
        rating=estimated_rating(lines),
    )


def map_forms(lines: Sequence[MatchLine]) -> list[MapForm]:
    """Per map in the period, most played first."""
    by_map: dict[str, list[MatchLine]] = {}
    for m in lines:
        by_map.setdefault(map_label(m.map), []).append(m)
    forms = []
    for name, ms in by_map.items():
        kills, deaths = sum(m.kills for m in ms), sum(m.deaths for m in ms)
        forms.append(
            MapForm(name, len(ms), sum(m.won for m in ms), kills / deaths if deaths else float(kills))
        )
    return sorted(forms, key=lambda f: (-f.matches, f.map))


def streaks(lines: Sequence[MatchLine]) -> tuple[int, int, int]:
    """(longest win streak, longest loss streak, current streak signed) of newest-first lines."""
    longest_w = longest_l = run = 0
    for m in reversed(lines):  # oldest → newest
        run = (run + 1 if run > 0 else 1) if m.won else (run - 1 if run < 0 else -1)
        longest_w, longest_l = max(longest_w, run), max(longest_l, -run)
    return longest_w, longest_l, run


def form(lines: Sequence[MatchLine]) -> Form:
    newer_n = len(lines) // 2
    # Newest first: the newer half is the head. With an odd count the older half gets the extra one.
    newer, older = lines[:newer_n], lines[newer_n:]
    ranked = [f for f in map_forms(lines) if f.matches >= MIN_MAP_MATCHES]
    ranked.sort(key=lambda f: (f.win_rate, f.kd), reverse=True)
    longest_w, longest_l, current = streaks(lines)
    return Form(
        totals=totals(lines),
        older=totals(older),
        newer=totals(newer),
        best_map=ranked[0] if ranked else None,
        worst_map=ranked[-1] if len(ranked) > 1 else None,
        longest_win_streak=longest_w,
        longest_loss_streak=longest_l,
        current_streak=current,
    )

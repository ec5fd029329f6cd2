"""A per-player rating on the HLTV 2.0 scale (1.00 is an average performance), calibrated the way
the best peer calibrated it against FACEIT's displayed rating.

rating = 1.03 × (0.0073·KAST + 0.3591·KPR − 0.5329·DPR + 0.2372·Impact + 0.0032·ADR + 0.1587 + bonus)
Impact = 2.13·KPR + 0.42·APR − 0.41
bonus  = Σ weight × count / rounds over multi-kills, MVPs, entry wins and 1v1/1v2 wins.

FACEIT publishes no KAST, so it is fixed at 73 % (the community average). The per-match rows of
/games/cs2/stats carry no entry or clutch counts: for recent form those bonuses use the player's
lifetime per-round rates (real lifetime totals, but an estimate for these 20 matches).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from faceitbot.analysis.numbers import num

KAST_DEFAULT = 73.0
SCALE = 1.03
# Bonus per event, per round played.
MULTI_KILL_BONUS = {
    "Double Kills": 0.0125,
    "Triple Kills": 0.0375,
    "Quadro Kills": 0.0875,
    "Penta Kills": 0.15,
}
MVP_BONUS = 0.0375
ENTRY_WIN_BONUS = 0.03
CLUTCH_1V1_BONUS = 0.05
CLUTCH_1V2_BONUS = 0.10
# Lifetime totals that stand in for the per-match entry/clutch counts the rows lack.
_LIFETIME_EVENTS = {
    "Total Entry Wins": ENTRY_WIN_BONUS,
    "Total 1v1 Wins": CLUTCH_1V1_BONUS,
    "Total 1v2 Wins": CLUTCH_1V2_BONUS,
}
_MATCH_EVENTS = {"Entry Wins": ENTRY_WIN_BONUS, "1v1Wins": CLUTCH_1V1_BONUS, "1v2Wins": CLUTCH_1V2_BONUS}


@dataclass(frozen=True, slots=True)
class Rating:
    value: float
    rounds: int
    estimated_bonus: bool  # entry/clutch bonus from lifetime rates, not from these matches


def hltv_rating(
    *,
    kills: float,
    deaths: float,
    assists: float,
    adr: float,
    rounds: float,
    bonus_events: float = 0.0,
    kast: float = KAST_DEFAULT,
) -> float:
    """`bonus_events` is Σ weight × count over the same rounds."""
    if rounds <= 0:
        raise ValueError("a rating needs at least one round")
    kpr, dpr, apr = kills / rounds, deaths / rounds, assists / rounds
    impact = 2.13 * kpr + 0.42 * apr - 0.41
    base = 0.0073 * kast + 0.3591 * kpr - 0.5329 * dpr + 0.2372 * impact + 0.0032 * adr + 0.1587
    return SCALE * (base + bonus_events / rounds)


def _weighted(stats: Mapping[str, object], weights: Mapping[str, float]) -> float:
    return sum(w * num(stats.get(key)) for key, w in weights.items())


def match_rating(stats: Mapping[str, object], rounds: float) -> float | None:
    """One scoreboard line of /matches/{id}/stats: every field the formula needs is real."""
    if rounds <= 0:
        return None
    events = (
        _weighted(stats, MULTI_KILL_BONUS)
        + MVP_BONUS * num(stats.get("MVPs"))
        + _weighted(stats, _MATCH_EVENTS)
    )
    return hltv_rating(
        kills=num(stats.get("Kills")),
        deaths=num(stats.get("Deaths")),
        assists=num(stats.get("Assists")),
        adr=num(stats.get("ADR")),
        rounds=rounds,
        bonus_events=events,
    )


def recent_rating(
    rows: Iterable[Mapping[str, object]], lifetime: Mapping[str, object] | None
) -> Rating | None:
    """Over per-match rows taken together (sums, ADR weighted by rounds)."""
    rows = list(rows)
    rounds = sum(num(r.get("Rounds")) for r in rows)
    if rounds <= 0:
        return None
    kills = sum(num(r.get("Kills")) for r in rows)
    deaths = sum(num(r.get("Deaths")) for r in rows)
    assists = sum(num(r.get("Assists")) for r in rows)
    damage = sum(num(r.get("ADR")) * num(r.get("Rounds")) for r in rows)
    events = sum(_weighted(r, MULTI_KILL_BONUS) + MVP_BONUS * num(r.get("MVPs")) for r in rows)
    life = lifetime or {}
    life_rounds = num(life.get("Total Rounds with extended stats"))
    estimated = life_rounds > 0
    if estimated:
        events += rounds * _weighted(life, _LIFETIME_EVENTS) / life_rounds
    value = hltv_rating(
        kills=kills, deaths=deaths, assists=assists, adr=damage / rounds, rounds=rounds, bonus_events=events
    )
    return Rating(round(value, 2), round(rounds), estimated)

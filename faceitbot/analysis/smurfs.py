"""Smurf and boosted flags. A flag always carries the numbers that raised it.

FACEIT matches players by level, so at every level the typical recent K/D sits near 1.0, ADR
near 75 and win rate near 50 %. A young account (fewer than NEW_ACCOUNT_MATCHES lifetime) far
above that range is a possible smurf; one far below it at a high level is possibly boosted."""

from __future__ import annotations

from dataclasses import dataclass

NEW_ACCOUNT_MATCHES = 100
MIN_RECENT = 5  # fewer recent matches say nothing
MIN_RECENT_WIN_RATE = 10  # a win rate over fewer matches is noise
SMURF_KD = 1.35
SMURF_ADR = 90.0
SMURF_WIN_RATE = 70.0
BOOSTED_MIN_LEVEL = 7
BOOSTED_KD = 0.75
BOOSTED_ADR = 60.0


@dataclass(frozen=True, slots=True)
class Reason:
    metric: str  # "kd", "adr", "win_rate"
    value: float
    limit: float  # the edge of the typical range that was crossed


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str  # "smurf" or "boosted"
    lifetime_matches: int
    reasons: tuple[Reason, ...]


def flag(
    *, level: int, lifetime_matches: int, recent_matches: int, kd: float, adr: float, win_rate: float
) -> Flag | None:
    if lifetime_matches >= NEW_ACCOUNT_MATCHES or recent_matches < MIN_RECENT:
        return None
    above = []
    if kd >= SMURF_KD:
        above.append(Reason("kd", kd, SMURF_KD))
    if adr >= SMURF_ADR:
        above.append(Reason("adr", adr, SMURF_ADR))
    if recent_matches >= MIN_RECENT_WIN_RATE and win_rate >= SMURF_WIN_RATE:
        above.append(Reason("win_rate", win_rate, SMURF_WIN_RATE))
    if above:
        return Flag("smurf", lifetime_matches, tuple(above))
    if level >= BOOSTED_MIN_LEVEL and kd <= BOOSTED_KD and adr <= BOOSTED_ADR:
        return Flag(
            "boosted", lifetime_matches, (Reason("kd", kd, BOOSTED_KD), Reason("adr", adr, BOOSTED_ADR))
        )
    return None

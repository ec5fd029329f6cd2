"""ELO arithmetic: win probability from average ELO, expected gain and loss (an estimate)."""

from __future__ import annotations

K_FACTOR = 50


def win_probability(elo_a: float, elo_b: float) -> float:
    """Chance that side A beats side B: the logistic ELO curve on a 400-point scale."""
    return 1.0 / (1.0 + 10 ** ((elo_b - elo_a) / 400.0))


def expected_change(elo_a: float, elo_b: float, k: int = K_FACTOR) -> tuple[int, int]:
    """(gain if A wins, loss if A loses); FACEIT never gives less than one point either way."""
    p = win_probability(elo_a, elo_b)
    gain = max(1, round(k * (1 - p)))
    loss = min(-1, round(-k * p))
    return gain, loss

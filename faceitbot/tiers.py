"""The plans a user can have. Defined once: quotas, track limits and prices are keyed by it."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    FREE = "free"
    PREMIUM = "premium"
    PRO = "pro"

    @property
    def rank(self) -> int:
        """Higher runs first when a user holds several."""
        return _RANK[self]

    @property
    def paid(self) -> bool:
        return self is not Tier.FREE


_RANK = {Tier.FREE: 0, Tier.PREMIUM: 1, Tier.PRO: 2}
PAID = (Tier.PREMIUM, Tier.PRO)


def tier(value: str) -> Tier:
    """A stored or typed tier name → Tier; an unknown name is an error, never FREE or 0."""
    try:
        return Tier(value.strip().lower())
    except ValueError:
        raise ValueError(f"unknown tier {value!r}") from None

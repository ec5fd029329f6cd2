"""What a user has, derived from the ledger of entitlements: pure, no I/O.

Every credited payment, renewal, admin grant, referral bonus and legacy import is an entry: a
tier, a number of days, when it was credited and, maybe, when it was refunded. The rule:

- the highest tier a user holds runs; the days of a lower tier wait, and resume when it ends;
- an entry's days are spent only while its tier runs, oldest entry of the tier first;
- a refund removes what is left of its own entry at the moment of the refund; days already
  spent stay spent, and whatever else the user holds runs on.

So a PRO month bought on top of a PREMIUM month runs first, and the PREMIUM month follows it
whole; a PREMIUM renewal adds PREMIUM days, never PRO ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from faceitbot.tiers import Tier

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    tier: Tier
    days: int
    credited_at: datetime
    refunded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    tier: Tier
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Plan:
    segments: tuple[Segment, ...]  # from `now` on, back to back: what runs, then what follows
    spent: dict[int, timedelta]  # entry id → time of it used up to `now`

    @property
    def tier(self) -> Tier:
        return self.segments[0].tier if self.segments else Tier.FREE

    @property
    def current_until(self) -> datetime | None:
        return self.segments[0].end if self.segments else None

    @property
    def ends_at(self) -> datetime | None:
        return self.segments[-1].end if self.segments else None

    def until(self, tier: Tier) -> datetime | None:
        """When the last stretch of `tier` ends, if it is in the plan."""
        ends = [s.end for s in self.segments if s.tier is tier]
        return ends[-1] if ends else None


def derive(entries: Iterable[Entry], now: datetime) -> Plan:
    """The plan at `now` from the ledger (entries credited after `now` are not counted yet)."""
    ordered = sorted(
        (e for e in entries if e.credited_at <= now and e.days > 0), key=lambda e: (e.credited_at, e.id)
    )
    left = {e.id: e.days * DAY for e in ordered}
    refunds = sorted(
        (e.refunded_at, e.id) for e in ordered if e.refunded_at is not None and e.refunded_at <= now
    )
    events = sorted([(e.credited_at, 0, e.id) for e in ordered] + [(at, 1, eid) for at, eid in refunds])
    by_id = {e.id: e for e in ordered}
    credited: list[Entry] = []
    clock = events[0][0] if events else now
    for at, kind, entry_id in [*events, (now, 2, -1)]:
        clock = _spend(credited, left, clock, at)
        if kind == 0:
            credited.append(by_id[entry_id])
        elif kind == 1:
            left[entry_id] = timedelta(0)  # what was left of it goes back with the money
    spent = {e.id: e.days * DAY - left[e.id] for e in ordered if e.refunded_at is None or e.refunded_at > now}
    return Plan(_ahead(credited, left, now), spent)


def _running(credited: list[Entry], left: dict[int, timedelta]) -> Entry | None:
    """The entry being spent: the oldest of the highest tier with time left."""
    best: Entry | None = None
    for e in credited:
        if left[e.id] > timedelta(0) and (best is None or e.tier.rank > best.tier.rank):
            best = e
    return best


def _spend(credited: list[Entry], left: dict[int, timedelta], clock: datetime, until: datetime) -> datetime:
    while clock < until:
        entry = _running(credited, left)
        if entry is None:
            return until
        step = min(left[entry.id], until - clock)
        left[entry.id] -= step
        clock += step
    return max(clock, until)


def _ahead(credited: list[Entry], left: dict[int, timedelta], now: datetime) -> tuple[Segment, ...]:
    """What the remaining time adds up to from `now`, highest tier first."""
    segments: list[Segment] = []
    clock = now
    for t in sorted({e.tier for e in credited}, key=lambda t: -t.rank):
        total = sum((left[e.id] for e in credited if e.tier is t), timedelta(0))
        if total > timedelta(0):
            segments.append(Segment(t, clock, clock + total))
            clock += total
    return tuple(segments)

"""Play sessions and "today": matches grouped in time, with the ELO change the snapshots show.

ELO per match is not in the Data API; we diff our own snapshots (taken whenever we read a
player). A change is known only when there is a snapshot between the previous play and the
first match of the span, and one between its last match and the next play.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from faceitbot.analysis.form import Totals, totals
from faceitbot.analysis.recent import MatchLine

# A gap of more than this between two finished matches starts a new session.
SESSION_GAP_S = 2 * 3600

Snapshot = tuple[int, int]  # (unix seconds, ELO), oldest first


@dataclass(frozen=True, slots=True)
class Span:
    started: int  # the first match's finish time
    ended: int  # the last match's finish time
    totals: Totals
    elo_change: int | None


def elo_change(
    snapshots: Sequence[Snapshot], *, after: int, first: int, last: int, until: int | None
) -> int | None:
    """ELO after the span minus ELO before it.

    Before: the newest snapshot taken after `after` (the previous match's finish) and before
    `first` finished. After: the oldest snapshot taken from `last`'s finish on, before `until`
    (the next match's finish, None when there is none yet).
    """
    before = [elo for at, elo in snapshots if after < at < first]
    later = [elo for at, elo in snapshots if at >= last and (until is None or at < until)]
    if not before or not later:
        return None
    return later[0] - before[-1]


def _span(group: list[MatchLine], snapshots: Sequence[Snapshot], after: int, until: int | None) -> Span:
    first, last = group[0].finished_at, group[-1].finished_at
    change = elo_change(snapshots, after=after, first=first, last=last, until=until)
    # totals() reads newest first, like everything FACEIT sends.
    return Span(first, last, totals(group[::-1]), change)


def sessions(
    lines: Sequence[MatchLine], snapshots: Sequence[Snapshot] = (), gap_s: int = SESSION_GAP_S
) -> list[Span]:
    """Newest session first. `lines` newest first, as FACEIT sends them."""
    ordered = sorted(lines, key=lambda m: m.finished_at)
    groups: list[list[MatchLine]] = []
    for m in ordered:
        if groups and m.finished_at - groups[-1][-1].finished_at <= gap_s:
            groups[-1].append(m)
        else:
            groups.append([m])
    spans = []
    for i, group in enumerate(groups):
        after = groups[i - 1][-1].finished_at if i else 0
        until = groups[i + 1][0].finished_at if i + 1 < len(groups) else None
        spans.append(_span(group, snapshots, after, until))
    return spans[::-1]


def local_midnight(now: int, zone: ZoneInfo) -> int:
    """Unix time of the last midnight in `zone` at or before `now`."""
    day = datetime.fromtimestamp(now, zone).date()
    return int(datetime.combine(day, time(0), zone).timestamp())


def today(
    lines: Sequence[MatchLine], zone: ZoneInfo, now: int, snapshots: Sequence[Snapshot] = ()
) -> Span | None:
    """Matches finished since local midnight in the user's zone; None when there are none."""
    midnight = local_midnight(now, zone)
    ordered = sorted(lines, key=lambda m: m.finished_at)
    group = [m for m in ordered if midnight <= m.finished_at <= now]
    if not group:
        return None
    earlier = [m.finished_at for m in ordered if m.finished_at < midnight]
    return _span(group, snapshots, earlier[-1] if earlier else 0, None)

"""When to look at a tracked player next: the adaptive interval rule (pure, `now` is a parameter).

A history call costs the same whether or not anything happened, so checks go where a new match
is likely. With B = CHECK_INTERVAL_MINUTES (the base interval, 10 min by default):

1. **A match is live** (READY/ONGOING seen): it cannot end before it has run MIN_MATCH_S, so the
   next check is then (at least B/2 away).
2. **Just finished a match**: a follow-up match of the same session (queue, veto, 35-45 minutes
   of play) ends 37-55 minutes after this one, so the first check is FOLLOW_UP_S after the
   finish — checking earlier only spends budget.
3. **In session** (the last finish less than SESSION_S ago, or a check that just found a new
   match, however late: the player may be in the next one right now): every 0.7 B, so a
   follow-up match is found at most 0.7 B after it ends; a session that ended costs three checks.
4. **Idle**: the square-root rule, B × sqrt(REFERENCE_RATE / rate), where rate is the player's
   matches a day over the last week (at least one a fortnight), lowered further once they have
   not played for IDLE_DECAY_S: a daily grinder is checked about every B, a once-a-week player
   every ~6.5 B, a player idle for a month every ~5 h, never less than once every
   MAX_IDLE_S (6 h). Checking each player in proportion to the square root of how often they start
   playing minimises the mean delay for a fixed number of checks.

The budget governor then scales the last two (`next_in`): idle intervals by whatever fits the
monitoring share (shorter when it has room to spare, longer when tight, but never past
MAX_IDLE_S: the square-root rule minimises the mean delay, the cap keeps the tail no worse than
checking everyone alike), in-session steps only when sessions alone need more than the share.
Waiting for a live or follow-up match is physics, never scaled.

5. **Covered by webhooks**: a player named by a FACEIT webhook event within WEBHOOK_COVER_S gets
   their news pushed, so every interval above is WEBHOOK_SLOWDOWN times longer (at most
   WEBHOOK_MAX_S): polling stays only as the safety net for an event FACEIT never delivered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_MATCH_S = 25 * 60
NEXT_FINISH_S = 35 * 60  # no follow-up match can end sooner (the ELO read by then is "after")
FOLLOW_UP_S = 45 * 60
SESSION_S = 62 * 60
SESSION_STEP = 0.7  # × B
REFERENCE_RATE = 6.0  # matches a day that earn the base interval when idle
IDLE_DECAY_S = 3 * 86400
MAX_IDLE_S = 6 * 3600
MIN_INTERVAL_S = 60.0
ELO_STRETCH_LIMIT = 2.0
RECENT_DAYS = 7
WEBHOOK_COVER_S = 14 * 86400  # a once-a-fortnight player still counts as covered
WEBHOOK_SLOWDOWN = 4.0
WEBHOOK_MAX_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class Plan:
    interval_s: float
    in_session: bool
    waiting: bool = False  # for a match to be able to end: never stretched


@dataclass(frozen=True, slots=True)
class Stretch:
    idle: float = 1.0
    session: float = 1.0


def plan(
    now: float,
    *,
    base_s: float,
    last_finished_at: float | None,
    recent_matches: int,
    live_since: float | None = None,
    found_new: bool = False,
) -> Plan:
    """The wished interval until the next check, before the governor scales it."""
    if live_since is not None:
        return Plan(max(base_s / 2, live_since + MIN_MATCH_S - now, MIN_INTERVAL_S), True, True)
    if last_finished_at is None:
        return Plan(MAX_IDLE_S, False)  # never played (that we can see): the rarest checks
    since = max(0.0, now - last_finished_at)
    if since < FOLLOW_UP_S - MIN_INTERVAL_S:
        return Plan(FOLLOW_UP_S - since, True, True)
    if since < SESSION_S or found_new:
        return Plan(max(SESSION_STEP * base_s, MIN_INTERVAL_S), True)
    rate = max(recent_matches / RECENT_DAYS, 1 / (2 * RECENT_DAYS))
    if since > IDLE_DECAY_S:
        rate *= IDLE_DECAY_S / since
    interval = base_s * math.sqrt(REFERENCE_RATE / rate)
    return Plan(min(max(interval, base_s), MAX_IDLE_S), False)


def next_in(p: Plan, stretch: Stretch) -> float:
    """Seconds until the next check once the governor's stretch is applied."""
    if p.waiting:
        return p.interval_s
    if p.in_session:
        return p.interval_s * max(stretch.session, 1.0)
    return min(max(p.interval_s * stretch.idle, MIN_INTERVAL_S), MAX_IDLE_S)


def elo_affordable(stretch: Stretch) -> bool:
    """Reading a player's ELO after a match costs a call per tracked player in it. When checks are
    already rarer than wished (idle intervals stretched past ELO_STRETCH_LIMIT, or sessions
    stretched at all) the calls go to checks, and the message goes without its ELO line."""
    return stretch.idle <= ELO_STRETCH_LIMIT and stretch.session <= 1.0


def covered(webhook_at: float | None, now: float) -> bool:
    """FACEIT's webhooks have named this player lately: events keep arriving for them."""
    return webhook_at is not None and now - webhook_at < WEBHOOK_COVER_S


def covered_next_in(next_in_s: float) -> float:
    """The interval of a player covered by webhooks (rule 5)."""
    return max(next_in_s, min(next_in_s * WEBHOOK_SLOWDOWN, WEBHOOK_MAX_S))

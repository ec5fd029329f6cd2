"""Reading what FACEIT returned for monitoring (pure): which history items are new, how a tracked
player did in a finished match, and whether an ELO change can be told exactly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from faceitbot.faceit.models import HistoryItem, MatchStats
from faceitbot.tracking.cadence import NEXT_FINISH_S, RECENT_DAYS

# Match-details statuses of a match that is about to start or being played (API.md §6).
LIVE_STATUSES = frozenset({"CONFIGURING", "VOTING", "CHECK_IN", "CAPTAIN_PICK", "READY", "ONGOING"})
_DEAD = frozenset({"cancelled", "aborted"})


@dataclass(frozen=True, slots=True)
class Scan:
    new: tuple[HistoryItem, ...]  # finished after the watermark, oldest first
    newest: HistoryItem | None  # the newest finished match on the page, new or not
    live: HistoryItem | None  # the newest item when it is not finished (a match in progress)
    recent: int  # finished matches in the last RECENT_DAYS
    more: bool  # the page is full of new matches: the next page may hold more


def scan(items: list[HistoryItem], seen_until: int, now: float) -> Scan:
    finished = sorted(
        (i for i in items if i.status.lower() == "finished" and i.finished_at), key=lambda i: i.finished_at
    )
    new = tuple(i for i in finished if i.finished_at > seen_until)
    head = items[0] if items else None
    live = head if head is not None and head.status.lower() not in ("finished", *_DEAD) else None
    recent = sum(1 for i in finished if i.finished_at > now - RECENT_DAYS * 86400)
    more = bool(items) and len(new) == len(items)
    return Scan(new, finished[-1] if finished else None, live, recent, more)


def previous_finish(items: list[HistoryItem], before: int) -> int | None:
    """The newest finish strictly before `before` on the page (the player's previous match)."""
    earlier = [i.finished_at for i in items if i.status.lower() == "finished" and 0 < i.finished_at < before]
    return max(earlier, default=None)


def won(item: HistoryItem, player_id: str) -> bool | None:
    """W/L of a history item from the player's faction and the winner; None when unknown."""
    if item.results is None or not item.results.winner:
        return None
    for faction, team in item.teams.items():
        if any(p.player_id == player_id for p in team.players):
            return faction == item.results.winner
    return None


def roster(stats: MatchStats) -> list[str]:
    return list(dict.fromkeys(p.player_id for r in stats.rounds for t in r.teams for p in t.players))


def map_name(map_id: str) -> str:
    """'de_dust2' → 'Dust2' (the label FACEIT's own pages use)."""
    name = map_id.removeprefix("de_").removeprefix("cs_")
    return name[:1].upper() + name[1:] if name else "?"


def _int(stats: dict[str, str], key: str) -> int:
    try:
        return int(float(stats.get(key, "0") or 0))
    except ValueError:
        return 0


def match_info(stats: MatchStats, item: HistoryItem) -> dict[str, Any]:
    maps = [map_name(r.round_stats.get("Map", "")) for r in stats.rounds]
    return {
        "map": ", ".join(maps) or "?",
        "competition": item.competition_name,
        "finished_at": item.finished_at,
    }


def player_line(stats: MatchStats, player_id: str) -> dict[str, Any] | None:
    """How one player did: K-D-A, K/D, ADR, HS %, MVPs, W/L and the score (theirs first).

    Best-of-N matches add up over maps; the score then counts maps won."""
    kills = deaths = assists = headshots = mvps = rounds = damage_rounds = 0
    adr_sum = 0.0
    wins = losses = 0
    nickname = ""
    own = enemy = 0
    for r in stats.rounds:
        team = next((t for t in r.teams if any(p.player_id == player_id for p in t.players)), None)
        if team is None:
            continue
        me = next(p for p in team.players if p.player_id == player_id)
        other = next((t for t in r.teams if t is not team), None)
        s = me.player_stats
        nickname = me.nickname or nickname
        kills, deaths, assists = (
            kills + _int(s, "Kills"),
            deaths + _int(s, "Deaths"),
            assists + _int(s, "Assists"),
        )
        headshots, mvps = headshots + _int(s, "Headshots"), mvps + _int(s, "MVPs")
        played = _int(r.round_stats, "Rounds") or 1
        rounds += played
        try:
            adr_sum += float(s.get("ADR", "0") or 0) * played
            damage_rounds += played
        except ValueError:
            pass
        won_map = team.team_stats.get("Team Win") == "1"
        wins, losses = wins + won_map, losses + (not won_map)
        own = _int(team.team_stats, "Final Score")
        enemy = _int(other.team_stats, "Final Score") if other else 0
    if not rounds:
        return None
    if len(stats.rounds) > 1:
        own, enemy = wins, losses
    return {
        "player_id": player_id,
        "nickname": nickname,
        "win": wins > losses,
        "score": [own, enemy],
        "kills": kills,
        "deaths": deaths,
        "assists": assists,
        "kd": round(kills / max(deaths, 1), 2),
        "adr": round(adr_sum / damage_rounds, 1) if damage_rounds else 0.0,
        "hs": math.floor(100 * headshots / kills + 0.5) if kills else 0,  # FACEIT rounds half up
        "mvps": mvps,
    }


@dataclass(frozen=True, slots=True)
class EloView:
    """What we know of one player's ELO around one match. Only an exact change is shown."""

    before: int | None
    after: int | None


def elo_view(
    *,
    before: tuple[int, int] | None,
    after: int | None,
    previous_finish: int | None,
    covered: bool,
) -> EloView:
    """`before` is the last snapshot (elo, taken at) before the match finished; it tells the ELO
    going in only if it was taken after the previous match (`previous_finish`) and nothing else
    of the player's is unseen (`covered`). `after` is the ELO read now, given only when no other
    match can have ended since this one."""
    exact = (
        covered
        and before is not None
        and after is not None
        and (previous_finish is None or before[1] >= previous_finish)
    )
    return EloView(before[0] if exact and before else None, after)


def after_is_current(finished_at: int, now: float, newest: bool) -> bool:
    """The ELO read now is the ELO after this match: it is the newest we know of, or it ended too
    recently for another match to have ended since."""
    return newest or now - finished_at < NEXT_FINISH_S

"""A squad's figures (pure): the leaderboard, the weekly digest, matches two players shared and a
player's week against the week before. Inputs are per-match rows (MatchLine) and ELO figures
already read; `now`, week bounds and the like are parameters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from faceitbot.analysis.recent import MatchLine, map_label

MIN_MATCHES_FOR_BEST = 5  # best K/D and ADR of the week need at least this many matches
LATEST_SHARED = 3


# -- the leaderboard ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BoardEntry:
    nickname: str
    level: int
    elo: int
    change: int | None  # since the same time last week; None when we had no figure then
    matches: int  # this week
    kd: float | None  # this week's K/D; None without matches


@dataclass(frozen=True, slots=True)
class Member:
    player_id: str
    nickname: str
    level: int
    elo: int


def board(
    members: Iterable[Member], week_ago: Mapping[str, int], lines: Iterable[Mapping[str, object]]
) -> tuple[BoardEntry, ...]:
    """Members by ELO; `lines` are monitoring's result lines of this week (player_id, kills, deaths)."""
    kills: Counter[str] = Counter()
    deaths: Counter[str] = Counter()
    played: Counter[str] = Counter()
    for line in lines:
        pid = str(line.get("player_id", ""))
        played[pid] += 1
        kills[pid] += int(line.get("kills", 0) or 0)  # type: ignore[call-overload]
        deaths[pid] += int(line.get("deaths", 0) or 0)  # type: ignore[call-overload]
    entries = [
        BoardEntry(
            m.nickname,
            m.level,
            m.elo,
            m.elo - week_ago[m.player_id] if m.player_id in week_ago else None,
            played[m.player_id],
            round(kills[m.player_id] / max(deaths[m.player_id], 1), 2) if played[m.player_id] else None,
        )
        for m in members
    ]
    return tuple(sorted(entries, key=lambda e: (-e.elo, e.nickname.casefold())))


# -- the weekly digest ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Figure:
    nickname: str
    value: float


@dataclass(frozen=True, slots=True)
class BigWin:
    match_id: str
    map: str  # "Inferno"
    score: str  # the winners' side first: "13 / 4"
    margin: int
    players: tuple[str, ...]  # the squad's members in it


@dataclass(frozen=True, slots=True)
class Pair:
    first: str
    second: str
    matches: int
    wins: int


@dataclass(frozen=True, slots=True)
class Digest:
    members: int
    matches: int  # distinct matches any member played
    elo: tuple[Figure, ...]  # ELO gained (+) or lost (-) per member, best first; unknown ones left out
    most_matches: Figure | None
    best_kd: Figure | None
    best_adr: Figure | None
    longest_streak: Figure | None
    biggest_win: BigWin | None
    together: Pair | None


def _score(line: MatchLine) -> tuple[int, int] | None:
    parts = [p.strip() for p in line.own_score.split("/")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _streak(lines: list[MatchLine]) -> int:
    best = run = 0
    for line in sorted(lines, key=lambda x: x.finished_at):
        run = run + 1 if line.won else 0
        best = max(best, run)
    return best


def _top(values: Mapping[str, float], *, highest: bool = True) -> Figure | None:
    if not values:
        return None
    name = sorted(values, key=lambda n: (-values[n] if highest else values[n], n.casefold()))[0]
    return Figure(name, values[name])


def digest(
    week: Mapping[str, list[MatchLine]], elo_change: Mapping[str, int], names: Mapping[str, str]
) -> Digest:
    """`week`: each member's rows of the week (by player id); `elo_change` by player id; `names`
    maps player ids to the nicknames shown."""
    counts = {names[p]: len(lines) for p, lines in week.items() if lines}
    kd: dict[str, float] = {}
    adr: dict[str, float] = {}
    streaks: dict[str, float] = {}
    for pid, lines in week.items():
        if not lines:
            continue
        name = names[pid]
        if len(lines) >= MIN_MATCHES_FOR_BEST:
            kd[name] = round(sum(x.kills for x in lines) / max(sum(x.deaths for x in lines), 1), 2)
            adr[name] = round(sum(x.adr for x in lines) / len(lines), 1)
        if (s := _streak(lines)) > 0:
            streaks[name] = s
    by_match: dict[str, list[tuple[str, MatchLine]]] = {}
    for pid, lines in week.items():
        for line in lines:
            by_match.setdefault(line.match_id, []).append((pid, line))
    biggest: BigWin | None = None
    for match_id, seen in sorted(by_match.items()):
        won = [(pid, line) for pid, line in seen if line.won]
        score = _score(won[0][1]) if won else None
        if score is None:
            continue
        margin = score[0] - score[1]
        if biggest is None or margin > biggest.margin:
            line = won[0][1]
            who = tuple(sorted((names[p] for p, _ in won), key=str.casefold))
            biggest = BigWin(match_id, map_label(line.map), f"{score[0]} / {score[1]}", margin, who)
    pairs: Counter[tuple[str, str]] = Counter()
    pair_wins: Counter[tuple[str, str]] = Counter()
    for seen in by_match.values():
        for (p1, l1), (p2, l2) in combinations(seen, 2):
            if l1.team and l1.team == l2.team:
                key = tuple(sorted((names[p1], names[p2]), key=str.casefold))
                pairs[key] += 1  # type: ignore[index]
                pair_wins[key] += l1.won  # type: ignore[index]
    together = None
    if pairs:
        (a, b), n = sorted(pairs.items(), key=lambda kv: (-kv[1], -pair_wins[kv[0]], kv[0]))[0]
        together = Pair(a, b, n, pair_wins[(a, b)])
    elo = tuple(
        sorted(
            (Figure(names[p], float(d)) for p, d in elo_change.items() if p in names),
            key=lambda f: (-f.value, f.nickname.casefold()),
        )
    )
    return Digest(
        members=len(names),
        matches=len(by_match),
        elo=elo,
        most_matches=_top(counts),
        best_kd=_top(kd),
        best_adr=_top(adr),
        longest_streak=_top(streaks),
        biggest_win=biggest,
        together=together,
    )


# -- matches two players shared -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Shared:
    finished_at: int
    map: str
    score: str  # the caller's side first
    same_team: bool
    won: bool  # the caller won


@dataclass(frozen=True, slots=True)
class Together:
    looked_at: int  # the caller's matches looked at (their last 100 at most)
    together: int
    together_won: int
    against: int
    against_won: int  # the caller's wins against the other player
    latest: tuple[Shared, ...]


def together(mine: list[MatchLine], theirs: list[MatchLine]) -> Together:
    by_id = {line.match_id: line for line in theirs}
    shared = [
        Shared(
            m.finished_at,
            map_label(m.map),
            m.own_score,
            bool(m.team) and m.team == by_id[m.match_id].team,
            m.won,
        )
        for m in mine
        if m.match_id in by_id
    ]
    shared.sort(key=lambda s: s.finished_at, reverse=True)
    same = [s for s in shared if s.same_team]
    other = [s for s in shared if not s.same_team]
    return Together(
        looked_at=len(mine),
        together=len(same),
        together_won=sum(s.won for s in same),
        against=len(other),
        against_won=sum(s.won for s in other),
        latest=tuple(shared[:LATEST_SHARED]),
    )


# -- a player's week against the week before ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WeekFigures:
    matches: int
    wins: int
    kd: float | None
    adr: float | None


@dataclass(frozen=True, slots=True)
class Recap:
    this: WeekFigures
    before: WeekFigures
    elo_change: int | None
    best_map: tuple[str, int, int] | None  # (map, wins, matches)
    worst_map: tuple[str, int, int] | None


def _figures(lines: list[MatchLine]) -> WeekFigures:
    if not lines:
        return WeekFigures(0, 0, None, None)
    kd = round(sum(x.kills for x in lines) / max(sum(x.deaths for x in lines), 1), 2)
    return WeekFigures(
        len(lines), sum(x.won for x in lines), kd, round(sum(x.adr for x in lines) / len(lines), 1)
    )


def recap(lines: list[MatchLine], week_start: int, week_end: int, elo_change: int | None) -> Recap:
    this = [x for x in lines if week_start <= x.finished_at < week_end]
    before = [x for x in lines if week_start - 7 * 86400 <= x.finished_at < week_start]
    maps: dict[str, list[bool]] = {}
    for x in this:
        maps.setdefault(map_label(x.map), []).append(x.won)

    def rate(name: str) -> tuple[float, int]:
        results = maps[name]
        return sum(results) / len(results), len(results)

    ranked = sorted(maps, key=lambda n: (-rate(n)[0], -rate(n)[1], n))
    best = worst = None
    if ranked:
        best = (ranked[0], sum(maps[ranked[0]]), len(maps[ranked[0]]))
        if len(ranked) > 1:
            last = sorted(maps, key=lambda n: (rate(n)[0], -rate(n)[1], n))[0]
            worst = (last, sum(maps[last]), len(maps[last]))
    return Recap(_figures(this), _figures(before), elo_change, best, worst)

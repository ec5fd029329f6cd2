"""Per-match rows of one player (from /players/{id}/games/cs2/stats), read once into numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from faceitbot.analysis.numbers import num, whole
from faceitbot.faceit.models import GameStatsRow


@dataclass(frozen=True, slots=True)
class MatchLine:
    match_id: str
    finished_at: int  # unix seconds
    map: str  # "de_inferno"
    score: str  # "13 / 9": faction 1 first, not the player's side first
    won: bool
    kills: int
    deaths: int
    assists: int
    headshots: int
    adr: float
    rounds: int
    mvps: int
    doubles: int
    triples: int
    quadros: int
    pentas: int
    nickname: str = ""  # as the row names the player (it may have changed since)
    team: str = ""  # the player's side ("team_<leader>"): two players' rows of one match agree on it

    @property
    def own_score(self) -> str:
        """The player's side first: "Score" is in faction order, but the winner has more rounds."""
        parts = [p.strip() for p in self.score.split("/")]
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            return self.score
        low, high = sorted(int(p) for p in parts)
        return f"{high} / {low}" if self.won else f"{low} / {high}"


def match_line(row: GameStatsRow) -> MatchLine:
    s = row.stats
    return MatchLine(
        match_id=str(s.get("Match Id", "")),
        # FACEIT sends milliseconds here (an int, unlike every other field).
        finished_at=whole(s.get("Match Finished At")) // 1000,
        map=str(s.get("Map", "")),
        score=str(s.get("Score", "")),
        won=str(s.get("Result", "")) == "1",
        kills=whole(s.get("Kills")),
        deaths=whole(s.get("Deaths")),
        assists=whole(s.get("Assists")),
        headshots=whole(s.get("Headshots")),
        adr=num(s.get("ADR")),
        rounds=whole(s.get("Rounds")),
        mvps=whole(s.get("MVPs")),
        doubles=whole(s.get("Double Kills")),
        triples=whole(s.get("Triple Kills")),
        quadros=whole(s.get("Quadro Kills")),
        pentas=whole(s.get("Penta Kills")),
        nickname=str(s.get("Nickname", "")),
        team=str(s.get("Team", "")),
    )


def match_lines(rows: Iterable[GameStatsRow]) -> list[MatchLine]:
    """Newest first, as FACEIT sends them; rows without a match id (never seen, but cheap) are dropped."""
    lines = [match_line(r) for r in rows]
    return [line for line in lines if line.match_id]


def map_label(map_id: str) -> str:
    """ "de_inferno" → "Inferno"; the lifetime segments use the label, the matches the id."""
    name = map_id.removeprefix("de_").removeprefix("cs_")
    return name[:1].upper() + name[1:] if name else "?"

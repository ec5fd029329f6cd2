"""The profile card: lifetime numbers of one player, from /players/{id} and /stats/cs2."""

from __future__ import annotations

from dataclasses import dataclass

from faceitbot.analysis.numbers import num, whole
from faceitbot.faceit.models import Player, PlayerStats


@dataclass(frozen=True, slots=True)
class ProfileCard:
    player_id: str
    nickname: str
    country: str
    level: int
    elo: int
    matches: int
    win_rate: float
    kd: float
    hs_pct: float
    avg_kills: float | None
    current_streak: int
    longest_streak: int
    last_results: tuple[bool, ...]  # oldest first, as FACEIT sends them; True = win


def average_kills(stats: PlayerStats) -> float | None:
    """Lifetime stats carry no average kills; the 5v5 map segments do carry kills and matches."""
    kills = matches = 0.0
    for segment in stats.segments:
        if segment.type.lower() == "map" and segment.mode == "5v5":
            kills += num(segment.stats.get("Kills"))
            matches += num(segment.stats.get("Matches"))
    return round(kills / matches, 1) if matches else None


def profile_card(player: Player, stats: PlayerStats) -> ProfileCard:
    life = stats.lifetime
    game = player.cs2
    recent = life.get("Recent Results", [])
    return ProfileCard(
        player_id=player.player_id,
        nickname=player.nickname,
        country=player.country,
        level=game.skill_level if game else 0,
        elo=game.faceit_elo if game else 0,
        matches=whole(life.get("Matches")),
        win_rate=num(life.get("Win Rate %")),
        kd=num(life.get("Average K/D Ratio")),
        hs_pct=num(life.get("Average Headshots %")),
        avg_kills=average_kills(stats),
        current_streak=whole(life.get("Current Win Streak")),
        longest_streak=whole(life.get("Longest Win Streak")),
        # "Recent Results" is oldest first: Darwin's sample ends in "0" with "Current Win Streak" 0.
        last_results=tuple(r == "1" for r in recent[-5:]) if isinstance(recent, list) else (),
    )

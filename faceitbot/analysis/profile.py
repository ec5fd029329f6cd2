"""The profile card: lifetime numbers of one player, from /players/{id} and /stats/cs2."""

from __future__ import annotations

from collections import OrderedDict
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


# The FACEIT client hands out the same decoded objects while they are fresh, so a card computed
# from them stays right until either object is replaced; checked by identity, and the entry
# holds both objects so their ids cannot be reused meanwhile.
_RECENT_CARDS: OrderedDict[str, tuple[Player, PlayerStats, ProfileCard]] = OrderedDict()
_RECENT_MAX = 2048


def cached_profile_card(player: Player, stats: PlayerStats) -> ProfileCard:
    """profile_card(), computed once per pair of fetched objects."""
    entry = _RECENT_CARDS.get(player.player_id)
    if entry is not None and entry[0] is player and entry[1] is stats:
        _RECENT_CARDS.move_to_end(player.player_id)
        return entry[2]
    card = profile_card(player, stats)
    _RECENT_CARDS[player.player_id] = (player, stats, card)
    if len(_RECENT_CARDS) > _RECENT_MAX:
        _RECENT_CARDS.popitem(last=False)
    return card

"""Finding players and building their cards: FACEIT reads, remembered in the store."""

from __future__ import annotations

import asyncio

import asyncpg
from loguru import logger

from faceitbot.analysis.profile import ProfileCard, cached_profile_card
from faceitbot.errors import NoCs2Profile, NoMatches, PlayerNotFound
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.errors import FaceitError, FaceitNotFound
from faceitbot.faceit.models import Player
from faceitbot.faceit.tally import tally
from faceitbot.store import players as players_store

MAX_SUGGESTIONS = 5


async def find_player(
    faceit: FaceitClient, nickname: str, *, purpose: str = "stats", suggest: bool = True
) -> Player:
    """The CS2 player with exactly this nickname, or PlayerNotFound with near misses."""
    try:
        player = await faceit.player_by_nickname(nickname)
    except FaceitNotFound:
        near = await suggestions(faceit, nickname) if suggest else ()
        raise PlayerNotFound(nickname, near, purpose=purpose) from None
    if player.cs2 is None:
        raise NoCs2Profile(player.nickname)
    return player


async def suggestions(faceit: FaceitClient, nickname: str) -> tuple[str, ...]:
    """Up to five CS2 nicknames FACEIT search finds for the text; none when search fails."""
    try:
        found = await faceit.search_players(nickname, limit=20)
    except FaceitError as e:
        logger.info("search for suggestions failed: {}", e)
        return ()
    names = [p.nickname for p in found.items if any(g.name == "cs2" for g in p.games)]
    return tuple(dict.fromkeys(names))[:MAX_SUGGESTIONS]


async def load_profile(faceit: FaceitClient, pool: asyncpg.Pool, player_id: str) -> ProfileCard:
    with tally() as fetched:
        try:
            player, stats = await asyncio.gather(faceit.player(player_id), faceit.player_stats(player_id))
        except FaceitNotFound:
            raise PlayerNotFound(player_id) from None
    card = cached_profile_card(player, stats)
    if fetched.calls:
        # Fresh from FACEIT: keep it (and an ELO snapshot). From the cache: already kept.
        await players_store.remember(pool, card.player_id, card.nickname, card.country, card.level, card.elo)
    return card


async def latest_match_id(faceit: FaceitClient, player_id: str) -> str:
    history = await faceit.history(player_id, limit=1)
    if not history.items:
        raise NoMatches()
    return history.items[0].match_id

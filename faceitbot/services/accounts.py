"""Linking a Telegram user to a FACEIT player."""

from __future__ import annotations

import asyncpg

from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.models import Player
from faceitbot.services.players import find_player
from faceitbot.services.tracking import follow_linked
from faceitbot.store import players as players_store
from faceitbot.store import users as users_store


async def link(pool: asyncpg.Pool, faceit: FaceitClient, telegram_id: int, nickname: str) -> Player:
    """Resolve first, write after: a FACEIT failure leaves the user's row as it was."""
    player = await find_player(faceit, nickname, purpose="link")
    game = player.cs2
    assert game is not None  # find_player guarantees a CS2 profile
    async with pool.acquire() as conn, conn.transaction():
        await players_store.remember(
            conn, player.player_id, player.nickname, player.country, game.skill_level, game.faceit_elo
        )
        await users_store.link(conn, telegram_id, player.player_id, player.nickname)
        await follow_linked(conn, telegram_id, player.player_id)  # the linked account is tracked by default
    return player

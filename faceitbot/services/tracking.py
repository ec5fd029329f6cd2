"""Following players: /track, /untrack, /tracked, /notify, and the linked account by default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from faceitbot.config import Settings
from faceitbot.errors import FaceitBotError
from faceitbot.faceit.client import FaceitClient
from faceitbot.services.match_requests import effective_tier
from faceitbot.services.players import find_player
from faceitbot.store import players as players_store
from faceitbot.store import tracking as store
from faceitbot.store.tracking import FollowedRow
from faceitbot.store.users import UserRow

# A newly tracked player is first looked at this soon (to learn how often they play).
FIRST_CHECK_S = 60.0


class TrackLimitReached(FaceitBotError):
    key = "error-track-limit"

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def params(self) -> dict[str, object]:
        return {"limit": self.limit}


class _AboutPlayer(FaceitBotError):
    def __init__(self, nickname: str) -> None:
        super().__init__(nickname)
        self.nickname = nickname

    def params(self) -> dict[str, object]:
        return {"nickname": self.nickname}


class AlreadyTracked(_AboutPlayer):
    key = "error-already-tracked"


class NotTracked(_AboutPlayer):
    key = "error-not-tracked"


@dataclass(frozen=True, slots=True)
class Tracked:
    nickname: str
    used: int
    limit: int


def limit_for(settings: Settings, user: UserRow, now: datetime) -> int:
    return settings.track_limit(effective_tier(user, now))


async def track(
    pool: asyncpg.Pool, faceit: FaceitClient, settings: Settings, user: UserRow, nickname: str, now: datetime
) -> Tracked:
    """Resolve first, then check and write in one transaction under the user's row lock."""
    player = await find_player(faceit, nickname, purpose="track")
    game = player.cs2
    assert game is not None  # find_player guarantees a CS2 profile
    limit = limit_for(settings, user, now)
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_user(conn, user.telegram_id)
        if await store.follows(conn, user.telegram_id, player.player_id):
            raise AlreadyTracked(player.nickname)
        used = await store.count_follows(conn, user.telegram_id)
        if used >= limit:
            raise TrackLimitReached(limit)
        # The ELO now is the "before" of their next match.
        await players_store.remember(
            conn, player.player_id, player.nickname, player.country, game.skill_level, game.faceit_elo
        )
        await store.lock_player(conn, player.player_id)
        await store.follow(
            conn, user.telegram_id, player.player_id, linked=False, first_check_s=FIRST_CHECK_S
        )
    return Tracked(player.nickname, used + 1, limit)


async def follow_linked(conn: asyncpg.Connection, telegram_id: int, player_id: str) -> None:
    """Inside the link transaction: the newly linked account is tracked, a previous one dropped."""
    previous = await store.linked_follow(conn, telegram_id)
    if previous is not None and previous != player_id:
        await store.lock_player(conn, previous)
        await store.unfollow(conn, telegram_id, previous)
    await store.lock_player(conn, player_id)
    await store.follow(conn, telegram_id, player_id, linked=True, first_check_s=FIRST_CHECK_S)


async def untrack(pool: asyncpg.Pool, telegram_id: int, nickname: str) -> str:
    found = await store.find_followed(pool, telegram_id, nickname)
    if found is None:
        raise NotTracked(nickname)
    player_id, name = found
    await untrack_id(pool, telegram_id, player_id)
    return name


async def untrack_id(pool: asyncpg.Pool, telegram_id: int, player_id: str) -> bool:
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_player(conn, player_id)
        return await store.unfollow(conn, telegram_id, player_id)


async def listing(pool: asyncpg.Pool, telegram_id: int) -> tuple[list[FollowedRow], int]:
    """The followed players and how many of them count against the tier limit."""
    rows = await store.followed(pool, telegram_id)
    return rows, sum(1 for r in rows if not r.linked)


async def set_notifications(pool: asyncpg.Pool, telegram_id: int, on: bool) -> None:
    await store.set_notifications(pool, telegram_id, on)


async def welcome_back(pool: asyncpg.Pool, user: UserRow) -> None:
    """/start after a 403: the chat works again, so do its notifications."""
    if not user.notifications:
        await store.chat_back(pool, user.telegram_id)

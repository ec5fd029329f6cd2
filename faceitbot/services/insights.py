"""Player insights: whose numbers, and the FACEIT reads behind last match, history, form and maps.

Reads go through the FACEIT client (cache, budget, singleflight). The newest 20 per-match rows
are read with the same parameters as the match analysis' recent form, so the views share them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from faceitbot import parsing
from faceitbot.analysis.form import Form, Totals, form, totals
from faceitbot.analysis.last_match import LastMatch, last_match
from faceitbot.analysis.maps import MapsView, maps_view
from faceitbot.analysis.match import MatchReport
from faceitbot.analysis.profile import ProfileCard
from faceitbot.analysis.recent import MatchLine, match_lines
from faceitbot.analysis.sessions import Span, elo_change, local_midnight, sessions, today
from faceitbot.config import Settings
from faceitbot.errors import FaceitBotError, NoMatches, NotLinked, PlayerNotFound
from faceitbot.faceit.allowance import current, pays_for_unknown
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.errors import FaceitNotFound
from faceitbot.faceit.models import Player
from faceitbot.faceit.tally import tally
from faceitbot.services import players
from faceitbot.services.analysis import MatchNotFound, analyse_match
from faceitbot.services.match_requests import QuotaExceeded, effective_tier
from faceitbot.store import players as players_store
from faceitbot.store import quotas
from faceitbot.store.users import UserRow

PAGE = 100  # the most per-match rows FACEIT returns in one page
RECENT = 20  # what /last, sessions and today read first (shared with the match analysis)
MAX_HISTORY = 50
SESSIONS_SHOWN = 5

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class FormReport:
    nickname: str
    requested: int
    form: Form


@dataclass(frozen=True, slots=True)
class SessionsReport:
    nickname: str
    sessions: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class TodayReport:
    nickname: str
    zone: str
    span: Span | None


async def target(faceit: FaceitClient, pool: asyncpg.Pool, user: UserRow | None, query: str | None) -> Player:
    """The player a view is about: the one named in `query`, else the user's linked one."""
    with tally() as fetched:
        if query and query.strip():
            player = await players.find_player(faceit, parsing.player_query(query))
        elif user is not None and user.faceit_player_id:
            try:
                player = await faceit.player(user.faceit_player_id)
            except FaceitNotFound:
                raise PlayerNotFound(user.faceit_nickname or user.faceit_player_id) from None
        else:
            raise NotLinked()
    game = player.cs2
    if fetched.calls and game is not None:
        # A fresh read is an ELO snapshot: what later ELO changes and the chart are made of.
        await players_store.remember(
            pool, player.player_id, player.nickname, player.country, game.skill_level, game.faceit_elo
        )
    return player


async def recent_lines(
    faceit: FaceitClient, player_id: str, count: int, progress: Progress | None = None
) -> list[MatchLine]:
    """The newest `count` per-match rows, newest first, in pages of at most 100."""
    lines: list[MatchLine] = []
    while len(lines) < count:
        limit = min(PAGE, count - len(lines))
        page = await faceit.game_stats(player_id, limit=limit, offset=len(lines))
        lines.extend(match_lines(page.items))
        if progress is not None:
            await progress(len(lines), count)
        if len(page.items) < limit:
            break  # no older matches
    return lines


async def load_last_match(faceit: FaceitClient, pool: asyncpg.Pool, player_id: str) -> LastMatch:
    lines = await recent_lines(faceit, player_id, RECENT)
    if not lines:
        raise NoMatches()
    newest = lines[0]
    previous = lines[1].finished_at if len(lines) > 1 else 0
    try:
        stats = await faceit.match_stats(newest.match_id)
    except FaceitNotFound:
        raise NoMatches() from None
    snapshots = await players_store.elo_since(pool, player_id, previous)
    change = elo_change(
        snapshots, after=previous, first=newest.finished_at, last=newest.finished_at, until=None
    )
    try:
        return last_match(stats, player_id, finished_at=newest.finished_at, elo_change=change)
    except KeyError:
        raise NoMatches() from None


async def load_scoreboard(faceit: FaceitClient, match_id: str) -> LastMatch:
    """Both teams of a match; the first player of the first team stands in as "the player"."""
    try:
        stats = await faceit.match_stats(match_id)
    except FaceitNotFound:
        raise NoMatches() from None
    if not stats.rounds or not stats.rounds[0].teams or not stats.rounds[0].teams[0].players:
        raise NoMatches()
    return last_match(stats, stats.rounds[0].teams[0].players[0].player_id)


async def load_history(faceit: FaceitClient, player_id: str, count: int) -> list[MatchLine]:
    lines = await recent_lines(faceit, player_id, min(count, MAX_HISTORY))
    if not lines:
        raise NoMatches()
    return lines


async def load_form(
    faceit: FaceitClient, player: Player, count: int, progress: Progress | None = None
) -> FormReport:
    lines = await recent_lines(faceit, player.player_id, count, progress)
    if not lines:
        raise NoMatches()
    return FormReport(player.nickname, count, form(lines))


async def load_sessions(faceit: FaceitClient, pool: asyncpg.Pool, player: Player) -> SessionsReport:
    lines = await recent_lines(faceit, player.player_id, RECENT)
    if not lines:
        raise NoMatches()
    snapshots = await players_store.elo_since(pool, player.player_id, lines[-1].finished_at - 86400)
    return SessionsReport(player.nickname, tuple(sessions(lines, snapshots)[:SESSIONS_SHOWN]))


async def load_today(
    faceit: FaceitClient,
    pool: asyncpg.Pool,
    player: Player,
    zone: str,
    now: int,
    progress: Progress | None = None,
) -> TodayReport:
    tz = ZoneInfo(zone)
    lines = await recent_lines(faceit, player.player_id, RECENT)
    if len(lines) == RECENT and lines[-1].finished_at >= local_midnight(now, tz):
        lines = await recent_lines(faceit, player.player_id, PAGE, progress)  # a long day
    snapshots = await players_store.elo_since(pool, player.player_id, local_midnight(now, tz) - 86400)
    return TodayReport(player.nickname, zone, today(lines, tz, now, snapshots))


async def load_maps(faceit: FaceitClient, player_id: str) -> MapsView:
    try:
        stats = await faceit.player_stats(player_id)
    except FaceitNotFound:
        raise PlayerNotFound(player_id) from None
    return maps_view(stats)


ELO_POINTS = 500  # the most snapshots one chart shows (the newest)


async def elo_series(pool: asyncpg.Pool, player_id: str) -> list[tuple[int, int]]:
    """(unix s, ELO) oldest first: the snapshots the monitoring job and every read of the player keep."""
    return await players_store.elo_history(pool, player_id, limit=ELO_POINTS)


async def load_card(
    faceit: FaceitClient, pool: asyncpg.Pool, player_id: str
) -> tuple[ProfileCard, Totals | None]:
    card = await players.load_profile(faceit, pool, player_id)
    lines = await recent_lines(faceit, player_id, RECENT)
    return card, totals(lines) if lines else None


# The picture of a match analysis is for rooms the user analysed (and paid for) lately: its data
# is then mostly still cached, and the picture is no way around the daily quota.
MATCHCARD_WINDOW_S = 3600


class NotAnalysed(FaceitBotError):
    key = "error-matchcard-first"

    def __init__(self, match_id: str) -> None:
        super().__init__(match_id)
        self.match_id = match_id

    def params(self) -> dict[str, object]:
        return {"match_id": self.match_id}


async def analysed_match(
    faceit: FaceitClient, pool: asyncpg.Pool, telegram_id: int, match_id: str
) -> MatchReport:
    if not await quotas.recently_requested(pool, telegram_id, match_id, MATCHCARD_WINDOW_S):
        raise NotAnalysed(match_id)
    return (await analyse_match(faceit, match_id)).report


async def inline_match(
    faceit: FaceitClient, pool: asyncpg.Pool, settings: Settings, user: UserRow, match_id: str, now: datetime
) -> MatchReport:
    """The analysis behind an inline room summary. It costs a unit of the daily quota like /match
    (a room analysed within the hour is free), so inline mode is no way around the quota."""
    day = now.date()
    async with pool.acquire() as conn, conn.transaction():
        free = await quotas.recently_requested(conn, user.telegram_id, match_id, MATCHCARD_WINDOW_S)
        if not free:
            limit = settings.daily_quota(effective_tier(user, now))
            if await quotas.charge(conn, user.telegram_id, day, limit) is None:
                raise QuotaExceeded(limit, now)
            await quotas.record_request(conn, user.telegram_id, match_id, charged=True)
    try:
        return (await analyse_match(faceit, match_id)).report
    except Exception as e:
        if not free and (not isinstance(e, MatchNotFound) or await pays_for_unknown(current())):
            await quotas.refund(pool, user.telegram_id, day)
        raise

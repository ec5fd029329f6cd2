"""Squads: a group's members, its leaderboard kept current in place, the weekly digest (once per
group and week, whichever replica plans it), /together and the personal weekly recap.

FACEIT cost. The leaderboard reads the ELO snapshots monitoring and views already took and the
result lines monitoring recorded; only a member whose figures are older than a day is read
again, once, through monitoring's client (its share of the budget). The digest reads one page of
each member's newest 100 per-match rows a week; /together two such pages (cached, so the
digest's or another /together's page is free), charged to the caller's allowance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import msgspec
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from loguru import logger

from faceitbot import parsing
from faceitbot.analysis import squads as figures
from faceitbot.analysis.recent import MatchLine, match_lines
from faceitbot.constants import Priority
from faceitbot.errors import BadInput, FaceitBotError, NotLinked
from faceitbot.faceit.allowance import spending
from faceitbot.faceit.client import FaceitClient
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.services.players import find_player
from faceitbot.store import players as players_store
from faceitbot.store import squads as store
from faceitbot.store.db import Pool
from faceitbot.store.settings import DEFAULT_TIME_ZONE
from faceitbot.store.squads import MemberRow, SquadRow
from faceitbot.store.users import UserRow

DIGEST = JobSpec("squads.digest", Priority.LOW, max_attempts=5, timeout_s=120, backoff_s=30.0)
RECAP = JobSpec("squads.recap", Priority.LOW, max_attempts=3, timeout_s=60, backoff_s=30.0)
WEEK = timedelta(days=7)
STALE = timedelta(days=1)  # a member's ELO older than this is read again for the leaderboard
DIGEST_LATE = timedelta(days=1)  # a digest not out a day after its time is skipped, not sent late
BOARD_EVERY_S = 600  # a leaderboard is compared with the figures (and edited) at most this often
BOARDS_PER_TICK = 50
PAGE = 100  # per-match rows in one FACEIT page: the digest's and /together's one read a player
ADMIN_STATUSES = frozenset({"creator", "administrator"})
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as typed: fixed, not the process locale


class GroupsOnly(FaceitBotError):
    key = "squad-groups-only"


class AdminsOnly(FaceitBotError):
    key = "squad-admins-only"


class NoSquad(FaceitBotError):
    key = "squad-none"


class NotInSquad(FaceitBotError):
    key = "squad-not-member"

    def __init__(self, nickname: str) -> None:
        super().__init__(nickname)
        self.nickname = nickname

    def params(self) -> dict[str, object]:
        return {"nickname": self.nickname}


class JoinNeedsLink(FaceitBotError):
    """Joining needs a linked account; linking is done in private."""

    key = "squad-join-link-first"


# -- members --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Joined:
    nickname: str
    new: bool  # False: was a member already
    members: int


async def join(pool: Pool, chat_id: int, user: UserRow) -> Joined:
    if not user.faceit_player_id:
        raise JoinNeedsLink()
    async with pool.acquire() as conn, conn.transaction():
        await store.ensure(conn, chat_id, user.language, user.telegram_id)
        new = await store.add_member(conn, chat_id, user.telegram_id)
        count = len(await store.members(conn, chat_id))
    return Joined(user.faceit_nickname or "", new, count)


async def leave(pool: Pool, chat_id: int, user: UserRow) -> bool:
    return await store.remove_member(pool, chat_id, user.telegram_id)


async def is_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Telegram's word on it (getChatMember), never a list of ours that could go stale."""
    member = await bot.get_chat_member(chat_id, user_id)
    return member.status in ADMIN_STATUSES


async def require_admin(bot: Bot, chat_id: int, user_id: int) -> None:
    if not await is_admin(bot, chat_id, user_id):
        raise AdminsOnly()


async def remove(pool: Pool, bot: Bot, chat_id: int, caller_id: int, nickname: str) -> str:
    """An admin removes the member with this FACEIT nickname."""
    await require_admin(bot, chat_id, caller_id)
    nick = parsing.player_query(nickname)
    member = await store.member_by_nickname(pool, chat_id, nick)
    if member is None or not await store.remove_member(pool, chat_id, member):
        raise NotInSquad(nick)
    return nick


async def squad(pool: Pool, chat_id: int) -> SquadRow:
    found = await store.get(pool, chat_id)
    if found is None:
        raise NoSquad()
    return found


@dataclass(frozen=True, slots=True)
class DigestChoice:
    on: bool
    day: int
    hour: int
    zone: str


def parse_digest(args: Sequence[str], current: SquadRow) -> DigestChoice:
    """ "off", "on", or "<day> <hour> [zone]" ("mon 10 Europe/Berlin")."""
    if len(args) == 1 and args[0].lower() in ("off", "on"):
        return DigestChoice(
            args[0].lower() == "on", current.digest_day, current.digest_hour, current.time_zone
        )
    if len(args) not in (2, 3) or args[0].lower()[:3] not in DAYS or not args[1].isdigit():
        raise BadInput("squad-digest-usage")
    hour = int(args[1])
    if not 0 <= hour <= 23:
        raise BadInput("squad-digest-usage")
    zone = parsing.time_zone(args[2]) if len(args) == 3 else current.time_zone
    return DigestChoice(True, DAYS.index(args[0].lower()[:3]), hour, zone)


async def set_digest(pool: Pool, bot: Bot, chat_id: int, caller_id: int, args: Sequence[str]) -> SquadRow:
    await require_admin(bot, chat_id, caller_id)
    current = await squad(pool, chat_id)
    choice = parse_digest(args, current)
    await store.set_digest(pool, chat_id, on=choice.on, day=choice.day, hour=choice.hour, zone=choice.zone)
    return await squad(pool, chat_id)


async def set_language(pool: Pool, bot: Bot, chat_id: int, caller_id: int, language: str) -> SquadRow:
    await require_admin(bot, chat_id, caller_id)
    await squad(pool, chat_id)
    if language not in ("en", "ru"):
        raise BadInput("squad-language-usage")
    await store.set_language(pool, chat_id, language)
    return await squad(pool, chat_id)


async def bot_membership(pool: Pool, chat_id: int, status: str) -> None:
    """my_chat_member: removed from the group (the squad is kept 30 days), or back in it."""
    if status in ("left", "kicked"):
        if await store.mark_removed(pool, chat_id):
            logger.info("squad {}: the bot was removed; kept for {}", chat_id, store.KEEP_REMOVED)
    elif await store.mark_back(pool, chat_id):
        logger.info("squad {}: the bot is back", chat_id)


async def forget_removed(pool: Pool) -> int:
    return await store.delete_removed(pool)


# -- the leaderboard ------------------------------------------------------------------------------
async def refresh_stale(
    pool: Pool, background: FaceitClient, members: list[MemberRow], now: datetime
) -> None:
    """Members whose ELO we have not seen for a day are read once, on monitoring's share."""
    for m in members:
        if m.player_id is None or (m.updated_at is not None and now - m.updated_at < STALE):
            continue
        try:
            with spending(None):  # monitoring's share pays, not whoever asked for the board
                player = await background.player(m.player_id)
        except Exception as e:  # FACEIT failing or the share spent (ShareSpent): last figures stand
            logger.info("squad leaderboard: {} not refreshed ({})", m.nickname, type(e).__name__)
            continue
        if player.cs2 is not None:
            await players_store.remember(
                pool,
                player.player_id,
                player.nickname,
                player.country,
                player.cs2.skill_level,
                player.cs2.faceit_elo,
            )


async def leaderboard(
    pool: Pool, background: FaceitClient, chat_id: int, now: datetime
) -> tuple[figures.BoardEntry, ...]:
    members = await store.members(pool, chat_id)
    await refresh_stale(pool, background, members, now)
    members = await store.members(pool, chat_id)
    ids = [m.player_id for m in members if m.player_id]
    week_ago = await store.elo_before(pool, ids, now - WEEK)
    lines = await store.week_lines(pool, ids, now - WEEK)
    return figures.board(
        (figures.Member(m.player_id, m.nickname, m.level, m.elo) for m in members if m.player_id),
        week_ago,
        lines,
    )


async def post_board(pool: Pool, bot: Bot, chat_id: int, text: str) -> bool:
    """Sends the leaderboard and pins it when the bot may; True when pinned. Later refreshes
    edit this message."""
    previous = await store.get(pool, chat_id)
    sent = await bot.send_message(chat_id, text)
    if previous is not None and previous.board_pinned and previous.board_message_id is not None:
        try:  # the board it replaces leaves the pins
            await bot.unpin_chat_message(chat_id, message_id=previous.board_message_id)
        except TelegramBadRequest as e:
            logger.info("squad {}: the previous leaderboard stays pinned ({})", chat_id, e.message)
    pinned = True
    try:
        await bot.pin_chat_message(chat_id, sent.message_id, disable_notification=True)
    except TelegramBadRequest as e:
        logger.info("squad {}: leaderboard not pinned ({})", chat_id, e.message)
        pinned = False
    await store.set_board(pool, chat_id, sent.message_id, pinned, text)
    return pinned


async def refresh_board(pool: Pool, bot: Bot, squad_row: SquadRow, text: str) -> bool:
    """Edits the leaderboard when a figure changed; True when it was edited."""
    if squad_row.board_message_id is None or text == squad_row.board_text:
        return False
    try:
        await bot.edit_message_text(text, chat_id=squad_row.chat_id, message_id=squad_row.board_message_id)
    except TelegramBadRequest as e:
        if "not modified" not in str(e):
            logger.info("squad {}: leaderboard message gone ({}); dropped", squad_row.chat_id, e.message)
            await store.drop_board(pool, squad_row.chat_id)
            return False
    await store.board_edited(pool, squad_row.chat_id, squad_row.board_message_id, text)
    return True


async def due_boards(pool: Pool, every_s: int = BOARD_EVERY_S) -> list[SquadRow]:
    rows = []
    for chat_id in await store.claim_boards(pool, every_s, BOARDS_PER_TICK):
        if (row := await store.get(pool, chat_id)) is not None:
            rows.append(row)
    return rows


# -- the weekly digest ----------------------------------------------------------------------------
def latest_slot(day: int, hour: int, zone: str, now: datetime) -> datetime:
    """The latest digest time (weekday `day`, `hour`:00 in `zone`) at or before `now`, in UTC."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    date = local.date() - timedelta(days=(local.weekday() - day) % 7)
    slot = datetime.combine(date, time(hour), tzinfo=tz)
    if slot > local:
        slot = datetime.combine(date - WEEK, time(hour), tzinfo=tz)
    return slot.astimezone(UTC)


def digest_due(squad_row: SquadRow, now: datetime) -> datetime | None:
    """The week (its end) a digest is due for now, if any: the squad existed when the week
    ended, and the digest's time passed less than DIGEST_LATE ago."""
    if not squad_row.digest_on or squad_row.removed_at is not None:
        return None
    slot = latest_slot(squad_row.digest_day, squad_row.digest_hour, squad_row.time_zone, now)
    if slot <= squad_row.created_at or now - slot >= DIGEST_LATE:
        return None
    return slot


class DigestJob(msgspec.Struct, frozen=True):
    """The digest job's payload: the group and the end of its week (ISO 8601, UTC)."""

    chat_id: int
    week_end: str


async def _open_week(
    pool: Pool,
    queue: TaskQueue,
    spec: JobSpec,
    open_row: Callable[[asyncpg.Connection, int, datetime], Awaitable[bool]],
    owner: int,
    week_end: datetime,
    payload: msgspec.Struct,
) -> bool:
    """The week's once-row (its primary key makes it once per owner and week, whichever replica
    comes first) and its job, in one transaction. False when another call opened it."""
    async with pool.acquire() as conn, conn.transaction():
        if not await open_row(conn, owner, week_end):
            return False
        await queue.submit(
            spec,
            msgspec.to_builtins(payload),
            dedupe_key=f"{spec.kind}:{owner}:{int(week_end.timestamp())}",
            conn=conn,
        )
    return True


async def plan_digests(pool: Pool, queue: TaskQueue, now: datetime) -> list[int]:
    """Opens the digest of every squad whose time came, the (group, week) row and its job in one
    transaction; returns the groups planned by this call (none when another call planned them)."""
    planned = []
    for row in await store.digest_candidates(pool):
        week_end = digest_due(row, now)
        if week_end is None:
            continue
        payload = DigestJob(row.chat_id, week_end.isoformat())
        if await _open_week(pool, queue, DIGEST, store.open_digest, row.chat_id, week_end, payload):
            planned.append(row.chat_id)
    if planned:
        logger.info("squads: {} digest(s) planned", len(planned))
    return planned


async def week_rows(faceit: FaceitClient, player_id: str) -> list[MatchLine]:
    """The newest 100 per-match rows: one page, shared through the cache with /together."""
    page = await faceit.game_stats(player_id, limit=PAGE)
    return match_lines(page.items)


@dataclass(frozen=True, slots=True)
class WeekDigest:
    week_start: datetime
    week_end: datetime
    digest: figures.Digest


async def build_digest(pool: Pool, faceit: FaceitClient, chat_id: int, week_end: datetime) -> WeekDigest:
    """The figures of the 7 days before `week_end` of the members who joined: one FACEIT page each."""
    members = [m for m in await store.members(pool, chat_id) if m.player_id]
    start = week_end - WEEK
    lo, hi = int(start.timestamp()), int(week_end.timestamp())
    week: dict[str, list[MatchLine]] = {}
    for m in members:
        assert m.player_id is not None
        rows = await week_rows(faceit, m.player_id)
        week[m.player_id] = [x for x in rows if lo <= x.finished_at < hi]
    ids = list(week)
    before = await store.elo_before(pool, ids, start)
    after = await store.elo_before(pool, ids, week_end)
    change = {p: after[p] - before[p] for p in ids if p in before and p in after}
    names = {m.player_id: m.nickname for m in members if m.player_id}
    return WeekDigest(start, week_end, figures.digest(week, change, names))


# -- /together ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TogetherReport:
    me: str
    other: str
    figures: figures.Together


async def together(faceit: FaceitClient, user: UserRow, query: str | None) -> TogetherReport:
    if not (query or "").strip():
        raise BadInput("together-usage")
    if not user.faceit_player_id:
        raise NotLinked()
    other = await find_player(faceit, parsing.player_query(query or ""))
    if other.player_id == user.faceit_player_id:
        raise BadInput("together-yourself")
    mine = await week_rows(faceit, user.faceit_player_id)
    theirs = await week_rows(faceit, other.player_id)
    return TogetherReport(user.faceit_nickname or "", other.nickname, figures.together(mine, theirs))


# -- the personal weekly recap --------------------------------------------------------------------
RECAP_DAY, RECAP_HOUR = 0, 10  # Monday 10:00 in the user's zone, like the squads' default digest


def recap_due(since: datetime, zone: str, now: datetime) -> datetime | None:
    slot = latest_slot(RECAP_DAY, RECAP_HOUR, zone, now)
    if slot <= since or now - slot >= DIGEST_LATE:
        return None
    return slot


async def build_recap(pool: Pool, faceit: FaceitClient, player_id: str, week_end: datetime) -> figures.Recap:
    rows = await week_rows(faceit, player_id)
    start = week_end - WEEK
    before = await store.elo_before(pool, [player_id], start)
    after = await store.elo_before(pool, [player_id], week_end)
    change = after[player_id] - before[player_id] if player_id in before and player_id in after else None
    return figures.recap(rows, int(start.timestamp()), int(week_end.timestamp()), change)


class RecapJob(msgspec.Struct, frozen=True):
    telegram_id: int
    week_end: str


async def plan_recaps(pool: Pool, queue: TaskQueue, now: datetime) -> list[int]:
    planned = []
    for user in await store.recap_users(pool):
        week_end = recap_due(user.since, user.time_zone or DEFAULT_TIME_ZONE, now)
        if week_end is None:
            continue
        payload = RecapJob(user.telegram_id, week_end.isoformat())
        if await _open_week(pool, queue, RECAP, store.open_recap, user.telegram_id, week_end, payload):
            planned.append(user.telegram_id)
    return planned


async def set_recap(pool: Pool, user: UserRow, on: bool) -> None:
    await store.set_recap(pool, user.telegram_id, on)


async def recap_wanted(pool: Pool, user: UserRow) -> bool:
    return await store.recap_wanted(pool, user.telegram_id)

"""One governor for every Bot API call that sends or edits a message (an aiogram session middleware).

Telegram refuses a bot's sends beyond about 30 a second overall, about one a second in one chat
after a short burst and 20 a minute in a group, with 429 and retry_after (telegram/NOTES.md §2).
Handler replies, acknowledgements, progress edits, job results, notifications and broadcasts all
pass through here, so the limits hold whoever sends, on every replica:

- Each send reserves a slot on shared schedules (GCRA: a "theoretical arrival time" per schedule,
  in Redis with one atomic script, in-process without Redis): the bot's overall one, spaced evenly
  a little under the limit, and its chat's (and group's), which allow a short burst. A reservation
  is taken only when the chat's schedule already allows the send, so a chat that has to wait never
  holds back the overall schedule for others.
- Replies to users go first: a background send (notification, broadcast, reminder) takes an
  overall slot only while the overall schedule is nearly free, so it never queues ahead of a user.
- Sends to one chat leave this process in order, one at a time, so an acknowledgement never
  overtakes the reply before it.
- A 429 pauses every sender on every replica until its retry_after has passed; the call is then
  made again, so a handler's reply waits and is sent rather than failing its update.
- A progress edit still waiting when a newer edit of the same message comes is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Protocol

import redis.asyncio as aioredis
from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from loguru import logger

from faceitbot.cluster.kv import REDIS_ERRORS, RedisHealth

# Margins under Telegram's figures (30 a second; one a second after a burst of about 3; 20 a
# minute in a group): the fake Bot API enforces those exactly, and a send reaches Telegram a few
# milliseconds after its slot.
SEND_RATE = 28
CHAT_INTERVAL_S, CHAT_BURST = 1.0, 2
GROUP_INTERVAL_S, GROUP_BURST = 4.0, 3  # at most 18 in any minute
# A background send goes only while the overall schedule is booked less than this far ahead.
BACKGROUND_BACKLOG_S = 0.25
# Flood waits longer than this are not sat out inline: the caller gets the 429 (a job retries later).
MAX_INLINE_WAIT_S = 60.0
MAX_ATTEMPTS = 8
# A booked slot this close is sent at once: a timer costs more CPU than the wait is worth, and
# Telegram counts seconds, not milliseconds.
EARLY_S = 0.002
# Bookings in flight to Redis at once: a crowd of replies books at the same moment, and redis-py
# refuses a call outright (MaxConnectionsError) once its pool's 100 connections are out.
REDIS_CALLS = 8

_COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")


class Urgency(IntEnum):
    REPLY = 0  # a user is waiting for it (replies, acknowledgements, job results)
    PROGRESS = 1  # a progress edit: a newer edit of the same message makes it pointless
    BACKGROUND = 2  # notifications, broadcasts, reminders


_urgency: ContextVar[Urgency] = ContextVar("send_urgency", default=Urgency.REPLY)


@contextlib.contextmanager
def urgency(level: Urgency) -> Iterator[None]:
    """Sends made inside the block (in this task) are governed as `level`."""
    token = _urgency.set(level)
    try:
        yield
    finally:
        _urgency.reset(token)


def background() -> contextlib.AbstractContextManager[None]:
    return urgency(Urgency.BACKGROUND)


def progress() -> contextlib.AbstractContextManager[None]:
    return urgency(Urgency.PROGRESS)


class Superseded(Exception):
    """A progress edit dropped because a newer edit of the same message came while it waited."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A GCRA schedule: one send per `interval_s`, with bursts of up to `burst`."""

    key: str
    interval_s: float
    burst: int = 1

    @property
    def tolerance_s(self) -> float:
        return (self.burst - 1) * self.interval_s


class Pace(Protocol):
    async def reserve(
        self, overall: Schedule, chat: list[Schedule], max_backlog_s: float | None
    ) -> tuple[bool, float]:
        """(True, delay): a slot is booked `delay` seconds from now on every schedule. (False,
        wait): nothing booked; ask again in `wait` seconds (the chat's schedule, a flood wait, or
        for a background send, the overall backlog)."""
        ...

    async def flood(self, retry_after_s: float) -> None:
        """Nobody sends before `retry_after_s` from now."""
        ...


class LocalPace:
    """The schedules in this process (no Redis, or Redis down)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[str, float] = {}
        self._flood_until = 0.0
        self._pruned_at = clock()

    async def reserve(
        self, overall: Schedule, chat: list[Schedule], max_backlog_s: float | None
    ) -> tuple[bool, float]:
        now = self._clock()
        self._prune(now)
        chat_ready = max((self._tat.get(s.key, 0.0) - s.tolerance_s for s in chat), default=0.0)
        ready = max(chat_ready, self._flood_until)
        if ready > now:
            return False, ready - now
        slot = max(now, self._tat.get(overall.key, 0.0))
        if max_backlog_s is not None and slot - now > max_backlog_s:
            return False, slot - now - max_backlog_s
        self._tat[overall.key] = slot + overall.interval_s
        for s in chat:
            self._tat[s.key] = max(self._tat.get(s.key, 0.0), slot) + s.interval_s
        return True, slot - now

    async def flood(self, retry_after_s: float) -> None:
        self._flood_until = max(self._flood_until, self._clock() + retry_after_s)

    def _prune(self, now: float) -> None:
        # Schedules in the past say nothing more than an absent one: dropped once a minute.
        if now - self._pruned_at > 60:
            self._pruned_at = now
            self._tat = {k: t for k, t in self._tat.items() if t > now}


# KEYS[1] flood deadline, KEYS[2] the overall schedule, KEYS[3..] the chat's schedules.
# ARGV[1] max backlog (negative: none), ARGV[2] overall interval, then interval and tolerance per
# chat schedule. Times are Redis's own clock, so replicas' clocks need not agree.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ready = tonumber(redis.call('GET', KEYS[1]) or '0')
for i = 3, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  ready = math.max(ready, tat - tonumber(ARGV[2 * i - 2]))
end
if ready > now then
  return {0, tostring(ready - now)}
end
local slot = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'))
local backlog = tonumber(ARGV[1])
if backlog >= 0 and slot - now > backlog then
  return {0, tostring(slot - now - backlog)}
end
local function book(key, tat)
  redis.call('SET', key, tostring(tat), 'PX', math.max(1, math.ceil((tat - now) * 1000) + 1000))
end
book(KEYS[2], slot + tonumber(ARGV[2]))
for i = 3, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  book(KEYS[i], math.max(tat, slot) + tonumber(ARGV[2 * i - 3]))
end
return {1, tostring(slot - now)}
"""

_FLOOD = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""


class RedisPace:
    """The schedules shared by every replica; in-process while Redis is down."""

    def __init__(
        self,
        redis: aioredis.Redis,
        prefix: str,
        fallback: LocalPace,
        health: RedisHealth | None = None,
        *,
        concurrency: int = REDIS_CALLS,
    ) -> None:
        self._calls = asyncio.Semaphore(concurrency)
        self._reserve = redis.register_script(_RESERVE)
        self._flood = redis.register_script(_FLOOD)
        self._prefix = prefix
        self._fallback = fallback
        self._health = health or RedisHealth()

    async def reserve(
        self, overall: Schedule, chat: list[Schedule], max_backlog_s: float | None
    ) -> tuple[bool, float]:
        if self._health.worth_trying():
            args: list[Any] = [-1 if max_backlog_s is None else max_backlog_s, overall.interval_s]
            for s in chat:
                args += [s.interval_s, s.tolerance_s]
            keys = [
                self._prefix + "tg:flood",
                self._prefix + overall.key,
                *(self._prefix + s.key for s in chat),
            ]
            try:
                async with self._calls:
                    booked, seconds = await self._reserve(keys=keys, args=args)
            except REDIS_ERRORS as e:
                self._health.failed(e)
            else:
                self._health.succeeded()
                return bool(booked), float(seconds)
        return await self._fallback.reserve(overall, chat, max_backlog_s)

    async def flood(self, retry_after_s: float) -> None:
        await self._fallback.flood(retry_after_s)  # also if Redis goes while we wait
        if self._health.worth_trying():
            try:
                async with self._calls:
                    await self._flood(keys=[self._prefix + "tg:flood"], args=[retry_after_s])
            except REDIS_ERRORS as e:
                self._health.failed(e)


class SendGovernor(BaseRequestMiddleware):
    def __init__(
        self,
        pace: Pace,
        *,
        rate: float = SEND_RATE,
        metrics: Any = None,
        max_inline_wait_s: float = MAX_INLINE_WAIT_S,
    ) -> None:
        self._pace = pace
        self._overall = Schedule("tg:overall", 1.0 / rate)
        self._metrics = metrics
        self._max_inline_wait_s = max_inline_wait_s
        self._chat_locks: dict[Any, tuple[asyncio.Lock, int]] = {}
        self._edits: dict[tuple[Any, int], int] = {}  # message -> the newest edit's number
        self._numbers = itertools.count(1)
        self.floods = 0  # 429s this replica was told, for the operator dashboard
        self.superseded = 0
        self.requested = 0  # counted sends that came through this governor, waiting or done

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        name = method.__api_method__
        if not name.startswith(_COUNTED_PREFIXES) or name == "sendChatAction":
            return await make_request(bot, method)
        chat_id = getattr(method, "chat_id", None)
        level = _urgency.get()
        edit = self._edit_key(method, chat_id)
        number = next(self._numbers)
        self.requested += 1
        if edit is not None:
            self._edits[edit] = number
        try:
            async with self._chat_turn(chat_id):
                return await self._send(make_request, bot, method, chat_id, level, edit, number)
        finally:
            if edit is not None and self._edits.get(edit) == number:
                del self._edits[edit]

    async def _send(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
        chat_id: Any,
        level: Urgency,
        edit: tuple[Any, int] | None,
        number: int,
    ) -> Response[Any]:
        schedules = self._chat_schedules(chat_id)
        backlog = BACKGROUND_BACKLOG_S if level is Urgency.BACKGROUND else None
        attempt = 0
        while True:
            while True:
                self._check_superseded(level, edit, number)
                booked, delay = await self._pace.reserve(self._overall, schedules, backlog)
                if delay > EARLY_S or (delay > 0 and not booked):
                    await asyncio.sleep(delay)  # the slot booked, or until one may be
                if booked:
                    break
            self._check_superseded(level, edit, number)
            attempt += 1
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as e:
                self.floods += 1
                if self._metrics is not None:
                    self._metrics.telegram_rate_limited.labels(method.__api_method__).inc()
                await self._pace.flood(e.retry_after)
                if attempt >= MAX_ATTEMPTS or e.retry_after > self._max_inline_wait_s:
                    raise
                logger.info(
                    "Telegram flood control on {} to {}: every sender waits {}s, then it is sent again",
                    method.__api_method__,
                    chat_id,
                    e.retry_after,
                )
            except TelegramForbiddenError:
                if self._metrics is not None:
                    self._metrics.telegram_blocked.inc()
                raise

    def _check_superseded(self, level: Urgency, edit: tuple[Any, int] | None, number: int) -> None:
        if level is Urgency.PROGRESS and edit is not None and self._edits.get(edit) != number:
            self.superseded += 1
            raise Superseded()

    @staticmethod
    def _edit_key(method: TelegramMethod[Any], chat_id: Any) -> tuple[Any, int] | None:
        if not method.__api_method__.startswith("edit"):
            return None
        message_id = getattr(method, "message_id", None)
        return None if message_id is None else (chat_id, message_id)

    @staticmethod
    def _chat_schedules(chat_id: Any) -> list[Schedule]:
        if chat_id is None:
            return []  # an inline message: only the overall limit is known to apply
        chat = [Schedule(f"tg:chat:{chat_id}", CHAT_INTERVAL_S, CHAT_BURST)]
        if _is_group(chat_id):
            chat.append(Schedule(f"tg:group:{chat_id}", GROUP_INTERVAL_S, GROUP_BURST))
        return chat

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat_id: Any):
        """One send at a time to a chat from this process, in the order they came."""
        if chat_id is None:
            yield
            return
        lock, users = self._chat_locks.get(chat_id) or (asyncio.Lock(), 0)
        self._chat_locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._chat_locks[chat_id]
            if users <= 1:
                del self._chat_locks[chat_id]
            else:
                self._chat_locks[chat_id] = (lock, users - 1)


def _is_group(chat_id: Any) -> bool:
    if isinstance(chat_id, int):
        return chat_id < 0
    return isinstance(chat_id, str) and chat_id.startswith(("-", "@"))

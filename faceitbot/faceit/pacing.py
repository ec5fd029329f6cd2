"""Pacing at the key's per-second limit: FACEIT admits `ratelimit-limit: 10, 10;w=1` (API.md §5).

A token bucket of `rate` requests a second with a burst of `rate` (GCRA: each send moves a
theoretical arrival time on by 1/rate; a send is due when that time is at most a second ahead),
the gateway's own rule as the simulator models it (faceitbot/sim/faceit.py). The interval is
MARGIN longer than 1/rate, so jitter in when the gateway sees a request never makes two of ours
look closer together than it allows.

Requests that can wait (a user's lookups on their allowance, monitoring) pass `reserve`: they
are due only while that many tokens would stay in the bucket, so a user's analysis arriving
mid-flood finds most of the burst there and is never queued behind them.

A 429 or a spent `ratelimit-remaining` sets a hold that every sender honours until it ends.
`RedisPacer` keeps the bucket and the hold in Redis (its clock, so replicas agree on the time);
`LocalPacer` keeps them in this process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

DEFAULT_RATE = 10
MARGIN = 0.02
MAX_HOLD_S = 60.0

# KEYS: GCRA TAT, hold. ARGV: interval ms, burst window ms (rate x interval). Answers 0 (admitted) or ms to wait.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return held end
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local due = tat + interval - window
if due > now + 0.001 then return math.max(1, math.ceil(due - now)) end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(window * 2))
return 0
"""

# KEYS: hold. ARGV: ms. Extends the hold, never shortens one another sender set.
_HOLD = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
"""

# KEYS: GCRA TAT. ARGV: burst window ms. The server says the bucket is empty: so is ours.
_EXHAUST = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local window = tonumber(ARGV[1])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now + window)
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(window * 2))
return 1
"""


class Pacer(Protocol):
    rate: int

    async def acquire(self, reserve: int = 0) -> None:
        """Waits until a request may be sent now without exceeding the key's rate, leaving
        `reserve` tokens in the bucket."""
        ...

    async def hold(self, seconds: float) -> None:
        """No request is sent by anyone for `seconds` (a 429's Retry-After)."""
        ...

    async def exhaust(self) -> None:
        """The server says this second's window is spent: nothing more in it."""
        ...


class LocalPacer:
    def __init__(self, rate: int = DEFAULT_RATE, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate < 1:
            raise ValueError("the rate must be at least 1 a second")
        self.rate = rate
        self._clock = clock
        self._tat = 0.0
        self._held_until = 0.0

    def wait_s(self, reserve: int = 0) -> float:
        """0 and admitted, or the seconds to wait before asking again."""
        now = self._clock()
        if self._held_until > now:
            return self._held_until - now
        interval = (1 + MARGIN) / self.rate
        tat = max(self._tat, now)
        # A burst of `rate` (less the reserve), then one per interval.
        due = tat + interval - interval * (self.rate - min(reserve, self.rate - 1))
        if due > now + 1e-9:  # not float noise: the burst is exactly `rate`
            return due - now
        self._tat = tat + interval
        return 0.0

    async def acquire(self, reserve: int = 0) -> None:
        while True:
            wait = self.wait_s(reserve)
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + min(seconds, MAX_HOLD_S))

    async def exhaust(self) -> None:
        self._tat = max(self._tat, self._clock() + (1 + MARGIN))


class RedisPacer:
    """The same admission for every replica, atomically in one Lua script."""

    def __init__(
        self, redis: aioredis.Redis, rate: int = DEFAULT_RATE, *, key: str = "fb:pace:faceit"
    ) -> None:
        if rate < 1:
            raise ValueError("the rate must be at least 1 a second")
        self.rate = rate
        self._keys = [f"{key}:tat", f"{key}:hold"]
        self._admit = redis.register_script(_ADMIT)
        self._hold = redis.register_script(_HOLD)
        self._exhaust = redis.register_script(_EXHAUST)

    async def acquire(self, reserve: int = 0) -> None:
        while True:
            interval_ms = (1 + MARGIN) * 1000 / self.rate
            burst = self.rate - min(reserve, self.rate - 1)
            wait_ms = int(await self._admit(keys=self._keys, args=[interval_ms, interval_ms * burst]))
            if wait_ms <= 0:
                return
            await asyncio.sleep(wait_ms / 1000)

    async def hold(self, seconds: float) -> None:
        ms = max(1, int(min(seconds, MAX_HOLD_S) * 1000))
        await self._hold(keys=[self._keys[1]], args=[ms])

    async def exhaust(self) -> None:
        await self._exhaust(keys=[self._keys[0]], args=[(1 + MARGIN) * 1000])


class FallbackPacer:
    """Redis while it answers; this replica's own pacer while it does not."""

    def __init__(self, primary: RedisPacer, fallback: LocalPacer, health) -> None:
        self.rate = primary.rate
        self._primary = primary
        self._fallback = fallback
        self._health = health

    async def acquire(self, reserve: int = 0) -> None:
        await self._call("acquire", reserve)

    async def hold(self, seconds: float) -> None:
        await self._call("hold", seconds)
        await self._fallback.hold(seconds)  # a later outage still remembers the hold

    async def exhaust(self) -> None:
        await self._call("exhaust")

    async def _call(self, name: str, *args: float | int) -> None:
        from faceitbot.kv import REDIS_ERRORS

        if self._health.worth_trying():
            try:
                await getattr(self._primary, name)(*args)
            except REDIS_ERRORS as e:
                self._health.failed(e)
            else:
                self._health.succeeded()
                return
        await getattr(self._fallback, name)(*args)


# -- the IETF RateLimit headers -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RateLimitHeaders:
    limit: int | None  # the per-second quota the server announces, when it announces one
    remaining: int | None
    reset_s: float | None
    remaining_hour: int | None = None  # X-Ratelimit-Remaining-Hour, which some keys get (API.md §5)


def parse_headers(headers: Mapping[str, str]) -> RateLimitHeaders:
    """`ratelimit-limit: 10, 10;w=1` (draft-ietf-httpapi-ratelimit-headers-03): the first item is
    the quota closest to exhaustion, then policies `quota;w=seconds`. Also the x- prefixed forms.
    Garbage yields None fields rather than an error: the headers are advice, never required."""

    def get(name: str) -> str | None:
        return headers.get(name) or headers.get("x-" + name)

    per_second: int | None = None
    raw = get("ratelimit-limit")
    if raw:
        first: int | None = None
        for item in raw.split(","):
            quota, *params = (p.strip() for p in item.split(";"))
            n = _int(quota)
            if n is None:
                continue
            first = n if first is None else first
            window = next((_int(p[2:]) for p in params if p.startswith("w=")), None)
            if window == 1:
                per_second = n if per_second is None else min(per_second, n)
        if per_second is None and raw.count(",") == 0:
            per_second = first  # a bare "10": the per-second limit we were told of
    reset = _int(get("ratelimit-reset") or "")
    hourly = headers.get("x-ratelimit-remaining-hour")
    return RateLimitHeaders(
        per_second, _int(get("ratelimit-remaining") or ""), reset, _int(hourly) if hourly else None
    )


def _int(text: str | None) -> int | None:
    try:
        n = int(str(text).strip())
    except ValueError:
        return None
    return n if n >= 0 else None


def retry_after_s(headers: Mapping[str, str], default: float = 1.0) -> float:
    """How long a 429 asks us to wait: Retry-After (seconds), else ratelimit-reset, else `default`."""
    raw = headers.get("Retry-After")
    if raw is not None:
        try:
            return min(max(float(raw), 0.0), MAX_HOLD_S)
        except ValueError:
            pass
    reset = parse_headers(headers).reset_s
    if reset is not None:
        # "0" means the window ends within the second: wait for the next one.
        return min(max(float(reset), 1.0), MAX_HOLD_S)
    return default

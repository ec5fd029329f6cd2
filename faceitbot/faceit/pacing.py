"""Pacing at the key's per-second limit: FACEIT admits `ratelimit-limit: 10, 10;w=1` (API.md §5).

The gateway counts requests in fixed 1-second windows on whole clock seconds (Envoy's
ratelimit service, whose header syntax FACEIT sends), so the pacer does the same: at most
`rate` sends in each clock second. It also keeps a token bucket of the same rate and burst
(GCRA), so a gateway that refills continuously instead of per window is not exceeded either;
together they cost nothing over the fixed window alone. Sends in the last GUARD_MS of a second
wait for the next one: a request sent at x.999 may be counted by the gateway in second x+1.

A 429 or an exhausted `ratelimit-remaining` sets a hold that every sender honours until it
ends. `RedisPacer` keeps the windows, the bucket and the hold in Redis (its clock, so replicas
agree on which second it is); `LocalPacer` keeps them in this process.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

DEFAULT_RATE = 10
GUARD_MS = 25
MAX_HOLD_S = 60.0

# KEYS: window prefix, GCRA TAT, hold. ARGV: rate, guard ms. Answers 0 (admitted) or ms to wait.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, guard = tonumber(ARGV[1]), tonumber(ARGV[2])
local held = redis.call('PTTL', KEYS[3])
if held > 0 then return held end
local second = math.floor(now / 1000)
local into = now - second * 1000
if into >= 1000 - guard then return 1000 - into end
local wkey = KEYS[1] .. second
local used = tonumber(redis.call('GET', wkey) or '0')
if used >= rate then return 1000 - into end
local interval = 1000 / rate
local tat = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
local allowed_at = tat - (1000 - interval)
if allowed_at > now then return math.max(1, math.ceil(allowed_at - now)) end
redis.call('SET', KEYS[2], tostring(tat + interval), 'PX', 2000)
redis.call('INCR', wkey)
redis.call('PEXPIRE', wkey, 2000)
return 0
"""

# KEYS: hold. ARGV: ms. Extends the hold, never shortens one another sender set.
_HOLD = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
"""

# KEYS: window prefix. ARGV: rate. Marks this second's window full (the server said 0 left).
_EXHAUST = """
local t = redis.call('TIME')
local wkey = KEYS[1] .. t[1]
redis.call('SET', wkey, ARGV[1], 'PX', 2000)
return 1
"""


class Pacer(Protocol):
    rate: int

    async def acquire(self) -> None:
        """Waits until a request may be sent now without exceeding the key's rate."""
        ...

    async def hold(self, seconds: float) -> None:
        """No request is sent by anyone for `seconds` (a 429's Retry-After)."""
        ...

    async def exhaust(self) -> None:
        """The server says this second's window is spent: nothing more in it."""
        ...


class LocalPacer:
    def __init__(
        self, rate: int = DEFAULT_RATE, *, guard_ms: int = GUARD_MS, clock: Callable[[], float] = time.time
    ) -> None:
        if rate < 1:
            raise ValueError("the rate must be at least 1 a second")
        self.rate = rate
        self._guard_s = guard_ms / 1000
        self._clock = clock
        self._second = -1
        self._used = 0
        self._tat = 0.0
        self._held_until = 0.0

    def wait_s(self) -> float:
        """0 and admitted, or the seconds to wait before asking again."""
        now = self._clock()
        if self._held_until > now:
            return self._held_until - now
        second = math.floor(now)
        into = now - second
        if into >= 1 - self._guard_s:
            return 1 - into
        if second != self._second:
            self._second, self._used = second, 0
        if self._used >= self.rate:
            return 1 - into
        interval = 1 / self.rate
        tat = max(self._tat, now)
        allowed_at = tat - (1 - interval)
        if allowed_at > now:
            return allowed_at - now
        self._tat = tat + interval
        self._used += 1
        return 0.0

    async def acquire(self) -> None:
        while True:
            wait = self.wait_s()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + min(seconds, MAX_HOLD_S))

    async def exhaust(self) -> None:
        now = self._clock()
        if math.floor(now) != self._second:
            self._second = math.floor(now)
        self._used = self.rate


class RedisPacer:
    """The same admission for every replica, atomically in one Lua script."""

    def __init__(
        self,
        redis: aioredis.Redis,
        rate: int = DEFAULT_RATE,
        *,
        key: str = "fb:pace:faceit",
        guard_ms: int = GUARD_MS,
    ) -> None:
        if rate < 1:
            raise ValueError("the rate must be at least 1 a second")
        self.rate = rate
        self._guard_ms = guard_ms
        self._keys = [f"{key}:w:", f"{key}:tat", f"{key}:hold"]
        self._admit = redis.register_script(_ADMIT)
        self._hold = redis.register_script(_HOLD)
        self._exhaust = redis.register_script(_EXHAUST)

    async def acquire(self) -> None:
        while True:
            wait_ms = int(await self._admit(keys=self._keys, args=[self.rate, self._guard_ms]))
            if wait_ms <= 0:
                return
            await asyncio.sleep(wait_ms / 1000)

    async def hold(self, seconds: float) -> None:
        ms = max(1, int(min(seconds, MAX_HOLD_S) * 1000))
        await self._hold(keys=[self._keys[2]], args=[ms])

    async def exhaust(self) -> None:
        await self._exhaust(keys=[self._keys[0]], args=[self.rate])


class FallbackPacer:
    """Redis while it answers; this replica's own pacer while it does not."""

    def __init__(self, primary: RedisPacer, fallback: LocalPacer, health) -> None:
        self.rate = primary.rate
        self._primary = primary
        self._fallback = fallback
        self._health = health

    async def acquire(self) -> None:
        await self._call("acquire")

    async def hold(self, seconds: float) -> None:
        await self._call("hold", seconds)
        await self._fallback.hold(seconds)  # a later outage still remembers the hold

    async def exhaust(self) -> None:
        await self._call("exhaust")

    async def _call(self, name: str, *args: float) -> None:
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
    return RateLimitHeaders(per_second, _int(get("ratelimit-remaining") or ""), reset)


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

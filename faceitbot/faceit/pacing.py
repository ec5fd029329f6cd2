"""Pacing at the key's per-second limit: FACEIT admits `ratelimit-limit: 10, 10;w=1` (API.md §5).

How the gateway counts inside its second is not documented, so the pacer starts with the
kindest reading and falls back to the strictest once FACEIT shows it counts that way:

- Bucket (first): a token bucket of `rate` a second with a burst of `rate` (GCRA: each send
  moves a theoretical arrival time on by 1/rate; a send is due when that time is at most
  `rate` intervals ahead), the gateway as the simulator models it (faceitbot_sim/faceit.py).
- Strict: at most `rate` sends in any second (a sliding log), which no fixed or sliding
  window refuses either. Repeated 429s met in bucket mode (the client counts them) switch
  every replica to it for STRICT_S.

Sends are logged in both modes, so the switch starts from what was really sent. Intervals and
windows are MARGIN longer than the rate, so jitter in when the gateway sees a request never
makes ours look closer together than it allows. The strict window is STRICT_MARGIN longer: a
gateway counting any second refuses the 11th of two requests that left 1.02 s apart and
reached it 0.99 s apart, which a loaded machine's event loop does.

Requests that can wait (a user's lookups on their allowance, monitoring) pass `reserve`: they
are due only while that many tokens would stay free, so a user's analysis arriving mid-flood
finds most of the burst there and is never queued behind them.

A 429 or a spent `ratelimit-remaining` sets a hold that every sender honours until it ends.
`RedisPacer` keeps all of it in Redis (its clock, so replicas agree on the time); `LocalPacer`
in this process.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

DEFAULT_RATE = 10
MARGIN = 0.02
STRICT_MARGIN = 0.1
MAX_HOLD_S = 60.0
STRICT_S = 3600.0  # how long FACEIT's evidence of strict counting is believed
# Two 429s within a minute, from any replica, not one a loaded machine's jitter can cause.
STRICT_AFTER, STRICT_WITHIN_S = 2, 60.0

# KEYS: TAT, hold, strict flag, send log. ARGV: interval ms, rate, reserve, member, strict
# window ms. Answers 0 when admitted, else the ms to wait.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval, rate, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local window, strict_window = interval * rate, tonumber(ARGV[5])
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return held end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - strict_window)
if redis.call('EXISTS', KEYS[3]) == 1 then
  if redis.call('ZCARD', KEYS[4]) >= rate - reserve then
    local oldest = redis.call('ZRANGE', KEYS[4], reserve - rate, reserve - rate, 'WITHSCORES')
    return math.max(1, math.ceil(tonumber(oldest[2]) + strict_window - now))
  end
else
  local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
  local due = tat + interval - (window - reserve * interval)
  if due > now + 0.001 then return math.max(1, math.ceil(due - now)) end
  redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(window * 2))
end
redis.call('ZADD', KEYS[4], now, ARGV[4])
redis.call('PEXPIRE', KEYS[4], math.ceil(strict_window * 2))
return 0
"""

# KEYS: hold. ARGV: ms. Extends the hold, never shortens one another sender set.
_HOLD = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
"""

# KEYS: 429 count, strict flag. ARGV: count window ms, threshold, strict ms. 1 when this switched.
_NOTE_429 = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
if n >= tonumber(ARGV[2]) and redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[3]), 'NX') then
  return 1
end
return 0
"""

# KEYS: TAT. ARGV: burst window ms, interval ms, tokens the server had left, how many ms ago it
# counted. Ours never has more.
_LEVEL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local window, interval, left = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local counted = now - tonumber(ARGV[4])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), counted + window - left * interval)
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(window * 2))
return 1
"""


class Pacer(Protocol):
    rate: int

    async def acquire(self, reserve: int = 0) -> None:
        """Waits until a request may be sent now without exceeding the key's rate, leaving
        `reserve` tokens free."""
        ...

    async def hold(self, seconds: float) -> None:
        """No request is sent by anyone for `seconds` (a 429's Retry-After)."""
        ...

    async def level(self, remaining: int, age_s: float = 0.0) -> None:
        """The server said it had `remaining` requests left in its window (ratelimit-remaining)
        when it counted ours, `age_s` ago (the gateway counts a request as it arrives: about when
        it was sent): ours never admits more than that. Requests that left earlier and reached FACEIT later
        than planned (a busy event loop, another replica) make the server's count differ from
        ours; this is how the pacer learns it before a 429 says so."""
        ...

    async def strict(self) -> bool:
        """From now on at most `rate` in any second, for every sender. True if it was not yet."""
        ...

    async def note_429(self) -> bool:
        """Counts a 429; the STRICT_AFTER-th within STRICT_WITHIN_S makes the pacer strict.
        True when this one did."""
        ...


class LocalPacer:
    def __init__(self, rate: int = DEFAULT_RATE, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate < 1:
            raise ValueError("the rate must be at least 1 a second")
        self.rate = rate
        self._clock = clock
        self._tat = 0.0
        self._held_until = 0.0
        self._strict_until = 0.0
        self._sent: deque[float] = deque()
        self._recent_429: deque[float] = deque()

    @property
    def is_strict(self) -> bool:
        return self._strict_until > self._clock()

    def wait_s(self, reserve: int = 0) -> float:
        """0 and admitted, or the seconds to wait before asking again."""
        now = self._clock()
        if self._held_until > now:
            return self._held_until - now
        reserve = min(reserve, self.rate - 1)
        interval = (1 + MARGIN) / self.rate
        window = interval * self.rate
        strict_window = 1 + STRICT_MARGIN
        while self._sent and self._sent[0] <= now - strict_window:
            self._sent.popleft()
        if self.is_strict:
            if len(self._sent) >= self.rate - reserve:
                return self._sent[len(self._sent) - (self.rate - reserve)] + strict_window - now
        else:
            tat = max(self._tat, now)
            due = tat + interval - (window - reserve * interval)
            if due > now + 1e-9:  # not float noise: the burst is exactly `rate`
                return due - now
            self._tat = tat + interval
        self._sent.append(now)
        return 0.0

    async def acquire(self, reserve: int = 0) -> None:
        while True:
            wait = self.wait_s(reserve)
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + min(seconds, MAX_HOLD_S))

    async def level(self, remaining: int, age_s: float = 0.0) -> None:
        interval = (1 + MARGIN) / self.rate
        counted = self._clock() - max(0.0, age_s)
        self._tat = max(self._tat, counted + interval * (self.rate - max(0, remaining)))

    async def strict(self) -> bool:
        was = self.is_strict
        self._strict_until = self._clock() + STRICT_S
        return not was

    async def note_429(self) -> bool:
        now = self._clock()
        self._recent_429.append(now)
        while self._recent_429[0] <= now - STRICT_WITHIN_S:
            self._recent_429.popleft()
        return len(self._recent_429) >= STRICT_AFTER and await self.strict()


class RedisPacer:
    """The same admission for every replica, atomically in one Lua script."""

    def __init__(
        self, redis: aioredis.Redis, rate: int = DEFAULT_RATE, *, key: str = "fb:pace:faceit"
    ) -> None:
        if rate < 1:
            raise ValueError("the rate must be at least 1 a second")
        self.rate = rate
        self._redis = redis
        self._keys = [f"{key}:tat", f"{key}:hold", f"{key}:strict", f"{key}:sent"]
        self._count_key = f"{key}:429s"
        self._note = redis.register_script(_NOTE_429)
        self._admit = redis.register_script(_ADMIT)
        self._hold = redis.register_script(_HOLD)
        self._level = redis.register_script(_LEVEL)

    async def acquire(self, reserve: int = 0) -> None:
        interval_ms = (1 + MARGIN) * 1000 / self.rate
        reserve = min(reserve, self.rate - 1)
        while True:
            member = secrets.token_hex(8)
            args = [interval_ms, self.rate, reserve, member, (1 + STRICT_MARGIN) * 1000]
            wait_ms = int(await self._admit(keys=self._keys, args=args))
            if wait_ms <= 0:
                return
            await asyncio.sleep(wait_ms / 1000)

    async def hold(self, seconds: float) -> None:
        ms = max(1, int(min(seconds, MAX_HOLD_S) * 1000))
        await self._hold(keys=[self._keys[1]], args=[ms])

    async def level(self, remaining: int, age_s: float = 0.0) -> None:
        interval_ms = (1 + MARGIN) * 1000 / self.rate
        args = [interval_ms * self.rate, interval_ms, max(0, remaining), max(0.0, age_s) * 1000]
        await self._level(keys=[self._keys[0]], args=args)

    async def strict(self) -> bool:
        return bool(await self._redis.set(self._keys[2], b"1", px=int(STRICT_S * 1000), nx=True))

    async def note_429(self) -> bool:
        args = [int(STRICT_WITHIN_S * 1000), STRICT_AFTER, int(STRICT_S * 1000)]
        return bool(await self._note(keys=[self._count_key, self._keys[2]], args=args))


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

    async def level(self, remaining: int, age_s: float = 0.0) -> None:
        await self._call("level", remaining, age_s)

    async def strict(self) -> bool:
        await self._fallback.strict()
        return await self._call("strict")

    async def note_429(self) -> bool:
        await self._fallback.note_429()  # this replica remembers too, should Redis go away
        return await self._call("note_429")

    async def _call(self, name: str, *args: float | int):
        return await self._health.either(
            lambda: getattr(self._primary, name)(*args), lambda: getattr(self._fallback, name)(*args)
        )


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

"""FaceitClient: one aiohttp session, a concurrency cap, a request budget, pacing at the key's
per-second limit and bounded retries.

Public methods are thin typed wrappers around `_request`, which does
budget → semaphore → pacer → HTTP with timeout → status mapping → msgspec decode.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import aiohttp
import msgspec
from loguru import logger

from faceitbot.cluster.kv import MemoryKV
from faceitbot.faceit import allowance, models
from faceitbot.faceit.cache import ResponseCache
from faceitbot.faceit.errors import (
    FaceitAuthError,
    FaceitDecodeError,
    FaceitNotFound,
    FaceitRateLimited,
    FaceitUnavailable,
)
from faceitbot.faceit.pacing import LocalPacer, Pacer, parse_headers, retry_after_s
from faceitbot.faceit.tally import count_call

T = TypeVar("T")

_DECODERS: dict[type, msgspec.json.Decoder[Any]] = {
    t: msgspec.json.Decoder(t)
    for t in (
        models.Player,
        models.PlayerStats,
        models.History,
        models.GameStats,
        models.Match,
        models.MatchStats,
        models.SearchResult,
    )
}


HOURLY_HOLD_S = 60.0  # the pacer's longest hold; a later answer holds again if still spent


class Budget(Protocol):
    """Admits one upstream request; waits when the window's budget is spent."""

    limit: int
    window_s: float

    async def acquire(self) -> None: ...

    async def used(self) -> int: ...


class FaceitClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        budget: Budget,
        cache: ResponseCache | None = None,
        concurrency: int = 5,
        timeout_s: float = 10.0,
        retries: int = 3,
        backoff_s: float = 0.25,
        pacer: Pacer | None = None,
        on_rate_limited: Callable[[], None] | None = None,
        background: bool = False,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        self.budget = budget
        self.cache = cache or ResponseCache(MemoryKV())
        # Without a shared pacer, this process alone keeps to the key's default rate.
        self.pacer: Pacer = pacer or LocalPacer()
        self._on_rate_limited = on_rate_limited
        # Monitoring's client: its requests can wait, so they leave the pacer's reserve alone.
        self._background = background
        self.rate_limited = 0  # answers of 429, for the heartbeat's dashboard figure
        self._semaphore = asyncio.Semaphore(concurrency)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._retries = retries
        self._backoff_s = backoff_s
        self._session: aiohttp.ClientSession | None = None
        self.calls: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.statuses: Counter[tuple[str, str]] = Counter()  # (endpoint, HTTP status or error name)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self._session

    # -- typed endpoints -------------------------------------------------------------------
    async def player_by_nickname(self, nickname: str) -> models.Player:
        return await self._get("players", "/players", models.Player, {"nickname": nickname})

    async def player(self, player_id: str) -> models.Player:
        return await self._get("player", f"/players/{_segment(player_id)}", models.Player)

    async def player_stats(self, player_id: str) -> models.PlayerStats:
        return await self._get(
            "player_stats", f"/players/{_segment(player_id)}/stats/cs2", models.PlayerStats
        )

    async def history(self, player_id: str, *, limit: int = 20, offset: int = 0) -> models.History:
        params = {"game": "cs2", "offset": offset, "limit": limit}
        return await self._get("history", f"/players/{_segment(player_id)}/history", models.History, params)

    async def game_stats(self, player_id: str, *, limit: int = 20, offset: int = 0) -> models.GameStats:
        params = {"offset": offset, "limit": limit}
        return await self._get(
            "game_stats", f"/players/{_segment(player_id)}/games/cs2/stats", models.GameStats, params
        )

    async def match(self, match_id: str) -> models.Match:
        return await self._get("match", f"/matches/{_segment(match_id)}", models.Match)

    async def match_stats(self, match_id: str) -> models.MatchStats:
        return await self._get("match_stats", f"/matches/{_segment(match_id)}/stats", models.MatchStats)

    async def search_players(self, nickname: str, *, limit: int = 5) -> models.SearchResult:
        params = {"nickname": nickname, "game": "cs2", "offset": 0, "limit": limit}
        return await self._get("search", "/search/players", models.SearchResult, params)

    # -- transport ---------------------------------------------------------------------------
    async def _get(
        self, endpoint: str, path: str, model: type[T], params: Mapping[str, str | int] | None = None
    ) -> T:
        key = f"faceit:{path}?" + "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
        decoder = _DECODERS[model]

        def decode(body: bytes) -> T:
            try:
                return decoder.decode(body)
            except msgspec.ValidationError as e:
                raise FaceitDecodeError(f"{endpoint}: {e}") from e
            except msgspec.DecodeError as e:
                raise FaceitDecodeError(f"{endpoint}: not JSON") from e

        return await self.cache.fetch_decoded(
            endpoint, key, lambda: self._request(endpoint, path, params), decode
        )

    async def _request(self, endpoint: str, path: str, params: Mapping[str, str | int] | None) -> bytes:
        url = self._base + path
        last_error: Exception | None = None
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._delay(attempt, last_error))
            if (spender := allowance.current()) is not None:
                await spender.charge()  # raises AllowanceSpent before anything is sent
            await self.budget.acquire()
            self.calls[endpoint] += 1
            count_call()
            try:
                async with self._semaphore:
                    # Paced inside the cap, so admission is the moment the request leaves.
                    can_wait = self._background or allowance.current() is not None
                    await self.pacer.acquire(self.pacer.rate // 2 if can_wait else 0)
                    sent = time.monotonic()
                    async with self._http().get(url, params=params) as resp:
                        body = await resp.read()
                        status = resp.status
                        headers = resp.headers
            except (TimeoutError, aiohttp.ClientError) as e:
                last_error = FaceitUnavailable(f"{endpoint}: {type(e).__name__}")
                self.failures[endpoint] += 1
                self.statuses[endpoint, type(e).__name__] += 1
                logger.warning("FACEIT {} failed ({}), attempt {}", endpoint, type(e).__name__, attempt + 1)
                continue
            self.statuses[endpoint, str(status)] += 1
            if status == 429:
                self.failures[endpoint] += 1
                wait = retry_after_s(headers)
                last_error = FaceitRateLimited(wait)
                await self._rate_limited(endpoint, wait, attempt)
                continue
            await self._heed(headers, time.monotonic() - sent)
            if status == 200:
                return body
            self.failures[endpoint] += 1
            if status == 404:
                raise FaceitNotFound(path)
            if status in (401, 403):
                logger.error("FACEIT rejected the API key (HTTP {}): check FACEIT_API_KEY", status)
                raise FaceitAuthError(f"HTTP {status}")
            if status >= 500:
                last_error = FaceitUnavailable(f"{endpoint}: HTTP {status}")
            else:
                raise FaceitUnavailable(f"{endpoint}: HTTP {status}")
            logger.warning("FACEIT {} answered {}, attempt {}", endpoint, status, attempt + 1)
        assert last_error is not None
        raise last_error

    async def _rate_limited(self, endpoint: str, wait: float, attempt: int) -> None:
        # The hold is shared: every replica's next request waits it out, not only this retry.
        await self.pacer.hold(wait)
        stricter = await self.pacer.note_429()
        self.rate_limited += 1
        if self._on_rate_limited is not None:
            self._on_rate_limited()
        logger.warning(
            "FACEIT answered 429 on {} (attempt {}): all requests hold for {:.1f} s{}",
            endpoint,
            attempt + 1,
            wait,
            f", then at most {self.pacer.rate} in any second" if stricter else "",
        )

    async def _heed(self, headers: Mapping[str, str], age_s: float) -> None:
        """Slows down before the server has to say 429: a lower announced limit becomes ours,
        and a spent window (or hourly quota) holds everyone until it resets."""
        info = parse_headers(headers)
        if info.limit is not None and 0 < info.limit < self.pacer.rate:
            logger.warning(
                "FACEIT announces {} requests a second; pacing down from {}", info.limit, self.pacer.rate
            )
            self.pacer.rate = info.limit
        if info.remaining_hour == 0:
            # The hour's quota is spent: no request can succeed before it resets.
            wait = info.reset_s if info.reset_s and info.reset_s > 1 else HOURLY_HOLD_S
            logger.warning("FACEIT's hourly quota for the key is spent: all requests hold for {:.0f} s", wait)
            await self.pacer.hold(wait)
        elif info.remaining == 0 and info.reset_s:
            await self.pacer.hold(info.reset_s)
        elif info.remaining is not None:
            await self.pacer.level(info.remaining, age_s)

    def _delay(self, attempt: int, error: Exception | None) -> float:
        if isinstance(error, FaceitRateLimited):
            return 0.0  # the pacer's hold does the waiting
        # Full jitter keeps replicas that failed together from retrying together.
        return random.uniform(0, self._backoff_s * 2 ** (attempt - 1))


def _segment(value: str) -> str:
    """An id as one URL path segment: ids come back to us in callback data, which anyone can
    forge, and "../x", "?" or "#" would otherwise change which resource we ask for."""
    return quote(value, safe="")

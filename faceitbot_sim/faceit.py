"""A FACEIT Data API v4 simulator: serves a fixture tree over real HTTP.

`GET /data/v4/<p>` answers with the bytes of `<data_dir>/<p>.json`. On top of that it does what
the real API does and a file tree cannot: nickname lookup, player search, offset/limit/from/to
paging, auth, rate-limit headers. It can also misbehave on purpose (latency, 429/5xx, hangs) and
counts every call per route so tests can assert how many requests the bot spent.

Control from tests via the Python methods, or over HTTP: `GET|POST|DELETE /_sim/faults`,
`GET /_sim/stats`, `POST /_sim/reset`.

Webhooks: `post_event()` (or `POST /_sim/webhook` with `{url, secret, match_id, event}`) POSTs a
FACEIT webhook event about a match of the fixture tree to a bot, in FACEIT's envelope (API.md §8:
`teams` a list, roster ids under `id`, no score), with the secret in X-Faceit-Webhook-Secret.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

FAULT_KINDS = ("429", "500", "502", "503", "hang")

_ROUTES = [
    (re.compile(r"players"), "/v4/players"),
    (re.compile(r"players/[^/]+"), "/v4/players/{playerId}"),
    (re.compile(r"players/[^/]+/stats/[^/]+"), "/v4/players/{playerId}/stats/{gameId}"),
    (re.compile(r"players/[^/]+/history"), "/v4/players/{playerId}/history"),
    (re.compile(r"players/[^/]+/games/[^/]+/stats"), "/v4/players/{playerId}/games/{gameId}/stats"),
    (re.compile(r"matches/[^/]+"), "/v4/matches/{matchId}"),
    (re.compile(r"matches/[^/]+/stats"), "/v4/matches/{matchId}/stats"),
    (re.compile(r"search/players"), "/v4/search/players"),
]
_JSON = "application/json; charset=utf-8"
# The real key's limit (API.md §5), enforced by default; rate_limit=None (or 0) lifts it.
DEFAULT_RATE_LIMIT = 10
RATE_MODELS = ("bucket", "window")
# As recorded on every 200 (samples/response_headers.json): 10 requests per 1-second window.
_RECORDED_RATELIMIT = {"ratelimit-limit": "10, 10;w=1", "ratelimit-remaining": "8", "ratelimit-reset": "0"}
_ERRORS = {
    400: ("Bad request", "err_br0"),
    401: ("Unauthorized. Please provide a valid API key.", "err_unauthorized"),
    404: ("The resource was not found.", "err_nf0"),
    429: ("Too many requests, slow down.", "err_too_many_requests"),
    500: ("Internal server error.", "err_internal"),
    502: ("Bad gateway.", "err_bad_gateway"),
    503: ("Service unavailable.", "err_unavailable"),
}


def error_body(status: int, message: str | None = None) -> bytes:
    default, code = _ERRORS.get(status, ("Error", f"err_{status}"))
    err = {"message": message or default, "code": code, "http_status": status, "parameters": []}
    return json.dumps({"errors": [err]}).encode()


def route_of(tail: str) -> str:
    """The `faceit-matched-route` name of `/data/v4/<tail>`."""
    for pattern, name in _ROUTES:
        if pattern.fullmatch(tail):
            return name
    return "/v4/" + tail


@dataclass
class _Scripted:
    left: int
    kind: str
    path: str | None


@dataclass(frozen=True)
class _IndexedPlayer:
    nickname: str
    path: Path
    game_ids: dict[str, str]
    search_item: dict[str, Any]


class FaceitSim:
    def __init__(
        self,
        data_dir: Path,
        *,
        api_key: str,
        latency_ms: float = 0,
        fault_rate: float = 0,
        fault_kind: str = "500",
        retry_after: int = 1,
        seed: int = 0,
        hang_s: float = 30.0,
        rate_limit: int | None = DEFAULT_RATE_LIMIT,
        rate_model: str = "bucket",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.api_key = api_key
        self.latency_ms = latency_ms
        self.hang_s = hang_s
        self.rate_limit = rate_limit
        if rate_model not in RATE_MODELS:
            raise ValueError(f"rate_model must be one of {RATE_MODELS}")
        # "bucket": refills continuously; "window": at most rate_limit in any second, the
        # strictest way a gateway may count (what some fakes and gateways do).
        self.rate_model = rate_model
        self._admitted: deque[float] = deque()
        self._clock = clock
        self.retry_after = retry_after
        self.fault_rate = 0.0
        self.fault_kind = "500"
        self.set_faults(fault_rate, fault_kind)
        self._rng = random.Random(seed)
        self._scripted: list[_Scripted] = []
        self._by_route: Counter[str] = Counter()
        self._by_path: Counter[str] = Counter()
        self._total = 0
        self._window = -1.0  # when the bucket was last topped up
        self._tokens = 0.0
        self.rejected = 0  # answers of 429 for going past rate_limit (not scripted faults)
        self._index: dict[str, tuple[tuple[int, int], _IndexedPlayer | None]] = {}
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.base_url = ""

    # -- webhooks ----------------------------------------------------------------------------
    def webhook_event(self, match_id: str, event: str = "match_status_finished") -> dict[str, Any]:
        """FACEIT's webhook envelope for a match of the fixture tree."""
        details = json.loads((self.data_dir / "matches" / f"{match_id}.json").read_text())
        teams = [
            {
                "id": team.get("faction_id", name),
                "name": team.get("name", name),
                "roster": [
                    {
                        "id": p["player_id"],
                        "nickname": p.get("nickname", ""),
                        "game_skill_level": p.get("game_skill_level", 0),
                    }
                    for p in team.get("roster", [])
                ],
            }
            for name, team in details.get("teams", {}).items()
        ]
        payload = {
            "id": match_id,
            "organizer_id": details.get("organizer_id", "faceit"),
            "region": details.get("region", "EU"),
            "game": details.get("game", "cs2"),
            "entity": {
                "id": details.get("competition_id", ""),
                "name": details.get("competition_name", ""),
                "type": details.get("competition_type", "matchmaking"),
            },
            "teams": teams,
            "started_at": details.get("started_at"),
            "finished_at": details.get("finished_at"),
        }
        return {
            "transaction_id": str(uuid.uuid4()),
            "event": event,
            "event_id": str(uuid.uuid4()),
            "third_party_id": teams[0]["roster"][0]["id"] if teams and teams[0]["roster"] else "",
            "app_id": "faceitbot-sim",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "retry_count": 0,
            "version": 1,
            "payload": payload,
        }

    async def post_event(
        self,
        url: str,
        secret: str | None,
        match_id: str | None = None,
        event: str = "match_status_finished",
        *,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """POST a webhook event (built from `match_id`, or `body` as given) to `url` over HTTP."""
        doc = body if body is not None else self.webhook_event(str(match_id), event)
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Faceit-Webhook-Secret"] = secret
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=json.dumps(doc), headers=headers) as resp,
        ):
            try:
                answer = await resp.json(content_type=None)
            except ValueError:
                answer = {}
            return resp.status, answer if isinstance(answer, dict) else {}

    async def _webhook_handler(self, request: web.Request) -> web.Response:
        b = await request.json()
        status, answer = await self.post_event(
            b["url"], b.get("secret"), b["match_id"], b.get("event", "match_status_finished")
        )
        return web.json_response({"status": status, "answer": answer})

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", "/data/v4/{tail:.*}", self._api)
        app.router.add_get("/_sim/stats", self._stats_handler)
        app.router.add_post("/_sim/reset", self._reset_handler)
        app.router.add_route("*", "/_sim/faults", self._faults_handler)
        app.router.add_post("/_sim/webhook", self._webhook_handler)
        self._closing = asyncio.Event()
        self._players()
        # handler_cancellation: a client that gave up on a hang should not keep the handler alive.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}/data/v4"
        return self.base_url

    async def stop(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FaceitSim:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- control -----------------------------------------------------------------------------
    def set_faults(self, rate: float, kind: str = "500", *, retry_after: int | None = None) -> None:
        """Fail a `rate` fraction of API requests with `kind` (seeded, so runs repeat)."""
        if not 0 <= rate <= 1:
            raise ValueError("fault rate must be within [0, 1]")
        self.fault_rate = float(rate)
        self.fault_kind = _check_kind(kind)
        if retry_after is not None:
            self.retry_after = retry_after

    def fail_next(self, n: int, kind: str = "500", *, path: str | None = None) -> None:
        """Fail the next `n` API requests (only those whose path contains `path`, if given)."""
        self._scripted.append(_Scripted(n, _check_kind(kind), path))

    def clear_faults(self) -> None:
        self.fault_rate = 0.0
        self._scripted.clear()

    def stats(self) -> dict[str, Any]:
        return {
            "total": self._total,
            "rate_limited": self.rejected,
            "by_route": dict(self._by_route),
            "by_path": dict(self._by_path),
        }

    def reset_stats(self) -> None:
        """Forgets the counts, and the rate window too: a test starts with the key's full second."""
        self._total = 0
        self.rejected = 0
        self._window, self._tokens = -1.0, 0.0
        self._admitted.clear()
        self._by_route.clear()
        self._by_path.clear()

    # -- the API -----------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        tail = request.match_info["tail"]
        route = route_of(tail)
        self._total += 1
        self._by_route[route] += 1
        self._by_path[request.path] += 1
        headers = {"faceit-matched-route": route, "faceit-service": "open-data-api"}
        authorised = request.headers.get("Authorization") == f"Bearer {self.api_key}"
        # The gateway counts a request when it arrives; the latency is the time to answer.
        allowed = self._count_window(headers) if authorised else True
        if not allowed:
            self.rejected += 1
        if self.latency_ms > 0:
            await self._pause(self.latency_ms / 1000)
        if not authorised:
            return _respond(401, error_body(401), headers)
        kind = self._next_fault(request.path)
        if kind == "hang":
            await self._pause(self.hang_s)
        elif kind == "429" or not allowed:
            headers["Retry-After"] = str(self.retry_after if kind == "429" else 1)
            return _respond(429, error_body(429), headers)
        elif kind is not None:
            return _respond(int(kind), error_body(int(kind)), headers)
        if request.method != "GET":
            return _respond(404, error_body(404), headers)
        status, body = self._resolve(tail, request.query)
        return _respond(status, body, headers)

    async def _pause(self, seconds: float) -> None:
        # Ends early when the simulator stops, so shutdown never waits for a simulated hang.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def _count_window(self, headers: dict[str, str]) -> bool:
        """The gateway's bucket: `rate_limit` tokens, refilled at `rate_limit` a second; a
        request takes one or is answered 429. Remaining is the whole tokens left; reset the
        whole seconds until the bucket is full again (IETF RateLimit header fields)."""
        if not self.rate_limit:
            headers.update(_RECORDED_RATELIMIT)
            return True
        now = self._clock()
        rate = self.rate_limit
        if self.rate_model == "window":
            while self._admitted and self._admitted[0] <= now - 1.0:
                self._admitted.popleft()
            allowed = len(self._admitted) < rate
            if allowed:
                self._admitted.append(now)
            headers["ratelimit-limit"] = f"{rate}, {rate};w=1"
            headers["ratelimit-remaining"] = str(rate - len(self._admitted))
            headers["ratelimit-reset"] = str(int(self._admitted[0] + 1.0 - now) if self._admitted else 0)
            return allowed
        if self._window < 0:
            self._tokens, self._window = float(rate), now
        self._tokens = min(float(rate), self._tokens + (now - self._window) * rate)
        self._window = now
        allowed = self._tokens >= 1.0
        if allowed:
            self._tokens -= 1.0
        headers["ratelimit-limit"] = f"{rate}, {rate};w=1"
        headers["ratelimit-remaining"] = str(int(self._tokens))
        headers["ratelimit-reset"] = str(int((rate - self._tokens) / rate))
        return allowed

    def _next_fault(self, path: str) -> str | None:
        for item in self._scripted:
            if item.path is None or item.path in path:
                item.left -= 1
                if item.left <= 0:
                    self._scripted.remove(item)
                return item.kind
        if self.fault_rate > 0 and self._rng.random() < self.fault_rate:
            return self.fault_kind
        return None

    def _resolve(self, tail: str, query: Any) -> tuple[int, bytes]:
        if tail == "players":
            return self._lookup(query)
        if tail == "search/players":
            return self._search(query)
        file = self._file_for(tail)
        if file is None:
            return 404, error_body(404)
        body = file.read_bytes()
        if b'"items"' in body:
            return _page(body, query)
        return 200, body

    def _file_for(self, tail: str) -> Path | None:
        parts = tail.split("/")
        if any(p in ("", ".", "..") or "\\" in p for p in parts):
            return None
        file = self.data_dir.joinpath(*parts[:-1], parts[-1] + ".json")
        return file if file.is_file() else None

    def _lookup(self, query: Any) -> tuple[int, bytes]:
        nickname = query.get("nickname")
        steam_id = query.get("game_player_id")
        game = query.get("game", "cs2")
        if not nickname and not steam_id:
            return 400, error_body(400, "nickname or game_player_id is required")
        for player in self._players():
            if (nickname and player.nickname == nickname) or (
                not nickname and player.game_ids.get(game) == steam_id
            ):
                return 200, player.path.read_bytes()
        return 404, error_body(404)

    def _search(self, query: Any) -> tuple[int, bytes]:
        needle = (query.get("nickname") or "").casefold()
        if not needle:
            return 400, error_body(400, "nickname is required")
        window = _window(query)
        if window is None:
            return 400, error_body(400, "invalid offset or limit")
        country = (query.get("country") or "").upper()
        found = [
            p
            for p in self._players()
            if needle in p.nickname.casefold() and (not country or p.search_item["country"] == country)
        ]
        found.sort(
            key=lambda p: (
                p.nickname.casefold() != needle,
                not p.nickname.casefold().startswith(needle),
                p.nickname.casefold(),
            )
        )
        offset, limit = window
        page = [p.search_item for p in found[offset : offset + limit]]
        return 200, json.dumps({"items": page, "start": offset, "end": offset + len(page)}).encode()

    def _players(self) -> list[_IndexedPlayer]:
        """The players index; re-reads only files that appeared or changed since the last call."""
        folder = self.data_dir / "players"
        seen: dict[str, tuple[int, int]] = {}
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(folder):
                if entry.name.endswith(".json") and entry.is_file():
                    st = entry.stat()
                    seen[entry.name] = (st.st_mtime_ns, st.st_size)
        for name in list(self._index):
            if name not in seen:
                del self._index[name]
        for name, sig in seen.items():
            if name not in self._index or self._index[name][0] != sig:
                self._index[name] = (sig, _index_player(folder / name))
        return [p for _, (_, p) in sorted(self._index.items()) if p is not None]

    # -- control endpoints -------------------------------------------------------------------
    async def _stats_handler(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _reset_handler(self, request: web.Request) -> web.Response:
        self.reset_stats()
        return web.json_response(self.stats())

    async def _faults_handler(self, request: web.Request) -> web.Response:
        try:
            if request.method == "DELETE":
                self.clear_faults()
            elif request.method == "POST":
                spec = await request.json()
                kind = str(spec.get("kind", "500"))
                if "retry_after" in spec:
                    self.retry_after = int(spec["retry_after"])
                if "hang_s" in spec:
                    self.hang_s = float(spec["hang_s"])
                if "latency_ms" in spec:
                    self.latency_ms = float(spec["latency_ms"])
                if "rate_limit" in spec:
                    self.rate_limit = int(spec["rate_limit"] or 0) or None
                if "rate" in spec:
                    self.set_faults(float(spec["rate"]), kind)
                if "next" in spec:
                    self.fail_next(int(spec["next"]), kind, path=spec.get("path"))
            elif request.method != "GET":
                raise web.HTTPMethodNotAllowed(request.method, ["GET", "POST", "DELETE"])
        except (ValueError, TypeError, AttributeError) as e:
            return web.json_response({"error": str(e)}, status=400)
        return web.json_response(
            {
                "rate": self.fault_rate,
                "kind": self.fault_kind,
                "retry_after": self.retry_after,
                "hang_s": self.hang_s,
                "latency_ms": self.latency_ms,
                "rate_limit": self.rate_limit,
                "next": [{"left": s.left, "kind": s.kind, "path": s.path} for s in self._scripted],
            }
        )


def _check_kind(kind: str) -> str:
    kind = str(kind)
    if kind not in FAULT_KINDS:
        raise ValueError(f"fault kind must be one of {FAULT_KINDS}")
    return kind


def _respond(status: int, body: bytes, headers: dict[str, str]) -> web.Response:
    return web.Response(status=status, body=body, headers={"Content-Type": _JSON, **headers})


def _window(query: Any) -> tuple[int, int] | None:
    try:
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 20))
    except ValueError:
        return None
    if offset < 0 or not 1 <= limit <= 100:
        return None
    return offset, limit


def _page(body: bytes, query: Any) -> tuple[int, bytes]:
    """Applies from/to and offset/limit to a list payload; untouched lists keep their exact bytes."""
    window = _window(query)
    if window is None:
        return 400, error_body(400, "invalid offset or limit")
    try:
        doc = json.loads(body)
        since = int(query["from"]) if query.get("from") else None
        until = int(query["to"]) if query.get("to") else None
    except ValueError:
        return 400, error_body(400, "invalid from or to")
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return 200, body
    items = doc["items"]
    kept = [i for i in items if _within(i, since, until)]
    offset, limit = window
    if len(kept) == len(items) and offset == 0 and limit >= len(items):
        return 200, body
    page = kept[offset : offset + limit]
    doc.update(items=page, start=offset, end=offset + len(page))
    for key, value in (("from", since), ("to", until)):
        if key in doc and value is not None:
            doc[key] = value
    return 200, json.dumps(doc, ensure_ascii=False).encode()


def _within(item: Any, since: int | None, until: int | None) -> bool:
    if (since is None and until is None) or not isinstance(item, dict):
        return True
    at = item.get("finished_at")
    if at is None and isinstance(item.get("stats"), dict):
        ms = item["stats"].get("Match Finished At")
        at = ms // 1000 if isinstance(ms, int) else None
    if not isinstance(at, int):
        return True
    return (since is None or at >= since) and (until is None or at <= until)


def _index_player(file: Path) -> _IndexedPlayer | None:
    try:
        doc = json.loads(file.read_bytes())
        games = doc.get("games") or {}
        ordered = sorted(games, key=lambda g: g != "cs2")
        return _IndexedPlayer(
            nickname=doc["nickname"],
            path=file,
            game_ids={g: str(games[g].get("game_player_id", "")) for g in games},
            search_item={
                "player_id": doc["player_id"],
                "nickname": doc["nickname"],
                # The project's spec asks for "AVAILABLE"; samples/search_players.json (2026) has "".
                "status": "AVAILABLE",
                "games": [{"name": g, "skill_level": str(games[g].get("skill_level", ""))} for g in ordered],
                "country": str(doc.get("country", "")).upper(),
                "verified": bool(doc.get("verified", False)),
                "avatar": doc.get("avatar", ""),
            },
        )
    except (ValueError, KeyError, TypeError, AttributeError, OSError):
        return None  # not a player document: never matched


# -- CLI ---------------------------------------------------------------------------------------
def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m faceitbot_sim faceit", description="FACEIT Data API v4 simulator"
    )
    parser.add_argument("--data", type=Path, help="fixture tree (default: the bundled demo world)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--api-key", default="sim-key", help="the key clients must send as Bearer")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--fault-rate", type=float, default=0)
    parser.add_argument("--fault-kind", default="500", choices=FAULT_KINDS)
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on simulated 429s")
    parser.add_argument("--hang-s", type=float, default=30.0)
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=DEFAULT_RATE_LIMIT,
        help="requests a second per key, as the real API (0: no limit)",
    )
    parser.add_argument(
        "--rate-model", default="bucket", choices=RATE_MODELS, help="how the limit counts within its second"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.data is None:
        from faceitbot_sim.fixtures import demo_world_path

        args.data = demo_world_path()
    if not args.data.is_dir():
        parser.error(f"--data {args.data} is not a directory")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


async def _serve(args: argparse.Namespace) -> None:
    sim = FaceitSim(
        args.data,
        api_key=args.api_key,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        fault_kind=args.fault_kind,
        retry_after=args.retry_after,
        seed=args.seed,
        hang_s=args.hang_s,
        rate_limit=args.rate_limit or None,
        rate_model=args.rate_model,
    )
    url = await sim.start(args.host, args.port)
    print(f"FACEIT simulator serving {args.data} at {url} (Ctrl-C stops)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()

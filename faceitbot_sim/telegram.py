"""A fake Telegram Bot API server for end-to-end tests and the terminal demo.

The bot reaches it over a real socket, exactly as in production:
`Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))`.
Every call is checked against the Bot API method table (unknown methods and parameters and missing
required ones are rejected: stricter than Telegram, which ignores unknown parameters), recorded as a
`Call`, and answered with a result aiogram's models accept. HTML texts are parsed like Telegram does,
so a nickname with an unescaped "<" fails here as it would in production.

All state lives on the event loop: call the test API (push_update, send_text, ...) from the loop thread.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import inspect
import json
import logging
import math
import re
import secrets
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import web

from faceitbot_sim.botapi_spec import (
    BUNDLED_SPEC,
    ApiError,
    BotApiSpec,
    MethodSpec,
    bad_request,
    check_commands,
    check_inline_answer,
    check_invoice,
    compact_spec,
    format_text,
    inline_markup,
    utf16_len,
    write_compact_spec,
)
from faceitbot_sim.groups import Groups

__all__ = [
    "BUNDLED_SPEC",
    "ApiError",
    "Call",
    "FakeTelegram",
    "Fault",
    "SendLimits",
    "UploadedFile",
    "WaitTimeout",
    "compact_spec",
    "main",
    "run_cli",
    "write_compact_spec",
]


def _copy(value: Any) -> Any:
    """A deep copy of JSON data: what copy.deepcopy gives, at a fraction of its cost."""
    try:
        return msgspec.json.decode(msgspec.json.encode(value))
    except (msgspec.EncodeError, UnicodeEncodeError):  # what only Python's json took in (a lone surrogate)
        return copy.deepcopy(value)


def _loads(raw: bytes) -> Any:
    """JSON as Python's json reads it (which also takes what msgspec refuses, like 1e400),
    through msgspec first for speed. ValueError when it is not JSON."""
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return json.loads(raw)


def _dumps(value: Any) -> str:
    try:
        return msgspec.json.encode(value).decode()
    except (msgspec.EncodeError, UnicodeEncodeError):
        return json.dumps(value)


log = logging.getLogger(__name__)

ChatId = int | str
Params = dict[str, Any]
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same"
    " as a current content and reply markup of the message"
)
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active;"
    " use deleteWebhook to delete the webhook first"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
# Left out of updates unless allowed_updates names them (SPEC:methods.getUpdates.allowed_updates).
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Faults for "any chat" leave the plumbing alone, or the polling loop would swallow them.
TRANSPORT = frozenset(
    {"getUpdates", "getMe", "setWebhook", "deleteWebhook", "getWebhookInfo", "logOut", "close"}
)
QUERY_KINDS = ("callback_query", "inline_query", "pre_checkout_query")
_ATTACH = re.compile(r"attach://([\w-]+)")


@dataclass
class Call:
    method: str  # canonical camelCase
    params: Params  # decoded: ints, bools, JSON objects; uploads as UploadedFile
    status: int
    response: dict[str, Any]
    at: float  # time.monotonic()
    chat_id: ChatId | None = None  # the chat (or user) the call concerns, when there is one

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    def to_json(self) -> dict[str, Any]:
        params = {k: v.to_json() if isinstance(v, UploadedFile) else v for k, v in self.params.items()}
        return {
            "method": self.method,
            "params": params,
            "status": self.status,
            "response": self.response,
            "at": self.at,
            "chat_id": self.chat_id,
        }

    def brief_json(self) -> dict[str, Any]:
        return {"method": self.method, "status": self.status, "at": self.at, "chat_id": self.chat_id}


@dataclass(frozen=True)
class UploadedFile:
    file_id: str
    filename: str
    content_type: str
    size: int
    head: bytes  # the first 64 bytes: enough to tell a PNG from a JPEG

    def to_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "head": self.head.hex(),
        }


@dataclass
class Fault:
    chat_id: ChatId | None  # None: every chat
    status: int
    description: str
    retry_after: int | None = None
    times: int | None = None  # None: until clear_faults()

    def error(self) -> ApiError:
        if self.retry_after is None:
            return ApiError(self.status, self.description)
        n = self.retry_after
        return ApiError(429, f"Too Many Requests: retry after {n}", {"retry_after": n})


@dataclass(frozen=True)
class SendLimits:
    """Telegram's flood control for a bot's sends and edits (telegram/NOTES.md §2): about 30 a
    second overall, about one a second in one chat after a short burst, 20 a minute in a group.
    Telegram publishes no exact figures; these are the ones the FAQ gives."""

    overall_per_s: int = 30
    chat_burst: int = 3
    chat_per_s: float = 1.0
    group_per_min: int = 20


# Calls that put a message in a chat or change one: what flood control counts.
_COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")


def _counted(method: str) -> bool:
    return method.startswith(_COUNTED_PREFIXES) and method != "sendChatAction"


class _FloodControl:
    """Answers 429 with retry_after once a send would go over one of the limits. A refused call
    takes no slot, as on Telegram, where only what was sent counts."""

    def __init__(self, limits: SendLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._overall: deque[float] = deque()
        self._groups: dict[ChatId, deque[float]] = {}
        self._chats: dict[ChatId, tuple[float, float]] = {}  # chat -> (tokens, when counted)
        self.refused = 0

    def check(self, chat: ChatId | None) -> None:
        now = self._clock()
        lim = self.limits
        waits = [_window_wait(self._overall, lim.overall_per_s, 1.0, now)]
        if chat is not None:
            tokens, at = self._chats.get(chat, (float(lim.chat_burst), now))
            tokens = min(float(lim.chat_burst), tokens + (now - at) * lim.chat_per_s)
            waits.append(0.0 if tokens >= 1 else (1 - tokens) / lim.chat_per_s)
            group = self._groups.setdefault(chat, deque()) if _is_group(chat) else None
            if group is not None:
                waits.append(_window_wait(group, lim.group_per_min, 60.0, now))
        wait = max(waits)
        if wait > 0:
            self.refused += 1
            n = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {n}", {"retry_after": n})
        self._overall.append(now)
        if chat is not None:
            self._chats[chat] = (tokens - 1, now)
            if group is not None:
                group.append(now)


def _is_group(chat: ChatId) -> bool:
    return (isinstance(chat, int) and chat < 0) or (isinstance(chat, str) and chat.startswith(("-", "@")))


def _window_wait(log: deque[float], limit: int, window_s: float, now: float) -> float:
    """0 when `log` has room for one more in the last `window_s`, else the seconds until it has."""
    while log and log[0] <= now - window_s:
        log.popleft()
    return 0.0 if len(log) < limit else log[0] + window_s - now


class ExtraCalls(AssertionError):
    """More matching calls arrived than the test expected."""


class WaitTimeout(AssertionError, TimeoutError):
    """wait_for gave up; the message lists what the bot did do."""


@dataclass
class _Query:
    kind: str
    chat_id: ChatId | None
    created: float
    answered: bool = False


class _Signal:
    """Wakes every waiter; pulse() is synchronous so plain functions such as push_update can call it."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def pulse(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        while True:
            event = self._event
            if predicate():
                return
            await event.wait()


def _same(a: ChatId | None, b: ChatId | None) -> bool:
    return a is not None and b is not None and str(a) == str(b)


def _kind(update: dict[str, Any]) -> str | None:
    return next((k for k in update if k != "update_id"), None)


def _new_id() -> str:
    return str(secrets.randbits(63))


class FakeTelegram:
    """The fake server plus its test API.

    Drive the user's side with push_update or the builders (send_text, press_button, pre_checkout,
    successful_payment, inline_query); watch the bot's side with calls, wait_for/mark, calls_for,
    chat_messages; break things with fail_chat/flood/clear_faults.
    """

    def __init__(
        self,
        token: str = "123456:TEST-fake-token",
        *,
        spec: Path | str | dict[str, Any] | None = None,
        username: str = "faceit_demo_bot",
        first_name: str = "FACEIT Demo",
        limits: SendLimits | None = SendLimits(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`limits`: Telegram's flood control, on unless a test that needs bursts passes None
        (or sets `send_limits` later); `clock` is what it counts seconds by."""
        self._clock = clock
        self.token = token
        self.spec = BotApiSpec.load(spec)
        prefix = token.split(":", 1)[0]
        # A real bot's id is the number before the colon of its token.
        bot_id = int(prefix) if prefix.isdigit() else 123456
        self.me: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.calls: list[Call] = []
        self.pushed: list[dict[str, Any]] = []  # every update ever pushed, in order
        self.update_id = 100_000  # the last update_id handed out
        self.webhook: Params = {}  # the setWebhook params while a webhook is set
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (scope JSON, language) -> list
        self.invoice_links: dict[str, Params] = {}  # createInvoiceLink url -> its params
        self.transactions: list[dict[str, Any]] = []  # StarTransaction objects, oldest first
        self.files: dict[str, bytes] = {}  # file_id -> uploaded bytes
        self._queue: list[dict[str, Any]] = []
        self._allowed: frozenset[str] | None = None  # None: Telegram's default set
        self._messages: dict[ChatId, dict[int, dict[str, Any]]] = {}
        self._last_message_id: dict[ChatId, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._chat_types: dict[ChatId, str] = {}
        self._queries: dict[str, _Query] = {}
        self.canceled_subscriptions: set[str] = set()  # charge ids the bot canceled
        self._refunded: set[str] = set()
        self._faults: list[Fault] = []
        self._flood_control = _FloodControl(limits, clock) if limits is not None else None
        self.groups = Groups(bot_id)  # group membership and pins
        self._mark = 0
        self._poll_seq = 0
        self._polling = 0
        self._closing = False
        self._changed = _Signal()  # an update pushed, a call recorded or a long poll started
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._handlers: dict[str, Callable[[Params], Any]] = {
            "getMe": lambda p: dict(self.me),
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._set_webhook,
            "getWebhookInfo": self._webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendInvoice": self._send_invoice,
            "createInvoiceLink": self._create_invoice_link,
            "editMessageText": self._edit_text,
            "editMessageCaption": self._edit_caption,
            "editMessageReplyMarkup": lambda p: self._edit(p, {}),
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": lambda p: self._answer("callback_query", p),
            "answerInlineQuery": self._answer_inline,
            "answerPreCheckoutQuery": self._answer_pre_checkout,
            "refundStarPayment": self._refund,
            "editUserStarSubscription": self._edit_subscription,
            "getStarTransactions": self._star_transactions,
            "getMyStarBalance": self._star_balance,
            "setMyCommands": self._set_commands,
            "deleteMyCommands": self._delete_commands,
            "getMyCommands": lambda p: self.my_commands(p.get("language_code"), p.get("scope")),
            "getChat": self._get_chat,
            "getFile": self._get_file,
            "getChatMember": self._get_chat_member,
            "pinChatMessage": self._pin,
            "unpinChatMessage": self._unpin,
        }

    # --- lifecycle ---

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_post("/_sim/updates", self._sim_updates)
        app.router.add_get("/_sim/calls", self._sim_calls)
        app.router.add_post("/_sim/faults", self._sim_faults)
        app.router.add_delete("/_sim/faults", self._sim_clear_faults)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._closing = False
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0][1]
        self._base_url = f"http://[{host}]:{bound}" if ":" in host else f"http://{host}:{bound}"
        return self._base_url

    async def stop(self) -> None:
        self._closing = True
        self._changed.pulse()  # held long polls return now instead of holding up the shutdown
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def send_limits(self) -> SendLimits | None:
        return self._flood_control.limits if self._flood_control is not None else None

    @send_limits.setter
    def send_limits(self, limits: SendLimits | None) -> None:
        self._flood_control = _FloodControl(limits, self._clock) if limits is not None else None

    @property
    def flood_refused(self) -> int:
        """Calls answered 429 by flood control (not by a fault a test set)."""
        return self._flood_control.refused if self._flood_control is not None else 0

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("FakeTelegram is not started")
        return self._base_url

    # --- HTTP ---

    async def _api(self, request: web.Request) -> web.Response:
        method = self.spec.lookup(request.match_info["method"])
        name = method.name if method else request.match_info["method"]
        params: Params = {}
        chat: ChatId | None = None
        try:
            params = await self._read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if method is None:
                raise ApiError(404, "Not Found")
            params = self._decode(method, params)
            chat = self._chat_of(params)
            self._check_faults(name, chat)
            if self._flood_control is not None and _counted(name):
                self._flood_control.check(chat)
            handler = self._handlers.get(name) or (lambda p: self._default(method, p))
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
            body, status = {"ok": True, "result": result}, 200
        except ApiError as e:
            body, status = e.body(), e.status
        log.debug("%s -> %s", name, status)
        self._record(Call(name, params, status, body, time.monotonic(), chat))
        return web.json_response(body, status=status, dumps=_dumps)

    async def _read_params(self, request: web.Request) -> Params:
        raw: Params = dict(request.query)
        if request.content_type == "application/json" and request.can_read_body:
            try:
                body = _loads(await request.read())
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("the JSON request body must be an object")
            raw.update(body)
        elif request.can_read_body:  # aiogram: urlencoded, or multipart/form-data when uploading
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    raw[key] = self._store_file(value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
        return raw

    def _decode(self, method: MethodSpec, raw: Params) -> Params:
        # aiogram sends an upload as an extra part named by an "attach://<name>" value.
        attached = {n for v in raw.values() if isinstance(v, str) for n in _ATTACH.findall(v)}
        self.spec.check(method, raw, attached)
        params = self.spec.decode(method, {k: v for k, v in raw.items() if k not in attached})
        for key, value in params.items():
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = raw.get(value[9:], value)
        return params

    def _store_file(self, filename: str, content_type: str, data: bytes) -> UploadedFile:
        file_id = "AgAC" + secrets.token_urlsafe(24)
        self.files[file_id] = data
        return UploadedFile(file_id, filename, content_type, len(data), data[:64])

    async def _download(self, request: web.Request) -> web.StreamResponse:
        data = self.files.get(request.match_info["path"].rsplit("/", 1)[-1])
        if request.match_info["token"] != self.token or data is None:
            return await self._not_found(request)
        return web.Response(body=data)

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _sim_updates(self, request: web.Request) -> web.Response:
        body = _loads(await request.read())
        ids = [self.push_update(u) for u in (body if isinstance(body, list) else [body])]
        return web.json_response({"ok": True, "result": ids if isinstance(body, list) else ids[0]})

    async def _sim_calls(self, request: web.Request) -> web.Response:
        """Calls from index `since` on. With `method` and `count`: first waits (up to `timeout`
        seconds) until that many successful calls of the method are recorded from `since` on, so
        another process can wait for replies without polling. With `brief`: without params and
        responses."""
        query = request.query
        since = int(query.get("since", 0))
        if (method := query.get("method")) is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(float(query.get("timeout", 60))):
                    await self._count_calls(self.spec.canonical(method), since, int(query.get("count", 1)))
        brief = query.get("brief") not in (None, "", "0", "false")
        calls = [
            {"index": i, **(c.brief_json() if brief else c.to_json())}
            for i, c in enumerate(self.calls[since:], since)
        ]
        return web.json_response(calls, dumps=_dumps)

    async def _count_calls(self, method: str, since: int, count: int) -> None:
        scanned, found = since, 0

        def enough() -> bool:  # counts only the calls recorded since it last looked
            nonlocal scanned, found
            found += sum(1 for c in self.calls[scanned:] if c.ok and c.method == method)
            scanned = max(scanned, len(self.calls))
            return found >= count

        await self._changed.wait_until(enough)

    async def _sim_faults(self, request: web.Request) -> web.Response:
        b = await request.json()
        if b.get("retry_after") is not None:
            self.flood(b.get("chat_id"), retry_after=int(b["retry_after"]), times=b.get("times"))
        else:
            description = b.get("description") or "Forbidden: bot was blocked by the user"
            self.fail_chat(b.get("chat_id"), int(b.get("status", 403)), description, b.get("times"))
        return web.json_response({"ok": True, "result": True})

    async def _sim_clear_faults(self, request: web.Request) -> web.Response:
        self.clear_faults()
        return web.json_response({"ok": True, "result": True})

    # --- recording, faults, waiting ---

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.pulse()

    def _chat_of(self, params: Params) -> ChatId | None:
        if "chat_id" in params:
            return params["chat_id"]
        for kind in QUERY_KINDS:
            query = self._queries.get(str(params.get(f"{kind}_id")))
            if query is not None:
                return query.chat_id
        return params.get("user_id")

    def _check_faults(self, method: str, chat: ChatId | None) -> None:
        for fault in self._faults:
            if (fault.chat_id is None and method not in TRANSPORT) or _same(fault.chat_id, chat):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                raise fault.error()

    def fail_chat(
        self,
        chat_id: ChatId | None,
        status: int = 403,
        description: str = "Forbidden: bot was blocked by the user",
        times: int | None = None,
    ) -> None:
        """Calls about `chat_id` (None: any chat) fail with this error, `times` times or until cleared."""
        self._faults.append(Fault(chat_id, status, description, None, times))

    def flood(self, chat_id: ChatId | None = None, retry_after: int = 1, times: int | None = 1) -> None:
        """Calls about `chat_id` (None: any chat) get 429 with parameters.retry_after."""
        self._faults.append(Fault(chat_id, 429, "", retry_after, times))

    def clear_faults(self) -> None:
        self._faults.clear()

    def mark(self) -> None:
        """wait_for only counts calls recorded after this."""
        self._mark = len(self.calls)

    async def wait_for(
        self,
        method: str | tuple[str, ...],
        *,
        chat_id: ChatId | None = None,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 10.0,
        settle: float = 0.0,
    ) -> list[Call]:
        """The first `count` successful matching calls recorded since mark(), waiting for them if needed.

        With `settle`, then watches that long more and raises ExtraCalls if any further matching
        call arrives: a second message or a trailing apology fails the caller instead of hiding
        behind the first `count`.
        """
        methods = {self.spec.canonical(m) for m in ((method,) if isinstance(method, str) else method)}
        start = self._mark

        def in_chat(c: Call) -> bool:
            return chat_id is None or _same(c.chat_id, chat_id)

        def found() -> list[Call]:
            return [
                c
                for c in self.calls[start:]
                if c.ok and c.method in methods and in_chat(c) and (predicate is None or predicate(c))
            ]

        try:
            async with asyncio.timeout(timeout):
                await self._changed.wait_until(lambda: len(found()) >= count)
        except TimeoutError:
            seen = [c for c in self.calls[start:] if c.method != "getUpdates" and in_chat(c)]
            lines = "\n".join(f"  {c.method} -> {c.status}: {_summary(c)}" for c in seen) or "  (none)"
            where = "any chat" if chat_id is None else f"chat {chat_id}"
            wanted = f"{count} successful {'/'.join(sorted(methods))} call(s)"
            wanted += " matching the predicate" if predicate else ""
            raise WaitTimeout(
                f"timed out after {timeout}s waiting for {wanted} in {where}; found {len(found())}."
                f" Calls since mark() in {where}:\n{lines}"
            ) from None
        if settle > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(settle):
                    await self._changed.wait_until(lambda: len(found()) > count)
            extra = found()[count:]
            if extra:
                lines = "\n".join(f"  {c.method}: {_summary(c)}" for c in found())
                raise ExtraCalls(f"expected {count} call(s) but {len(found())} arrived:\n{lines}")
        return found()[:count]

    async def wait_polling(self, timeout: float = 5.0) -> None:
        """Returns once a getUpdates long poll is being held."""
        async with asyncio.timeout(timeout):
            await self._changed.wait_until(lambda: self._polling > 0)

    def calls_for(self, chat_id: ChatId, method: str | None = None, *, failed: bool = False) -> list[Call]:
        """The calls about `chat_id` that succeeded: what the user saw. A call refused with 429
        and sent again is one message, not two. `failed=True` lists the refused ones too."""
        name = self.spec.canonical(method) if method else None
        return [
            c
            for c in self.calls
            if _same(c.chat_id, chat_id) and (name is None or c.method == name) and (failed or c.ok)
        ]

    def chat_messages(self, chat_id: ChatId) -> list[dict[str, Any]]:
        """The bot's messages in the chat as they are now: edits applied, deleted ones gone."""
        messages = self._messages.get(chat_id, {}).values()
        return [_copy(m) for m in messages if m["from"]["id"] == self.me["id"]]

    def last_message(self, chat_id: ChatId) -> dict[str, Any] | None:
        messages = self.chat_messages(chat_id)
        return messages[-1] if messages else None

    def my_commands(
        self, language_code: str | None = None, scope: Params | None = None
    ) -> list[dict[str, Any]]:
        """What setMyCommands stored for this language (None: the default list) and scope."""
        return _copy(self.commands.get(_commands_key(scope, language_code), []))

    # --- updates ---

    def push_update(self, update: dict[str, Any]) -> int:
        """Queues an update for getUpdates (numbering it if it has no update_id) and wakes the poller."""
        update = dict(update)
        if "update_id" not in update:
            self.update_id += 1
            update["update_id"] = self.update_id
        self.update_id = max(self.update_id, update["update_id"])
        for kind in QUERY_KINDS:
            if (query := update.get(kind)) is not None:
                chat = (query.get("message") or {}).get("chat", {}).get("id", query["from"]["id"])
                self._queries[str(query["id"])] = _Query(kind, chat, time.monotonic())
        if (message := update.get("message")) is not None and "chat" in message:
            self._store(_copy(message))
            if (paid := message.get("successful_payment")) is not None:
                self.transactions.append(
                    {
                        "id": paid["telegram_payment_charge_id"],
                        "amount": paid["total_amount"],
                        "date": message["date"],
                        "source": _payer(message["from"], paid),
                    }
                )
        self.pushed.append(update)
        self._queue.append(update)
        self._changed.pulse()
        return update["update_id"]

    async def _get_updates(self, p: Params) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, CONFLICT_WEBHOOK)
        self._poll_seq += 1
        me = self._poll_seq
        offset = int(p.get("offset") or 0)
        if offset > 0:  # confirms every update below the offset
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        elif offset < 0:
            self._queue = self._queue[offset:]
        if "allowed_updates" in p:
            self._allowed = frozenset(p["allowed_updates"]) or None
        self._polling += 1
        self._changed.pulse()  # also ends the poll held so far: it sees a newer _poll_seq and answers 409

        def done() -> bool:
            return self._poll_seq != me or self._closing or bool(self.webhook) or bool(self._deliverable())

        try:
            async with asyncio.timeout(max(float(p.get("timeout") or 0), 0)):
                await self._changed.wait_until(done)
        except TimeoutError:
            pass
        finally:
            self._polling -= 1
        if self._poll_seq != me:
            raise ApiError(409, CONFLICT_POLL)
        if self.webhook:
            raise ApiError(409, CONFLICT_WEBHOOK)
        return self._deliverable()[: min(max(int(p.get("limit") or 100), 1), 100)]

    def _deliverable(self) -> list[dict[str, Any]]:
        allowed = self._allowed

        def wanted(update: dict[str, Any]) -> bool:
            return _kind(update) in allowed if allowed else _kind(update) not in NOT_BY_DEFAULT

        kept = [u for u in self._queue if wanted(u)]
        if len(kept) != len(self._queue):
            log.info("dropped %d update(s) the bot did not ask for", len(self._queue) - len(kept))
            self._queue = kept
        return kept

    def _set_webhook(self, p: Params) -> bool:  # setWebhook and deleteWebhook
        self.webhook = dict(p) if "url" in p else {}
        if "allowed_updates" in p:
            self._allowed = frozenset(p["allowed_updates"]) or None
        if p.get("drop_pending_updates"):
            self._queue.clear()
        self._changed.pulse()
        return True

    def _webhook_info(self, p: Params) -> dict[str, Any]:
        info = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        for key in ("max_connections", "allowed_updates", "ip_address"):
            if key in self.webhook:
                info[key] = self.webhook[key]
        return info

    # --- update builders: each pushes the update and returns its update_id (or the query id) ---

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """The User object for `user_id`, remembering the names and language given (here or earlier)."""
        user = self._users.setdefault(user_id, {"id": user_id, "is_bot": False, "first_name": "Test"})
        given = {"first_name": first_name, "username": username, "language_code": language_code}
        user.update({k: v for k, v in given.items() if v})
        return dict(user)

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str = "en",
        first_name: str = "Test",
        username: str | None = None,
        chat_type: str | None = None,
    ) -> int:
        if chat_type:
            self._chat_types[chat_id] = chat_type
        sender = self.user(
            self._sender(chat_id, user_id),
            first_name=first_name,
            username=username,
            language_code=language_code,
        )
        message = self._new_message(chat_id, sender, text=text)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])}]
        return self.push_update({"message": message})

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        language_code: str = "en",
        check_button: bool = True,
    ) -> int:
        """The user presses the inline button with callback_data `data` under the bot's message."""
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None or message["from"]["id"] != self.me["id"]:
            raise LookupError(f"the bot has no message {message_id} in chat {chat_id}")
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        offered = [button.get("callback_data") for row in rows for button in row]
        if check_button and data not in offered:
            raise ValueError(
                f"message {message_id} in chat {chat_id} has no button with callback_data {data!r};"
                f" it offers {offered} (check_button=False presses it anyway)"
            )
        sender = self.user(self._sender(chat_id, user_id), language_code=language_code)
        query = {
            "id": _new_id(),
            "from": sender,
            "message": _copy(message),
            "chat_instance": str(chat_id * 7919 % 10**18),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def pre_checkout(self, user_id: int, payload: str, total_amount: int, currency: str = "XTR") -> str:
        query_id = _new_id()
        self.push_update(
            {
                "pre_checkout_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "currency": currency,
                    "total_amount": total_amount,
                    "invoice_payload": payload,
                }
            }
        )
        return query_id

    def successful_payment(
        self,
        user_id: int,
        payload: str,
        total_amount: int,
        charge_id: str,
        *,
        is_recurring: bool = False,
        is_first_recurring: bool = False,
        subscription_expiration_date: int | None = None,
    ) -> int:
        payment: dict[str, Any] = {
            "currency": "XTR",
            "total_amount": total_amount,
            "invoice_payload": payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "",
        }
        if is_recurring:
            payment["is_recurring"] = True
        if is_first_recurring:
            payment["is_first_recurring"] = True
        if subscription_expiration_date is not None:
            payment["subscription_expiration_date"] = int(subscription_expiration_date)
        message = self._new_message(user_id, self.user(user_id), successful_payment=payment)
        return self.push_update({"message": message})

    def subscription(self, user_id: int, payload: str, state: str, update_id: int | None = None) -> int:
        """Update.subscription: the user canceled (`canceled`), re-enabled (`active`) or failed to
        pay for (`failed`) a Stars subscription."""
        update: dict[str, Any] = {
            "subscription": {"user": self.user(user_id), "invoice_payload": payload, "state": state}
        }
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_update(update)

    def inline_query(self, user_id: int, query: str) -> str:
        query_id = _new_id()
        self.push_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "query": query,
                    "offset": "",
                    "chat_type": "sender",
                }
            }
        )
        return query_id

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """`user_id` is now `status` ("creator", "administrator", "member", "left", ...) in the group."""
        self.groups.set_status(chat_id, user_id, status)

    def bot_membership(self, chat_id: int, status: str, *, by: int, can_pin: bool = False) -> int:
        """The bot's status in the group changes (added, made an admin, removed) by user `by`: the
        my_chat_member update Telegram sends."""
        old = self.groups.set_status(chat_id, self.me["id"], status, can_pin=can_pin)
        update = self.groups.membership_update(self._chat(chat_id), self.user(by), dict(self.me), old, status)
        return self.push_update({"my_chat_member": update})

    @staticmethod
    def _sender(chat_id: int, user_id: int | None) -> int:
        if user_id is not None:
            return user_id
        return chat_id if chat_id > 0 else 1_000_001

    # --- chats and messages ---

    def _chat(self, chat_id: ChatId) -> dict[str, Any]:
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        kind = self._chat_types.get(chat_id) or (
            "private" if chat_id > 0 else "supergroup" if str(chat_id).startswith("-100") else "group"
        )
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            user = self._users.get(chat_id, {})
            chat.update({k: user[k] for k in ("first_name", "username") if k in user})
        else:
            chat["title"] = f"Test {kind} {chat_id}"
        return chat

    def _new_message(self, chat_id: ChatId, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": sender,
        }
        message.update({k: v for k, v in content.items() if v is not None})
        return message

    def _store(self, message: dict[str, Any]) -> dict[str, Any]:
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)
        self._messages.setdefault(chat_id, {})[message_id] = message
        return _copy(message)

    def _send(self, p: Params, **content: Any) -> dict[str, Any]:
        """A new bot message in p["chat_id"] with `content`, plus the caption and inline keyboard in p."""
        self.groups.check_present(p["chat_id"])
        if "caption" in p:
            content["caption"], content["caption_entities"] = format_text(
                p["caption"], p.get("parse_mode"), p.get("caption_entities"), caption=True
            )
        content["reply_markup"] = inline_markup(p.get("reply_markup"))
        message = self._new_message(p["chat_id"], dict(self.me), **content)
        reply_to = (p.get("reply_parameters") or {}).get("message_id") or p.get("reply_to_message_id")
        if (original := self._messages.get(p["chat_id"], {}).get(reply_to)) is not None:
            message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        return self._store(message)

    def _find(self, p: Params, missing: str) -> dict[str, Any]:
        message = self._messages.get(p.get("chat_id", ""), {}).get(p.get("message_id", 0))
        if message is None:
            raise bad_request(missing)
        return message

    def _send_message(self, p: Params) -> dict[str, Any]:
        text, entities = format_text(p["text"], p.get("parse_mode"), p.get("entities"))
        return self._send(p, text=text, entities=entities)

    def _send_photo(self, p: Params) -> dict[str, Any]:
        photo, width, height, size = p["photo"], 1280, 720, None
        if isinstance(photo, UploadedFile):
            file_id, size = photo.file_id, photo.size
            if photo.head.startswith(b"\x89PNG\r\n\x1a\n") and len(photo.head) >= 24:
                width, height = (int.from_bytes(photo.head[i : i + 4], "big") for i in (16, 20))
        elif photo in self.files:  # a file_id sent before
            file_id, size = photo, len(self.files[photo])
        else:  # a URL Telegram would download
            file_id = "AgAC" + secrets.token_urlsafe(24)
        sizes = {"file_id": file_id, "file_unique_id": file_id[-16:], "width": width, "height": height}
        if size is not None:
            sizes["file_size"] = size
        return self._send(p, photo=[sizes])

    def _send_invoice(self, p: Params) -> dict[str, Any]:
        check_invoice(p)
        invoice = {
            "title": p["title"],
            "description": p["description"],
            "currency": p["currency"],
            "start_parameter": p.get("start_parameter", ""),
            "total_amount": sum(price["amount"] for price in p["prices"]),
        }
        return self._send(p, invoice=invoice)

    def _create_invoice_link(self, p: Params) -> str:
        check_invoice(p)
        link = "https://t.me/$" + secrets.token_urlsafe(12)
        self.invoice_links[link] = p
        return link

    def _edit(self, p: Params, new: dict[str, Any]) -> dict[str, Any] | bool:
        """Applies `new` content and p's inline keyboard to the message p names."""
        if "inline_message_id" in p:
            return True
        message = self._find(p, "message to edit not found")
        if message["from"]["id"] != self.me["id"]:
            raise bad_request("message can't be edited")
        new = {**new, "reply_markup": inline_markup(p.get("reply_markup"))}  # none given removes the keyboard
        if all(message.get(k) == v for k, v in new.items()):
            raise bad_request(NOT_MODIFIED)
        for key, value in new.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        return _copy(message)

    def _edit_text(self, p: Params) -> dict[str, Any] | bool:
        if "inline_message_id" not in p and "text" not in self._find(p, "message to edit not found"):
            raise bad_request("there is no text in the message to edit")
        text, entities = format_text(p["text"], p.get("parse_mode"), p.get("entities"))
        return self._edit(p, {"text": text, "entities": entities})

    def _edit_caption(self, p: Params) -> dict[str, Any] | bool:
        if "inline_message_id" not in p and "text" in self._find(p, "message to edit not found"):
            raise bad_request("there is no caption in the message to edit")
        caption, entities = format_text(
            p.get("caption", ""), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        return self._edit(p, {"caption": caption or None, "caption_entities": entities})

    def _delete_message(self, p: Params) -> bool:
        self._find(p, "message to delete not found")
        del self._messages[p["chat_id"]][p["message_id"]]
        return True

    def _delete_messages(self, p: Params) -> bool:
        for message_id in p["message_ids"]:
            self._messages.get(p["chat_id"], {}).pop(message_id, None)
        return True

    def _get_chat(self, p: Params) -> dict[str, Any]:
        gifts = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        return {
            **self._chat(p["chat_id"]),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }

    def _get_chat_member(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p["chat_id"])
        if chat["type"] == "private" and p["user_id"] != p["chat_id"]:
            raise bad_request("user not found")
        return self.groups.member(
            p["chat_id"], self.user(p["user_id"]) if p["user_id"] != self.me["id"] else self.me
        )

    def _pin(self, p: Params) -> bool:
        self._find(p, "message to pin not found")
        return self.groups.pin(p["chat_id"], p["message_id"])

    def _unpin(self, p: Params) -> bool:
        return self.groups.unpin(p["chat_id"], p.get("message_id"))

    def _get_file(self, p: Params) -> dict[str, Any]:
        file_id = p["file_id"]
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": file_id[-16:],
            "file_size": len(self.files[file_id]),
            "file_path": f"files/{file_id}",
        }

    # --- queries, payments, commands ---

    def _answer(self, kind: str, p: Params) -> bool:
        query = self._queries.get(str(p[f"{kind}_id"]))
        # One answer per query; a pre-checkout query must be answered within 10 s.
        late = kind == "pre_checkout_query" and query is not None and time.monotonic() - query.created > 10
        if query is None or query.kind != kind or query.answered or late:
            raise bad_request(QUERY_TOO_OLD)
        query.answered = True
        return True

    def _answer_inline(self, p: Params) -> bool:
        check_inline_answer(p)
        return self._answer("inline_query", p)

    def _answer_pre_checkout(self, p: Params) -> bool:
        if not p["ok"] and not p.get("error_message"):
            raise bad_request("parameter 'error_message' is required when ok is false")
        return self._answer("pre_checkout_query", p)

    def _refund(self, p: Params) -> bool:
        charge = p["telegram_payment_charge_id"]
        if charge in self._refunded:
            raise bad_request("CHARGE_ALREADY_REFUNDED")
        self._refunded.add(charge)
        paid = next((t for t in self.transactions if t["id"] == charge and "source" in t), None)
        if paid is not None:
            self.transactions.append(
                {"id": charge, "amount": paid["amount"], "date": int(time.time()), "receiver": paid["source"]}
            )
        return True

    def _edit_subscription(self, p: Params) -> bool:
        """Cancels (or re-enables) the subscription a recurring payment of this user belongs to."""
        charge = p["telegram_payment_charge_id"]
        paid = next((t for t in self.transactions if t["id"] == charge and "source" in t), None)
        if paid is None or paid["source"].get("user", {}).get("id") != p["user_id"]:
            raise bad_request("CHARGE_ID_INVALID")
        (self.canceled_subscriptions.add if p["is_canceled"] else self.canceled_subscriptions.discard)(charge)
        return True

    def _star_transactions(self, p: Params) -> dict[str, Any]:
        offset, limit = int(p.get("offset") or 0), int(p.get("limit") or 100)
        return {"transactions": _copy(self.transactions[offset : offset + limit])}

    def _star_balance(self, p: Params) -> dict[str, Any]:
        return {"amount": sum(t["amount"] if "source" in t else -t["amount"] for t in self.transactions)}

    def _set_commands(self, p: Params) -> bool:
        check_commands(p["commands"])
        self.commands[_commands_key(p.get("scope"), p.get("language_code"))] = p["commands"]
        return True

    def _delete_commands(self, p: Params) -> bool:
        self.commands.pop(_commands_key(p.get("scope"), p.get("language_code")), None)
        return True

    def _default(self, method: MethodSpec, p: Params) -> Any:
        """Methods not modelled above: a result of the right shape, so aiogram's models accept it."""
        returns = method.returns[0] if method.returns else "Boolean"
        if "Message" in method.returns and method.name.startswith("edit"):  # media, live location, ...
            if "inline_message_id" in p:
                return True
            message = self._find(p, "message to edit not found")
            message["edit_date"] = int(time.time())
            return _copy(message)
        if "chat_id" in p and returns == "Message":
            return self._send(p, text=p["text"] if isinstance(p.get("text"), str) else None)
        if "chat_id" in p and returns in ("Array of Message", "MessageId", "Array of MessageId"):
            many = returns.startswith("Array")  # sendMediaGroup, copyMessages, forwardMessages
            count = len(p.get("media") or p.get("message_ids") or [None]) if many else 1
            sent = [self._send({"chat_id": p["chat_id"]}) for _ in range(count)]
            if returns.endswith("MessageId"):
                sent = [{"message_id": m["message_id"]} for m in sent]
            return sent if many else sent[0]
        if returns.startswith("Array of"):
            return []
        now, me = int(time.time()), dict(self.me)
        minimal: dict[str, Any] = {
            "String": "",
            "Integer": 1,
            "User": me,
            "MenuButton": {"type": "default"},
            "StarAmount": {"amount": 0},
            "BotName": {"name": me["first_name"]},
            "BotDescription": {"description": ""},
            "BotShortDescription": {"short_description": ""},
            "UserProfilePhotos": {"total_count": 0, "photos": []},
            "SentWebAppMessage": {},
            "ChatMember": {"status": "member", "user": self.user(p["user_id"]) if "user_id" in p else me},
            "ChatInviteLink": {
                "invite_link": "https://t.me/+" + secrets.token_urlsafe(12),
                "creator": me,
                "creates_join_request": False,
                "is_primary": False,
                "is_revoked": False,
            },
            "PreparedInlineMessage": {"id": secrets.token_urlsafe(8), "expiration_date": now + 3600},
        }
        return minimal.get(returns, True)


def _payer(user: dict[str, Any], payment: dict[str, Any]) -> dict[str, Any]:
    partner = {
        "type": "user",
        "transaction_type": "invoice_payment",
        "user": user,
        "invoice_payload": payment["invoice_payload"],
    }
    if payment.get("is_recurring"):
        partner["subscription_period"] = 2592000
    return partner


def _commands_key(scope: Params | None, language_code: str | None) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


def _summary(call: Call) -> str:
    if not call.ok:
        return str(call.response.get("description"))
    keys = ("text", "caption", "title", "message_id", "data")
    shown = {k: call.params[k] for k in keys if k in call.params}
    return ", ".join(f"{k}={str(v)[:80]!r}" for k, v in shown.items()) or "ok"


def run_cli(args: Iterable[str]) -> None:
    """`python -m faceitbot_sim telegram`: the fake Bot API as a standalone server."""
    parser = argparse.ArgumentParser(
        prog="python -m faceitbot_sim telegram", description="A fake Telegram Bot API"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-fake-token", help="the only token it accepts")
    parser.add_argument("--spec", type=Path, help="Bot API spec JSON, full or compact (default: bundled)")
    parser.add_argument("--username", default="faceit_demo_bot")
    parser.add_argument(
        "--no-send-limits", action="store_true", help="lift Telegram's flood control (30/s, 1/s a chat)"
    )
    ns = parser.parse_args(list(args))

    async def serve() -> None:
        limits = None if ns.no_send_limits else SendLimits()
        tg = FakeTelegram(ns.token, spec=ns.spec, username=ns.username, limits=limits)
        url = await tg.start(ns.host, ns.port)
        print(f"fake Telegram Bot API at {url} (bot @{ns.username}, id {tg.me['id']})", flush=True)
        print(
            f"test endpoints: POST {url}/_sim/updates, GET {url}/_sim/calls?since=N[&method=M&count=K][&brief=1], "
            f"POST|DELETE {url}/_sim/faults",
            flush=True,
        )
        try:
            await asyncio.Event().wait()
        finally:
            await tg.stop()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


def main(argv: list[str] | None = None) -> None:
    run_cli(sys.argv[1:] if argv is None else argv)

"""The aiogram Bot and its HTTP session, set up for a long-running process."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, NamedTuple

import msgspec
from aiogram import Bot, methods
from aiogram.client.default import Default, DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import GetUpdates
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import TelegramObject, Update
from aiohttp import ClientError
from pydantic import ValidationError

from faceitbot.telegram.sent import LEAN_METHODS

_USED_METHODS = (
    tuple(
        getattr(methods, name)
        for name in (
            "AnswerCallbackQuery",
            "AnswerInlineQuery",
            "AnswerPreCheckoutQuery",
            "CreateInvoiceLink",
            "DeleteMessage",
            "EditMessageReplyMarkup",
            "EditMessageText",
            "GetMe",
            "GetUpdates",
            "RefundStarPayment",
            "SendChatAction",
            "SendInvoice",
            "SendMessage",
            "SendPhoto",
            "SetMyCommands",
        )
    )
    + LEAN_METHODS
)

# aiogram parametrises `Response[<return type>]` on every API call; pydantic keeps those classes
# only in a weak cache, so under load they are garbage-collected and rebuilt (about 15 ms of
# CPU each, measured in bench/updates.py). Holding strong references makes it a dict lookup.
_PINNED: list[type] = []


def pin_response_models() -> None:
    if not _PINNED:
        _PINNED.extend(Response[m.__returning__] for m in _USED_METHODS)  # type: ignore[name-defined]


_JSON = {"Content-Type": "application/json"}
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


class JsonBodySession(AiohttpSession):
    """Bot API calls without files as one JSON body, which the Bot API accepts as well as forms.

    aiogram's form encodes every nested value (a keyboard, entities) to JSON and then
    percent-quotes the whole text; on a bot that mostly sends cards with keyboards that was a
    sixth of the CPU per update (bench/updates.py). Replies are decoded by msgspec. Uploads keep
    aiogram's multipart form.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(json_loads=msgspec.json.decode, json_dumps=_dumps, **kwargs)

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        body = self._json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        status, raw = await self._post(bot, method, body, timeout)
        response = self.check_response(bot=bot, method=method, status_code=status, content=raw)  # type: ignore[arg-type]
        return response.result

    async def get_updates_received(self, bot: Bot, method: GetUpdates) -> list[Received | Unreadable]:
        """getUpdates, each update with the JSON Telegram sent for it (kept for a replay, so it
        need not be serialised again). An update aiogram cannot read comes back as Unreadable
        rather than failing the batch: the rest of it is handled and the offset moves past it."""
        body = self._json_body(bot, method)
        status, raw = await self._post(bot, method, body or {}, None)
        if status == HTTPStatus.OK:
            try:
                envelope = msgspec.json.decode(raw, type=_UpdatesReply)
            except msgspec.DecodeError:
                envelope = None
            if envelope is not None and envelope.ok:
                return [_read(bytes(u), bot) for u in envelope.result]
        response = self.check_response(bot=bot, method=method, status_code=status, content=raw)  # type: ignore[arg-type]
        return [Received(u, u.model_dump_json(by_alias=True, exclude_unset=True)) for u in response.result]

    def _json_body(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
        """The call's parameters as a JSON body; None when it uploads files."""
        files: dict[str, Any] = {}
        body = {}
        for key, value in (method.__dict__ | (method.model_extra or {})).items():
            prepared = self._prepare(value, bot, files)
            if prepared is not None and prepared != "":  # what aiogram's form leaves out
                body[key] = prepared
        return None if files else body

    def _prepare(self, value: Any, bot: Bot, files: dict[str, Any]) -> Any:
        """aiogram's prepare_value, with plain JSON values taken as they are: most of a call's
        parameters are, and aiogram tries eight other types on each first."""
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is dict:
            return {k: p for k, v in value.items() if (p := self._prepare(v, bot, files)) is not None}
        if kind is list:
            return [p for v in value if (p := self._prepare(v, bot, files)) is not None]
        if kind is Default:  # parse_mode and the like, several on every message
            return self._prepare(bot.default[value.name], bot, files)
        if isinstance(value, TelegramObject):
            # None fields are left out as aiogram leaves them out, in pydantic rather than here.
            return self._prepare(value.model_dump(warnings=False, exclude_none=True), bot, files)
        return self.prepare_value(value, bot=bot, files=files, _dumps_json=False)

    async def _post(
        self, bot: Bot, method: TelegramMethod[Any], body: dict[str, Any], timeout: int | None
    ) -> tuple[int, bytes]:
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=msgspec.json.encode(body),
                headers=_JSON,
                timeout=self.timeout if timeout is None else timeout,
            ) as resp:
                return resp.status, await resp.read()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e


class Received(NamedTuple):
    """An update as received, with its JSON."""

    update: Update
    json: str

    @property
    def update_id(self) -> int:
        return self.update.update_id

    @classmethod
    def parse(cls, raw: bytes | str, bot: Bot) -> Received:
        update = Update.model_validate_json(raw, context={"bot": bot})
        return cls(update, raw.decode() if isinstance(raw, bytes) else raw)


class Unreadable(NamedTuple):
    """An update of a batch that aiogram cannot read (a field it does not know the shape of,
    a value of the wrong type): kept as failed with the reason, never handled."""

    update_id: int
    json: str
    error: str


class _UpdateId(msgspec.Struct):
    update_id: int


def _read(raw: bytes, bot: Bot) -> Received | Unreadable:
    try:
        return Received.parse(raw, bot)
    except ValidationError as e:
        error = f"ValidationError: {e.error_count()} error(s), first at {'.'.join(map(str, e.errors()[0]['loc']))}"
    except ValueError as e:
        error = f"{type(e).__name__}: {str(e)[:200]}"
    try:
        update_id = msgspec.json.decode(raw, type=_UpdateId).update_id
    except msgspec.DecodeError:
        update_id = -1  # not even an id: nothing to keep it under, and nothing to move past
    return Unreadable(update_id, raw.decode(errors="replace"), error)


class _UpdatesReply(msgspec.Struct):
    ok: bool
    result: list[msgspec.Raw] = []


def create_bot(token: str, api_url: str, governor: BaseRequestMiddleware | None = None) -> Bot:
    """The bot; every send and edit goes through `governor` (faceitbot.telegram.send_governor) when given."""
    pin_response_models()
    session = JsonBodySession(api=TelegramAPIServer.from_base(api_url))
    if governor is not None:
        session.middleware(governor)
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )

"""The aiogram Bot and its HTTP session, set up for a long-running process."""

from __future__ import annotations

from typing import Any

import msgspec
from aiogram import Bot, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods.base import Response, TelegramMethod
from aiohttp import ClientError

from faceitbot.sent import LEAN_METHODS

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
        files: dict[str, Any] = {}
        body = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":  # what aiogram's form leaves out
                body[key] = prepared
        if files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=msgspec.json.encode(body),
                headers=_JSON,
                timeout=self.timeout if timeout is None else timeout,
            ) as resp:
                raw = await resp.read()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=raw)  # type: ignore[arg-type]
        return response.result


def create_bot(token: str, api_url: str) -> Bot:
    pin_response_models()
    return Bot(
        token,
        session=JsonBodySession(api=TelegramAPIServer.from_base(api_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )

"""The aiogram Bot and its HTTP session, set up for a long-running process."""

from __future__ import annotations

from aiogram import Bot, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods.base import Response

_USED_METHODS = tuple(
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

# aiogram parametrises `Response[<return type>]` on every API call; pydantic keeps those classes
# only in a weak cache, so under load they are garbage-collected and rebuilt (about 15 ms of
# CPU each, measured in bench/updates.py). Holding strong references makes it a dict lookup.
_PINNED: list[type] = []


def pin_response_models() -> None:
    if not _PINNED:
        _PINNED.extend(Response[m.__returning__] for m in _USED_METHODS)  # type: ignore[name-defined]


def create_bot(token: str, api_url: str) -> Bot:
    pin_response_models()
    return Bot(
        token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )

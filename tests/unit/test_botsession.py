"""The bot's HTTP session against the fake Bot API: JSON bodies, updates kept as received, lean
echoes of sent messages, and Telegram's errors raised as aiogram's exceptions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError, TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import GetUpdates, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from faceitbot.telegram import sent
from faceitbot.telegram.session import JsonBodySession, create_bot
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI_SPEC, TOKEN

CHAT = 91_001


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as fake:
        yield fake


@pytest.fixture
async def api(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = create_bot(TOKEN, tg.base_url)
    yield bot
    await bot.session.close()


def _message(update_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "text": text,
            "chat": {"id": CHAT, "type": "private", "first_name": "Ann"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Ann", "language_code": "ru"},
            # A field this aiogram may not model is still kept for a replay.
            "some_future_field": {"x": 1},
        },
    }


async def test_updates_come_with_the_json_telegram_sent(tg: FakeTelegram, api: Bot) -> None:
    bot = api
    pushed = [_message(501, "/profile"), _message(502, "привет 🔥")]
    for update in pushed:
        tg.push_update(update)
    session = bot.session
    assert isinstance(session, JsonBodySession)
    received = await session.get_updates_received(bot, GetUpdates(timeout=0))
    assert [r.update.update_id for r in received] == [501, 502]
    assert received[1].update.message.text == "привет 🔥"
    assert received[0].update.message.bot is bot  # shortcuts like .answer() work
    assert [json.loads(r.json) for r in received] == pushed
    # The offset confirms them, as with aiogram's get_updates.
    assert await session.get_updates_received(bot, GetUpdates(offset=503, timeout=0)) == []


async def test_telegram_errors_raise_as_aiogram_does(tg: FakeTelegram, api: Bot) -> None:
    bot = api
    await bot.set_webhook("https://bot.example/hook")
    with pytest.raises(TelegramConflictError):
        await bot.session.get_updates_received(bot, GetUpdates(timeout=0))
    await bot.delete_webhook()

    tg.flood(CHAT, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as flood:
        await sent.send_message(bot, CHAT, "hi")
    assert flood.value.retry_after == 7
    tg.fail_chat(CHAT, times=1)
    with pytest.raises(TelegramForbiddenError):
        await sent.send_message(bot, CHAT, "hi")


async def test_a_lean_send_and_edit_give_the_id_telegram_gave(tg: FakeTelegram, api: Bot) -> None:
    bot = api
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Maps", callback_data="m")]])
    first = await sent.send_message(bot, CHAT, "<b>queued</b>, position 3", markup)
    [call] = tg.calls_for(CHAT, "sendMessage")
    assert first.message_id == call.response["result"]["message_id"]
    assert call.params["text"] == "<b>queued</b>, position 3" and call.params["parse_mode"] == "HTML"

    edited = await sent.edit_message_text(bot, CHAT, first.message_id, "<i>done</i>")
    assert isinstance(edited, sent.Sent) and edited.message_id == first.message_id
    [stored] = [m for m in tg.chat_messages(CHAT) if m["message_id"] == first.message_id]
    assert stored["text"] == "done" and stored["entities"][0]["type"] == "italic"


async def test_a_reply_built_by_aiogram_goes_out_unchanged_and_comes_back_lean(
    tg: FakeTelegram, api: Bot
) -> None:
    assert sent.SendMessageLean.model_fields.keys() == SendMessage.model_fields.keys()
    caller = Message.model_validate(
        {"message_id": 77, "date": 0, "text": "/profile", "chat": {"id": -CHAT, "type": "supergroup"}},
        context={"bot": api},
    )
    tg.send_text(-CHAT, "/profile", user_id=CHAT)  # so the message replied to exists
    method = caller.reply("<b>card</b>")
    as_built = method.model_dump()
    reply = await api(sent.lean(method))
    assert isinstance(reply, sent.Sent) and method.model_dump() == as_built
    [call] = tg.calls_for(-CHAT, "sendMessage")
    assert (
        call.params["reply_parameters"]["message_id"] == 77 and reply.message_id == call.result["message_id"]
    )
    with pytest.raises(TypeError):
        sent.lean(caller.answer_photo("x"))  # type: ignore[arg-type]

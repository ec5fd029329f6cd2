"""The fake Bot API server, driven by a real aiogram Bot over HTTP and checked against the full spec."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import SendInvoice
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    MenuButtonCommands,
    Update,
)

from faceitbot_sim.botapi_spec import BUNDLED_SPEC, BotApiSpec, parse_html
from faceitbot_sim.telegram import Call, FakeTelegram, SendLimits, UploadedFile, WaitTimeout, compact_spec

SHARED_SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "telegram" / "botapi.json"
TOKEN = "777:sim-telegram-test-token"
_chats = itertools.count(70_001)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(text=d.upper(), callback_data=d) for d in data]
    return InlineKeyboardMarkup(inline_keyboard=[row])


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\x00" * 100


@pytest.fixture(scope="module")
async def tg() -> AsyncIterator[FakeTelegram]:
    # These tests call the API surface method by method in a few chats, faster than flood
    # control allows; the limits have tests of their own (test_flood_control_*).
    async with FakeTelegram(token=TOKEN, spec=SHARED_SPEC, limits=None) as fake:
        yield fake


def make_bot(tg: FakeTelegram, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


@pytest.fixture(scope="module")
async def module_bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg)
    yield bot
    await bot.session.close()


@pytest.fixture
async def api(tg: FakeTelegram, module_bot: Bot) -> Bot:
    tg.clear_faults()
    await module_bot.delete_webhook(drop_pending_updates=True)  # each test starts with an empty update queue
    tg.mark()
    return module_bot


@pytest.fixture
def chat() -> int:
    return next(_chats)


async def raw_post(
    tg: FakeTelegram, method: str, data: dict | None = None, token: str = TOKEN
) -> tuple[int, dict]:
    url = f"{tg.base_url}/bot{token}/{method}"
    async with aiohttp.ClientSession() as http, http.post(url, data=data) as r:
        return r.status, await r.json()


async def test_get_me(api: Bot) -> None:
    me = await api.get_me()
    assert (me.id, me.is_bot, me.username) == (777, True, "faceit_demo_bot")


async def test_send_message_returns_a_message_and_is_recorded(tg: FakeTelegram, api: Bot, chat: int) -> None:
    message = await api.send_message(chat, "<b>Hi</b> &lt;3", reply_markup=keyboard("a", "b"))
    assert message.text == "Hi <3"
    assert [(e.type, e.offset, e.length) for e in message.entities or []] == [("bold", 0, 2)]
    assert message.from_user is not None and message.from_user.id == 777
    assert message.chat.type == "private"
    assert message.reply_markup is not None
    assert message.reply_markup.model_dump() == keyboard("a", "b").model_dump()

    [call] = await tg.wait_for("sendMessage", chat_id=chat)
    assert isinstance(call, Call) and call.ok
    assert call.params["chat_id"] == chat
    assert call.params["text"] == "<b>Hi</b> &lt;3"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "b"
    assert call.result["message_id"] == message.message_id
    assert tg.last_message(chat)["text"] == "Hi <3"  # type: ignore[index]


async def test_group_chats_and_message_ids(api: Bot, chat: int) -> None:
    first = await api.send_message(-chat, "one")
    second = await api.send_message(-1_000_000_000_000 - chat, "two")
    third = await api.send_message(-chat, "three")
    assert (first.chat.type, second.chat.type) == ("group", "supergroup")
    assert third.message_id == first.message_id + 1


async def test_edit_message_text(tg: FakeTelegram, api: Bot, chat: int) -> None:
    sent = await api.send_message(chat, "old", reply_markup=keyboard("x"))
    edited = await api.edit_message_text(
        text="<i>new</i>", chat_id=chat, message_id=sent.message_id, reply_markup=keyboard("y")
    )
    assert not isinstance(edited, bool) and edited.text == "new"
    [state] = tg.chat_messages(chat)
    assert state["text"] == "new" and state["reply_markup"] == keyboard("y").model_dump(exclude_none=True)

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await api.edit_message_text(
            text="<i>new</i>", chat_id=chat, message_id=sent.message_id, reply_markup=keyboard("y")
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await api.edit_message_text(text="x", chat_id=chat, message_id=sent.message_id + 50)

    # An edit without reply_markup drops the keyboard, as on Telegram.
    await api.edit_message_text(text="<i>new</i>", chat_id=chat, message_id=sent.message_id)
    assert "reply_markup" not in tg.chat_messages(chat)[0]
    assert await api.delete_message(chat, sent.message_id) is True
    assert tg.chat_messages(chat) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await api.delete_message(chat, sent.message_id)


async def test_text_checks(api: Bot, chat: int) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await api.send_message(chat, "")  # aiogram drops empty strings from the form
    unescaped = re.escape('can\'t parse entities: Unsupported start tag "" at byte offset 6')
    with pytest.raises(TelegramBadRequest, match=unescaped):
        await api.send_message(chat, "kills < deaths")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await api.send_message(chat, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await api.send_message(chat, "hi", reply_markup=keyboard("d" * 65))
    plain = await api.send_message(chat, "a < b", parse_mode=None)
    assert plain.text == "a < b"


def test_parse_html_offsets_are_utf16() -> None:
    text, entities = parse_html("🔥 <b>s1mple</b> &amp; <a href='https://faceit.com'>link</a>")
    assert text == "🔥 s1mple & link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "text_link", "offset": 12, "length": 4, "url": "https://faceit.com"},
    ]


async def test_unknown_method_and_bad_token(tg: FakeTelegram, api: Bot) -> None:
    assert await raw_post(tg, "sendMesage", {"chat_id": "1", "text": "x"}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await raw_post(tg, "getMe", token="777:wrong")
    assert (status, body["description"]) == (401, "Unauthorized")
    status, body = await raw_post(tg, "GETME")  # method names are case-insensitive
    assert status == 200 and body["result"]["id"] == 777
    assert tg.calls[-1].method == "getMe"


async def test_unknown_and_missing_params_are_rejected(tg: FakeTelegram, api: Bot, chat: int) -> None:
    status, body = await raw_post(tg, "sendMessage", {"chat_id": str(chat), "text": "x", "foo": "1"})
    assert (status, body["error_code"]) == (400, 400)
    assert body["description"] == "Bad Request: unknown parameter 'foo'"
    assert tg.calls[-1].method == "sendMessage" and tg.calls[-1].status == 400

    status, body = await raw_post(tg, "sendMessage", {"text": "x"})
    assert status == 400 and "chat_id" in body["description"]


async def test_json_urlencoded_and_query_bodies(tg: FakeTelegram, api: Bot, chat: int) -> None:
    url = f"{tg.base_url}/bot{TOKEN}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"chat_id": chat, "text": "json", "reply_markup": markup}) as r:
            assert r.status == 200 and (await r.json())["result"]["reply_markup"] == markup
        async with http.post(url, data={"chat_id": str(chat), "text": "form"}) as r:
            assert r.status == 200
        async with http.get(url, params={"chat_id": str(chat), "text": "query"}) as r:
            assert r.status == 200
    assert [m["text"] for m in tg.chat_messages(chat)] == ["json", "form", "query"]


async def test_subscription_period_only_on_create_invoice_link(tg: FakeTelegram, api: Bot, chat: int) -> None:
    prices = [LabeledPrice(label="Pro, 30 days", amount=250)]
    with pytest.raises(TelegramBadRequest, match="unknown parameter 'subscription_period'"):
        await api(
            SendInvoice(
                chat_id=chat,
                title="Pro",
                description="Pro for 30 days",
                payload="pro",
                currency="XTR",
                prices=prices,
                subscription_period=2592000,
            )
        )
    link = await api.create_invoice_link(
        title="Pro",
        description="Pro for 30 days",
        payload="pro",
        currency="XTR",
        prices=prices,
        subscription_period=2592000,
    )
    assert link.startswith("https://t.me/$")
    assert tg.invoice_links[link]["subscription_period"] == 2592000
    with pytest.raises(TelegramBadRequest, match="SUBSCRIPTION_PERIOD_INVALID"):
        await api.create_invoice_link(
            title="Pro",
            description="d",
            payload="pro",
            currency="XTR",
            prices=prices,
            subscription_period=86400,
        )


async def test_invoice_and_payment_flow(tg: FakeTelegram, api: Bot, chat: int) -> None:
    invoice = await api.send_invoice(
        chat,
        title="Pro",
        description="30 days",
        payload="pro:30",
        currency="XTR",
        prices=[LabeledPrice(label="Pro", amount=250)],
    )
    assert invoice.invoice is not None and invoice.invoice.total_amount == 250
    with pytest.raises(TelegramBadRequest, match="exactly one price"):
        await api.send_invoice(
            chat,
            title="Pro",
            description="d",
            payload="p",
            currency="XTR",
            prices=[LabeledPrice(label="a", amount=1), LabeledPrice(label="b", amount=2)],
        )

    query_id = tg.pre_checkout(chat, "pro:30", 250)
    [update] = await api.get_updates(timeout=0)
    assert update.pre_checkout_query is not None and update.pre_checkout_query.id == query_id
    assert await api.answer_pre_checkout_query(query_id, ok=True) is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await api.answer_pre_checkout_query(query_id, ok=True)

    update_id = tg.successful_payment(
        chat,
        "pro:30",
        250,
        "charge-1",
        is_recurring=True,
        is_first_recurring=True,
        subscription_expiration_date=1_900_000_000,
    )
    [update] = await api.get_updates(offset=update.update_id + 1, timeout=0)
    assert update.update_id == update_id
    payment = update.message.successful_payment  # type: ignore[union-attr]
    assert payment is not None and payment.is_first_recurring
    assert payment.telegram_payment_charge_id == "charge-1"

    assert await api.edit_user_star_subscription(chat, "charge-1", is_canceled=True) is True
    assert await api.refund_star_payment(chat, "charge-1") is True
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await api.refund_star_payment(chat, "charge-1")
    ledger = [t for t in (await api.get_star_transactions()).transactions if t.id == "charge-1"]
    assert [(t.amount, t.source is not None, t.receiver is not None) for t in ledger] == [
        (250, True, False),
        (250, False, True),
    ]


async def test_long_poll_returns_an_update_pushed_meanwhile(tg: FakeTelegram, api: Bot, chat: int) -> None:
    poll = asyncio.create_task(api.get_updates(timeout=5))
    await tg.wait_polling()
    update_id = tg.send_text(chat, "/start deep", language_code="ru", first_name="Ann")
    [update] = await asyncio.wait_for(poll, 2)
    assert update.update_id == update_id
    message = update.message
    assert message is not None and message.text == "/start deep"
    assert message.from_user is not None and message.from_user.language_code == "ru"
    assert [(e.type, e.length) for e in message.entities or []] == [("bot_command", 6)]


async def test_short_poll_returns_nothing_at_once(api: Bot) -> None:
    assert await api.get_updates(timeout=0) == []


async def test_offset_confirms_updates(tg: FakeTelegram, api: Bot, chat: int) -> None:
    first, second = tg.send_text(chat, "one"), tg.send_text(chat, "two")
    assert [u.update_id for u in await api.get_updates(timeout=0)] == [first, second]
    assert [u.update_id for u in await api.get_updates(timeout=0)] == [first, second]  # not confirmed yet
    assert [u.update_id for u in await api.get_updates(offset=first + 1, timeout=0)] == [second]
    assert await api.get_updates(offset=second + 1, timeout=0) == []
    assert await api.get_updates(timeout=0) == []  # confirmed updates are gone for good
    assert [u.update_id for u in await api.get_updates(limit=1, timeout=0)] == []

    third, fourth = tg.send_text(chat, "three"), tg.send_text(chat, "four")
    assert [u.update_id for u in await api.get_updates(limit=1, timeout=0)] == [third]
    assert [u.update_id for u in await api.get_updates(offset=-1, timeout=0)] == [fourth]


async def test_second_concurrent_get_updates_gets_the_first_one_409(tg: FakeTelegram, api: Bot) -> None:
    first = asyncio.create_task(api.get_updates(timeout=5))
    await tg.wait_polling()
    other = make_bot(tg)
    try:
        assert await other.get_updates(timeout=0) == []
    finally:
        await other.session.close()
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)


async def test_webhook_state(tg: FakeTelegram, api: Bot, chat: int) -> None:
    tg.send_text(chat, "pending")
    assert await api.set_webhook("https://bot.example.com/hook", secret_token="s3cret") is True
    info = await api.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("https://bot.example.com/hook", 1)
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await api.get_updates(timeout=0)
    assert await api.delete_webhook(drop_pending_updates=True) is True
    assert (await api.get_webhook_info()).url == ""
    assert await api.get_updates(timeout=0) == []


async def test_allowed_updates_filter_what_is_delivered(tg: FakeTelegram, api: Bot, chat: int) -> None:
    tg.inline_query(chat, "s1mple")
    kept = tg.send_text(chat, "hi")
    assert [u.update_id for u in await api.get_updates(timeout=0, allowed_updates=["message"])] == [kept]
    tg.inline_query(chat, "again")
    [update] = await api.get_updates(offset=kept + 1, timeout=0, allowed_updates=[])
    assert update.inline_query is not None


async def test_fail_chat_raises_forbidden(tg: FakeTelegram, api: Bot, chat: int) -> None:
    tg.fail_chat(chat, times=1)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await api.send_message(chat, "hello?")
    assert tg.calls[-1].status == 403 and tg.calls[-1].params["text"] == "hello?"
    await api.send_message(chat, "once only")
    tg.fail_chat(chat)
    await api.send_message(chat + 1, "other chats are fine")
    with pytest.raises(TelegramForbiddenError):
        await api.send_chat_action(chat, "typing")
    tg.clear_faults()
    assert await api.send_chat_action(chat, "typing") is True


async def test_flood_raises_retry_after(tg: FakeTelegram, api: Bot, chat: int) -> None:
    tg.flood(chat, retry_after=7, times=1)
    with pytest.raises(TelegramRetryAfter) as caught:
        await api.send_message(chat, "spam")
    assert caught.value.retry_after == 7
    assert tg.calls[-1].status == 429
    assert tg.calls[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    await api.send_message(chat, "after the wait")

    tg.flood(None, retry_after=3, times=1)  # any chat, but never the polling itself
    assert await api.get_updates(timeout=0) == []
    with pytest.raises(TelegramRetryAfter):
        await api.send_message(chat + 1, "x")


async def test_wait_for_times_out_with_what_it_saw(tg: FakeTelegram, api: Bot, chat: int) -> None:
    await api.send_message(chat, "only one reply")
    with pytest.raises(WaitTimeout) as caught:
        await tg.wait_for("sendMessage", chat_id=chat, count=2, timeout=0.2)
    assert isinstance(caught.value, AssertionError) and isinstance(caught.value, TimeoutError)
    text = str(caught.value)
    assert "found 1" in text and "only one reply" in text and f"chat {chat}" in text
    with pytest.raises(ValueError, match="not a Bot API method"):
        await tg.wait_for("sendMesage", timeout=0.1)


async def test_wait_for_counts_only_after_mark(tg: FakeTelegram, api: Bot, chat: int) -> None:
    await api.send_message(chat, "before")
    tg.mark()

    def not_skipped(call: Call) -> bool:
        return call.params.get("text") != "skip"

    waiting = asyncio.create_task(
        tg.wait_for(("sendMessage", "sendPhoto"), chat_id=chat, count=2, predicate=not_skipped)
    )
    await api.send_message(chat, "skip")
    await api.send_message(chat, "after")
    await api.send_photo(chat, "https://example.com/p.jpg")
    calls = await asyncio.wait_for(waiting, 2)
    assert [c.method for c in calls] == ["sendMessage", "sendPhoto"]
    assert [c.method for c in tg.calls_for(chat, "sendMessage")] == ["sendMessage"] * 3


async def test_press_button_makes_a_callback_query(tg: FakeTelegram, api: Bot, chat: int) -> None:
    sent = await api.send_message(chat, "pick", reply_markup=keyboard("stats", "matches"))
    update_id = tg.press_button(chat, sent.message_id, "matches")
    [update] = await api.get_updates(timeout=0)
    query = update.callback_query
    assert update.update_id == update_id and query is not None
    assert query.data == "matches" and query.from_user.id == chat
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await api.answer_callback_query(query.id, text="ok") is True
    assert tg.calls[-1].chat_id == chat  # answers are filed under the chat of the pressed message
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await api.answer_callback_query(query.id)
    with pytest.raises(ValueError, match="no button"):
        tg.press_button(chat, sent.message_id, "gone")
    with pytest.raises(LookupError):
        tg.press_button(chat, sent.message_id + 100, "stats")


async def test_send_photo_upload_is_recorded(tg: FakeTelegram, api: Bot, chat: int) -> None:
    image = png(640, 360)
    message = await api.send_photo(chat, BufferedInputFile(image, "card.png"), caption="<b>s1mple</b>")
    assert message.photo is not None and (message.photo[-1].width, message.photo[-1].height) == (640, 360)
    assert message.caption == "s1mple"
    [call] = await tg.wait_for("sendPhoto", chat_id=chat)
    upload = call.params["photo"]
    assert isinstance(upload, UploadedFile)
    assert upload.size == len(image) and upload.head.startswith(b"\x89PNG") and upload.filename == "card.png"
    assert set(call.params) == {"chat_id", "photo", "caption", "parse_mode"}  # the attach:// part is bound

    again = await api.send_photo(chat, message.photo[-1].file_id)
    assert again.photo is not None and again.photo[-1].file_size == len(image)
    file = await api.get_file(message.photo[-1].file_id)
    assert file.file_path is not None
    downloaded = await api.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == image


async def test_other_methods_return_valid_results(tg: FakeTelegram, api: Bot, chat: int) -> None:
    commands = [BotCommand(command="start", description="Go"), BotCommand(command="stats", description="K/D")]
    assert await api.set_my_commands(commands, language_code="ru") is True
    stored = await api.get_my_commands(language_code="ru")
    assert [c.model_dump() for c in stored] == [c.model_dump() for c in commands]
    assert tg.my_commands("ru")[1]["command"] == "stats"
    assert await api.delete_my_commands(language_code="ru") is True
    assert tg.my_commands("ru") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await api.set_my_commands([BotCommand(command="Bad Command", description="x")])

    assert await api.set_chat_menu_button(chat_id=chat, menu_button=MenuButtonCommands()) is True
    full = await api.get_chat(chat)
    assert (full.id, full.type) == (chat, "private")
    assert (await api.get_chat_member(chat, chat)).user.id == chat
    assert (await api.copy_message(chat, chat, 1)).message_id > 0
    assert (await api.forward_message(chat, chat, 1)).chat.id == chat
    assert (await api.create_chat_invite_link(-chat)).invite_link.startswith("https://t.me/+")
    assert (await api.get_my_star_balance()).amount >= 0


async def test_answer_inline_query(tg: FakeTelegram, api: Bot, chat: int) -> None:
    query_id = tg.inline_query(chat, "s1mple")
    [update] = await api.get_updates(timeout=0)
    assert update.inline_query is not None and update.inline_query.query == "s1mple"
    assert await api.answer_inline_query(query_id, results=[], cache_time=0) is True
    assert tg.calls[-1].params["results"] == []


async def test_builders_make_valid_updates(tg: FakeTelegram, api: Bot, chat: int) -> None:
    tg.send_text(-chat, "hello group", user_id=chat, username="ann")
    tg.send_text(chat, "in a channel-ish chat", chat_type="supergroup")
    for update in tg.pushed[-2:]:
        Update.model_validate(update, context={"bot": api})
    assert tg.pushed[-2]["message"]["chat"]["type"] == "group"
    assert tg.pushed[-1]["message"]["chat"]["type"] == "supergroup"


async def test_http_test_endpoints(tg: FakeTelegram, api: Bot, chat: int) -> None:
    since = len(tg.calls)
    async with aiohttp.ClientSession() as http:
        sender = {"id": chat, "is_bot": False, "first_name": "Remote"}
        chat_obj = {"id": chat, "type": "private"}
        update = {"message": {"message_id": 1, "date": 0, "chat": chat_obj, "from": sender, "text": "hi"}}
        async with http.post(f"{tg.base_url}/_sim/updates", json=update) as r:
            update_id = (await r.json())["result"]
        async with http.post(f"{tg.base_url}/_sim/faults", json={"chat_id": chat, "status": 403}) as r:
            assert r.status == 200
        with pytest.raises(TelegramForbiddenError):
            await api.send_message(chat, "blocked")
        async with http.delete(f"{tg.base_url}/_sim/faults") as r:
            assert r.status == 200
        await api.send_photo(chat, BufferedInputFile(png(2, 2), "p.png"))
        async with http.get(f"{tg.base_url}/_sim/calls", params={"since": str(since)}) as r:
            calls = await r.json()
    assert [u.update_id for u in await api.get_updates(timeout=0)] == [update_id]
    assert [(c["method"], c["status"]) for c in calls] == [("sendMessage", 403), ("sendPhoto", 200)]
    assert calls[0]["index"] == since and calls[1]["params"]["photo"]["head"].startswith("89504e47")
    json.dumps(calls)


async def test_another_process_can_wait_for_replies_without_polling(
    tg: FakeTelegram, api: Bot, chat: int
) -> None:
    since = len(tg.calls)
    url = f"{tg.base_url}/_sim/calls"
    async with aiohttp.ClientSession() as http:

        async def calls(**query: str) -> list[dict]:
            async with http.get(url, params={"since": str(since), **query}) as r:
                return await r.json()

        waiting = asyncio.create_task(calls(method="sendMessage", count="2", brief="1"))
        await api.send_message(chat, "one")
        await api.send_message(chat, "two")
        replies = await waiting
        assert [(c["method"], c["status"], c["chat_id"]) for c in replies] == [("sendMessage", 200, chat)] * 2
        assert "params" not in replies[0] and replies[1]["index"] == since + 1
        # Not enough within the timeout: what there is comes back.
        assert len(await calls(method="sendMessage", count="5", timeout="0.2")) == 2


def test_bundled_compact_spec_matches_the_shared_spec() -> None:
    assert SHARED_SPEC.is_file(), "the shared Bot API spec must sit beside the repo"
    bundled = json.loads(BUNDLED_SPEC.read_text(encoding="utf-8"))
    assert bundled == compact_spec(json.loads(SHARED_SPEC.read_text(encoding="utf-8")))
    assert bundled["methods"]["createInvoiceLink"]["params"]["subscription_period"] is False
    assert "subscription_period" not in bundled["methods"]["sendInvoice"]["params"]
    full = BotApiSpec.load(json.loads(SHARED_SPEC.read_text(encoding="utf-8")))
    assert full.methods == BotApiSpec.load(bundled).methods == BotApiSpec.load(None).methods


async def test_default_spec_is_the_bundled_one() -> None:
    async with FakeTelegram() as fake:
        assert "getUpdates" in fake.spec.methods
        session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
        bot = Bot(fake.token, session=session)
        try:
            assert (await bot.get_me()).username == "faceit_demo_bot"
        finally:
            await bot.session.close()


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def limited() -> AsyncIterator[tuple[FakeTelegram, Bot, _Clock]]:
    clock = _Clock()
    async with FakeTelegram(token=TOKEN, spec=SHARED_SPEC, clock=clock) as fake:
        bot = make_bot(fake)
        yield fake, bot, clock
        await bot.session.close()


async def test_flood_control_is_on_by_default() -> None:
    async with FakeTelegram() as fake:
        assert fake.send_limits == SendLimits()
        assert (fake.send_limits.overall_per_s, fake.send_limits.group_per_min) == (30, 20)


async def test_flood_control_allows_a_short_burst_in_a_chat_then_one_a_second(limited) -> None:
    tg, api, clock = limited
    for i in range(3):
        await api.send_message(5001, f"burst {i}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await api.send_message(5001, "one too many")
    assert caught.value.retry_after == 1
    assert tg.calls[-1].response["parameters"] == {"retry_after": 1}
    assert tg.flood_refused == 1
    await api.send_message(5002, "another chat is not held up")
    await api.send_chat_action(5001, "typing")  # not a message: not counted
    clock.now += 1.0
    sent = await api.send_message(5001, "a second later")
    assert sent.text == "a second later"
    with pytest.raises(TelegramRetryAfter):  # edits count too
        await api.edit_message_text("edited", chat_id=5001, message_id=sent.message_id)
    assert [m["text"] for m in tg.chat_messages(5001)] == [
        *(f"burst {i}" for i in range(3)),
        "a second later",
    ]


async def test_flood_control_allows_30_a_second_overall(limited) -> None:
    _, api, clock = limited
    for i in range(30):
        await api.send_message(6000 + i, "hi")
    with pytest.raises(TelegramRetryAfter) as caught:
        await api.send_message(6100, "the 31st")
    assert caught.value.retry_after == 1
    clock.now += 0.999
    with pytest.raises(TelegramRetryAfter):
        await api.send_message(6100, "still within the second")
    clock.now += 0.002
    assert (await api.send_message(6100, "the next second")).text == "the next second"


async def test_flood_control_allows_20_a_minute_in_a_group(limited) -> None:
    _, api, clock = limited
    group = -100_777
    for i in range(20):
        await api.send_message(group, f"{i}")
        clock.now += 1.5  # under one a second: only the group's minute counts
    with pytest.raises(TelegramRetryAfter) as caught:
        await api.send_message(group, "the 21st this minute")
    assert caught.value.retry_after == 30  # the first of the twenty leaves the minute then
    clock.now += 30
    assert (await api.send_message(group, "a minute after the first")).text == "a minute after the first"


async def test_flood_control_can_be_lifted(limited) -> None:
    tg, api, _ = limited
    tg.send_limits = None
    for i in range(40):
        await api.send_message(7001, f"{i}")
    assert tg.flood_refused == 0 and len(tg.chat_messages(7001)) == 40

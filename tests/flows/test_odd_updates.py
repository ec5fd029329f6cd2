"""Updates of the kinds real chats send beside plain text: each private message gets exactly one
answer (stickers, photos, voice, a caption that is a command, a forwarded message), and the
kinds the bot does not answer (an edited message, a channel post) change nothing and log no
ERROR."""

from __future__ import annotations

import time

import pytest

from tests.conftest import SETTLE_S, BotHarness

ANSWERS = ("sendMessage", "sendPhoto")


def _message(bot: BotHarness, uid: int, **content) -> dict:
    return {
        "message_id": bot.tg._last_message_id.get(uid, 0) + 100,
        "date": int(time.time()),
        "chat": {"id": uid, "type": "private", "first_name": "Ann"},
        "from": bot.tg.user(uid, first_name="Ann", language_code="en"),
        **content,
    }


CONTENT = {
    "sticker": {
        "sticker": {
            "file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False,
        }
    },
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 2}},
    "location": {"location": {"latitude": 55.75, "longitude": 37.61}},
    "contact": {"contact": {"phone_number": "+70000000000", "first_name": "Bob"}},
    "forwarded": {"text": "hello", "forward_origin": {"type": "hidden_user", "date": 1, "sender_user_name": "X"}},
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CONTENT))
async def test_a_message_without_text_gets_one_answer(bot: BotHarness, kind: str) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    bot.tg.mark()
    bot.tg.push_update({"message": _message(bot, uid, **CONTENT[kind])})
    [answer] = await bot.tg.wait_for(ANSWERS, chat_id=uid, settle=SETTLE_S)
    assert answer.params["text"] == "Use the buttons below or a command from /help."


async def test_an_edited_message_and_a_channel_post_get_no_answer(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    edited = {**_message(bot, uid, text="/stats Darwin"), "edit_date": int(time.time())}
    bot.tg.push_update({"edited_message": edited})
    channel = {"id": -100777, "type": "channel", "title": "news"}
    post = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": channel,
        "sender_chat": channel,
        "text": "/help",
    }
    bot.tg.push_update({"channel_post": post})
    # The next message is answered, and it alone: the two before it got nothing.
    [reply] = await bot.say(uid, "/terms")
    assert reply.params["text"].startswith("<b>Terms</b>")
    assert not bot.tg.calls_for(-100777)

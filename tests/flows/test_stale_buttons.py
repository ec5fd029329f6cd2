"""Every button press gets an answer: stale, unknown and forged callback data included.

Telegram keeps a pressed button spinning until the bot answers the query. These payloads are
what an old message, a client bug or someone crafting data by hand sends; each must get the
translated "out of date" alert and change nothing else: no message, no edit, no FACEIT call.
"""

from __future__ import annotations

import pytest

from tests.conftest import SETTLE_S, BotHarness

DARWIN_ID = "4f0a5d14-4b47-4a3b-9a39-3a3d1b0b3f8b"  # well-formed; not looked up by these presses
ROOM = "1-fa281648-9bbd-42ea-b022-7a15e4217251"

FORGED = [
    "",  # no data at all
    "nonsense",
    "zz9:1",  # a prefix we never used
    "pl0:stats:Darwin",  # a prefix of an old version
    "pl1:hack:Darwin",  # an action that does not exist
    "pl1:stats:../x",  # not a nickname
    "pl1:stats:" + "a" * 50,
    "mh1:../x:10:0",  # a path where a player id goes
    f"mh1:{DARWIN_ID}:999:0",  # more matches than a list holds
    f"mh1:{DARWIN_ID}:10:-1",
    f"mh1:{DARWIN_ID}:ten:0",
    "sb1:1-x?y#z",
    "sb1:../../players",
    "fm1:20:../../x",
    f"fm1:forever:{DARWIN_ID}",
    f"trk1:untrack:{ROOM}",  # a match id where untrack takes a player id
    "trk1:analyse:../x",
    "trk1:delete:x",
    "buy1:gold:once",
    "buy1:pro:weekly",
    "lang1:xx",
    "st1:teleport:x",
]
ADMIN_PAYLOADS = ["adm1:refresh:-1", "adm1:purge:1", "adm1:cancel:-1"]


async def _press(bot: BotHarness, uid: int, data: str, lang: str = "en"):
    [menu] = await bot.say(uid, "/start", lang=lang)
    calls_before = bot.faceit.calls if hasattr(bot.faceit, "calls") else None
    bot.tg.mark()
    bot.tg.press_button(
        uid, menu.result["message_id"], data, user_id=uid, language_code=lang, check_button=False
    )
    [answer] = await bot.tg.wait_for("answerCallbackQuery", settle=SETTLE_S)
    sent = [c for c in bot.tg.calls_for(uid) if c.method in ("sendMessage", "editMessageText")]
    return answer, sent, menu, calls_before


@pytest.mark.parametrize("data", FORGED + ADMIN_PAYLOADS)
async def test_a_forged_or_stale_press_is_answered_as_out_of_date(bot: BotHarness, data: str) -> None:
    uid = bot.new_user()
    answer, sent, menu, _ = await _press(bot, uid, data)
    assert answer.params.get("text") == (
        "This button is out of date. Send the command again to get fresh buttons."
    )
    assert answer.params.get("show_alert") is True
    assert [c.result["message_id"] for c in sent] == [menu.result["message_id"]]  # only the /start reply


async def test_the_out_of_date_answer_speaks_russian(bot: BotHarness) -> None:
    uid = bot.new_user()
    answer, _, _, _ = await _press(bot, uid, "zz9:1", lang="ru")
    assert (
        answer.params.get("text")
        == "Эта кнопка устарела. Отправь команду ещё раз, чтобы получить новые кнопки."
    )


async def test_a_forged_language_changes_nothing(bot: BotHarness) -> None:
    uid = bot.new_user()
    await _press(bot, uid, "lang1:xx")
    language = await bot.rt.pool.fetchval("SELECT language FROM users WHERE telegram_id = $1", uid)
    assert language == "en"

"""Every command with generated arguments, and every kind of button with generated data, through
the whole bot and the fake Bot API: each message gets exactly one answer in its sender's
language and each press exactly one answerCallbackQuery; never the generic apology, and never
an ERROR in the log (the suite-wide check in conftest fails the test on one).

Hypothesis generates the inputs (derandomized, so a failure repeats); the bot then answers a
whole batch of them at once, each from a user of its own, which keeps the run short.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from faceitbot.callbacks import (
    AdminCb,
    BuyCb,
    FormCb,
    LanguageCb,
    MatchesCb,
    PlayerCb,
    ScoreboardCb,
    SettingsCb,
    TrackCb,
)
from tests.conftest import SETTLE_S, BotHarness

COMMANDS = (
    "start", "help", "link", "unlink", "profile", "stats", "last", "matches", "maps", "form", "card",
    "elo", "match", "matchcard", "accuracy", "track", "tracked", "untrack", "notify", "settings",
    "language", "subscribe", "referral", "terms", "paysupport", "admin", "nosuchcommand",
)  # fmt: skip
ANSWERS = ("sendMessage", "sendPhoto", "sendDocument", "sendInvoice")
GENERIC = {
    "Something went wrong on our side. Please try again in a minute.",
    "У нас что-то сломалось. Попробуй ещё раз через минуту.",
}
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
UUID = "4f0a5d14-4b47-4a3b-9a39-3a3d1b0b3f8b"

# The shapes that broke parsers before, and text of every kind around them.
PIECES = st.sampled_from(
    [
        "https://[x", "http://[::1", "www.faceit.com/en/players/", "faceit.com:99999/x", "/room/1-",
        f"1-{UUID}", UUID, "²", "١٠", "５", "-3", "0", "51", "9" * 30, "<b>&", "</i>", "\u200b",
        "\u202e", "\u200f", "../", "%2F", "Europe", "Europe/Berlin", "x" * 300, "Darwin", " ", "\n",
    ]
)  # fmt: skip
ARGS = st.one_of(
    st.text(max_size=60), st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=5).map("".join)
)
FIELDS = st.one_of(PIECES, st.text(max_size=20), st.integers(-5, 99).map(str))
PREFIXES = [
    cb.__prefix__
    for cb in (LanguageCb, PlayerCb, BuyCb, AdminCb, TrackCb, MatchesCb, ScoreboardCb, FormCb, SettingsCb)
]
CALLBACKS = st.builds(
    lambda prefix, fields: ":".join([prefix, *fields])[:64],
    st.sampled_from(PREFIXES),
    st.lists(FIELDS, min_size=0, max_size=4),
)


def examples(strategy: st.SearchStrategy, n: int) -> list:
    found: list = []

    @settings(max_examples=n, derandomize=True, database=None)
    @given(strategy)
    def collect(value) -> None:
        found.append(value)

    collect()
    return found


def _text(call) -> str:
    return call.params.get("text") or call.params.get("caption") or call.params.get("title") or ""


async def test_every_command_with_odd_arguments_gets_one_answer_in_the_users_language(
    bot: BotHarness,
) -> None:
    for batch, arg in enumerate(examples(ARGS, 6)):
        sent: dict[int, tuple[str, str]] = {}
        bot.tg.mark()
        for i, command in enumerate(COMMANDS):
            uid, lang = bot.new_user(), ("ru" if (i + batch) % 2 else "en")
            text = f"/{command} {arg}".strip()[:4096]
            bot.tg.send_text(uid, text, user_id=uid, language_code=lang, first_name="Ann")
            sent[uid] = (text, lang)
        for uid in sent:
            await bot.tg.wait_for(ANSWERS, chat_id=uid, timeout=30)
        answers = await bot.tg.wait_for(
            ANSWERS,
            predicate=lambda c, sent=sent: c.chat_id in sent,
            count=len(sent),
            settle=SETTLE_S,
            timeout=30,
        )
        for call in answers:
            typed, lang = sent[call.chat_id]
            shown = _text(call)
            assert shown not in GENERIC, typed
            own = shown.replace(arg, "") if arg else shown  # an echo of what was typed is not ours
            if lang == "ru":
                assert CYRILLIC.search(own), (typed, shown)
            else:
                assert not CYRILLIC.search(own), (typed, shown)


async def test_every_kind_of_button_with_generated_data_gets_one_answer(bot: BotHarness) -> None:
    presses = examples(CALLBACKS, 80)
    owners: dict[int, str] = {}
    menus: dict[int, int] = {}
    for data in presses:
        uid = bot.new_user()
        [menu] = await bot.say(uid, "/start")
        owners[uid], menus[uid] = data, menu.result["message_id"]
    bot.tg.mark()
    for uid, data in owners.items():
        bot.tg.press_button(uid, menus[uid], data, user_id=uid, check_button=False)
    answers = await bot.tg.wait_for("answerCallbackQuery", count=len(owners), settle=SETTLE_S, timeout=60)
    assert len(answers) == len(owners)
    for uid in owners:
        for call in bot.tg.calls_for(uid):
            if call.method in ANSWERS:
                assert _text(call) not in GENERIC, owners[uid]

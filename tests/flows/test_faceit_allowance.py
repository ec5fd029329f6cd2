"""Each user's own share of FACEIT calls: a flood of lookups spends that user's allowance, not
the key, and they are told to slow down; cached answers and other users are unaffected."""

import random
import re
import string

from tests.conftest import BotHarness


def random_nicknames(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["zq" + "".join(rng.choices(string.ascii_lowercase + string.digits, k=8)) for _ in range(n)]


async def test_sixty_random_nicknames_cost_at_most_thirty_faceit_calls(bot: BotHarness) -> None:
    uid = bot.new_user()
    names = random_nicknames(60, seed=1)
    replies = [(await bot.say(uid, f"/stats {name}"))[0].params["text"] for name in names]
    assert bot.faceit.stats()["total"] <= 30
    assert replies[0].startswith(f"Player <b>{names[0]}</b> was not found on FACEIT.")
    slowed = [r for r in replies if r.startswith("Too many FACEIT lookups in a short time.")]
    assert len(slowed) >= 40 and replies[-1] in slowed
    # The wait left in the window, rounded up, in words: "Try again in 10 min; …".
    assert re.search(r"\. Try again in \d+ (?:min|sec); answers you already saw stay free\.$", replies[-1])

    # What this user already saw is cached, and stays free.
    calls = bot.faceit.stats()["total"]
    [again] = await bot.say(uid, f"/stats {names[0]}")
    assert again.params["text"].startswith(f"Player <b>{names[0]}</b> was not found on FACEIT.")
    # Another user is not slowed down by the first one's flood.
    [card] = await bot.say(bot.new_user(), "/stats Darwin")
    assert "<b>Darwin</b>" in card.params["text"]
    assert bot.faceit.stats()["total"] - calls == 3


async def test_slow_down_is_translated(bot: BotHarness) -> None:
    uid = bot.new_user()
    replies = [
        (await bot.say(uid, f"/stats {name}", lang="ru"))[0].params["text"]
        for name in random_nicknames(16, 2)
    ]
    assert replies[-1].startswith("Слишком много запросов к FACEIT")
    assert bot.faceit.stats()["total"] == 30


async def test_inline_spends_calls_only_on_text_that_can_be_a_nickname(bot: BotHarness) -> None:
    uid = bot.new_user()
    for text in ("a", "no such player!", "ж"):
        bot.tg.mark()
        bot.tg.inline_query(uid, text)
        [answer] = await bot.tg.wait_for("answerInlineQuery")
        assert answer.params["results"] == []
    assert bot.faceit.stats()["total"] == 0
    bot.tg.mark()
    bot.tg.inline_query(uid, "zz_nobody_zz")
    [answer] = await bot.tg.wait_for("answerInlineQuery")
    assert answer.params["button"]["text"].startswith("Player zz_nobody_zz was not found on FACEIT.")
    assert bot.faceit.stats()["total"] == 1  # the lookup; no "did you mean" nobody would see


async def test_unknown_match_ids_spend_the_allowance_then_the_quota(bot: BotHarness) -> None:
    uid = bot.new_user()
    for name in random_nicknames(15, seed=3):  # 2 calls each: the allowance is spent
        await bot.say(uid, f"/stats {name}")
    bot.faceit.reset_stats()
    missing = [f"1-00000000-0000-0000-0000-{n:012d}" for n in range(6)]
    for match_id in missing[:5]:
        await bot.say(uid, f"/match {match_id}")
        await bot.tg.wait_for(
            "editMessageText", chat_id=uid, predicate=lambda c, m=match_id: m in c.params["text"], timeout=20
        )
    # No refund any more: the FREE tier's 5 analyses a day are what those 404s cost.
    assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", uid) == 5
    [refused] = await bot.say(uid, f"/match {missing[5]}")
    assert refused.params["text"].startswith("You've used all 5")
    assert bot.faceit.stats()["total"] == 5


async def test_a_form_view_job_spends_the_same_allowance(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link Darwin")
    [menu] = await bot.say(uid, "📈 Form analysis")
    for name in random_nicknames(15, seed=4):  # the rest of the allowance
        await bot.say(uid, f"/stats {name}")
    bot.faceit.reset_stats()
    rows = (menu.params.get("reply_markup") or {}).get("inline_keyboard") or []
    twenty = next(b["callback_data"] for row in rows for b in row if b["text"] == "20 matches")
    await bot.press(uid, menu.response["result"]["message_id"], twenty)
    [refused] = await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: c.params["text"].startswith("Too many FACEIT")
    )
    assert re.search(r"\. Try again in \d+ (?:min|sec);", refused.params["text"])
    assert bot.faceit.stats()["total"] == 0

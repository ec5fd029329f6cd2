"""FACEIT calls per insight view, cold (empty cache) and warm (the same view again): the numbers
README lists. Each view reads through the client's cache, so a warm view costs nothing."""

from tests.conftest import BotHarness


def buttons(call) -> dict[str, str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return {b["text"]: b.get("callback_data", "") for row in rows for b in row}


async def measured(bot: BotHarness, uid: int, text: str, method: str = "sendMessage") -> tuple[int, int]:
    """(cold, warm) FACEIT calls of one typed view."""
    counts = []
    for _ in range(2):
        bot.faceit.reset_stats()
        bot.tg.mark()
        bot.tg.send_text(uid, text, user_id=uid)
        await bot.tg.wait_for(method, chat_id=uid)
        counts.append(bot.faceit.stats()["total"])
    return counts[0], counts[1]


async def test_calls_per_view_cold_and_warm(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link Darwin")  # the linked player's views start from a read of /players/{id}
    await bot.rt.faceit.cache.clear()
    assert await measured(bot, uid, "/last") == (3, 0)  # player, newest 20 rows, match scoreboard
    await bot.rt.faceit.cache.clear()
    assert await measured(bot, uid, "/matches 15") == (2, 0)  # player, 15 rows
    await bot.rt.faceit.cache.clear()
    assert await measured(bot, uid, "/maps") == (2, 0)  # player, lifetime stats
    await bot.rt.faceit.cache.clear()
    assert await measured(bot, uid, "/card", "sendPhoto") == (3, 0)  # player, lifetime, 20 rows
    await bot.rt.faceit.cache.clear()
    assert await measured(bot, uid, "/elo") == (1, 0)  # player (one snapshot so far: a text reply)
    await bot.rt.faceit.cache.clear()
    assert await measured(bot, uid, "/maps Darwin") == (2, 0)  # by nickname: lookup + lifetime stats

    # The form menu's views run as jobs; the menu itself read the player.
    await bot.rt.faceit.cache.clear()
    [menu] = await bot.say(uid, "/form")
    for label, cold in (("20 matches", 1), ("60", 1), ("100", 1), ("🎮 Sessions", 0), ("📅 Today", 0)):
        for expected in (cold, 0):
            bot.faceit.reset_stats()
            bot.tg.mark()
            bot.tg.press_button(uid, menu.response["result"]["message_id"], buttons(menu)[label], user_id=uid)
            await bot.tg.wait_for(
                "editMessageText",
                chat_id=uid,
                predicate=lambda c: c.params["text"][:1] in "📈🎮📅" and "⏳" not in c.params["text"],
            )
            assert bot.faceit.stats()["total"] == expected, label
            # The job is marked done just after its edit; a press before that joins the finished job.
            job = await bot.rt.pool.fetchval("SELECT max(id) FROM jobs WHERE kind = 'insight'")
            assert await bot.rt.queue.wait_outcome(job) == "done"

"""The briefing through the bot: the text follows the requesting user's linked player, and the
briefing costs no FACEIT call beyond the analysis' 1 + 3 per player."""

import json

from faceitbot_sim.fixtures import World
from tests.conftest import BotHarness


def _doc(bot: BotHarness, match_id: str) -> dict:
    return json.loads((bot.faceit.data_dir / "matches" / f"{match_id}.json").read_text())


async def _brief(bot: BotHarness, uid: int, match_id: str, lang: str = "en") -> str:
    bot.tg.mark()
    bot.tg.send_text(uid, f"/match {match_id}", user_id=uid, language_code=lang, first_name="A")
    [call] = await bot.tg.wait_for(
        "editMessageText",
        chat_id=uid,
        predicate=lambda c: "FACEIT request" in c.params["text"] or " к FACEIT ·" in c.params["text"],
        timeout=20,
    )
    return call.params["text"]


async def test_each_side_and_a_spectator_get_their_own_briefing(bot: BotHarness, world: World) -> None:
    match_id = world.live[0]
    doc = _doc(bot, match_id)
    t1, t2 = doc["teams"]["faction1"], doc["teams"]["faction2"]
    in_room = {p["player_id"] for t in (t1, t2) for p in t["roster"]}
    outsider = next(p for p in world.players if p.player_id not in in_room)
    texts = {}
    for who, nickname in (
        ("one", t1["roster"][0]["nickname"]),
        ("two", t2["roster"][1]["nickname"]),
        ("out", outsider.nickname),
    ):
        uid = bot.new_user()
        [linked] = await bot.say(uid, f"/link {nickname}")
        assert linked.params["text"].startswith(f"✅ Linked to <b>{nickname}</b>")
        bot.faceit.reset_stats()
        texts[who] = await _brief(bot, uid, match_id)
        # the briefing (premades, flags, rating, FACEIT's chance) costs nothing beyond 1 + 3 x 10
        assert bot.faceit.stats()["total"] <= 31
    chance1 = round(100 * t1["stats"]["winProbability"])
    assert f"📋 <b>Your side: {t1['name']}</b>" in texts["one"]
    assert f"% by our estimate, {chance1}% by FACEIT" in texts["one"]
    assert f"📋 <b>Your side: {t2['name']}</b>" in texts["two"]
    assert f"% by our estimate, {100 - chance1}% by FACEIT" in texts["two"]
    # the opponents to watch come from the other team
    after = texts["one"].split("👀 Opponents to watch:\n")[1].splitlines()
    watch_one = "\n".join(after[:2])
    assert all(line.startswith("• ") for line in after[:2])
    assert any(p["nickname"] in watch_one for p in t2["roster"])
    assert not any(p["nickname"] in watch_one for p in t1["roster"])
    assert "Briefing</b> for a spectator" in texts["out"] and "Your side" not in texts["out"]
    assert f"{t1['name']}: win chance " in texts["out"] and f"{t2['name']}: win chance " in texts["out"]
    for text in texts.values():
        assert len(text) < 4096  # one Telegram message

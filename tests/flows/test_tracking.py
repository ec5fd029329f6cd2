"""/track, /untrack, /tracked and /notify end to end through the fake Bot API, the FACEIT simulator
and the real PostgreSQL: tier limits, bad input, the linked account tracked by default."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from faceitbot.callbacks import PlayerAction, PlayerCb, TrackAction, TrackCb
from faceitbot.services import tracking
from faceitbot.services.tracking import TrackLimitReached
from faceitbot.store import users as users_store
from faceitbot_sim.fixtures import World
from tests.conftest import BotHarness


def buttons(call) -> list[tuple[str, str]]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


async def follows_of(bot: BotHarness, uid: int) -> list[tuple[str, bool]]:
    rows = await bot.rt.pool.fetch(
        "SELECT p.nickname, f.linked FROM follows f JOIN players p USING (player_id) WHERE telegram_id = $1"
        " ORDER BY p.nickname",
        uid,
    )
    return [(r["nickname"], r["linked"]) for r in rows]


async def test_track_by_nickname_or_profile_link(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    first, second = world.players[0], world.players[1]
    [done] = await bot.say(uid, f"/track {first.nickname}")
    assert done.params["text"] == (
        f"👀 Tracking <b>{first.nickname}</b> (1 of 3). You'll get a message after each of their matches."
        " Your list: /tracked"
    )
    [done] = await bot.say(uid, f"/track https://www.faceit.com/ru/players/{second.nickname}")
    assert f"<b>{second.nickname}</b> (2 of 3)" in done.params["text"]
    assert await follows_of(bot, uid) == sorted([(first.nickname, False), (second.nickname, False)])
    tracked = await bot.rt.pool.fetchrow(
        "SELECT * FROM tracked_players WHERE player_id = $1", first.player_id
    )
    assert tracked["next_check_at"] <= datetime.now(UTC) + timedelta(minutes=2)  # looked at soon
    assert abs(tracked["seen_until"] - datetime.now(UTC).timestamp()) < 60  # old matches are not news
    # The ELO now is kept: it is the "before" of their next match.
    assert await bot.rt.pool.fetchval(
        "SELECT elo FROM elo_snapshots WHERE player_id = $1", first.player_id
    ) == (first.elo)


async def test_a_player_followed_by_many_is_tracked_once(bot: BotHarness, world: World) -> None:
    player = world.players[2]
    users = [bot.new_user() for _ in range(3)]
    for uid in users:
        await bot.say(uid, f"/track {player.nickname}")
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM tracked_players") == 1
    assert (
        await bot.rt.pool.fetchval("SELECT count(*) FROM follows WHERE player_id = $1", player.player_id) == 3
    )


async def test_bad_input_gets_a_clear_reply_and_changes_nothing(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    [usage] = await bot.say(uid, "/track")
    assert usage.params["text"].startswith("Send /track with a FACEIT nickname or profile link")
    [bad] = await bot.say(uid, "/track no spaces allowed")
    assert bad.params["text"] == (await bot.say(uid, "/stats no spaces allowed"))[0].params["text"]
    nick = max((p.nickname for p in world.players), key=len)
    typo = nick[:-1]
    [missing] = await bot.say(uid, f"/track {typo}")
    assert typo in missing.params["text"]
    suggestion = next(data for text, data in buttons(missing) if text.endswith(f" {nick}"))
    assert PlayerCb.unpack(suggestion).action is PlayerAction.TRACK
    assert await follows_of(bot, uid) == []

    # The suggested player is one press away.
    [done] = await bot.press(uid, missing.response["result"]["message_id"], suggestion)
    assert done.params["text"].startswith(f"👀 Tracking <b>{nick}</b>")
    [again] = await bot.say(uid, f"/track {nick}")
    assert again.params["text"] == f"You already track <b>{nick}</b>. Your list: /tracked"
    assert await follows_of(bot, uid) == [(nick, False)]


async def test_the_tier_limit_is_enforced_even_under_a_race(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    for p in world.players[:3]:
        await bot.say(uid, f"/track {p.nickname}")
    [refused] = await bot.say(uid, f"/track {world.players[3].nickname}")
    assert refused.params["text"] == (
        "Your plan tracks up to 3 players. /untrack someone first, or see /subscribe for more."
    )
    assert len(await follows_of(bot, uid)) == 3

    # A paying user gets more, and parallel requests cannot pass the limit.
    await bot.rt.pool.execute(
        "UPDATE users SET tier = 'premium', tier_expires_at = now() + interval '1 day' WHERE telegram_id = $1",
        uid,
    )
    user = await users_store.get(bot.rt.pool, uid)
    assert user is not None
    settings = bot.rt.settings
    limit = settings.track_limit("premium")
    candidates = world.players[3 : 3 + limit]
    outcomes = await asyncio.gather(
        *(
            tracking.track(bot.rt.pool, bot.rt.faceit, settings, user, p.nickname, datetime.now(UTC))
            for p in candidates
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(o, TrackLimitReached) for o in outcomes) == 3
    assert all(isinstance(o, tracking.Tracked | TrackLimitReached) for o in outcomes)
    assert len(await follows_of(bot, uid)) == limit


async def test_tracked_lists_players_and_untracks_with_a_button(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    [empty] = await bot.say(uid, "/tracked")
    assert empty.params["text"] == "You don't track anyone yet. Try /track &lt;nickname&gt;."
    a, b = world.players[4], world.players[5]
    await bot.say(uid, f"/link {a.nickname}")
    await bot.say(uid, f"/track {b.nickname}")
    [listing] = await bot.say(uid, "/tracked")
    lines = listing.params["text"].split("\n")
    assert lines[0] == "👀 Players you track (1 of 3; your own account doesn't count):"
    assert lines[1] == f"• <b>{a.nickname}</b> · {a.elo} ELO · no match seen yet (you)"
    assert lines[2] == f"• <b>{b.nickname}</b> · {b.elo} ELO · no match seen yet"
    assert [text for text, _ in buttons(listing)] == [f"✖ {a.nickname}", f"✖ {b.nickname}"]

    # The last match, once seen, is told as time gone by in words.
    await bot.rt.pool.execute(
        "UPDATE tracked_players SET last_finished_at = $2, last_win = TRUE WHERE player_id = $1",
        b.player_id,
        int(time.time()) - 3 * 3600 - 120,
    )
    [seen] = await bot.say(uid, "/tracked")
    assert (
        seen.params["text"].split("\n")[2]
        == f"• <b>{b.nickname}</b> · {b.elo} ELO · last match 3 hr ago ✅ win"
    )
    [seen_ru] = await bot.say(uid, "/tracked", lang="ru")
    assert seen_ru.params["text"].split("\n")[2] == (
        f"• <b>{b.nickname}</b> · {b.elo} ELO · последний матч 3 ч назад ✅ победа"
    )

    data = TrackCb(action=TrackAction.UNTRACK, value=b.player_id).pack()
    bot.tg.mark()
    bot.tg.press_button(uid, seen.response["result"]["message_id"], data, user_id=uid)
    [edited] = await bot.tg.wait_for("editMessageText", chat_id=uid)
    assert b.nickname not in edited.params["text"] and a.nickname in edited.params["text"]
    assert await follows_of(bot, uid) == [(a.nickname, True)]
    # Nobody follows b any more: b is not checked any more.
    assert (
        await bot.rt.pool.fetchval("SELECT count(*) FROM tracked_players WHERE player_id = $1", b.player_id)
        == 0
    )


async def test_untrack_by_nickname(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    p = world.players[6]
    [usage] = await bot.say(uid, "/untrack")
    assert usage.params["text"].startswith("Send /untrack with the nickname")
    [nope] = await bot.say(uid, f"/untrack {p.nickname}")
    assert nope.params["text"] == f"You don't track <b>{p.nickname}</b>. Your list: /tracked"
    await bot.say(uid, f"/track {p.nickname}")
    [gone] = await bot.say(uid, f"/untrack {p.nickname.upper()}")
    assert gone.params["text"] == f"Stopped tracking <b>{p.nickname}</b>."
    assert await follows_of(bot, uid) == []


async def test_the_linked_account_is_tracked_by_default_and_follows_a_relink(
    bot: BotHarness, world: World
) -> None:
    uid = bot.new_user()
    first, second = world.players[7], world.players[8]
    await bot.say(uid, f"/link {first.nickname}")
    assert await follows_of(bot, uid) == [(first.nickname, True)]
    for p in world.players[10:13]:  # the linked account does not count against the limit
        await bot.say(uid, f"/track {p.nickname}")
    assert len(await follows_of(bot, uid)) == 4
    await bot.say(uid, f"/link {second.nickname}")
    follows = dict(await follows_of(bot, uid))
    assert follows.get(second.nickname) is True and first.nickname not in follows
    # Linking a player one already tracks just marks it as theirs.
    await bot.say(uid, f"/link {world.players[10].nickname}")
    follows = dict(await follows_of(bot, uid))
    assert follows[world.players[10].nickname] is True and len(follows) == 3


async def test_notify_switch(bot: BotHarness) -> None:
    uid = bot.new_user()
    [state] = await bot.say(uid, "/notify")
    assert state.params["text"] == (
        "Match notifications are on. Switch them with <code>/notify on</code> or <code>/notify off</code>."
    )
    [off] = await bot.say(uid, "/notify off")
    assert off.params["text"] == "🔕 Match notifications are off. /notify on brings them back."
    assert await bot.rt.pool.fetchval("SELECT notifications FROM users WHERE telegram_id = $1", uid) is False
    [state] = await bot.say(uid, "/notify maybe", lang="ru")
    assert state.params["text"].startswith("Уведомления о матчах выключены.")
    await bot.say(uid, "/start")  # an explicit "off" is not undone by /start (only a block is)
    assert await bot.rt.pool.fetchval("SELECT notifications FROM users WHERE telegram_id = $1", uid) is False
    [on] = await bot.say(uid, "/notify on")
    assert on.params["text"] == "🔔 Match notifications are on."
    assert await bot.rt.pool.fetchval("SELECT notifications FROM users WHERE telegram_id = $1", uid) is True

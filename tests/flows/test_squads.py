"""Squads through the fake Bot API: group chats with several users joining and leaving, admins
(Telegram's getChatMember) removing members, the bot removed and added back, the leaderboard
pinned and edited in place only when a figure changed, /together against counts read from the
world's raw match files, and the recap's opt-in under /settings."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from loguru import logger

from faceitbot.jobs import squads as squad_jobs
from faceitbot.services import squads
from faceitbot.store import squads as squads_store
from faceitbot_sim.fixtures import World
from tests.conftest import SETTLE_S, BotHarness

_groups = itertools.count(1)


def new_group() -> int:
    return -4_200_000 - next(_groups)


async def in_group(
    bot: BotHarness, group: int, uid: int, text: str, *, lang: str = "en", replies: int = 1
) -> list:
    """`uid` writes `text` in the group; the bot's next `replies` messages there, and no more."""
    bot.tg.mark()
    bot.tg.send_text(group, text, user_id=uid, language_code=lang, first_name="Ann")
    return await bot.tg.wait_for("sendMessage", chat_id=group, count=replies, settle=SETTLE_S)


async def linked(bot: BotHarness, nickname: str, *, lang: str = "en") -> int:
    uid = bot.new_user()
    [done] = await bot.say(uid, f"/link {nickname}", lang=lang)
    assert nickname in done.params["text"]
    return uid


async def refresh_boards(bot: BotHarness, **every: int) -> int:
    """The leaderboard tick of the session bot, now."""
    rt = bot.rt
    return await squad_jobs.refresh_boards(
        rt.pool, rt.bot, rt.monitor.faceit, rt.i18n, datetime.now(UTC), **every
    )


async def test_members_join_leave_and_admins_remove_them(bot: BotHarness, world: World) -> None:
    group = new_group()
    one, two = world.players[0], world.players[1]
    stranger = bot.new_user()
    [told] = await in_group(bot, group, stranger, "/join")
    assert told.params["text"] == (
        "Link your FACEIT account first: send me <code>/link your_nickname</code> in a private chat, then /join here."
    )
    assert told.params["reply_parameters"]["message_id"] > 0  # addressed to the caller

    a = await linked(bot, one.nickname)
    [joined] = await in_group(bot, group, a, "/join")
    assert joined.params["text"] == f"✅ <b>{one.nickname}</b> joined the squad. The squad has 1 member now."
    b = await linked(bot, two.nickname, lang="ru")
    [joined] = await in_group(bot, group, b, "/join", lang="ru")
    assert joined.params["text"] == f"✅ <b>{two.nickname}</b> в составе. Теперь в составе 2 участника."
    [again] = await in_group(bot, group, b, "/join", lang="ru")
    assert again.params["text"] == f"<b>{two.nickname}</b> уже в составе (2 участника)."

    [left] = await in_group(bot, group, b, "/leave")
    assert left.params["text"] == "You left the squad: your figures no longer appear here."
    [not_in] = await in_group(bot, group, b, "/leave")
    assert not_in.params["text"] == "You are not in this squad."
    await in_group(bot, group, b, "/join")

    # Only an admin, as Telegram says, removes someone else.
    [refused] = await in_group(bot, group, a, f"/squad remove {two.nickname}")
    assert refused.params["text"] == "Only the group's admins can do that."
    assert [m.nickname for m in await squads_store.members(bot.rt.pool, group)] == sorted(
        [one.nickname, two.nickname], key=lambda n: -world.player(n).elo
    )
    bot.tg.set_member(group, a, "administrator")
    [removed] = await in_group(bot, group, a, f"/squad remove {two.nickname}")
    assert removed.params["text"] == f"<b>{two.nickname}</b> was removed from the squad."
    assert [m.nickname for m in await squads_store.members(bot.rt.pool, group)] == [one.nickname]
    [missing] = await in_group(bot, group, a, f"/squad remove {two.nickname}")
    assert missing.params["text"] == f"<b>{two.nickname}</b> is not in this squad."
    assert [c.params["user_id"] for c in bot.tg.calls_for(group, "getChatMember")] == [a, a, a]

    [private] = await bot.say(a, "/join")
    assert private.params["text"] == "Squads live in group chats: add me to your group and send /join there."


@contextlib.contextmanager
def logged(fragment: str) -> Iterator[asyncio.Event]:
    """An event set once the bot logs a line containing `fragment`: what an update that gets no
    reply is waited on by."""
    seen = asyncio.Event()
    loop = asyncio.get_running_loop()

    def sink(message) -> None:
        if fragment in message.record["message"]:
            loop.call_soon_threadsafe(seen.set)

    handle = logger.add(sink, level="INFO", format="{message}")
    try:
        yield seen
    finally:
        logger.remove(handle)


async def membership(bot: BotHarness, group: int, status: str, by: int, fragment: str) -> None:
    with logged(f"squad {group}: {fragment}") as seen:
        bot.tg.bot_membership(group, status, by=by)
        async with asyncio.timeout(10):
            await seen.wait()


async def test_the_bot_removed_keeps_the_squad_30_days_then_it_is_deleted(
    bot: BotHarness, world: World
) -> None:
    group = new_group()
    a = await linked(bot, world.players[2].nickname)
    await in_group(bot, group, a, "/join")
    pool = bot.rt.pool

    await membership(bot, group, "left", a, "the bot was removed")
    assert await squads.forget_removed(pool) == 0  # kept: removed only now
    assert len(await squads_store.members(pool, group)) == 1
    await membership(bot, group, "member", a, "the bot is back")
    assert (await squads_store.get(pool, group)).removed_at is None

    await membership(bot, group, "kicked", a, "the bot was removed")
    # Thirty days on (the row's clock moved back; nothing else about the squad changes).
    await pool.execute("UPDATE squads SET removed_at = now() - interval '31 days' WHERE chat_id = $1", group)
    assert await squads.forget_removed(pool) == 1
    assert await squads_store.get(pool, group) is None
    assert await squads_store.members(pool, group) == []


async def test_the_leaderboard_is_pinned_and_edited_in_place_only_when_a_figure_changes(
    bot: BotHarness, world: World
) -> None:
    group = new_group()
    low, high = sorted(world.players[3:5], key=lambda p: p.elo)
    a = await linked(bot, low.nickname)
    b = await linked(bot, high.nickname)
    await in_group(bot, group, a, "/join")
    await in_group(bot, group, b, "/join")
    bot.tg.bot_membership(group, "administrator", by=a, can_pin=True)
    # Monitoring had seen the high one 25 ELO lower eight days ago.
    await bot.rt.pool.execute(
        "INSERT INTO elo_snapshots (player_id, taken_at, elo, level) VALUES ($1, now() - interval '8 days', $2, 5)",
        high.player_id,
        high.elo - 25,
    )

    bot.faceit.reset_stats()
    [board] = await in_group(bot, group, a, "/leaderboard")
    text = board.params["text"]
    assert text.splitlines() == [
        "🏆 <b>Squad leaderboard</b>",
        f"1. <b>{high.nickname}</b> · lvl {high.skill_level} · {high.elo} ELO ▲ 25 · 0 matches this week",
        f"2. <b>{low.nickname}</b> · lvl {low.skill_level} · {low.elo} ELO · 0 matches this week",
        "<i>▲▼ since a week ago. Kept current here.</i>",
    ]
    board_id = board.result["message_id"]
    assert bot.tg.groups.pinned[group] == [board_id]
    assert bot.faceit.stats()["total"] == 0  # the figures we keep: no FACEIT call

    # Nothing changed: looked at, not edited.
    bot.tg.mark()
    assert await refresh_boards(bot, every_s=0) == 0
    assert bot.tg.calls_for(group, "editMessageText") == []

    # A day later the low one's figures are stale and FACEIT has a new ELO for them: read once,
    # on monitoring's client, and the board's message is edited in place.
    path = bot.faceit.data_dir / "players" / f"{low.player_id}.json"
    original = path.read_text()
    doc = json.loads(original)
    doc["games"]["cs2"]["faceit_elo"] = high.elo + 40
    path.write_text(json.dumps(doc))
    try:
        await bot.rt.pool.execute(
            "UPDATE players SET updated_at = now() - interval '2 days' WHERE player_id = $1", low.player_id
        )
        bot.faceit.reset_stats()
        assert await refresh_boards(bot, every_s=0) == 1
    finally:
        path.write_text(original)
    assert bot.faceit.stats()["total"] == 1
    [edit] = bot.tg.calls_for(group, "editMessageText")
    assert edit.params["message_id"] == board_id
    assert edit.params["text"].splitlines()[1].startswith(f"1. <b>{low.nickname}</b> · ")
    assert f"· {high.elo + 40} ELO ·" in edit.params["text"]
    assert len(bot.tg.calls_for(group, "sendMessage")) == 3  # two joins and the board: no new message

    # Within ten minutes of the last look nothing is looked at again, changed or not.
    assert await refresh_boards(bot) == 0
    assert len(bot.tg.calls_for(group, "editMessageText")) == 1

    # A new /leaderboard replaces the pinned one: the old leaves the pins, and is edited no more.
    [fresh] = await in_group(bot, group, b, "/leaderboard")
    assert bot.tg.groups.pinned[group] == [fresh.result["message_id"]]


async def test_a_board_not_pinned_when_the_bot_may_not_pin(bot: BotHarness, world: World) -> None:
    group = new_group()
    a = await linked(bot, world.players[5].nickname, lang="ru")
    await in_group(bot, group, a, "/join", lang="ru")
    [board] = await in_group(bot, group, a, "/leaderboard", lang="ru")
    assert board.params["text"].startswith("🏆 <b>Таблица состава</b>\n1. <b>")
    assert "за неделю: 0 матчей" in board.params["text"]
    assert bot.tg.groups.pinned.get(group, []) == []
    assert await bot.rt.pool.fetchval("SELECT board_pinned FROM squads WHERE chat_id = $1", group) is False


def _shared_matches(world: World, me: str, other: str) -> list[dict]:
    """From the world's match files: every finished match both played, as (finished, same team, I won)."""
    found = []
    for match_id in world.finished:
        doc = json.loads((world.root / "matches" / f"{match_id}.json").read_text())
        side = {p["player_id"]: faction for faction, team in doc["teams"].items() for p in team["roster"]}
        if me in side and other in side:
            found.append(
                {
                    "finished": doc["finished_at"],
                    "same": side[me] == side[other],
                    "won": doc["results"]["winner"] == side[me],
                }
            )
    return sorted(found, key=lambda m: -m["finished"])


async def test_together_counts_the_shared_matches_of_the_raw_world(bot: BotHarness, world: World) -> None:
    party = next(g for g in world.premades if len(g) >= 2)
    me, other = (next(p for p in world.players if p.player_id == pid) for pid in party[:2])
    shared = _shared_matches(world, me.player_id, other.player_id)
    same = [m for m in shared if m["same"]]
    against = [m for m in shared if not m["same"]]
    assert same  # a party queues together

    uid = await linked(bot, me.nickname)
    await bot.rt.faceit.cache.clear()
    bot.faceit.reset_stats()
    [answer] = await bot.say(uid, f"/together {other.nickname}")
    lines = answer.params["text"].splitlines()
    played = len(
        json.loads((world.root / "players" / me.player_id / "games/cs2/stats.json").read_text())["items"]
    )
    assert lines[0] == f"🤝 <b>{me.nickname}</b> and <b>{other.nickname}</b> in your last {played} matches:"

    def matches(n: int) -> str:
        return f"{n} match" if n == 1 else f"{n} matches"

    won_same = sum(m["won"] for m in same)
    won_against = sum(m["won"] for m in against)
    assert lines[1] == f"Same team: {matches(len(same))}, {won_same} W / {len(same) - won_same} L"
    assert lines[2] == (
        f"Opposing teams: {matches(len(against))}, you won {won_against}, lost {len(against) - won_against}"
    )
    assert lines[3] == "Latest:"
    latest = lines[4:]
    assert len(latest) == min(3, len(shared))
    for line, m in zip(latest, shared, strict=False):
        side = "together" if m["same"] else "against"
        assert line.endswith(f" · {side} · {'won' if m['won'] else 'lost'}"), line
    # The other player by nickname, then one page of 100 rows of each: no per-match calls.
    assert bot.faceit.stats()["total"] == 3
    assert not any("/matches/" in path for path in bot.faceit.stats()["by_path"])

    # In a group too, answered to the caller, and from the cache this time.
    group = new_group()
    bot.faceit.reset_stats()
    [in_chat] = await in_group(bot, group, uid, f"/together {other.nickname}")
    assert in_chat.params["text"] == answer.params["text"]
    assert bot.faceit.stats()["total"] == 0

    [usage] = await bot.say(uid, "/together")
    assert usage.params["text"] == "Whom with? <code>/together nickname</code>"
    [self_] = await bot.say(uid, f"/together {me.nickname}")
    assert self_.params["text"] == "That is your own account: name another player."
    unlinked = bot.new_user()
    [not_linked] = await bot.say(unlinked, f"/together {other.nickname}", lang="ru")
    assert not_linked.params["text"].startswith("Сначала привяжи")


async def test_the_weekly_recap_is_opt_in_from_settings_and_sent_once(bot: BotHarness, world: World) -> None:
    uid = await linked(bot, world.players[6].nickname)
    [view] = await bot.say(uid, "/settings")
    buttons = [b for row in view.params["reply_markup"]["inline_keyboard"] for b in row]
    recap = next(b for b in buttons if b["text"] == "📬 Weekly recap: turn on")

    # Opted out, nothing is planned.
    later = datetime.now(UTC) + timedelta(days=8)
    assert await squads.plan_recaps(bot.rt.pool, bot.rt.queue, later) == []

    bot.tg.mark()
    bot.tg.press_button(uid, view.result["message_id"], recap["callback_data"], user_id=uid)
    [edited] = await bot.tg.wait_for("editMessageText", chat_id=uid, settle=SETTLE_S)
    [answered] = await bot.tg.wait_for("answerCallbackQuery")
    assert (
        answered.params["text"] == "Weekly recap on: every Monday morning your week, against the week before."
    )
    shown = [b["text"] for row in edited.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "📭 Weekly recap: turn off" in shown

    # The first Monday 10:00 (the user's zone) after opting in: planned once however often asked.
    monday = squads.latest_slot(0, 10, "Europe/Moscow", later) + timedelta(minutes=5)
    bot.tg.mark()
    first = await squads.plan_recaps(bot.rt.pool, bot.rt.queue, monday)
    second = await squads.plan_recaps(bot.rt.pool, bot.rt.queue, monday + timedelta(minutes=5))
    assert (first, second) == ([uid], [])
    [sent] = await bot.tg.wait_for("sendMessage", chat_id=uid, settle=SETTLE_S)
    assert sent.params["text"].splitlines()[0] == f"📬 <b>{world.players[6].nickname}</b>, your week"
    assert "No matches this week." in sent.params["text"]

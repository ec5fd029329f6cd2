"""Referrals: `/start ref-<code>` links; both users get the bonus once when the invited one links
FACEIT; no self-referral, no second referrer, no second reward for the same FACEIT account; the
bonus pays for analyses past the daily limit."""

import asyncio
import re
from datetime import UTC, datetime, timedelta

from faceitbot.services import referrals
from faceitbot_sim.fixtures import World
from tests.conftest import BotHarness
from tests.updates import watch_updates

LINK = re.compile(r"https://t\.me/faceit_demo_bot\?start=(ref-[a-z0-9]{8})")


async def invite_code(bot: BotHarness, uid: int) -> str:
    [reply] = await bot.say(uid, "/referral")
    match = LINK.search(reply.params["text"])
    assert match, reply.params["text"]
    return match.group(1)


async def bonus(bot: BotHarness, uid: int) -> int:
    return await bot.rt.pool.fetchval(
        "SELECT coalesce((SELECT remaining FROM bonus_analyses WHERE telegram_id = $1), 0)", uid
    )


async def link(bot: BotHarness, uid: int, nickname: str = "Darwin", replies: int = 1) -> list:
    return await bot.say(uid, f"/link {nickname}", replies=replies)


async def test_referral_link_and_bonus_for_both_once(bot: BotHarness) -> None:
    alice, bob = bot.new_user(), bot.new_user()
    code = await invite_code(bot, alice)
    assert await invite_code(bot, alice) == code  # stable
    invited, greeting = await bot.say(bob, f"/start {code}", replies=2)
    assert invited.params["text"] == (
        "🎁 A friend invited you: link your FACEIT account and you both get 5 bonus analyses."
    )
    assert greeting.params["text"].startswith("Hi, Ann! I'm your FACEIT CS2 companion.")

    bot.tg.mark()
    bot.tg.send_text(bob, "/link Darwin", user_id=bob)
    linked, reward_bob = await bot.tg.wait_for("sendMessage", chat_id=bob, count=2)
    [reward_alice] = await bot.tg.wait_for("sendMessage", chat_id=alice)
    assert linked.params["text"].startswith("✅ Linked to <b>Darwin</b>")
    assert reward_bob.params["text"].startswith("🎁 +5 bonus analyses for joining with an invite.")
    assert (
        reward_alice.params["text"]
        == "🎁 A friend you invited linked a FACEIT account: +5 bonus analyses for you."
    )
    assert (await bonus(bot, alice), await bonus(bot, bob)) == (5, 5)

    # Unlink and link again: no second reward.
    await bot.say(bob, "/unlink")
    before = len(bot.tg.calls_for(bob, "sendMessage"))
    with watch_updates(bot.rt.dp) as handled:
        await handled.wait(bot.tg.send_text(bob, "/link Darwin", user_id=bob))
    assert len(bot.tg.calls_for(bob, "sendMessage")) == before + 1  # "Linked", no second reward
    assert bot.tg.calls_for(alice, "sendMessage")[-1] is reward_alice
    assert (await bonus(bot, alice), await bonus(bot, bob)) == (5, 5)

    [card] = await bot.say(alice, "/referral")
    assert card.params["text"].endswith("Invited: 1 · linked: 1 · your bonus analyses left: 5")


async def test_no_self_referral(bot: BotHarness) -> None:
    alice = bot.new_user()
    code = await invite_code(bot, alice)
    own, _ = await bot.say(alice, f"/start {code}", replies=2)
    assert own.params["text"] == "That is your own invite link: share it with friends."
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM referrals") == 0
    await link(bot, alice)
    assert await bonus(bot, alice) == 0


async def test_one_referrer_per_user_and_only_new_users(bot: BotHarness) -> None:
    alice, carol, bob, old = bot.new_user(), bot.new_user(), bot.new_user(), bot.new_user()
    code_a, code_c = await invite_code(bot, alice), await invite_code(bot, carol)
    await bot.say(bob, f"/start {code_a}", replies=2)
    [greeting] = await bot.say(bob, f"/start {code_c}")  # a second invite is ignored: just the greeting
    assert greeting.params["text"].startswith("Hi, Ann!")
    await bot.say(old, "/start")
    await bot.rt.pool.execute(
        "UPDATE users SET created_at = now() - interval '3 days' WHERE telegram_id = $1", old
    )
    [greeting] = await bot.say(old, f"/start {code_a}")  # an old user is nobody's referral
    assert greeting.params["text"].startswith("Hi, Ann!")
    rows = await bot.rt.pool.fetch("SELECT referred_id, referrer_id FROM referrals")
    assert [tuple(r) for r in rows] == [(bob, alice)]
    [unknown] = await bot.say(bot.new_user(), "/start ref-zzzzzzzz")
    assert unknown.params["text"].startswith("Hi, Ann!")


async def test_a_faceit_account_earns_one_reward(bot: BotHarness) -> None:
    alice, bob, bob2 = bot.new_user(), bot.new_user(), bot.new_user()
    code = await invite_code(bot, alice)
    await bot.say(bob, f"/start {code}", replies=2)
    await bot.say(bob2, f"/start {code}", replies=2)
    await link(bot, bob, replies=2)
    with watch_updates(bot.rt.dp) as handled:  # bob's second Telegram account, same FACEIT player
        await handled.wait(bot.tg.send_text(bob2, "/link Darwin", user_id=bob2))
    assert (await bonus(bot, alice), await bonus(bot, bob), await bonus(bot, bob2)) == (5, 5, 0)


async def test_two_fresh_accounts_cannot_invite_each_other(bot: BotHarness) -> None:
    alice, bob = bot.new_user(), bot.new_user()
    code_a = await invite_code(bot, alice)
    code_b = await invite_code(bot, bob)
    await bot.say(bob, f"/start {code_a}", replies=2)  # bob is alice's invite
    [greeting] = await bot.say(alice, f"/start {code_b}")  # and alice cannot be bob's
    assert greeting.params["text"].startswith(("Hi, Ann!", "Welcome back, Ann!"))
    rows = await bot.rt.pool.fetch("SELECT referred_id, referrer_id FROM referrals")
    assert [tuple(r) for r in rows] == [(bob, alice)]


async def test_two_fresh_accounts_opening_each_others_link_at_once_record_one_referral(
    bot: BotHarness,
) -> None:
    """Both /start ref-… at the same moment, on two replicas say: only one of them becomes the
    other's invite, never both (that pair would farm the bonus)."""
    pairs = []
    for _ in range(8):
        alice, bob = bot.new_user(), bot.new_user()
        pairs.append((alice, bob, await invite_code(bot, alice), await invite_code(bot, bob)))
    now = datetime.now(UTC)
    outcomes = await asyncio.gather(
        *(
            referrals.accept(bot.rt.pool, referred, code, 5, now)
            for alice, bob, code_a, code_b in pairs
            for referred, code in ((bob, code_a), (alice, code_b))
        )
    )
    assert sorted(outcomes).count(referrals.Accepted.RECORDED) == len(pairs)
    for alice, bob, _, _ in pairs:
        rows = await bot.rt.pool.fetch(
            "SELECT referred_id FROM referrals WHERE referred_id = ANY($1::bigint[])", [alice, bob]
        )
        assert len(rows) == 1, (alice, bob)


async def test_a_second_account_of_the_referrers_own_player_earns_nothing(bot: BotHarness) -> None:
    alice, alice2 = bot.new_user(), bot.new_user()
    await link(bot, alice)  # alice plays as Darwin
    code = await invite_code(bot, alice)
    await bot.say(alice2, f"/start {code}", replies=2)
    with watch_updates(bot.rt.dp) as handled:  # her second Telegram account links Darwin too
        await handled.wait(bot.tg.send_text(alice2, "/link Darwin", user_id=alice2))
    assert (await bonus(bot, alice), await bonus(bot, alice2)) == (0, 0)


async def test_concurrent_rewards_pay_once(bot: BotHarness) -> None:
    alice, bob = bot.new_user(), bot.new_user()
    code = await invite_code(bot, alice)
    with watch_updates(bot.rt.dp) as handled:  # including the middleware's look for a due reward
        await handled.wait(bot.tg.send_text(bob, f"/start {code}", user_id=bob))
    await bot.rt.pool.execute("UPDATE users SET faceit_player_id = 'p-1' WHERE telegram_id = $1", bob)
    now = datetime.now(UTC)
    results = await asyncio.gather(*(referrals.reward_linked(bot.rt.pool, bob, now) for _ in range(5)))
    assert len([r for r in results if r is not None]) == 1
    assert (await bonus(bot, alice), await bonus(bot, bob)) == (5, 5)
    assert await referrals.reward_due(bot.rt.pool, now + timedelta(minutes=1)) == []


async def test_bonus_pays_for_analyses_past_the_daily_limit(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    await bot.rt.pool.execute(
        "INSERT INTO usage (telegram_id, day, used) VALUES ($1, $2, 5)", uid, datetime.now(UTC).date()
    )
    await bot.rt.pool.execute("INSERT INTO bonus_analyses (telegram_id, remaining) VALUES ($1, 1)", uid)
    [ack] = await bot.say(uid, f"/match {world.finished[5]}")
    assert ack.params["text"].startswith("⏳ Analysing the match…")
    assert await bonus(bot, uid) == 0
    await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: "FACEIT request" in c.params["text"], timeout=20
    )
    [refused] = await bot.say(uid, f"/match {world.finished[6]}")
    assert refused.params["text"].startswith("You've used all 5 analyses for today.")
    [plans] = await bot.say(uid, "/subscribe")
    assert "left beyond the daily limit" not in plans.params["text"]  # the bonus is spent: no bonus line

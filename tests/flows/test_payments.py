"""Telegram Stars end to end: /subscribe → invoice → pre-checkout → successful_payment, against
the fake Bot API (checked against the real spec) and real PostgreSQL. Replays and concurrent
deliveries credit once; bad payloads are refused in the user's language; a saturated queue does
not delay the pre-checkout answer; reminders, expiry, renewals and refunds."""

import asyncio
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest

from faceitbot import subscriptions
from faceitbot.callbacks import BuyCb, BuyKind
from faceitbot.constants import Priority
from faceitbot.queue import JobSpec
from faceitbot.services import entitlements, payments
from faceitbot.services.payments import IncomingPayment
from faceitbot.store import entitlements as entitlements_store
from faceitbot.tiers import Tier
from faceitbot_sim.fixtures import World
from tests import written
from tests.conftest import ADMIN_ID, BotHarness
from tests.updates import watch_updates

PREMIUM_STARS = 500
PRO_STARS = 1000


def buttons(call) -> list[dict]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


async def buy(
    bot: BotHarness, uid: int, tier: str = "premium", kind: BuyKind = BuyKind.ONCE, lang: str = "en"
):
    """/subscribe, press a buy button: the sendInvoice (or createInvoiceLink) call."""
    [plans] = await bot.say(uid, "/subscribe", lang=lang)
    bot.tg.mark()
    data = BuyCb(tier=tier, kind=kind).pack()
    bot.tg.press_button(uid, plans.response["result"]["message_id"], data, user_id=uid, language_code=lang)
    method = "sendInvoice" if kind is BuyKind.ONCE else "createInvoiceLink"
    [call] = await bot.tg.wait_for(method, chat_id=None if kind is BuyKind.MONTHLY else uid)
    if kind is BuyKind.MONTHLY:
        await bot.tg.wait_for("sendMessage", chat_id=uid)  # the link, sent after it was made
    return call


async def pre_checkout(bot: BotHarness, uid: int, payload: str, amount: int):
    bot.tg.mark()
    query_id = bot.tg.pre_checkout(uid, payload, amount)
    [answer] = await bot.tg.wait_for(
        "answerPreCheckoutQuery", predicate=lambda c: c.params["pre_checkout_query_id"] == query_id
    )
    return answer


async def pay(bot: BotHarness, uid: int, payload: str, amount: int, charge: str | None = None, **extra):
    """A successful_payment from the user; the bot's confirmation."""
    bot.tg.mark()
    bot.tg.successful_payment(uid, payload, amount, charge or f"ch_{secrets.token_hex(8)}", **extra)
    [reply] = await bot.tg.wait_for("sendMessage", chat_id=uid)
    return reply


async def user_row(bot: BotHarness, uid: int):
    return await bot.rt.pool.fetchrow("SELECT * FROM users WHERE telegram_id = $1", uid)


def close_to(a: datetime, b: datetime, seconds: float = 60) -> bool:
    return abs((a - b).total_seconds()) < seconds


def when(moment: datetime, lang: str = "en") -> str:
    return written.moment(moment, lang)


async def test_subscribe_shows_the_tiers_and_the_current_plan(bot: BotHarness) -> None:
    uid = bot.new_user()
    [plans] = await bot.say(uid, "/subscribe")
    text = plans.params["text"]
    assert "Your plan: <b>FREE</b> — 5 analyses a day." in text
    assert "<b>PREMIUM</b> — 100 analyses a day · 500 ⭐ for 30 days" in text
    assert "<b>PRO</b> — 500 analyses a day · 1,000 ⭐ for 30 days" in text
    assert [b["text"] for b in buttons(plans)] == [
        "⭐ PREMIUM · 30 days — 500 ⭐",
        "🔁 PREMIUM monthly — 500 ⭐",
        "⭐ PRO · 30 days — 1,000 ⭐",
        "🔁 PRO monthly — 1,000 ⭐",
    ]


async def test_subscribe_in_russian_groups_the_thousands(bot: BotHarness) -> None:
    [plans] = await bot.say(bot.new_user(), "/subscribe", lang="ru")
    assert "<b>PRO</b> — 500 анализов в день · 1\u00a0000 ⭐ за 30 дней" in plans.params["text"]
    assert [b["text"] for b in buttons(plans)][2:] == [
        "⭐ PRO · 30 дней — 1\u00a0000 ⭐",
        "🔁 PRO помесячно — 1\u00a0000 ⭐",
    ]


async def test_the_whole_purchase_credits_30_days(bot: BotHarness) -> None:
    uid = bot.new_user()
    invoice = await buy(bot, uid, "premium")
    p = invoice.params
    assert (p["currency"], p["prices"]) == ("XTR", [{"label": "FACEIT bot PREMIUM · 30 days", "amount": 500}])
    assert "provider_token" not in p and len(p["payload"].encode()) <= 128
    parsed = payments.parse_payload(p["payload"])
    assert parsed is not None and (parsed.tier, parsed.telegram_id) == ("premium", uid)

    answer = await pre_checkout(bot, uid, p["payload"], PREMIUM_STARS)
    assert answer.params["ok"] is True and "error_message" not in answer.params

    charge = f"ch_{secrets.token_hex(8)}"
    started = datetime.now(UTC)
    reply = await pay(bot, uid, p["payload"], PREMIUM_STARS, charge)
    row = await user_row(bot, uid)
    assert row["tier"] == "premium" and close_to(row["tier_expires_at"], started + timedelta(days=30))
    assert reply.params["text"] == (
        f"⭐ Thank you! <b>PREMIUM</b> is active until {when(row['tier_expires_at'])}: 100 analyses a day."
    )
    # The dates are the user's own: after choosing a zone, /subscribe shows its clock.
    await bot.say(uid, "/settings America/New_York")
    [plans] = await bot.say(uid, "/subscribe")
    until = written.moment(row["tier_expires_at"], "en", "America/New_York")
    assert (
        plans.params["text"].splitlines()[1]
        == f"Your plan: <b>PREMIUM</b> until {until} — 100 analyses a day."
    )
    payment = await bot.rt.pool.fetchrow(
        "SELECT * FROM payments WHERE telegram_payment_charge_id = $1", charge
    )
    assert (payment["telegram_id"], payment["tier"], payment["stars"], payment["status"]) == (
        uid,
        "premium",
        500,
        "paid",
    )
    assert payment["tier_expires_at"] == row["tier_expires_at"]
    # The invoice is spent: paying it again is refused at pre-checkout.
    again = await pre_checkout(bot, uid, p["payload"], PREMIUM_STARS)
    assert again.params == {
        "pre_checkout_query_id": again.params["pre_checkout_query_id"],
        "ok": False,
        "error_message": "This invoice has expired or was already paid. Open /subscribe for a new one.",
    }


async def test_buying_while_subscribed_extends_from_the_current_expiry(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    # Ten PREMIUM days credited earlier (as an admin grant is): they end at `current`.
    credited = datetime.now(UTC) - timedelta(days=2)
    current = credited + timedelta(days=10)
    await bot.rt.pool.execute(
        """INSERT INTO entitlements (telegram_id, tier, days, source, source_ref, credited_at)
           VALUES ($1, 'premium', 10, 'grant', 'test', $2)""",
        uid,
        credited,
    )
    invoice = await buy(bot, uid, "premium")
    await pre_checkout(bot, uid, invoice.params["payload"], PREMIUM_STARS)
    await pay(bot, uid, invoice.params["payload"], PREMIUM_STARS)
    row = await user_row(bot, uid)
    assert row["tier_expires_at"] == current + timedelta(days=30)


async def test_quota_follows_the_tier_at_once(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    await bot.rt.pool.execute(
        "INSERT INTO usage (telegram_id, day, used) VALUES ($1, $2, 5)", uid, datetime.now(UTC).date()
    )
    [refused] = await bot.say(uid, f"/match {world.finished[4]}")
    assert refused.params["text"].startswith("You've used all 5 analyses for today.")
    invoice = await buy(bot, uid, "pro")
    await pre_checkout(bot, uid, invoice.params["payload"], PRO_STARS)
    await pay(bot, uid, invoice.params["payload"], PRO_STARS)
    [ack] = await bot.say(uid, f"/match {world.finished[4]}")
    assert ack.params["text"].endswith("Analyses left today: 494")
    await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: "FACEIT request" in c.params["text"], timeout=20
    )


async def test_the_same_payment_delivered_three_times_credits_once(bot: BotHarness) -> None:
    uid = bot.new_user()
    invoice = await buy(bot, uid, "premium")
    payload = invoice.params["payload"]
    await pre_checkout(bot, uid, payload, PREMIUM_STARS)
    charge = f"ch_{secrets.token_hex(8)}"
    started = datetime.now(UTC)
    bot.tg.mark()
    with watch_updates(bot.rt.dp) as handled:
        # One getUpdates batch: aiogram handles the three as concurrent tasks.
        updates = [bot.tg.successful_payment(uid, payload, PREMIUM_STARS, charge) for _ in range(3)]
        await handled.wait(*updates)
    assert (
        await bot.rt.pool.fetchval(
            "SELECT count(*) FROM payments WHERE telegram_payment_charge_id = $1", charge
        )
        == 1
    )
    row = await user_row(bot, uid)
    assert close_to(row["tier_expires_at"], started + timedelta(days=30))
    thanks = [c for c in bot.tg.calls_for(uid, "sendMessage") if "Thank you" in c.params["text"]]
    assert len(thanks) == 1
    errors = [c for c in bot.tg.calls_for(uid, "sendMessage") if "went wrong" in c.params["text"]]
    assert errors == []


async def test_two_replicas_crediting_one_charge_at_once_credit_once(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    now = datetime.now(UTC)
    invoice = await payments.issue_invoice(bot.rt.pool, bot.rt.settings, uid, "pro", recurring=False, now=now)
    incoming = IncomingPayment(uid, invoice.payload, "XTR", PRO_STARS, f"ch_{secrets.token_hex(8)}", "")
    credits = await asyncio.gather(*(payments.record_payment(bot.rt.pool, incoming, now) for _ in range(6)))
    assert len([c for c in credits if c is not None]) == 1
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM payments") == 1
    row = await user_row(bot, uid)
    assert (row["tier"], row["tier_expires_at"]) == ("pro", now + timedelta(days=30))


async def test_bad_payloads_are_refused_with_a_translated_reason(bot: BotHarness) -> None:
    uid, other = bot.new_user(), bot.new_user()
    invoice = await buy(bot, uid, "premium", lang="ru")
    payload = invoice.params["payload"]
    invalid_ru = "Этот счёт недействителен. Открой /subscribe и попробуй снова."
    cases = [
        (uid, "garbage", PREMIUM_STARS),
        (uid, payload, PREMIUM_STARS - 1),  # not the amount we asked
        (uid, payload.replace(":premium:", ":pro:"), PRO_STARS),  # tier swapped in the payload
        (uid, f"s1:premium:{uid}:{'A' * 16}", PREMIUM_STARS),  # a nonce we never issued
    ]
    for who, text, amount in cases:
        answer = await pre_checkout(bot, who, text, amount)
        assert (answer.params["ok"], answer.params["error_message"]) == (False, invalid_ru), text
    # Someone else paying this user's invoice link.
    await bot.say(other, "/start")
    answer = await pre_checkout(bot, other, payload, PREMIUM_STARS)
    assert answer.params["error_message"] == "This invoice is not valid. Open /subscribe and try again."
    # A stale invoice.
    await bot.rt.pool.execute("UPDATE invoices SET created_at = now() - interval '2 days'")
    answer = await pre_checkout(bot, uid, payload, PREMIUM_STARS)
    assert (
        answer.params["error_message"]
        == "Этот счёт устарел или уже оплачен. Открой /subscribe, чтобы получить новый."
    )
    # A banned user.
    fresh = await buy(bot, uid, "premium", lang="ru")
    await bot.rt.pool.execute("UPDATE users SET banned_at = now() WHERE telegram_id = $1", uid)
    answer = await pre_checkout(bot, uid, fresh.params["payload"], PREMIUM_STARS)
    assert answer.params["error_message"] == "Покупки недоступны для этого аккаунта."
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM payments") == 0


@pytest.mark.expect_errors("matches no invoice of ours")
async def test_a_payment_matching_no_invoice_is_kept_but_not_credited(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start")
    reply = await pay(bot, uid, f"s1:pro:{uid}:{'B' * 16}", PRO_STARS, "ch_orphan")
    assert reply.params["text"].startswith("We received your payment but could not match it to a plan.")
    payment = await bot.rt.pool.fetchrow("SELECT telegram_id, stars, status, tier FROM payments")
    assert tuple(payment) == (uid, PRO_STARS, "orphan", None)
    assert (await user_row(bot, uid))["tier"] == "free"
    # Support refunds it: the money goes back, nothing to take back from the tier.
    [done] = await bot.say(ADMIN_ID, "/admin refund ch_orphan")
    assert done.params["text"].startswith("Refunded 1,000 ⭐ of <code>ch_orphan</code>")
    assert await bot.rt.pool.fetchval("SELECT status FROM payments") == "refunded"


async def test_a_lower_tier_is_refused_while_a_higher_one_is_active(bot: BotHarness) -> None:
    uid = bot.new_user()
    invoice = await buy(bot, uid, "premium")
    await bot.rt.pool.execute(
        "UPDATE users SET tier = 'pro', tier_expires_at = now() + interval '5 days' WHERE telegram_id = $1",
        uid,
    )
    answer = await pre_checkout(bot, uid, invoice.params["payload"], PREMIUM_STARS)
    assert answer.params["error_message"] == "You already have a higher plan. Buy the same plan to extend it."


async def test_pre_checkout_is_answered_while_the_queue_is_saturated(bot: BotHarness) -> None:
    queue = bot.rt.queue
    release, all_busy = asyncio.Event(), asyncio.Event()
    started: list[int] = []

    async def block(payload: dict, job) -> None:
        started.append(job.id)
        if len(started) >= queue.workers:
            all_busy.set()
        await release.wait()

    spec = JobSpec("test_block", Priority.CRITICAL, max_attempts=1, timeout_s=60)
    queue.register(spec, block)
    queue.outcomes.clear()  # job ids restart with every test's truncate
    submitted = [(await queue.submit(spec, {"n": i}))[0].id for i in range(queue.workers + 20)]
    try:
        await asyncio.wait_for(all_busy.wait(), 10)  # every worker is busy; the rest wait
        uids = [bot.new_user() for _ in range(50)]
        invoices = [
            await payments.issue_invoice(
                bot.rt.pool, bot.rt.settings, u, "premium", recurring=False, now=datetime.now(UTC)
            )
            for u in uids
        ]
        bot.tg.mark()
        queries = {
            bot.tg.pre_checkout(u, inv.payload, PREMIUM_STARS) for u, inv in zip(uids, invoices, strict=True)
        }
        # The fake Bot API refuses an answer that comes after Telegram's 10 s, as Telegram does,
        # and wait_for counts only the accepted ones.
        answers = await bot.tg.wait_for("answerPreCheckoutQuery", count=50, timeout=30)
        assert {a.params["pre_checkout_query_id"] for a in answers} == queries
        assert all(a.params["ok"] is True for a in answers)
        assert queue.busy == queue.workers  # still saturated while they were answered
        assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'") >= 20
    finally:
        release.set()
        for job_id in submitted:
            await queue.wait_outcome(job_id, timeout=30)


async def test_monthly_subscription_link_and_renewals(bot: BotHarness) -> None:
    uid = bot.new_user()
    link_call = await buy(bot, uid, "premium", BuyKind.MONTHLY)
    p = link_call.params
    assert p["subscription_period"] == 2592000 and p["currency"] == "XTR" and len(p["prices"]) == 1
    [offer] = await bot.tg.wait_for("sendMessage", chat_id=uid)
    assert buttons(offer)[0]["url"] == link_call.result
    await pre_checkout(bot, uid, p["payload"], PREMIUM_STARS)
    first_at = datetime.now(UTC)
    sub_end = int(time.time()) + 2592000
    await pay(
        bot,
        uid,
        p["payload"],
        PREMIUM_STARS,
        is_recurring=True,
        is_first_recurring=True,
        subscription_expiration_date=sub_end,
    )
    first = (await user_row(bot, uid))["tier_expires_at"]
    assert close_to(first, first_at + timedelta(days=30))
    # A month later Telegram charges again: a new charge id, no pre-checkout.
    renewal = await pay(
        bot,
        uid,
        p["payload"],
        PREMIUM_STARS,
        is_recurring=True,
        subscription_expiration_date=sub_end + 2592000,
    )
    second = (await user_row(bot, uid))["tier_expires_at"]
    assert second == first + timedelta(days=30)
    assert renewal.params["text"] == (
        f"🔁 Subscription renewed: <b>PREMIUM</b> until {when(second)}, 100 analyses a day."
    )
    rows = await bot.rt.pool.fetch(
        "SELECT is_recurring, is_first_recurring, subscription_expires_at FROM payments ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        (True, True, datetime.fromtimestamp(sub_end, UTC)),
        (True, False, datetime.fromtimestamp(sub_end + 2592000, UTC)),
    ]


async def test_subscription_canceled_failed_and_reenabled_are_kept_and_told_once(bot: BotHarness) -> None:
    uid = bot.new_user()
    link_call = await buy(bot, uid, "premium", BuyKind.MONTHLY)
    payload = link_call.params["payload"]
    await pre_checkout(bot, uid, payload, PREMIUM_STARS)
    sub_end = int(time.time()) + 2592000
    await pay(
        bot,
        uid,
        payload,
        PREMIUM_STARS,
        is_recurring=True,
        is_first_recurring=True,
        subscription_expiration_date=sub_end,
    )
    row = await user_row(bot, uid)
    assert (row["tier"], row["subscription_state"]) == ("premium", "active")
    until = when(row["tier_expires_at"])

    with watch_updates(bot.rt.dp) as handled:
        bot.tg.mark()
        canceled = bot.tg.subscription(uid, payload, "canceled")
        [told] = await bot.tg.wait_for("sendMessage", chat_id=uid)
        assert told.params["text"] == (
            f"🔕 Auto-renewal of <b>PREMIUM</b> is off. Your plan stays active until {until}; "
            "/subscribe to renew any time."
        )
        # Telegram delivers it again: kept once, told once.
        sent = len(bot.tg.calls_for(uid, "sendMessage"))
        await handled.wait(bot.tg.subscription(uid, payload, "canceled", update_id=canceled))
    assert len(bot.tg.calls_for(uid, "sendMessage")) == sent
    row = await user_row(bot, uid)
    assert (row["tier"], row["subscription_state"]) == ("premium", "canceled")  # the paid month stays
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM subscription_events") == 1
    [plans] = await bot.say(uid, "/subscribe")
    assert "Auto-renewal is off: the plan ends on its date unless you buy again." in plans.params["text"]

    await bot.say(uid, "/subscribe", lang="ru")  # the user now writes in Russian
    bot.tg.mark()
    bot.tg.subscription(uid, payload, "failed")
    [failed] = await bot.tg.wait_for("sendMessage", chat_id=uid)
    assert failed.params["text"].startswith("⚠️ Платёж за продление <b>PREMIUM</b> не прошёл.")
    bot.tg.mark()
    bot.tg.subscription(uid, payload, "active")
    [active] = await bot.tg.wait_for("sendMessage", chat_id=uid)
    assert active.params["text"].startswith("🔁 Автопродление <b>PREMIUM</b> снова включено.")
    assert (await user_row(bot, uid))["subscription_state"] == "active"

    # Not one of our payloads: nothing kept, nothing said.
    sent = len(bot.tg.calls_for(uid, "sendMessage"))
    with watch_updates(bot.rt.dp) as handled:
        await handled.wait(bot.tg.subscription(uid, "someone-elses-payload", "canceled"))
    assert len(bot.tg.calls_for(uid, "sendMessage")) == sent
    assert (await user_row(bot, uid))["subscription_state"] == "active"
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM subscription_events") == 3


async def test_reminder_once_per_period_then_downgrade(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start", lang="ru")
    # Far in the future, so the runtime's own periodic tick (real clock) never touches this user.
    start = datetime.now(UTC).replace(microsecond=0)
    expires = start + timedelta(days=200)
    rt = bot.rt

    async def credit(days: int, at: datetime) -> None:
        async with rt.pool.acquire() as conn, conn.transaction():
            await entitlements_store.credit(conn, uid, Tier.PREMIUM, days, "grant", secrets.token_hex(6), at)
            await entitlements.recompute(conn, uid, at)

    await credit(200, start)

    async def tick(now: datetime):
        return await subscriptions.run(rt.pool, rt.bot, rt.i18n, rt.settings, now)

    assert (await tick(expires - timedelta(days=4))).reminded == []
    bot.tg.mark()
    run = await tick(expires - timedelta(days=2, hours=23))
    assert [u.telegram_id for u in run.reminded] == [uid]
    [reminder] = await bot.tg.wait_for("sendMessage", chat_id=uid)
    assert reminder.params["text"] == (
        f"⏳ Твой тариф <b>PREMIUM</b> заканчивается {when(expires, 'ru')}. "
        "Продли его через /subscribe (ежемесячный тариф продлевается сам)."
    )
    for _ in range(3):  # later ticks, and a second replica racing, remind no more
        again = await asyncio.gather(tick(expires - timedelta(days=2)), tick(expires - timedelta(days=1)))
        assert [r.reminded for r in again] == [[], []]
    # Renewed: the new period gets its own reminder.
    await credit(30, expires - timedelta(days=2))
    assert [u.telegram_id for u in (await tick(expires + timedelta(days=28))).reminded] == [uid]
    # At expiry: downgraded and told, once.
    bot.tg.mark()
    runs = await asyncio.gather(*(tick(expires + timedelta(days=30, minutes=1)) for _ in range(2)))
    assert sorted(len(r.expired) for r in runs) == [0, 1]
    row = await user_row(bot, uid)
    assert (row["tier"], row["tier_expires_at"]) == ("free", None)
    [ended] = await bot.tg.wait_for(
        "sendMessage", chat_id=uid, predicate=lambda c: "закончился" in c.params["text"]
    )
    assert ended.params["text"].startswith(
        "Твой тариф <b>PREMIUM</b> закончился: снова FREE (5 анализов в день)."
    )
    assert len(bot.tg.calls_for(uid, "sendMessage")) == 4  # /start, two reminders, the downgrade


async def test_refund_uses_the_stored_charge_and_is_idempotent(bot: BotHarness) -> None:
    uid = bot.new_user()
    invoice = await buy(bot, uid, "pro")
    await pre_checkout(bot, uid, invoice.params["payload"], PRO_STARS)
    charge = f"ch_{secrets.token_hex(8)}"
    await pay(bot, uid, invoice.params["payload"], PRO_STARS, charge)
    assert (await user_row(bot, uid))["tier"] == "pro"

    [done] = await bot.say(ADMIN_ID, f"/admin refund {charge}")
    [refund] = [
        c
        for c in bot.tg.calls
        if c.method == "refundStarPayment" and c.params["telegram_payment_charge_id"] == charge
    ]
    assert refund.params["user_id"] == uid
    assert done.params["text"] == (
        f"Refunded 1,000 ⭐ of <code>{charge}</code> to <code>{uid}</code>. Their tier now: <b>FREE</b> until —."
    )
    row = await user_row(bot, uid)
    assert (row["tier"], row["tier_expires_at"]) == ("free", None)
    payment = await bot.rt.pool.fetchrow("SELECT status, refunded_at FROM payments")
    assert payment["status"] == "refunded" and payment["refunded_at"] is not None

    [again] = await bot.say(ADMIN_ID, f"/admin refund {charge}")
    assert again.params["text"] == f"<code>{charge}</code> was already refunded: nothing changed."
    assert (
        len(
            [
                c
                for c in bot.tg.calls
                if c.method == "refundStarPayment" and c.params["telegram_payment_charge_id"] == charge
            ]
        )
        == 1
    )
    [unknown] = await bot.say(ADMIN_ID, "/admin refund ch_nope")
    assert unknown.params["text"] == "No payment with charge id <code>ch_nope</code>."


async def test_refund_takes_back_only_the_refunded_period(bot: BotHarness) -> None:
    uid = bot.new_user()
    charges = []
    for _ in range(2):
        invoice = await buy(bot, uid, "premium")
        await pre_checkout(bot, uid, invoice.params["payload"], PREMIUM_STARS)
        charges.append(f"ch_{secrets.token_hex(8)}")
        await pay(bot, uid, invoice.params["payload"], PREMIUM_STARS, charges[-1])
    two_periods = (await user_row(bot, uid))["tier_expires_at"]
    # A refunded_payment service message (a refund made outside the bot) is recorded too, once.
    bot.tg.mark()
    with watch_updates(bot.rt.dp) as handled:
        refunded = {
            "currency": "XTR",
            "total_amount": PREMIUM_STARS,
            "invoice_payload": "x",
            "telegram_payment_charge_id": charges[0],
        }
        ids = [
            bot.tg.push_update(
                {
                    "message": {
                        "message_id": 900_000 + n,
                        "date": int(time.time()),
                        "from": bot.tg.user(uid),
                        "chat": {"id": uid, "type": "private", "first_name": "Test"},
                        "refunded_payment": refunded,
                    }
                }
            )
            for n in range(2)
        ]
        await handled.wait(*ids)
    row = await user_row(bot, uid)
    statuses = await bot.rt.pool.fetch("SELECT status, refunded_at FROM payments ORDER BY id")
    assert [r["status"] for r in statuses] == ["refunded", "paid"]
    # What was left of the refunded month goes; the other month runs from the refund on whole.
    refunded_at = statuses[0]["refunded_at"]
    assert (row["tier"], row["tier_expires_at"]) == ("premium", refunded_at + timedelta(days=30))
    assert two_periods - timedelta(days=30) < row["tier_expires_at"]  # no day of it lost


async def test_paysupport_lists_payments_and_forwards_to_admins(bot: BotHarness) -> None:
    uid = bot.new_user()
    invoice = await buy(bot, uid, "premium")
    await pre_checkout(bot, uid, invoice.params["payload"], PREMIUM_STARS)
    await pay(bot, uid, invoice.params["payload"], PREMIUM_STARS, "ch_support_1")
    [info] = await bot.say(uid, "/paysupport")
    assert info.params["text"].startswith("<b>Payment support</b>")
    assert "PREMIUM · 500 ⭐ · paid · <code>ch_support_1</code>" in info.params["text"]
    bot.tg.mark()
    bot.tg.send_text(uid, "/paysupport paid but <b>nothing</b>", user_id=uid, first_name="Ann")
    [forwarded] = await bot.tg.wait_for("sendMessage", chat_id=ADMIN_ID)
    [sent] = await bot.tg.wait_for("sendMessage", chat_id=uid)
    assert sent.params["text"] == "✅ Sent to the team. We'll answer in this chat."
    assert forwarded.params["text"].startswith(
        f"🆘 /paysupport from <code>{uid}</code> (Ann):\npaid but &lt;b&gt;nothing&lt;/b&gt;"
    )
    assert "ch_support_1" in forwarded.params["text"]


async def test_terms(bot: BotHarness) -> None:
    [terms] = await bot.say(bot.new_user(), "/terms")
    assert terms.params["text"].startswith(
        "<b>Terms</b>\n• FREE: 5 analyses a day. PREMIUM: 100 analyses a day for 30 days, 500 ⭐. "
        "PRO: 500 analyses a day for 30 days, 1,000 ⭐.\n"
    )
    assert "500 ⭐" in terms.params["text"] and "/paysupport" in terms.params["text"]

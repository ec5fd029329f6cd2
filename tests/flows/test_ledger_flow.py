"""The issue's four steps through the fake Bot API, as a user pays with Telegram's own updates:
PREMIUM monthly, PRO for 30 days on top, a PREMIUM renewal, an admin refund of the PRO charge.
/subscribe is read after each step, in English and in Russian. Expected ends are worked out here
from when each row was credited (days of the running tier are spent; the others wait)."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest

from faceitbot.callbacks import BuyKind
from faceitbot.services import payments
from faceitbot.services.payments import IncomingPayment
from tests import written
from tests.conftest import ADMIN_ID, BotHarness
from tests.flows.test_payments import PREMIUM_STARS, PRO_STARS, buy, pay, pre_checkout
from tests.updates import watch_updates

D = timedelta(days=1)
TEXTS = {
    "en": {
        "paid": "Your plan: <b>{tier}</b> until {until} — {quota} analyses a day.",
        "then": "then <b>{tier}</b> until {until} — {quota} analyses a day.",
        "renews": "🔁 {tier} renews every 30 days.",
    },
    "ru": {
        "paid": "Твой тариф: <b>{tier}</b> до {until} — {quota} анализов в день.",
        "then": "затем <b>{tier}</b> до {until} — {quota} анализов в день.",
        "renews": "🔁 {tier} продлевается каждые 30 дней.",
    },
}
QUOTA = {"PREMIUM": 100, "PRO": 500}


def when(moment: datetime, lang: str = "en") -> str:
    return written.moment(moment, lang)


def plan_lines(lang: str, parts: list[tuple[str, datetime]], renews: str | None) -> list[str]:
    t = TEXTS[lang]
    (tier, until), rest = parts[0], parts[1:]
    lines = [t["paid"].format(tier=tier, until=when(until, lang), quota=QUOTA[tier])]
    lines += [t["then"].format(tier=x, until=when(u, lang), quota=QUOTA[x]) for x, u in rest]
    if renews:
        lines.append(t["renews"].format(tier=renews))
    return lines


async def subscribe_view(bot: BotHarness, uid: int, lang: str) -> list[str]:
    [view] = await bot.say(uid, "/subscribe", lang=lang)
    lines = view.params["text"].splitlines()
    return lines[1 : lines.index("")]  # between the title and the list of offers


async def credited(bot: BotHarness, charge: str) -> datetime:
    return await bot.rt.pool.fetchval("SELECT credited_at FROM entitlements WHERE source_ref = $1", charge)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_premium_monthly_pro_on_top_a_renewal_and_a_pro_refund(bot: BotHarness, lang: str) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/start", lang=lang)

    # 1. PREMIUM monthly.
    link = await buy(bot, uid, "premium", BuyKind.MONTHLY, lang=lang)
    payload = link.params["payload"]
    await bot.tg.wait_for("sendMessage", chat_id=uid)  # the link offer
    await pre_checkout(bot, uid, payload, PREMIUM_STARS)
    first = f"ch_{secrets.token_hex(8)}"
    sub_end = int(time.time()) + 2592000
    await pay(bot, uid, payload, PREMIUM_STARS, first, is_recurring=True, is_first_recurring=True,
              subscription_expiration_date=sub_end)  # fmt: skip
    p1 = await credited(bot, first)
    assert await subscribe_view(bot, uid, lang) == plan_lines(lang, [("PREMIUM", p1 + 30 * D)], "PREMIUM")

    # 2. PRO for 30 days on top: it runs first, the PREMIUM month waits behind it whole.
    invoice = await buy(bot, uid, "pro", lang=lang)
    await pre_checkout(bot, uid, invoice.params["payload"], PRO_STARS)
    pro = f"ch_{secrets.token_hex(8)}"
    await pay(bot, uid, invoice.params["payload"], PRO_STARS, pro)
    p2 = await credited(bot, pro)
    premium_left = 30 * D - (p2 - p1)  # PREMIUM ran from p1 until PRO came
    assert await subscribe_view(bot, uid, lang) == plan_lines(
        lang, [("PRO", p2 + 30 * D), ("PREMIUM", p2 + 30 * D + premium_left)], "PREMIUM"
    )

    # 3. The PREMIUM subscription renews (no pre-checkout): 30 more PREMIUM days, not PRO ones.
    renewal = f"ch_{secrets.token_hex(8)}"
    await pay(bot, uid, payload, PREMIUM_STARS, renewal, is_recurring=True,
              subscription_expiration_date=sub_end + 2592000)  # fmt: skip
    assert await subscribe_view(bot, uid, lang) == plan_lines(
        lang, [("PRO", p2 + 30 * D), ("PREMIUM", p2 + 30 * D + premium_left + 30 * D)], "PREMIUM"
    )

    # 4. An admin refunds the PRO charge: PREMIUM now, with every PREMIUM day still to come.
    await bot.say(ADMIN_ID, f"/admin refund {pro}")
    refunded_at = await bot.rt.pool.fetchval(
        "SELECT refunded_at FROM entitlements WHERE source_ref = $1", pro
    )
    assert await subscribe_view(bot, uid, lang) == plan_lines(
        lang, [("PREMIUM", refunded_at + premium_left + 30 * D)], "PREMIUM"
    )
    row = await bot.rt.pool.fetchrow("SELECT tier, tier_expires_at FROM users WHERE telegram_id = $1", uid)
    assert (row["tier"], row["tier_expires_at"]) == ("premium", refunded_at + premium_left + 30 * D)


async def premium_monthly_then_a_pro_monthly_invoice(bot: BotHarness, uid: int) -> tuple[str, str, int]:
    """A paid PREMIUM monthly subscription and a pre-checked PRO monthly invoice: (the PREMIUM
    charge id, the PRO payload, the subscription's expiry)."""
    await bot.say(uid, "/start")
    premium = await buy(bot, uid, "premium", BuyKind.MONTHLY)
    await bot.tg.wait_for("sendMessage", chat_id=uid)
    await pre_checkout(bot, uid, premium.params["payload"], PREMIUM_STARS)
    first = f"ch_{secrets.token_hex(8)}"
    end = int(time.time()) + 2592000
    await pay(bot, uid, premium.params["payload"], PREMIUM_STARS, first, is_recurring=True, is_first_recurring=True,
              subscription_expiration_date=end)  # fmt: skip
    pro = await buy(bot, uid, "pro", BuyKind.MONTHLY)
    await bot.tg.wait_for("sendMessage", chat_id=uid)
    await pre_checkout(bot, uid, pro.params["payload"], PRO_STARS)
    return first, pro.params["payload"], end


async def test_pro_monthly_cancels_a_premium_monthly_subscription(bot: BotHarness) -> None:
    uid = bot.new_user()
    first, pro_payload, end = await premium_monthly_then_a_pro_monthly_invoice(bot, uid)
    bot.tg.mark()
    bot.tg.successful_payment(uid, pro_payload, PRO_STARS, f"ch_{secrets.token_hex(8)}",
                              is_recurring=True, is_first_recurring=True, subscription_expiration_date=end)  # fmt: skip
    [thanks, told] = await bot.tg.wait_for("sendMessage", chat_id=uid, count=2, settle=0.3)
    assert thanks.params["text"].startswith("⭐ Thank you! <b>PRO</b> is active until")
    assert told.params["text"] == (
        "Your monthly <b>PREMIUM</b> plan is canceled, so you are not charged for both. "
        "Its paid days stay and run after PRO."
    )
    [cancel] = [c for c in bot.tg.calls if c.method == "editUserStarSubscription"]
    assert (cancel.params["user_id"], cancel.params["telegram_payment_charge_id"]) == (uid, first)
    assert cancel.params["is_canceled"] is True
    lines = await subscribe_view(bot, uid, "en")
    assert lines[-1] == "🔁 PRO renews every 30 days."  # PREMIUM no longer renews
    assert lines[1].startswith("then <b>PREMIUM</b> until")


async def test_a_replica_dying_between_the_pro_credit_and_the_cancel_still_cancels_premium(
    bot: BotHarness,
) -> None:
    """The first delivery of the PRO payment was credited by a replica that died before it could
    cancel PREMIUM; Telegram delivers the update again. The user must not go on paying for both:
    the replay cancels PREMIUM and says so once, without crediting PRO a second time."""
    uid = bot.new_user()
    first, pro_payload, end = await premium_monthly_then_a_pro_monthly_invoice(bot, uid)
    charge = f"ch_{secrets.token_hex(8)}"
    credit = await payments.record_payment(
        bot.rt.pool,
        IncomingPayment(
            uid,
            pro_payload,
            "XTR",
            PRO_STARS,
            charge,
            "",
            is_recurring=True,
            is_first_recurring=True,
            subscription_expires_at=datetime.fromtimestamp(end, UTC),
        ),
        datetime.now(UTC),
    )
    assert credit is not None and credit.replaced is not None  # the part the dead replica never did
    bot.tg.mark()
    bot.tg.successful_payment(uid, pro_payload, PRO_STARS, charge,
                              is_recurring=True, is_first_recurring=True, subscription_expiration_date=end)  # fmt: skip
    [told] = await bot.tg.wait_for("sendMessage", chat_id=uid, settle=0.3)
    assert told.params["text"].startswith("Your monthly <b>PREMIUM</b> plan is canceled")
    [cancel] = bot.tg.calls_for(uid, "editUserStarSubscription")
    assert cancel.params["telegram_payment_charge_id"] == first
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM entitlements WHERE source_ref = $1", charge) == 1

    before = len(bot.tg.calls)
    with watch_updates(bot.rt.dp) as handled:  # a third delivery: all is done, nothing more to say or cancel
        await handled.wait(bot.tg.successful_payment(uid, pro_payload, PRO_STARS, charge, is_recurring=True,
                                                     is_first_recurring=True, subscription_expiration_date=end))  # fmt: skip
    assert [c.method for c in bot.tg.calls[before:] if c.method != "getUpdates"] == []

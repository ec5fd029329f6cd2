"""/subscribe, invoices, pre-checkout, successful payments, subscription renewal changes,
/paysupport and /terms.

The pre-checkout query is answered right here, inline: Telegram gives a bot 10 seconds, and the
job queue may be full of analyses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BotSubscriptionUpdated,
    CallbackQuery,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
    Update,
)
from aiogram.utils.i18n import I18n

from faceitbot.callbacks import BuyCb, BuyKind
from faceitbot.cluster.kv import KeyValue
from faceitbot.config import Settings
from faceitbot.handlers.filters import MenuButton, MessageIs
from faceitbot.i18n.loader import L10n
from faceitbot.render import payments as render
from faceitbot.services import entitlements, payments, referrals, support
from faceitbot.services.payments import IncomingPayment
from faceitbot.store import payments as payments_store
from faceitbot.store import settings as settings_store
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow
from faceitbot.telegram import delivery

router = Router(name="payments")


@router.message(Command("subscribe"))
@router.message(MenuButton("menu-subscribe"))
async def cmd_subscribe(message: Message, user: UserRow, pool: Pool, settings: Settings, l10n: L10n) -> None:
    now = datetime.now(UTC)
    bonus = await referrals.bonus_left(pool, user.telegram_id)
    plan = await entitlements.plan_of(pool, user.telegram_id, now)
    renewing = tuple(s.tier for s in await payments.renewing(pool, user.telegram_id, now))
    zone = await settings_store.zone(pool, user.telegram_id)
    shown = render.plans(user, settings, l10n, now, bonus, plan, renewing, zone)
    await message.answer(shown.text, reply_markup=shown.markup)


@router.callback_query(BuyCb.filter(F.tier.in_(payments.PAID_TIERS)))
async def on_buy(
    query: CallbackQuery,
    callback_data: BuyCb,
    user: UserRow,
    pool: Pool,
    bot: Bot,
    settings: Settings,
    l10n: L10n,
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    monthly = callback_data.kind is BuyKind.MONTHLY
    invoice = await payments.issue_invoice(
        pool, settings, user.telegram_id, callback_data.tier, recurring=monthly, now=datetime.now(UTC)
    )
    title = render.invoice_title(invoice.tier, l10n)
    description = render.invoice_description(invoice.tier, settings, l10n)
    prices = [LabeledPrice(label=title, amount=invoice.stars)]
    if not monthly:
        await query.message.answer_invoice(title, description, invoice.payload, payments.CURRENCY, prices)
        return
    url = await bot.create_invoice_link(
        title,
        description,
        invoice.payload,
        payments.CURRENCY,
        prices,
        subscription_period=payments.SUBSCRIPTION_PERIOD_S,
    )
    shown = render.subscription_link(invoice.tier, invoice.stars, url, l10n)
    await query.message.answer(shown.text, reply_markup=shown.markup)


@router.pre_checkout_query()
async def on_pre_checkout(
    query: PreCheckoutQuery, pool: Pool, l10n: L10n, user: UserRow | None = None
) -> None:
    refusal = await payments.check_pre_checkout(
        pool,
        user=user,
        from_id=query.from_user.id,
        payload=query.invoice_payload,
        currency=query.currency,
        total_amount=query.total_amount,
        now=datetime.now(UTC),
    )
    if refusal is None:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=l10n(refusal.value))


@router.subscription()
async def on_subscription(
    event: BotSubscriptionUpdated, event_update: Update, bot: Bot, pool: Pool, i18n: I18n
) -> None:
    change = await payments.subscription_changed(
        pool, event_update.update_id, event.user.id, event.invoice_payload, event.state
    )
    parsed = payments.parse_payload(event.invoice_payload)
    if change is None or parsed is None:
        return
    zone = await settings_store.zone(pool, change.telegram_id)
    text = render.subscription_state(
        event.state, parsed.tier, change.tier_expires_at, L10n(i18n, change.language), datetime.now(UTC), zone
    )
    await delivery.send(bot, change.telegram_id, text)


@router.message(MessageIs(lambda m: m.successful_payment))
async def on_successful_payment(
    message: Message, pool: Pool, bot: Bot, settings: Settings, l10n: L10n
) -> None:
    paid = message.successful_payment
    assert paid is not None and message.from_user is not None
    expires = paid.subscription_expiration_date
    credit = await payments.record_payment(
        pool,
        IncomingPayment(
            telegram_id=message.from_user.id,
            payload=paid.invoice_payload,
            currency=paid.currency,
            total_amount=paid.total_amount,
            charge_id=paid.telegram_payment_charge_id,
            provider_charge_id=paid.provider_payment_charge_id,
            is_recurring=bool(paid.is_recurring),
            is_first_recurring=bool(paid.is_first_recurring),
            subscription_expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
        ),
        datetime.now(UTC),
    )
    if credit is None:
        return
    if not credit.replay:
        zone = await settings_store.zone(pool, message.from_user.id)
        await message.answer(render.paid(credit, settings, l10n, zone).text)
    if credit.replaced is not None:
        canceled = await payments.cancel_replaced(
            pool, bot, message.from_user.id, credit.replaced, datetime.now(UTC)
        )
        await message.answer(render.replaced(credit.replaced.tier, credit.tier, canceled, l10n))


@router.message(MessageIs(lambda m: m.refunded_payment))
async def on_refunded_payment(message: Message, pool: Pool) -> None:
    assert message.refunded_payment is not None
    await payments.apply_refund(pool, message.refunded_payment.telegram_payment_charge_id, datetime.now(UTC))


@router.message(Command("paysupport"))
async def cmd_paysupport(
    message: Message,
    command: CommandObject,
    user: UserRow,
    pool: Pool,
    bot: Bot,
    settings: Settings,
    kv: KeyValue,
    l10n: L10n,
) -> None:
    recent = await payments_store.recent_payments(pool, user.telegram_id)
    text = (command.args or "").strip()
    if not text:
        await message.answer(render.paysupport(recent, l10n).text)
        return
    if not await support.may_write(kv, user.telegram_id):
        await message.answer(
            l10n("paysupport-limited", most=l10n.plural("n-messages", support.MESSAGES_PER_HOUR))
        )
        return
    name = message.from_user.full_name if message.from_user else ""
    forwarded = render.paysupport_forward(user.telegram_id, name, text[:3000], recent, l10n)
    for admin_id in sorted(settings.admin_ids):
        await delivery.send(bot, admin_id, forwarded)
    await message.answer(l10n("paysupport-sent"))


@router.message(Command("terms"))
async def cmd_terms(message: Message, settings: Settings, l10n: L10n) -> None:
    await message.answer(render.terms(settings, l10n))

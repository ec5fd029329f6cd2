"""/admin: the console for ADMIN_IDS. The router's filters let nobody else in, so for everyone
else /admin falls through to the fallback router and gets the unknown-command reply.

Each handler returns a short result string; AuditMiddleware writes every command and button
press, with that result or the error it ended in, to admin_audit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import BufferedInputFile, CallbackQuery, Message, TelegramObject

from faceitbot.callbacks import AdminAction, AdminCb
from faceitbot.config import Settings
from faceitbot.constants import Priority
from faceitbot.errors import BadInput
from faceitbot.faceit.client import FaceitClient
from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n
from faceitbot.queue import TaskQueue
from faceitbot.render import admin as render
from faceitbot.render import chart
from faceitbot.render.payments import tier_name
from faceitbot.services import admin, analytics, broadcasts, payments
from faceitbot.services.bans import BanList
from faceitbot.store.db import Pool

router = Router(name="admin")


class IsAdmin(Filter):
    async def __call__(self, event: TelegramObject, settings: Settings) -> bool:
        user = getattr(event, "from_user", None)
        return user is not None and user.id in settings.admin_ids


class Sub(Filter):
    """`/admin <word> ...`: matches the first word and hands the rest over as `rest`."""

    def __init__(self, *words: str) -> None:
        self.words = words

    async def __call__(self, message: Message, command: CommandObject) -> bool | dict[str, Any]:
        parts = (command.args or "").strip().split(None, 1)
        word, rest = [*parts, "", ""][:2]
        return {"rest": rest.strip()} if word.lower() in self.words else False


class AuditMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        pool: Pool = data["pool"]
        if isinstance(event, Message):
            admin_id, what = event.from_user.id if event.from_user else 0, event.text or ""
        else:
            assert isinstance(event, CallbackQuery)
            admin_id, what = event.from_user.id, f"button {event.data}"
        action, _, args = what.removeprefix("/admin").strip().partition(" ")
        try:
            result = await handler(event, data)
        except BadInput as e:
            await admin.audit(pool, admin_id, action or "dashboard", args, f"refused: {e.key}")
            raise
        except Exception as e:
            await admin.audit(pool, admin_id, action or "dashboard", args, f"error: {type(e).__name__}")
            raise
        await admin.audit(pool, admin_id, action or "dashboard", args, str(result or "ok"))
        return result


router.message.filter(IsAdmin())
router.callback_query.filter(IsAdmin())
router.message.middleware(AuditMiddleware())
router.callback_query.middleware(AuditMiddleware())


@router.message(Command("admin"), Sub(""))
async def cmd_dashboard(
    message: Message, pool: Pool, queue: TaskQueue, faceit: FaceitClient, l10n: L10n
) -> str:
    shown = render.dashboard(await admin.dashboard(pool, queue, faceit, datetime.now(UTC)), l10n)
    await message.answer(shown.text, reply_markup=shown.markup)
    return "shown"


@router.callback_query(AdminCb.filter(F.action == AdminAction.REFRESH))
async def on_refresh(
    query: CallbackQuery, pool: Pool, queue: TaskQueue, faceit: FaceitClient, l10n: L10n
) -> str:
    shown = render.dashboard(await admin.dashboard(pool, queue, faceit, datetime.now(UTC)), l10n)
    await query.answer()
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(shown.text, reply_markup=shown.markup)
        except TelegramBadRequest as e:
            if "not modified" not in e.message:
                raise
    return "refreshed"


@router.message(Command("admin"), Sub("queue"))
async def cmd_queue(
    message: Message, rest: str, pool: Pool, queue: TaskQueue, settings: Settings, l10n: L10n
) -> str:
    verb, _, arg = rest.partition(" ")
    verb = verb.lower()
    admin_id = message.from_user.id if message.from_user else 0
    if verb == "pause":
        now_paused = await admin.pause(pool, queue, admin.parse_priorities(arg), admin_id)
    elif verb == "resume":
        now_paused = await admin.resume(pool, queue, admin.parse_priorities(arg))
    elif verb == "retry-failed":
        priority = admin.parse_priority(arg) if arg.strip() else None
        count = await admin.retry_failed(pool, priority)
        await message.answer(l10n("admin-retried", count=l10n.plural("n-failed-jobs", count)))
        return f"requeued {count}"
    elif verb == "purge" and arg.strip():
        priority = admin.parse_priority(arg)
        shown = render.purge_confirm(priority, await admin.queued(pool, priority), l10n)
        await message.answer(shown.text, reply_markup=shown.markup)
        return "asked to confirm"
    else:
        raise BadInput("admin-queue-usage")
    await message.answer(render.paused(now_paused, l10n))
    return f"paused: {render.priorities(now_paused)}"


@router.callback_query(AdminCb.filter(F.action == AdminAction.PURGE))
async def on_purge(query: CallbackQuery, callback_data: AdminCb, queue: TaskQueue, l10n: L10n) -> str:
    priority = Priority(callback_data.priority)
    count = await admin.purge(queue, priority)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            l10n("admin-purged", priority=priority.name, count=l10n.plural("n-queued-jobs", count))
        )
    return f"purged {count}"


@router.callback_query(AdminCb.filter(F.action == AdminAction.CANCEL))
async def on_cancel(query: CallbackQuery, l10n: L10n) -> str:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(l10n("admin-cancelled"))
    return "cancelled"


@router.message(Command("admin"), Sub("user"))
async def cmd_user(message: Message, rest: str, pool: Pool, settings: Settings, l10n: L10n) -> str:
    now = datetime.now(UTC)
    report = await admin.user_report(pool, rest, now)
    quota = settings.daily_quota(payments.effective_tier(report.info.tier, report.info.tier_expires_at, now))
    await message.answer(render.user_report(report, quota, now, l10n).text)
    return f"user {report.info.telegram_id}"


@router.message(Command("admin"), Sub("grant"))
async def cmd_grant(message: Message, rest: str, pool: Pool, l10n: L10n) -> str:
    parts = rest.split()
    if len(parts) != 3:
        raise BadInput("admin-usage")
    info, expires = await admin.grant(pool, parts[0], parts[1], parts[2], datetime.now(UTC))
    tier = parts[1].lower()
    await message.answer(
        l10n(
            "admin-granted",
            user_id=info.telegram_id,
            tier=tier_name(tier, l10n),
            until=formats.moment(expires, l10n),
        )
    )
    return f"user {info.telegram_id}: {tier} until {expires:%Y-%m-%d %H:%M} UTC"


@router.message(Command("admin"), Sub("ban", "unban"))
async def cmd_ban(
    message: Message, command: CommandObject, rest: str, pool: Pool, bans: BanList, l10n: L10n
) -> str:
    banned = (command.args or "").strip().lower().startswith("ban")
    info = await admin.set_banned(pool, bans, rest, banned)
    await message.answer(l10n("admin-banned" if banned else "admin-unbanned", user_id=info.telegram_id))
    return f"user {info.telegram_id} {'banned' if banned else 'unbanned'}"


@router.message(Command("admin"), Sub("refund"))
async def cmd_refund(message: Message, rest: str, pool: Pool, bot: Bot, l10n: L10n) -> str:
    if not rest:
        raise BadInput("admin-usage")
    result = await payments.refund(pool, bot, rest, datetime.now(UTC))
    await message.answer(render.refund(result, rest, l10n))
    return result.outcome.value


@router.message(Command("admin"), Sub("analytics", "stats"))
async def cmd_analytics(message: Message, rest: str, pool: Pool, l10n: L10n) -> str:
    days = analytics.DEFAULT_DAYS
    if rest:
        if not rest.isdigit() or not 1 <= int(rest) <= analytics.MAX_DAYS:
            raise BadInput("admin-bad-days", value=rest, max=analytics.MAX_DAYS)
        days = int(rest)
    rows = await analytics.report(pool, datetime.now(UTC).date(), days)
    await message.answer(render.analytics(rows, days, l10n))
    png = await asyncio.to_thread(chart.bars, render.chart_series(rows))  # CPU work off the event loop
    await message.answer_photo(
        BufferedInputFile(png, "analytics.png"), caption=render.chart_caption(rows, l10n)
    )
    return f"{days} days"


@router.message(Command("admin"), Sub("broadcast"))
async def cmd_broadcast(message: Message, rest: str, pool: Pool, queue: TaskQueue, l10n: L10n) -> str:
    if not rest:
        raise BadInput("admin-usage")
    admin_id = message.from_user.id if message.from_user else 0
    broadcast_id, recipients = await broadcasts.start(pool, queue, admin_id, rest, l10n.locale)
    await message.answer(
        l10n("admin-broadcast-queued", id=broadcast_id, recipients=formats.number(recipients, l10n))
    )
    return f"broadcast #{broadcast_id} to {recipients}"


@router.message(Command("admin"))
async def cmd_usage(message: Message, l10n: L10n) -> str:
    await message.answer(l10n("admin-usage"))
    return "usage"

"""Squads in a group: /join, /leave, /leaderboard, /squad (admins change its settings and remove
members), the bot being removed or added back (my_chat_member); /together anywhere."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import ChatMemberUpdated, Message
from aiogram.utils.i18n import I18n

from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers.replying import in_group, respond
from faceitbot.i18n.loader import L10n
from faceitbot.render import squads as render
from faceitbot.render.common import Rendered
from faceitbot.services import squads
from faceitbot.store import settings as settings_store
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="squads")


def _group_of(message: Message) -> int:
    if not in_group(message):
        raise squads.GroupsOnly()
    return message.chat.id


@router.message(Command("join"))
async def cmd_join(message: Message, user: UserRow, pool: Pool, l10n: L10n) -> None:
    done = await squads.join(pool, _group_of(message), user)
    await respond(message, render.joined(done, l10n))


@router.message(Command("leave"))
async def cmd_leave(message: Message, user: UserRow, pool: Pool, l10n: L10n) -> None:
    was_member = await squads.leave(pool, _group_of(message), user)
    await respond(message, render.left(was_member, l10n))


@router.message(Command("leaderboard"))
async def cmd_leaderboard(
    message: Message, pool: Pool, bot: Bot, monitor_faceit: FaceitClient, i18n: I18n
) -> None:
    chat_id = _group_of(message)
    squad = await squads.squad(pool, chat_id)
    entries = await squads.leaderboard(pool, monitor_faceit, chat_id, datetime.now(UTC))
    await squads.post_board(pool, bot, chat_id, render.board(entries, L10n(i18n, squad.language)))


@router.message(Command("squad"))
async def cmd_squad(
    message: Message, command: CommandObject, user: UserRow, pool: Pool, bot: Bot, i18n: I18n, l10n: L10n
) -> None:
    """/squad; /squad digest off|on|<day> <hour> [zone]; /squad language en|ru; /squad remove <nick>."""
    chat_id = _group_of(message)
    args = (command.args or "").split()
    what, rest = (args[0].lower(), args[1:]) if args else ("", [])
    if what == "remove" and rest:
        nickname = await squads.remove(pool, bot, chat_id, user.telegram_id, " ".join(rest))
        await respond(message, render.removed(nickname, l10n))
        return
    if what == "digest":
        row = await squads.set_digest(pool, bot, chat_id, user.telegram_id, rest)
    elif what == "language" and len(rest) == 1:
        row = await squads.set_language(pool, bot, chat_id, user.telegram_id, rest[0].lower())
    elif what:
        await respond(message, Rendered(l10n("squad-usage")))
        return
    else:
        row = await squads.squad(pool, chat_id)
    await respond(message, render.squad_view(row, L10n(i18n, row.language)))


@router.message(Command("together"))
async def cmd_together(
    message: Message, command: CommandObject, user: UserRow, pool: Pool, faceit: FaceitClient, l10n: L10n
) -> None:
    report = await squads.together(faceit, user, command.args)
    zone = await settings_store.time_zone(pool, user.telegram_id)
    await respond(message, render.together(report, zone, l10n))


@router.my_chat_member()
async def on_bot_membership(event: ChatMemberUpdated, pool: Pool) -> None:
    if event.chat.type in ("group", "supergroup"):
        await squads.bot_membership(pool, event.chat.id, event.new_chat_member.status)

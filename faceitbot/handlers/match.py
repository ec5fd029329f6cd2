"""/match and pasted room links: queue a pre-game analysis and acknowledge at once.

/match works in groups too (on the caller's quota, answered as a reply to them): the same
handler sits on `group_router`, which the router tree puts among the routers for every chat.
Pasted room links stay private-only: in a group they are usually just shared, not a request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, Update

from faceitbot import parsing
from faceitbot.config import Settings
from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers.filters import MenuButton, MessageIs
from faceitbot.handlers.replying import respond
from faceitbot.i18n.loader import L10n
from faceitbot.queue import TaskQueue
from faceitbot.render import match as render_match
from faceitbot.render.common import Rendered
from faceitbot.services import match_requests
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="match")
group_router = Router(name="group_match")
group_router.message.filter(MessageIs(lambda m: m.chat.type in ("group", "supergroup")))


@router.message(Command("match"))
@group_router.message(Command("match"))
async def cmd_match(
    message: Message,
    command: CommandObject,
    user: UserRow,
    pool: Pool,
    faceit: FaceitClient,
    queue: TaskQueue,
    settings: Settings,
    l10n: L10n,
    event_update: Update,
) -> None:
    match_id = await match_requests.requested_match_id(faceit, user, command.args)
    await request_analysis(message, user, pool, queue, settings, l10n, match_id, event_update.update_id)


@router.message(MenuButton("menu-match"))
async def menu_match(message: Message, l10n: L10n) -> None:
    await message.answer(l10n("match-usage"))


@router.message(MessageIs(lambda m: m.text and parsing.looks_like_match(m.text)))
async def pasted_room(
    message: Message,
    user: UserRow,
    pool: Pool,
    queue: TaskQueue,
    settings: Settings,
    l10n: L10n,
    event_update: Update,
) -> None:
    match_id = parsing.match_id(message.text)
    await request_analysis(message, user, pool, queue, settings, l10n, match_id, event_update.update_id)


async def request_analysis(
    message: Message,
    user: UserRow,
    pool: Pool,
    queue: TaskQueue,
    settings: Settings,
    l10n: L10n,
    match_id: str,
    update_id: int | None = None,
) -> None:
    """Queue the caller's analysis and acknowledge it (in a group, as a reply to the caller).

    Keyed by the update that asked: handled again after its replica died, it finds its job
    and sends nothing, so the user is not acknowledged, charged or answered twice."""
    accepted = await match_requests.request_analysis(
        pool,
        queue,
        settings,
        user,
        match_id,
        chat_id=message.chat.id,
        locale=l10n.locale,
        now=datetime.now(UTC),
        update_id=update_id,
    )
    if accepted.replayed:
        return
    if not accepted.created:
        await respond(message, Rendered(l10n("analysis-already", position=accepted.position)))
        return
    ack = await respond(message, Rendered(render_match.queued(accepted, l10n)))
    await queue.attach_reply(accepted.job_id, ack.message_id)

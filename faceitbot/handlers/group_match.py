"""/match in a group: the caller's analysis (on the caller's quota), answered as a reply to them.

Pasted room links stay private-only: in a group they are usually just shared, not a request.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, Update

from faceitbot.config import Settings
from faceitbot.faceit.client import FaceitClient
from faceitbot.handlers.filters import MessageIs
from faceitbot.handlers.match import request_analysis
from faceitbot.i18n.loader import L10n
from faceitbot.queue import TaskQueue
from faceitbot.services import match_requests
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="group_match")
router.message.filter(MessageIs(lambda m: m.chat.type in ("group", "supergroup")))


@router.message(Command("match"))
async def group_match(
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

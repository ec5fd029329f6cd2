"""Button presses that no feature router took: stale, unknown or forged callback data.

Telegram keeps a pressed button spinning until the bot answers the query, so every press
must get an answer. Data that does not unpack (an old prefix, an enum value that no longer
exists, a forged id) and admin buttons pressed by anyone else all land here and get the same
"out of date" answer, which tells a non-admin nothing about what the admin buttons do.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from loguru import logger

from faceitbot.i18n.loader import L10n

router = Router(name="stale_buttons")


@router.callback_query()
async def stale_button(query: CallbackQuery, l10n: L10n) -> None:
    logger.info("stale or unknown button {!r} from {}", (query.data or "")[:64], query.from_user.id)
    await query.answer(l10n("button-stale"), show_alert=True)

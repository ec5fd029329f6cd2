"""Domain errors raised anywhere in a handler become a translated reply here."""

from __future__ import annotations

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot.errors import FaceitBotError
from faceitbot.handlers.replying import respond
from faceitbot.i18n.loader import L10n
from faceitbot.render.errors import for_exception
from faceitbot.store.db import UNREACHABLE

router = Router(name="errors")


@router.errors(ExceptionTypeFilter(*UNREACHABLE))
async def on_database_unreachable(event: ErrorEvent) -> None:
    # Not the user's problem and not final: the intake gives the update back and it is handled
    # again once PostgreSQL answers, so the user gets the real reply instead of an apology.
    raise event.exception


@router.errors(ExceptionTypeFilter(FaceitBotError))
async def on_domain_error(event: ErrorEvent, i18n: I18n, l10n: L10n | None = None) -> None:
    await _reply(event, l10n or L10n(i18n, i18n.default_locale))


@router.errors()
async def on_unexpected_error(event: ErrorEvent, i18n: I18n, l10n: L10n | None = None) -> None:
    logger.opt(exception=event.exception).error("handler failed on update {}", event.update.update_id)
    await _reply(event, l10n or L10n(i18n, i18n.default_locale))


async def _reply(event: ErrorEvent, l10n: L10n) -> None:
    rendered = for_exception(event.exception, l10n)
    update = event.update
    if update.message is not None:
        await respond(update.message, rendered)  # in a group, as a reply to the caller
    elif update.callback_query is not None:
        query = update.callback_query
        await _answer_press(query)
        if isinstance(query.message, Message):
            await respond(query.message, rendered, caller=query.from_user)


async def _answer_press(query: CallbackQuery) -> None:
    """Stop the button's spinner if the failed handler had not yet answered it."""
    try:
        await query.answer()
    except TelegramBadRequest:
        pass  # answered already: a query can be answered only once

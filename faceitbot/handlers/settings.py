"""/settings: time zone and language, and the account link behind a button."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from faceitbot import parsing
from faceitbot.callbacks import SettingsAction, SettingsCb
from faceitbot.handlers.filters import MenuButton
from faceitbot.handlers.prompts import ask
from faceitbot.handlers.replying import respond
from faceitbot.i18n.loader import L10n
from faceitbot.render import keyboards
from faceitbot.render import settings as render
from faceitbot.render import squads as render_squads
from faceitbot.services import squads
from faceitbot.store import settings as settings_store
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="settings")


async def _view(pool: Pool, user: UserRow, l10n: L10n):
    zone = await settings_store.time_zone(pool, user.telegram_id)
    recap = await squads.recap_wanted(pool, user)
    return render.settings_view(zone, datetime.now(UTC), user, l10n, recap=recap)


@router.message(Command("settings"))
@router.message(MenuButton("menu-settings"))
async def cmd_settings(
    message: Message, user: UserRow, pool: Pool, l10n: L10n, command: CommandObject | None = None
) -> None:
    args = (command.args or "").split() if command is not None else []
    if args:
        zone = parsing.time_zone(args[-1])  # "/settings Asia/Almaty" and "/settings tz Asia/Almaty"
        await settings_store.set_time_zone(pool, user.telegram_id, zone)
    await respond(message, await _view(pool, user, l10n))


@router.callback_query(SettingsCb.filter(F.action == SettingsAction.ZONE))
async def on_zone(
    query: CallbackQuery, callback_data: SettingsCb, user: UserRow, pool: Pool, l10n: L10n
) -> None:
    zone = parsing.time_zone(callback_data.value)
    await settings_store.set_time_zone(pool, user.telegram_id, zone)
    await query.answer(l10n("settings-zone-set", zone=zone))
    if isinstance(query.message, Message):
        view = await _view(pool, user, l10n)
        await query.message.edit_text(view.text, reply_markup=view.markup)


@router.callback_query(SettingsCb.filter(F.action == SettingsAction.LANGUAGE))
async def on_language(query: CallbackQuery, l10n: L10n) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(l10n("language-choose"), reply_markup=keyboards.languages())


@router.callback_query(SettingsCb.filter(F.action == SettingsAction.LINK))
async def on_link(query: CallbackQuery, user: UserRow, pool: Pool, l10n: L10n) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await ask(query.message, user, pool, l10n, "link")


@router.callback_query(SettingsCb.filter(F.action == SettingsAction.RECAP))
async def on_recap(
    query: CallbackQuery, callback_data: SettingsCb, user: UserRow, pool: Pool, l10n: L10n
) -> None:
    """The personal weekly recap, opt-in: "on" or "off" in the button's value."""
    on = callback_data.value == "on"
    await squads.set_recap(pool, user, on)
    await query.answer(render_squads.recap_state(on, l10n))
    if isinstance(query.message, Message):
        view = await _view(pool, user, l10n)
        await query.message.edit_text(view.text, reply_markup=view.markup)

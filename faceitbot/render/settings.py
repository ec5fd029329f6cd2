"""The /settings view and the prompts the bot asks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from faceitbot.callbacks import SettingsAction, SettingsCb
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape
from faceitbot.store.users import UserRow

# The zones most of our players live in; any other IANA zone can be typed: /settings Area/City.
ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Almaty",
    "Asia/Novosibirsk",
    "Europe/Kyiv",
    "Europe/Minsk",
    "Europe/Berlin",
    "Europe/London",
    "UTC",
    "America/New_York",
)


def settings_view(zone: str, now: datetime, user: UserRow, l10n: L10n, *, recap: bool = False) -> Rendered:
    local = now.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    linked = escape(user.faceit_nickname) if user.faceit_nickname else l10n("settings-not-linked")
    text = l10n("settings-view", zone=zone, local=local, language=l10n("language-name"), linked=linked)

    rows = zone_rows(zone)
    rows.append(
        [
            InlineKeyboardButton(
                text=l10n("menu-language"), callback_data=SettingsCb(action=SettingsAction.LANGUAGE).pack()
            ),
            InlineKeyboardButton(
                text=l10n("menu-link"), callback_data=SettingsCb(action=SettingsAction.LINK).pack()
            ),
        ]
    )
    # The personal weekly recap (issue 15): opt-in, the button says what a press does.
    rows.append(
        [
            InlineKeyboardButton(
                text=l10n("recap-button-off" if recap else "recap-button-on"),
                callback_data=SettingsCb(action=SettingsAction.RECAP, value="off" if recap else "on").pack(),
            )
        ]
    )
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=rows))


def zone_rows(current: str | None = None) -> list[list[InlineKeyboardButton]]:
    """The common zones as buttons, three a row, the current one marked."""

    def zone_button(name: str) -> InlineKeyboardButton:
        mark = "• " if name == current else ""
        label = name.split("/")[-1].replace("_", " ")
        return InlineKeyboardButton(
            text=mark + label, callback_data=SettingsCb(action=SettingsAction.ZONE, value=name).pack()
        )

    return [[zone_button(z) for z in ZONES[i : i + 3]] for i in range(0, len(ZONES), 3)]


def zone_choices() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=zone_rows())


def prompt(kind: str, l10n: L10n) -> tuple[str, ForceReply]:
    text = l10n("prompt-find") if kind == "find" else l10n("prompt-link")
    # selective: in a group only the caller gets the reply field.
    return text, ForceReply(
        force_reply=True, selective=True, input_field_placeholder=l10n("prompt-placeholder")
    )

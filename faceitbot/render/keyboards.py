"""Keyboards: the main menu (reply keyboard) and inline choices."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from faceitbot.callbacks import LanguageCb, PlayerAction, PlayerCb
from faceitbot.i18n.loader import L10n

MENU_KEYS = ("menu-match", "menu-profile", "menu-link", "menu-help", "menu-language")


def main_menu(l10n: L10n) -> ReplyKeyboardMarkup:
    match, profile, link, help_, language = (l10n(k) for k in MENU_KEYS)
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=match)],
            [KeyboardButton(text=profile), KeyboardButton(text=link)],
            [KeyboardButton(text=help_), KeyboardButton(text=language)],
        ],
        resize_keyboard=True,
        is_persistent=True,
        input_field_placeholder=l10n("menu-placeholder"),
    )


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="🇷🇺 Русский", callback_data=LanguageCb(code="ru").pack()),
                InlineKeyboardButton(text="🇬🇧 English", callback_data=LanguageCb(code="en").pack()),
            ]
        ]
    )


def player_choices(nicknames: tuple[str, ...], action: PlayerAction) -> InlineKeyboardMarkup | None:
    if not nicknames:
        return None
    icon = "🔗" if action is PlayerAction.LINK else "📊"
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{icon} {nick}", callback_data=PlayerCb(action=action, nickname=nick).pack()
                )
            ]
            for nick in nicknames
        ]
    )

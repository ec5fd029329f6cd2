"""Keyboards: the main menu (reply keyboard) and inline choices."""

from __future__ import annotations

import functools

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from faceitbot.callbacks import LanguageCb, PlayerAction, PlayerCb
from faceitbot.i18n.loader import L10n

MENU_KEYS = (
    "menu-mystats",
    "menu-last",
    "menu-history",
    "menu-profile",
    "menu-form",
    "menu-find",
    "menu-match",
    "menu-subscribe",
    "menu-help",
    "menu-settings",
    # Not on the keyboard any more, still understood when an old keyboard sends them.
    "menu-link",
    "menu-language",
)


@functools.lru_cache(maxsize=16)
def main_menu(l10n: L10n) -> ReplyKeyboardMarkup:
    """The old bot's menu, two buttons a row; language and linking live in the settings. One per
    locale, built once: it goes out with every /start and /help, and building its twenty
    models cost more than the rest of a new user's /start (bench/updates.py). Not to be changed."""
    keys = MENU_KEYS[:10]
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=l10n(a)), KeyboardButton(text=l10n(b))]
            for a, b in zip(keys[::2], keys[1::2], strict=True)
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

"""Typed, versioned callback data. Bump a prefix when its shape changes so old buttons fail cleanly."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class LanguageCb(CallbackData, prefix="lang1"):
    code: str


class PlayerAction(StrEnum):
    LINK = "link"
    STATS = "stats"


class PlayerCb(CallbackData, prefix="pl1"):
    action: PlayerAction
    nickname: str

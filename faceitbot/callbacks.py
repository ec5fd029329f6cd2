"""Typed, versioned callback data. Bump a prefix when its shape changes so old buttons fail cleanly."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class LanguageCb(CallbackData, prefix="lang1"):
    code: str


class PlayerAction(StrEnum):
    LINK = "link"
    STATS = "stats"
    TRACK = "track"


class PlayerCb(CallbackData, prefix="pl1"):
    action: PlayerAction
    nickname: str


class BuyKind(StrEnum):
    ONCE = "once"  # an invoice for 30 days
    MONTHLY = "monthly"  # an auto-renewing Stars subscription link


class BuyCb(CallbackData, prefix="buy1"):
    tier: str
    kind: BuyKind


class AdminAction(StrEnum):
    REFRESH = "refresh"
    PURGE = "purge"
    CANCEL = "cancel"


class AdminCb(CallbackData, prefix="adm1"):
    action: AdminAction
    priority: int = -1


class TrackAction(StrEnum):
    UNTRACK = "untrack"  # value: the player id
    ANALYSE = "analyse"  # value: the match id of a notification


class TrackCb(CallbackData, prefix="trk1"):
    action: TrackAction
    value: str

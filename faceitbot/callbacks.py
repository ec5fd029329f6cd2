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


class MatchesCb(CallbackData, prefix="mh1"):
    """A page of /matches: `count` matches of the player, ten a page."""

    player_id: str
    count: int
    page: int


class ScoreboardCb(CallbackData, prefix="sb1"):
    match_id: str


class FormView(StrEnum):
    LAST_20 = "20"
    LAST_60 = "60"
    LAST_100 = "100"
    SESSIONS = "sessions"
    TODAY = "today"


class FormCb(CallbackData, prefix="fm1"):
    view: FormView
    player_id: str


class SettingsAction(StrEnum):
    ZONE = "zone"  # value: an IANA time zone
    LINK = "link"  # ask for a nickname to link
    LANGUAGE = "language"


class SettingsCb(CallbackData, prefix="st1"):
    action: SettingsAction
    value: str = ""

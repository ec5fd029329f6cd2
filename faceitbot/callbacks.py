"""Typed, versioned callback data. Bump a prefix when its shape changes so old buttons fail cleanly.

Callback data comes back from the client, and anyone can send any bytes as the data of a
button press. Every field is therefore constrained here: data that does not fit fails to
unpack, no filter takes it, and the stale-button handler answers it. A forged id never
reaches a FACEIT URL or the database.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field, model_validator

from faceitbot.i18n.loader import LANGUAGES

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PlayerId = Annotated[str, Field(pattern=rf"^{_UUID}$")]
MatchId = Annotated[str, Field(pattern=rf"^1-{_UUID}$")]
Nickname = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-.]{2,32}$")]
Language = Annotated[str, Field(pattern="^(" + "|".join(LANGUAGES) + ")$")]
# Matches a /matches list may hold, and its pages of ten (render/insights.py).
HISTORY_MOST = 50


class LanguageCb(CallbackData, prefix="lang1"):
    code: Language


class PlayerAction(StrEnum):
    LINK = "link"
    STATS = "stats"
    TRACK = "track"


class PlayerCb(CallbackData, prefix="pl1"):
    action: PlayerAction
    nickname: Nickname


class BuyKind(StrEnum):
    ONCE = "once"  # an invoice for 30 days
    MONTHLY = "monthly"  # an auto-renewing Stars subscription link


class BuyCb(CallbackData, prefix="buy1"):
    tier: Annotated[str, Field(pattern="^(premium|pro)$")]
    kind: BuyKind


class AdminAction(StrEnum):
    REFRESH = "refresh"
    PURGE = "purge"
    CANCEL = "cancel"


class AdminCb(CallbackData, prefix="adm1"):
    action: AdminAction
    priority: Annotated[int, Field(ge=-1, le=3)] = -1


class TrackAction(StrEnum):
    UNTRACK = "untrack"  # value: the player id
    ANALYSE = "analyse"  # value: the match id of a notification


class TrackCb(CallbackData, prefix="trk1"):
    action: TrackAction
    value: str

    @model_validator(mode="after")
    def _value_fits_action(self) -> TrackCb:
        pattern = rf"^{_UUID}$" if self.action == TrackAction.UNTRACK else rf"^1-{_UUID}$"
        if not re.match(pattern, self.value):
            raise ValueError("value does not fit the action")
        return self


class MatchesCb(CallbackData, prefix="mh1"):
    """A page of /matches: `count` matches of the player, ten a page."""

    player_id: PlayerId
    count: Annotated[int, Field(ge=1, le=HISTORY_MOST)]
    page: Annotated[int, Field(ge=0, lt=(HISTORY_MOST + 9) // 10)]


class ScoreboardCb(CallbackData, prefix="sb1"):
    match_id: MatchId


class FormView(StrEnum):
    LAST_20 = "20"
    LAST_60 = "60"
    LAST_100 = "100"
    SESSIONS = "sessions"
    TODAY = "today"


class FormCb(CallbackData, prefix="fm1"):
    view: FormView
    player_id: PlayerId


class SettingsAction(StrEnum):
    ZONE = "zone"  # value: an IANA time zone
    LINK = "link"  # ask for a nickname to link
    LANGUAGE = "language"
    RECAP = "recap"  # value: "on" or "off", the personal weekly recap


class SettingsCb(CallbackData, prefix="st1"):
    action: SettingsAction
    value: Annotated[str, Field(max_length=64)] = ""

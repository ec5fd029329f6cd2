"""Dates written out the way the bot should show them, independently of the code under test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "ru": ("янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."),
}
# A user who never chose a zone reads the bot's default one.
DEFAULT_ZONE = "Europe/Moscow"


def moment(at: datetime, lang: str = "en", zone: str | None = DEFAULT_ZONE) -> str:
    """ "6 Jan 2027, 12:57" in the user's zone; with zone=None (the admin views) in UTC, saying so."""
    local = at.astimezone(ZoneInfo(zone) if zone else UTC)
    text = f"{local.day} {MONTHS[lang][local.month - 1]} {local.year}, {local:%H:%M}"
    return text if zone else text + " UTC"


def short_moment(at: datetime, lang: str = "en", zone: str = DEFAULT_ZONE) -> str:
    local = at.astimezone(ZoneInfo(zone))
    return f"{local.day} {MONTHS[lang][local.month - 1]}, {local:%H:%M}"


def day(on: date, lang: str = "en") -> str:
    return f"{on.day} {MONTHS[lang][on.month - 1]} {on.year}"

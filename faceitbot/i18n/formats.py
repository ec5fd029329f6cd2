"""Numbers, moments and durations as a reader of the locale writes them, through Babel's CLDR data.

"6 янв. 2027, 12:57" / "6 Jan 2027, 12:57", "1 000" / "1,000", "через 3 мин" / "in 3 min": every
renderer that shows one of these goes through here, so the bot writes them one way everywhere.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, tzinfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.units import format_unit

from faceitbot.i18n.loader import L10n

# One pattern for both languages: CLDR's medium date puts the month first in English ("Jan 6, 2027"),
# while both our audiences read day, month, year.
_MOMENT = "d MMM y, HH:mm"
_DAY = "d MMM y"
_MOMENT_THIS_YEAR = "d MMM, HH:mm"
_DAY_THIS_YEAR = "d MMM"
# A unit is used from this many seconds on: hours until two days, "36 ч" reads better than "1 дн.".
_UNITS = (("day", 2 * 86400, 86400), ("hour", 3600, 3600), ("minute", 60, 60), ("second", 0, 1))


def number(value: int, l10n: L10n) -> str:
    """An integer with the locale's grouping: 1 000 (a no-break space) in Russian, 1,000 in English."""
    return format_decimal(value, locale=l10n.locale)


def moment(at: datetime | None, l10n: L10n, zone: tzinfo | None = None) -> str:
    """A point in time in the reader's zone; without one, in UTC and saying so."""
    if at is None:
        return "—"
    text = format_datetime(at, _MOMENT, tzinfo=zone or UTC, locale=l10n.locale)
    return text if zone is not None else f"{text} UTC"


def short_moment(at: datetime, l10n: L10n, zone: tzinfo) -> str:
    """A recent moment where the year goes without saying: a match in a history list."""
    return format_datetime(at, _MOMENT_THIS_YEAR, tzinfo=zone, locale=l10n.locale)


def day(on: date | datetime, l10n: L10n) -> str:
    return format_date(on, _DAY, locale=l10n.locale)


def short_day(on: date | datetime, l10n: L10n) -> str:
    """A recent day where the year goes without saying: "17 Nov" / "17 нояб."."""
    return format_date(on, _DAY_THIS_YEAR, locale=l10n.locale)


def duration(seconds: float, l10n: L10n, *, round_up: bool = False) -> str:
    """ "3 мин", "5 ч", "45 s": the largest unit that fits, whole. Time gone by rounds down; a short
    wait rounds up so the bot never promises less than it knows (a long one rounds to the nearest)."""
    seconds = max(0.0, seconds)
    unit, size = next((unit, size) for unit, start, size in _UNITS if seconds >= start)
    if not round_up:
        count = int(seconds // size)  # a cached answer in 0.3 s took "0 s"
    elif size <= 60:
        count = max(1, math.ceil(seconds / size))
    else:
        count = round(seconds / size)
    return format_unit(count, f"duration-{unit}", length="short", locale=l10n.locale)


def within(seconds: float, l10n: L10n) -> str:
    """A wait ahead: "через 3 мин" / "in 3 min"."""
    return l10n("duration-ahead", duration=duration(seconds, l10n, round_up=True))


def ago(seconds: float, l10n: L10n) -> str:
    """Time gone by: "3 мин назад" / "3 min ago"."""
    return l10n("duration-ago", duration=duration(seconds, l10n))

"""Numbers, moments and durations as each language writes them; the forms are written out here."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n, load_i18n

NBSP = "\u00a0"  # Russian groups digits with a no-break space, so "1 000" never wraps
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def ru() -> L10n:
    return L10n(load_i18n(), "ru")


@pytest.fixture(scope="module")
def en() -> L10n:
    return L10n(load_i18n(), "en")


def test_numbers_are_grouped_the_way_each_language_writes_them(ru: L10n, en: L10n) -> None:
    assert [formats.number(n, ru) for n in (7, 1000, 25000, 1234567)] == [
        "7",
        f"1{NBSP}000",
        f"25{NBSP}000",
        f"1{NBSP}234{NBSP}567",
    ]
    assert [formats.number(n, en) for n in (7, 1000, 25000, 1234567)] == ["7", "1,000", "25,000", "1,234,567"]


def test_a_moment_reads_day_month_year_in_the_readers_zone(ru: L10n, en: L10n) -> None:
    at = datetime(2027, 1, 6, 9, 57, tzinfo=UTC)
    assert formats.moment(at, ru, MOSCOW) == "6 янв. 2027, 12:57"
    assert formats.moment(at, en, MOSCOW) == "6 Jan 2027, 12:57"
    # New York is behind UTC: the same moment is still the evening before there.
    assert formats.moment(datetime(2027, 1, 6, 2, 5, tzinfo=UTC), en, NEW_YORK) == "5 Jan 2027, 21:05"


def test_a_moment_without_a_zone_says_it_is_utc(ru: L10n, en: L10n) -> None:
    at = datetime(2027, 3, 21, 23, 40, tzinfo=UTC)
    assert formats.moment(at, ru) == "21 мар. 2027, 23:40 UTC"
    assert formats.moment(at, en) == "21 Mar 2027, 23:40 UTC"
    assert formats.moment(None, en) == "—"


def test_a_day_and_a_recent_moment(ru: L10n, en: L10n) -> None:
    assert formats.day(date(2026, 12, 7), ru) == "7 дек. 2026"
    assert formats.day(date(2026, 12, 7), en) == "7 Dec 2026"
    at = datetime(2026, 5, 2, 18, 30, tzinfo=UTC)
    assert formats.short_moment(at, ru, MOSCOW) == "2 мая, 21:30"
    assert formats.short_moment(at, en, MOSCOW) == "2 May, 21:30"


def test_durations_take_the_largest_unit_that_fits(ru: L10n, en: L10n) -> None:
    seconds = (0.3, 1, 45, 60, 179, 3599, 3600, 5 * 3600 + 1200, 47 * 3600, 3 * 86400)
    assert [formats.duration(s, ru) for s in seconds] == [
        "0 с", "1 с", "45 с", "1 мин", "2 мин", "59 мин", "1 ч", "5 ч", "47 ч", "3 дн.",
    ]  # fmt: skip
    assert [formats.duration(s, en) for s in seconds] == [
        "0 sec", "1 sec", "45 sec", "1 min", "2 min", "59 min", "1 hr", "5 hr", "47 hr", "3 days",
    ]  # fmt: skip


def test_a_wait_rounds_up_and_time_gone_by_rounds_down(ru: L10n, en: L10n) -> None:
    assert formats.within(0.2, ru) == "через 1 с"
    assert formats.within(61, ru) == "через 2 мин"
    assert formats.within(61, en) == "in 2 min"
    assert formats.within(3 * 3600 + 100, en) == "in 3 hr"
    assert formats.ago(119, ru) == "1 мин назад"
    assert formats.ago(119, en) == "1 min ago"
    assert formats.ago(30 * 3600, ru) == "30 ч назад"

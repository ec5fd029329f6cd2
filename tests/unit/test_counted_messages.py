"""Whole messages that carry a count, rendered as the bot sends them: in Russian for 1, 2, 5, 11, 21,
22 and 101 (the three forms and their traps), in English for 1 and 2. The forms are written out."""

from datetime import UTC, datetime

import pytest

from faceitbot.config import Secret, Settings
from faceitbot.i18n.loader import L10n, load_i18n
from faceitbot.render import admin as render_admin
from faceitbot.render import errors as render_errors
from faceitbot.render import payments as render_payments
from faceitbot.render import pictures as render_pictures
from faceitbot.services.match_requests import QuotaExceeded
from faceitbot.services.tracking import TrackLimitReached
from faceitbot.store.users import UserRow

COUNTS = (1, 2, 5, 11, 21, 22, 101)
RU_ANALYSES = {1: "1 анализ", 2: "2 анализа", 5: "5 анализов", 11: "11 анализов", 21: "21 анализ", 22: "22 анализа", 101: "101 анализ"}  # fmt: skip
EN_ANALYSES = {1: "1 analysis", 2: "2 analyses"}
RU_BONUS = {
    1: "1 бонусный анализ", 2: "2 бонусных анализа", 5: "5 бонусных анализов", 11: "11 бонусных анализов",
    21: "21 бонусный анализ", 22: "22 бонусных анализа", 101: "101 бонусный анализ",
}  # fmt: skip
EN_BONUS = {1: "1 bonus analysis", 2: "2 bonus analyses"}


@pytest.fixture(scope="module")
def langs() -> dict[str, L10n]:
    i18n = load_i18n()
    return {"ru": L10n(i18n, "ru"), "en": L10n(i18n, "en")}


def _settings(**quotas: int) -> Settings:
    return Settings(telegram_bot_token=Secret("1:x"), faceit_api_key=Secret("k"), **quotas)


def _free_user() -> UserRow:
    return UserRow(
        telegram_id=1,
        language="ru",
        language_chosen=True,
        faceit_player_id=None,
        faceit_nickname=None,
        tier="free",
        tier_expires_at=None,
        notifications=True,
        subscription_state=None,
    )


def _check(langs: dict[str, L10n], message, ru: dict[int, str], en: dict[int, str]) -> None:  # type: ignore[no-untyped-def]
    assert {n: message(n, langs["ru"]) for n in COUNTS} == ru
    assert {n: message(n, langs["en"]) for n in (1, 2)} == en


def test_the_invoice_says_how_many_analyses_a_day(langs: dict[str, L10n]) -> None:
    _check(
        langs,
        lambda n, l10n: render_payments.invoice_description("premium", _settings(quota_premium=n), l10n),
        {n: f"Разборы матчей FACEIT: {f} в день на 30 дней." for n, f in RU_ANALYSES.items()},
        {n: f"FACEIT match briefings: {f} a day for 30 days." for n, f in EN_ANALYSES.items()},
    )


def test_the_terms_state_each_plans_daily_analyses(langs: dict[str, L10n]) -> None:
    _check(
        langs,
        lambda n, l10n: render_payments.terms(_settings(quota_free=n), l10n).splitlines()[1],
        {
            n: f"• FREE: {f} в день. PREMIUM: 100 анализов в день на 30 дней, 500 ⭐. PRO: 500 анализов в день на 30 дней, 1\u00a0000 ⭐."
            for n, f in RU_ANALYSES.items()
        },
        {
            n: f"• FREE: {f} a day. PREMIUM: 100 analyses a day for 30 days, 500 ⭐. PRO: 500 analyses a day for 30 days, 1,000 ⭐."
            for n, f in EN_ANALYSES.items()
        },
    )  # fmt: skip


def test_subscribe_counts_the_bonus_analyses_left(langs: dict[str, L10n]) -> None:
    now = datetime(2027, 1, 6, tzinfo=UTC)

    def bonus_line(n: int, l10n: L10n) -> str:
        text = render_payments.plans(_free_user(), _settings(), l10n, now, bonus=n).text
        return next(line for line in text.splitlines() if line.startswith("🎁"))

    _check(
        langs,
        bonus_line,
        {n: f"🎁 Сверх дневного лимита осталось: {f}" for n, f in RU_BONUS.items()},
        {n: f"🎁 {f} left beyond the daily limit" for n, f in EN_BONUS.items()},
    )


def test_the_quota_and_tracking_limits_count_their_nouns(langs: dict[str, L10n]) -> None:
    _check(
        langs,
        lambda n, l10n: render_errors.for_exception(
            QuotaExceeded(n, datetime(2027, 1, 6, 21, 0, tzinfo=UTC)), l10n
        ).text.split(". ")[0],
        {n: f"Дневной лимит исчерпан: {f} на сегодня" for n, f in RU_ANALYSES.items()},
        {n: f"You've used all {f} for today" for n, f in EN_ANALYSES.items()},
    )
    players = {1: "1 игроком", 2: "2 игроками", 5: "5 игроками", 11: "11 игроками", 21: "21 игроком", 22: "22 игроками", 101: "101 игроком"}  # fmt: skip
    _check(
        langs,
        lambda n, l10n: render_errors.for_exception(TrackLimitReached(n), l10n).text.split(". ")[0],
        {n: f"Твой тариф позволяет следить максимум за {f}" for n, f in players.items()},
        {1: "Your plan tracks up to 1 player", 2: "Your plan tracks up to 2 players"},
    )


def test_the_elo_caption_counts_its_snapshots(langs: dict[str, L10n]) -> None:
    def caption(n: int, l10n: L10n) -> str:
        series = [(1_700_000_000 + 3600 * i, 2000 + i) for i in range(n)]
        return render_pictures.elo_caption("s1mple", series, l10n).split(",")[0]

    by = {1: "по 1 замеру", 2: "по 2 замерам", 5: "по 5 замерам", 11: "по 11 замерам", 21: "по 21 замеру", 22: "по 22 замерам", 101: "по 101 замеру"}  # fmt: skip
    _check(
        langs,
        caption,
        {n: f"📈 <b>s1mple</b>: ELO 2000 → {2000 + n - 1} ({n - 1:+d}) {f}" for n, f in by.items()},
        {
            1: "📈 <b>s1mple</b>: ELO 2000 → 2000 (+0) over 1 snapshot",
            2: "📈 <b>s1mple</b>: ELO 2000 → 2001 (+1) over 2 snapshots",
        },
    )


def test_the_admin_analytics_title_counts_its_days(langs: dict[str, L10n]) -> None:
    days = {1: "1 день", 2: "2 дня", 5: "5 дней", 11: "11 дней", 21: "21 день", 22: "22 дня", 101: "101 день"}
    _check(
        langs,
        lambda n, l10n: render_admin.analytics([], n, l10n).splitlines()[0],
        {n: f"📈 <b>Аналитика</b> за {f} (UTC)" for n, f in days.items()},
        {1: "📈 <b>Analytics</b>, last 1 day (UTC)", 2: "📈 <b>Analytics</b>, last 2 days (UTC)"},
    )


def test_the_quota_message_says_when_the_limit_resets(langs: dict[str, L10n]) -> None:
    late = QuotaExceeded(21, datetime(2027, 1, 6, 21, 0, tzinfo=UTC))  # three hours to midnight UTC
    assert render_errors.for_exception(late, langs["ru"]).text == (
        "Дневной лимит исчерпан: 21 анализ на сегодня. Лимит обновится через 3 ч (в 00:00 UTC); "
        "больше анализов в день: /subscribe"
    )
    last_minutes = QuotaExceeded(2, datetime(2027, 1, 6, 23, 58, 30, tzinfo=UTC))
    assert render_errors.for_exception(last_minutes, langs["en"]).text == (
        "You've used all 2 analyses for today. The limit resets in 2 min (00:00 UTC); for more a day: /subscribe"
    )

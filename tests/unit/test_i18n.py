"""Every text the code asks for exists in both languages, with the same placeholders."""

import re
import string
from pathlib import Path

from babel.messages.pofile import read_po

from faceitbot.i18n.loader import LOCALES_DIR, L10n, load_i18n, pick_language

PACKAGE = Path(__file__).resolve().parents[2] / "faceitbot"
# l10n("key"), BadInput("key"), `key = "key"` class attributes and the menu key tuple.
_USED = re.compile(
    r"""(?:l10n\(\s*f?|l10n\.plural\(\s*|BadInput\(|key = |MENU_KEYS = \()["']([a-z0-9-]+)["']"""
)


def _catalog(lang: str) -> dict[str, str]:
    """key → text; a plural entry's forms joined by newlines (its key is its msgid)."""
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "bot.po").open("rb") as fp:
        return {
            (m.id[0] if m.pluralizable else m.id): ("\n".join(m.string) if m.pluralizable else m.string)
            for m in read_po(fp)
            if m.id
        }


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    en, ru = _catalog("en"), _catalog("ru")
    assert set(en) == set(ru)
    for key in en:
        assert en[key].strip() and ru[key].strip(), key
        assert _fields(en[key]) == _fields(ru[key]), key


def test_every_key_used_in_code_exists() -> None:
    en = _catalog("en")
    used = {key for path in PACKAGE.rglob("*.py") for key in _USED.findall(path.read_text(encoding="utf-8"))}
    assert used, "the scan found no l10n() calls"
    missing = sorted(k for k in used if k not in en and not k.endswith("-"))
    assert not missing


def test_texts_come_from_the_catalogs() -> None:
    i18n = load_i18n()
    assert set(i18n.available_locales) == {"en", "ru"}
    assert L10n(i18n, "ru")("menu-profile") == "👤 Профиль"
    assert L10n(i18n, "en")("link-done", nickname="X", level=3, elo=800).startswith("✅ Linked to <b>X</b>")


def test_telegram_language_codes_map_to_ours() -> None:
    assert pick_language("ru") == "ru"
    assert pick_language("en-US") == "en"
    assert pick_language("uk") == "ru"
    assert pick_language("de") == "en"
    assert pick_language(None) == "en"


# The bot speaks to one user as "ты"; "вы" only where it speaks to two people at once.
_FORMAL = re.compile(r"\b(?:вы|ваш\w*|вас|вам|вами)\b", re.IGNORECASE)
_ALLOWED_FORMAL = ("вы оба",)


def test_russian_speaks_in_one_register() -> None:
    offending = {}
    for key, text in _catalog("ru").items():
        rest = text
        for allowed in _ALLOWED_FORMAL:
            rest = re.sub(allowed, "", rest, flags=re.IGNORECASE)
        if _FORMAL.search(rest):
            offending[key] = text
    assert offending == {}


# Counted phrases, written out: Russian has three forms (1, 21, 101 / 2, 22 / 5, 11), English two.
PLURALS = {
    "n-faceit-requests": {
        1: "1 запрос к FACEIT", 2: "2 запроса к FACEIT", 5: "5 запросов к FACEIT", 11: "11 запросов к FACEIT",
        21: "21 запрос к FACEIT", 22: "22 запроса к FACEIT", 101: "101 запрос к FACEIT",
    },
    "n-bonus-analyses": {
        1: "1 бонусный анализ", 2: "2 бонусных анализа", 5: "5 бонусных анализов", 11: "11 бонусных анализов",
        21: "21 бонусный анализ", 22: "22 бонусных анализа", 101: "101 бонусный анализ",
    },
    "n-failed-jobs": {
        1: "1 упавшая задача", 2: "2 упавшие задачи", 5: "5 упавших задач", 11: "11 упавших задач",
        21: "21 упавшая задача", 22: "22 упавшие задачи", 101: "101 упавшая задача",
    },
    "n-players": {
        1: "1 игроком", 2: "2 игроками", 5: "5 игроками", 11: "11 игроками",
        21: "21 игроком", 22: "22 игроками", 101: "101 игроком",
    },
    "n-of-matches": {
        1: "из 1 матча", 2: "из 2 матчей", 5: "из 5 матчей", 11: "из 11 матчей",
        21: "из 21 матча", 22: "из 22 матчей", 101: "из 101 матча",
    },
    "n-queued-jobs": {
        1: "1 задача", 2: "2 задачи", 5: "5 задач", 11: "11 задач", 21: "21 задача", 22: "22 задачи", 101: "101 задача",
    },
    "n-analyses": {
        1: "1 анализ", 2: "2 анализа", 5: "5 анализов", 11: "11 анализов", 21: "21 анализ", 22: "22 анализа", 101: "101 анализ",
    },
    "n-days": {1: "1 день", 2: "2 дня", 5: "5 дней", 11: "11 дней", 21: "21 день", 22: "22 дня", 101: "101 день"},
    "n-matches": {1: "1 матч", 2: "2 матча", 5: "5 матчей", 11: "11 матчей", 21: "21 матч", 22: "22 матча", 101: "101 матч"},
    "n-wins": {1: "1 победа", 2: "2 победы", 5: "5 побед", 11: "11 побед", 21: "21 победа", 22: "22 победы", 101: "101 победа"},
    "n-losses": {
        1: "1 поражение", 2: "2 поражения", 5: "5 поражений", 11: "11 поражений",
        21: "21 поражение", 22: "22 поражения", 101: "101 поражение",
    },
    "n-snapshots": {
        1: "1 замер ELO", 2: "2 замера ELO", 5: "5 замеров ELO", 11: "11 замеров ELO",
        21: "21 замер ELO", 22: "22 замера ELO", 101: "101 замер ELO",
    },
    "n-by-snapshots": {
        1: "по 1 замеру", 2: "по 2 замерам", 5: "по 5 замерам", 11: "по 11 замерам",
        21: "по 21 замеру", 22: "по 22 замерам", 101: "по 101 замеру",
    },
    "n-messages": {
        1: "1 сообщение", 2: "2 сообщения", 5: "5 сообщений", 11: "11 сообщений",
        21: "21 сообщение", 22: "22 сообщения", 101: "101 сообщение",
    },
}  # fmt: skip
ENGLISH = {
    "n-faceit-requests": ("1 FACEIT request", "2 FACEIT requests"),
    "n-bonus-analyses": ("1 bonus analysis", "2 bonus analyses"),
    "n-failed-jobs": ("1 failed job", "2 failed jobs"),
    "n-players": ("1 player", "2 players"),
    "n-of-matches": ("of 1 match", "of 2 matches"),
    "n-days": ("1 day", "2 days"),
    "n-analyses": ("1 analysis", "2 analyses"),
    "n-queued-jobs": ("1 queued job", "2 queued jobs"),
    "n-matches": ("1 match", "2 matches"),
    "n-wins": ("1 win", "2 wins"),
    "n-losses": ("1 loss", "2 losses"),
    "n-snapshots": ("1 ELO snapshot", "2 ELO snapshots"),
    "n-by-snapshots": ("over 1 snapshot", "over 2 snapshots"),
    "n-messages": ("1 message", "2 messages"),
}


def test_counted_phrases_take_the_right_form() -> None:
    i18n = load_i18n()
    ru, en = L10n(i18n, "ru"), L10n(i18n, "en")
    for key, forms in PLURALS.items():
        assert {n: ru.plural(key, n) for n in forms} == forms, key
        assert (en.plural(key, 1), en.plural(key, 2)) == ENGLISH[key], key


def test_every_counted_message_goes_through_a_plural_entry() -> None:
    """No Russian text pastes a count in front of a noun it cannot agree with."""
    ru = _catalog("ru")
    nouns = (
        "запрос|бонусн|задач|упавш|игрок|матч|дней|дня|анализ|побед|поражен|замер|сообщен|пользовател"
        "|уведомлен|платеж|минут|секунд|звёзд|актив|заблокир|новых"
    )
    pasted = re.compile(r"\{\w+\} (?:" + nouns + ")")
    assert {k: t for k, t in ru.items() if pasted.search(t) and not k.startswith("n-")} == {}

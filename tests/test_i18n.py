"""Every text the code asks for exists in both languages, with the same placeholders."""

import re
import string
from pathlib import Path

from babel.messages.pofile import read_po

from faceitbot.i18n.loader import LOCALES_DIR, L10n, load_i18n, pick_language

PACKAGE = Path(__file__).resolve().parents[1] / "faceitbot"
# l10n("key"), BadInput("key"), `key = "key"` class attributes and the menu key tuple.
_USED = re.compile(r"""(?:l10n\(\s*f?|BadInput\(|key = |MENU_KEYS = \()["']([a-z0-9-]+)["']""")


def _catalog(lang: str) -> dict[str, str]:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "bot.po").open("rb") as fp:
        return {m.id: m.string for m in read_po(fp) if m.id}


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

"""gettext catalogs for aiogram's I18n, compiled from the .po sources in memory at start-up.

Keeping only .po files in the repository means a translation can never be stale against a
forgotten binary .mo.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "bot"
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"


def compile_po(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as fp:
        catalog = read_po(fp)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class CatalogI18n(I18n):
    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return {
            locale.name: compile_po(locale / "LC_MESSAGES" / f"{self.domain}.po")
            for locale in sorted(self.path.iterdir())
            if (locale / "LC_MESSAGES" / f"{self.domain}.po").is_file()
        }


def load_i18n() -> I18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale=DEFAULT_LANGUAGE, domain=DOMAIN)


def pick_language(code: str | None) -> str:
    """Telegram's language_code ("ru", "en-US", "uk") → one we speak."""
    base = (code or "").split("-")[0].lower()
    if base in LANGUAGES:
        return base
    # Russian is the lingua franca of most CIS players we serve.
    return "ru" if base in {"uk", "be", "kk", "uz", "ky", "tg", "hy", "az"} else DEFAULT_LANGUAGE


class L10n:
    """Texts of one locale, called with a catalog key and named params; params never change the key."""

    __slots__ = ("_i18n", "locale")

    def __init__(self, i18n: I18n, locale: str) -> None:
        self._i18n = i18n
        self.locale = locale

    def __call__(self, key: str, /, **params: object) -> str:
        text = self._i18n.gettext(key, locale=self.locale)
        return text.format(**params) if params else text

    def plural(self, key: str, n: int, /, **params: object) -> str:
        """A counted phrase ("1 bonus analysis", "21 бонусный анализ") in the form the locale's
        plural rule picks for `n` (three forms in Russian); the catalog entry has msgid_plural."""
        text = self._i18n.gettext(key, key, n, locale=self.locale)
        return text.format(n=n, **params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, L10n) and other._i18n is self._i18n and other.locale == self.locale

    def __hash__(self) -> int:
        return hash((id(self._i18n), self.locale))

    def __repr__(self) -> str:
        return f"L10n({self.locale!r})"

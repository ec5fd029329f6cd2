"""What users type, turned into what we can look up — or a BadInput naming what is wrong."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from faceitbot.errors import BadInput

MAX_INPUT = 200
# FACEIT nicknames: Latin letters, digits, '_' and '-', 2 to 32 characters (observed: 3-12 is
# usual, but old accounts are longer).
_NICKNAME = re.compile(r"^[A-Za-z0-9_\-.]{2,32}$")
_PROFILE_PATH = re.compile(r"^/(?:[a-z]{2}(?:-[A-Za-z]{2})?/)?players(?:-modal)?/([^/?#]+)", re.IGNORECASE)


def player_query(text: str | None) -> str:
    """A nickname or a FACEIT profile URL → the nickname."""
    value = (text or "").strip()
    if not value:
        raise BadInput("error-empty-nickname")
    if len(value) > MAX_INPUT:
        raise BadInput("error-bad-nickname")
    if "://" in value or value.lower().startswith(("www.", "faceit.com/")):
        return _nickname_from_url(value)
    return _checked(value)


def _nickname_from_url(value: str) -> str:
    url = value if "://" in value else f"https://{value}"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in ("faceit.com", "www.faceit.com"):
        raise BadInput("error-not-faceit-url")
    match = _PROFILE_PATH.match(parts.path)
    if not match:
        raise BadInput("error-not-faceit-url")
    return _checked(match.group(1))


def _checked(nickname: str) -> str:
    nickname = unicodedata.normalize("NFC", nickname)
    if not _NICKNAME.match(nickname):
        raise BadInput("error-bad-nickname")
    return nickname

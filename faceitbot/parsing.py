"""Everything users type, turned into what we can look up, or a BadInput naming what is wrong.

Every parser here is total: it returns a value or raises BadInput, whose key the errors router
turns into a translated message. Nothing else may escape, since an exception of another type
becomes "something went wrong" for what was only a typo.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from urllib.parse import SplitResult, urlsplit
from zoneinfo import available_timezones

from faceitbot.errors import BadInput

MAX_INPUT = 200
# FACEIT nicknames: Latin letters, digits, '_' and '-', 2 to 32 characters (observed: 3-12 is
# usual, but old accounts are longer).
_NICKNAME = re.compile(r"^[A-Za-z0-9_\-.]{2,32}$")
_PROFILE_PATH = re.compile(r"^/(?:[a-z]{2}(?:-[A-Za-z]{2})?/)?players(?:-modal)?/([^/?#]+)", re.IGNORECASE)
_MATCH_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ROOM_PATH = re.compile(
    r"^/(?:[a-z]{2}(?:-[a-z]{2})?/)?(?:cs2|csgo)/room/(1-[0-9a-f-]{36})(?:/(?:scoreboard|stats|overview))?/?$",
    re.IGNORECASE,
)
# FACEIT player ids are UUIDs; they reach us back in callback data, which anyone can forge.
_PLAYER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ASCII_NUMBER = re.compile(r"^[0-9]{1,9}$")
MAX_ZONE = 64


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


def is_nickname(text: str | None) -> bool:
    """Whether `text` could be a nickname at all (inline queries spend calls only on those)."""
    return bool(_NICKNAME.match(unicodedata.normalize("NFC", (text or "").strip())))


def _faceit_url(value: str) -> SplitResult:
    url = value if "://" in value else f"https://{value}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # "https://[x": an IPv6 host that never closes, a bad port, ...
        raise BadInput("error-not-faceit-url") from None
    if host not in ("faceit.com", "www.faceit.com"):
        raise BadInput("error-not-faceit-url")
    return parts


def _nickname_from_url(value: str) -> str:
    match = _PROFILE_PATH.match(_faceit_url(value).path)
    if not match:
        raise BadInput("error-not-faceit-url")
    return _checked(match.group(1))


def _checked(nickname: str) -> str:
    nickname = unicodedata.normalize("NFC", nickname)
    if not _NICKNAME.match(nickname):
        raise BadInput("error-bad-nickname")
    return nickname


def match_id(text: str | None) -> str:
    """`1-<uuid>` or a FACEIT room URL in any language → the match id (lower case)."""
    value = (text or "").strip()
    if not value:
        raise BadInput("error-empty-match")
    if len(value) > 300:
        raise BadInput("error-bad-match")
    if _MATCH_ID.match(value):
        return value.lower()
    if "/" not in value:
        raise BadInput("error-bad-match")
    found = _ROOM_PATH.match(_faceit_url(value).path)
    if not found or not _MATCH_ID.match(found.group(1)):
        raise BadInput("error-bad-match")
    return found.group(1).lower()


def looks_like_match(text: str | None) -> bool:
    value = (text or "").strip()
    return bool(_MATCH_ID.match(value)) or "/room/1-" in value


def is_match_id(value: str) -> bool:
    return bool(_MATCH_ID.match(value))


def is_player_id(value: str) -> bool:
    return bool(_PLAYER_ID.match(value))


def looks_like_count(token: str) -> bool:
    """A token the user meant as a number: digits of any script, maybe signed ("²", "-3", "١٠")."""
    body = token.lstrip("+-")
    return bool(body) and all(unicodedata.category(c) == "Nd" or c.isdigit() for c in body)


def count(token: str, lowest: int, highest: int, key: str) -> int:
    """A count from `lowest` to `highest` in ASCII digits, or BadInput(key, least=, most=)."""
    value = token.strip()
    if not _ASCII_NUMBER.match(value) or not lowest <= int(value) <= highest:
        raise BadInput(key, least=lowest, most=highest)
    return int(value)


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone name, by its lower-case spelling."""
    return {name.lower(): name for name in available_timezones()}


@cache
def _regions() -> frozenset[str]:
    return frozenset(name.split("/")[0].lower() for name in _zones().values() if "/" in name)


def time_zone(text: str | None) -> str:
    """An IANA zone name as typed ("europe/berlin" too) → its canonical spelling.

    Only names from the zone database are accepted, so the text never reaches the file
    system as a path ("Europe" is a directory there, a long name is ENAMETOOLONG).
    """
    value = (text or "").strip()
    shown = value[:40]
    if not value:
        raise BadInput("error-bad-zone", zone=shown)
    if len(value) <= MAX_ZONE and value.isascii():
        found = _zones().get(value.lower())
        if found:
            return found
        if value.lower().rstrip("/") in _regions():
            raise BadInput("error-zone-region", zone=value.rstrip("/"))
    raise BadInput("error-bad-zone", zone=shown)

"""Match ids and room URLs as users paste them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from faceitbot.errors import BadInput

_MATCH_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ROOM_PATH = re.compile(
    r"^/(?:[a-z]{2}(?:-[a-z]{2})?/)?(?:cs2|csgo)/room/(1-[0-9a-f-]{36})(?:/(?:scoreboard|stats|overview))?/?$",
    re.IGNORECASE,
)


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
    url = value if "://" in value else f"https://{value}"
    try:
        parts = urlsplit(url)
    except ValueError:  # "[/" and the like: an IPv6 host that never closes
        raise BadInput("error-not-faceit-url") from None
    if (parts.hostname or "").lower() not in ("faceit.com", "www.faceit.com"):
        raise BadInput("error-not-faceit-url")
    found = _ROOM_PATH.match(parts.path)
    if not found or not _MATCH_ID.match(found.group(1)):
        raise BadInput("error-bad-match")
    return found.group(1).lower()


def looks_like_match(text: str | None) -> bool:
    value = (text or "").strip()
    return bool(_MATCH_ID.match(value)) or "/room/1-" in value

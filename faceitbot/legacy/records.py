"""Pure parsing and validation of legacy records: no I/O, every decision explained.

The old bot wrote naive local datetimes; they are read as UTC. A tier whose expiry has passed
is imported as FREE. Later entries for the same user replace earlier ones (the old bot
appended). A record is invalid when it cannot be trusted as a whole (no usable user id, an
unknown tier or language, an unreadable date); small things that are merely unusable (a
malformed referral code, a self-referral) are dropped from the record instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faceitbot.store.legacy import UNDATED, LegacyUser
from faceitbot.tiers import Tier

TIERS = tuple(Tier)
LANGUAGES = ("ru", "en")
_CODE = re.compile(r"^[0-9A-F]{8}$")
_PLAYER_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ASCII_INT = re.compile(r"^[0-9]{1,18}$")
# Telegram user ids fit in 52 bits; a count above a million is no count the old bot kept.
MAX_USER_ID = 2**52
MAX_COUNT = 10**6
# Dates outside these years are corrupt, and near the ends of the calendar they overflow
# when moved to UTC or when days are added to them.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class Invalid(Exception):
    """One record cannot be imported; the message is the reason shown to the operator."""


@dataclass(frozen=True, slots=True)
class Problem:
    entry: int  # 1-based position in the file
    telegram_id: int | None
    reason: str

    def describe(self) -> str:
        who = f" (user {self.telegram_id})" if self.telegram_id is not None else ""
        return f"entry {self.entry}{who}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Parsed:
    users: list[LegacyUser]  # one per user, the latest entry
    invalid: list[Problem]
    duplicates: list[Problem]  # earlier entries replaced by a later one
    entry_of: dict[int, int]  # user → the entry kept


def entries(document: Any) -> list[tuple[Any, Any]]:
    """(key, record) pairs from {"users": [...]}, {"users": {id: {...}}} or a bare list."""
    users = document.get("users") if isinstance(document, dict) else document
    if isinstance(users, dict):
        return list(users.items())
    if isinstance(users, list):
        return [(None, u) for u in users]
    if users is None:
        return []
    raise Invalid("the file has no list of users")


def parse(document: Any, now: datetime) -> Parsed:
    latest: dict[int, tuple[int, LegacyUser]] = {}
    invalid: list[Problem] = []
    duplicates: list[Problem] = []
    for index, (key, record) in enumerate(entries(document), start=1):
        telegram_id = None
        try:
            telegram_id = _user_id(record, key)
            user = parse_user(record, telegram_id, now)
        except Invalid as e:
            invalid.append(Problem(index, telegram_id, str(e)))
            continue
        if (earlier := latest.get(user.telegram_id)) is not None:
            duplicates.append(Problem(earlier[0], user.telegram_id, f"replaced by the later entry {index}"))
        latest[user.telegram_id] = (index, user)
    return Parsed(
        [u for _, u in latest.values()], invalid, duplicates, {uid: i for uid, (i, _) in latest.items()}
    )


def parse_user(record: Any, telegram_id: int, now: datetime) -> LegacyUser:
    sub = record.get("subscription") or {}
    if not isinstance(sub, dict):
        raise Invalid("subscription is not an object")
    tier = str(sub.get("tier") or "free").strip().lower()
    if tier not in TIERS:
        raise Invalid(f"unknown tier {sub.get('tier')!r}")
    expires = _when(sub.get("expires_at"), "subscription.expires_at")
    if tier != "free" and (expires is None or expires <= now):
        tier, expires = "free", None  # expired (or never dated): the old bot treated it as free
    if tier == "free":
        expires = None
    language = str(record.get("language") or "ru").strip().lower()
    if language not in LANGUAGES:
        raise Invalid(f"unknown language {record.get('language')!r}")
    dated = _when(record.get("created_at"), "created_at")
    created = dated or now
    last_active = _when(record.get("last_active_at"), "last_active_at")
    reset = _when(sub.get("last_reset_date"), "subscription.last_reset_date")
    used = _count(sub.get("daily_requests"), "subscription.daily_requests")
    referred_by = sub.get("referred_by")
    if referred_by is not None:
        referred_by = _int_or_none(referred_by)
        if referred_by == telegram_id or (referred_by is not None and not 0 < referred_by < MAX_USER_ID):
            referred_by = None
    code = sub.get("referral_code")
    code = code.strip().upper() if isinstance(code, str) and _CODE.match(code.strip().upper()) else None
    player_id = _text(record.get("faceit_player_id"))
    if player_id is not None and not _PLAYER_ID.match(player_id):
        raise Invalid(f"faceit_player_id {player_id[:60]!r} is not a FACEIT player id")
    return LegacyUser(
        telegram_id=telegram_id,
        faceit_player_id=player_id,
        faceit_nickname=_text(record.get("faceit_nickname")) if player_id else None,
        language=language,
        notifications=bool(record.get("notifications_enabled", True)),
        tier=tier,
        tier_expires_at=expires,
        created_at=created,
        # Only dates from the file: a record without any stays "as old as can be", so a re-run
        # finds it already imported instead of seeing it newer each time.
        seen_at=max((d for d in (dated, last_active, reset) if d is not None), default=UNDATED),
        usage_day=reset.date() if reset is not None and used else None,
        usage_used=used,
        referred_by=referred_by,
        referral_code=code,
        tracked=_tracked(record.get("tracked_players"), player_id),
    )


def _tracked(raw: Any, linked: str | None) -> tuple[tuple[str, str | None], ...]:
    """["<player id>", ...] or [{"player_id" | "faceit_player_id": ..., "nickname": ...}, ...];
    an entry without a usable id is dropped, the linked account and repeats are listed once."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise Invalid("tracked_players is not a list")
    out: dict[str, str | None] = {}
    for item in raw:
        if isinstance(item, dict):
            player_id = _text(item.get("player_id") or item.get("faceit_player_id"))
            nickname = _text(item.get("nickname") or item.get("faceit_nickname"))
        else:
            player_id, nickname = _text(item), None
        if player_id is None or not _PLAYER_ID.match(player_id) or player_id == linked:
            continue
        out.setdefault(player_id, nickname)
    return tuple(out.items())


def _user_id(record: Any, key: Any) -> int:
    if not isinstance(record, dict):
        raise Invalid("not an object")
    raw = record.get("user_id", key)
    value = _int_or_none(raw)
    if value is None or not 0 < value < MAX_USER_ID:
        raise Invalid(f"user_id {_shown(raw)} is not a Telegram user id")
    return value


def _int_or_none(raw: Any) -> int | None:
    """An int, or a string of ASCII digits ("²" and "١" are digits to str.isdigit, not to int)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _ASCII_INT.match(raw.strip()):
        return int(raw.strip())
    return None


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def _count(raw: Any, name: str) -> int:
    if raw is None:
        return 0
    value = _int_or_none(raw)
    if value is None or not 0 <= value <= MAX_COUNT:
        raise Invalid(f"{name} {_shown(raw)} is not a count")
    return value


def _text(raw: Any) -> str | None:
    return raw.strip() if isinstance(raw, str) and raw.strip() else None


def _when(raw: Any, name: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise Invalid(f"{name} {_shown(raw)} is not a date")
    try:
        value = datetime.fromisoformat(raw.strip())
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Invalid(f"{name} {_shown(raw)} is not a date") from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise Invalid(f"{name} {_shown(raw)} is not a plausible date")
    return value

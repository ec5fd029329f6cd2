"""Tracking texts: the match notification, the pre-game notice and the /tracked list."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from faceitbot.callbacks import TrackAction, TrackCb
from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape, fmt
from faceitbot.store.tracking import FollowedRow


def result(payload: dict[str, Any], match_id: str, l10n: L10n) -> Rendered:
    """One message per follower and match, listing every tracked player of the match they follow."""
    info = payload["match"]
    parts = [
        l10n("notify-title", map=escape(info["map"]), competition=escape(info.get("competition") or "FACEIT"))
    ]
    for p in payload["players"]:
        own, enemy = p["score"]
        head = dict(nickname=escape(p["nickname"]), own=own, enemy=enemy)
        lines = [l10n("notify-player-win", **head) if p["win"] else l10n("notify-player-loss", **head)]
        lines.append(
            l10n(
                "notify-stats",
                kills=p["kills"],
                deaths=p["deaths"],
                assists=p["assists"],
                kd=fmt(p["kd"]),
                adr=fmt(p["adr"], 1),
                hs=p["hs"],
                mvps=p["mvps"],
            )
        )
        after, before = p.get("elo_after"), p.get("elo_before")
        if after is not None and before is not None:
            lines.append(l10n("notify-elo", before=before, after=after, change=f"{after - before:+d}"))
        elif after is not None:
            lines.append(l10n("notify-elo-now", after=after))
        parts.append("\n".join(lines))
    button = InlineKeyboardButton(
        text=l10n("notify-analysis-button"),
        callback_data=TrackCb(action=TrackAction.ANALYSE, value=match_id).pack(),
    )
    return Rendered("\n\n".join(parts), InlineKeyboardMarkup(inline_keyboard=[[button]]))


def pregame(payload: dict[str, Any], l10n: L10n) -> str:
    return l10n("pregame-started", nickname=escape(payload["nickname"]))


def track_done(nickname: str, used: int, limit: int, l10n: L10n) -> str:
    return l10n("track-done", nickname=escape(nickname), used=used, limit=limit)


def tracked(rows: list[FollowedRow], used: int, limit: int, l10n: L10n, now: float) -> Rendered:
    if not rows:
        return Rendered(l10n("tracked-empty"))
    lines = [l10n("tracked-title", used=used, limit=limit)]
    for row in rows:
        if row.last_finished_at:
            outcome = "" if row.last_win is None else l10n("last-won") if row.last_win else l10n("last-lost")
            # A list of last matches needs no seconds: anything under a minute is "1 min ago".
            ago = formats.ago(max(60.0, now - row.last_finished_at), l10n)
            last = l10n("tracked-last", ago=ago, result=outcome)
        else:
            last = l10n("tracked-last-none")
        line = l10n("tracked-line", nickname=escape(row.nickname), elo=row.elo or "—", last=last)
        lines.append(line + (l10n("tracked-you") if row.linked else ""))
    buttons = [
        [
            InlineKeyboardButton(
                text=l10n("untrack-button", nickname=row.nickname),
                callback_data=TrackCb(action=TrackAction.UNTRACK, value=row.player_id).pack(),
            )
        ]
        for row in rows
    ]
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=buttons))

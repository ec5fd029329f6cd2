"""Inline-mode results: the player card and the match summary as articles to send."""

from __future__ import annotations

import hashlib
import re

from aiogram.types import InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent

from faceitbot.analysis.match import MatchReport
from faceitbot.analysis.profile import ProfileCard
from faceitbot.i18n.loader import L10n
from faceitbot.render import player as render_player
from faceitbot.render.common import escape, fmt

_TAG = re.compile(r"<[^>]+>")
BUTTON_MAX = 64  # what fits on the button above the results


def _id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def player_result(card: ProfileCard, l10n: L10n) -> InlineQueryResultArticle:
    text = render_player.profile(card, l10n).text
    return InlineQueryResultArticle(
        id=_id("player", card.player_id, l10n.locale),
        title=l10n("inline-player-title", nickname=card.nickname, level=card.level, elo=card.elo),
        description=l10n(
            "inline-player-description",
            kd=fmt(card.kd),
            win_rate=fmt(card.win_rate, 0),
            matches=l10n.plural("n-matches", card.matches),
        ),
        input_message_content=InputTextMessageContent(message_text=text, parse_mode="HTML"),
    )


def match_summary(report: MatchReport, l10n: L10n) -> str:
    one, two = report.teams
    lines = [
        l10n("inline-match-head", team1=escape(one.name), team2=escape(two.name)),
        l10n(
            "inline-match-elo",
            elo1=one.avg_elo,
            elo2=two.avg_elo,
            chance1=fmt(100 * one.win_probability, 0),
            chance2=fmt(100 * two.win_probability, 0),
        ),
    ]
    picks = [a.map for a in report.map_advice if a.recommendation == "pick"]
    bans = [a.map for a in report.map_advice if a.recommendation == "ban"]
    lines.append(l10n("inline-match-maps", picks=", ".join(picks) or "—", bans=", ".join(bans) or "—"))
    return "\n".join(lines)


def match_result(report: MatchReport, l10n: L10n) -> InlineQueryResultArticle:
    one, two = report.teams
    return InlineQueryResultArticle(
        id=_id("match", report.match_id, l10n.locale),
        title=l10n("inline-match-title", team1=one.name, team2=two.name),
        description=l10n("inline-match-description", elo1=one.avg_elo, elo2=two.avg_elo),
        input_message_content=InputTextMessageContent(
            message_text=match_summary(report, l10n), parse_mode="HTML"
        ),
    )


def hint(l10n: L10n) -> InlineQueryResultsButton:
    return InlineQueryResultsButton(text=l10n("inline-hint"), start_parameter="inline")


def failure(text: str) -> InlineQueryResultsButton:
    plain = _TAG.sub("", text).split("\n")[0]
    return InlineQueryResultsButton(text=plain[:BUTTON_MAX], start_parameter="inline")

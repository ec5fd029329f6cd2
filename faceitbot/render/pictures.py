"""Captions and cache keys of the pictures; the drawing is in elo_chart.py and card.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple

from faceitbot.analysis.form import Totals
from faceitbot.analysis.match import MatchReport
from faceitbot.analysis.profile import ProfileCard
from faceitbot.i18n.loader import L10n
from faceitbot.render import player as render_player
from faceitbot.render.card import match_card, stat_card
from faceitbot.render.common import Rendered, escape
from faceitbot.render.elo_chart import elo_chart

Series = Sequence[tuple[int, int]]


def elo_key(series: Series) -> bytes:
    return repr(list(series)).encode()


def elo_png(series: Series) -> bytes:
    return elo_chart(series)


def elo_caption(nickname: str, series: Series, l10n: L10n) -> str:
    elos = [e for _, e in series]
    return l10n(
        "elo-caption",
        nickname=escape(nickname),
        points=l10n.plural("n-by-snapshots", len(series)),
        first=elos[0],
        last=elos[-1],
        change=f"{elos[-1] - elos[0]:+d}",
        low=min(elos),
        high=max(elos),
    )


def elo_too_few(nickname: str, series: Series, l10n: L10n) -> Rendered:
    return Rendered(
        l10n("elo-too-few", nickname=escape(nickname), points=l10n.plural("n-snapshots", len(series)))
    )


def card_key(card: ProfileCard, recent: Totals | None) -> bytes:
    return repr((astuple(card), astuple(recent) if recent else None)).encode()


def card_png(card: ProfileCard, recent: Totals | None) -> bytes:
    return stat_card(card, recent)


def card_caption(card: ProfileCard, l10n: L10n) -> str:
    return render_player.profile(card, l10n).text


def match_key(report: MatchReport) -> bytes:
    return repr(report).encode()


def match_png(report: MatchReport) -> bytes:
    return match_card(report)


def match_caption(report: MatchReport, l10n: L10n) -> str:
    one, two = report.teams
    return l10n(
        "matchcard-caption",
        team1=escape(one.name),
        team2=escape(two.name),
        elo1=one.avg_elo,
        elo2=two.avg_elo,
    )

"""Texts of the player insights: last match, scoreboard, history pages, form, sessions, today, maps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from faceitbot.analysis.form import MapForm, Totals
from faceitbot.analysis.last_match import LastMatch, ScoreLine, TeamBoard
from faceitbot.analysis.maps import MapsView
from faceitbot.analysis.recent import MatchLine, map_label
from faceitbot.analysis.sessions import Span
from faceitbot.callbacks import FormCb, FormView, MatchesCb, PlayerAction, PlayerCb, ScoreboardCb
from faceitbot.faceit.models import Player
from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape, fmt
from faceitbot.services.insights import FormReport, SessionsReport, TodayReport

HISTORY_PAGE = 10


def _when(at: int, zone: ZoneInfo, l10n: L10n) -> str:
    return formats.short_moment(datetime.fromtimestamp(at, zone), l10n, zone)


def _signed(value: int | None) -> str:
    return "—" if value is None else f"{value:+d}"


def _result(won: bool, l10n: L10n) -> str:
    return l10n("result-win") if won else l10n("result-loss")


def _row(p: ScoreLine, width: int) -> str:
    return (
        f"{escape(p.nickname[:width]).ljust(width)} {p.kills:>2}-{p.deaths:<2} {p.assists:>2} {p.adr:>5.1f}"
    )


def _table(team: TeamBoard, l10n: L10n) -> str:
    width = max(len(p.nickname[:14]) for p in team.players)
    head = f"{escape(team.name)} · {team.score}"
    rows = [f"{'':{width}} {l10n('table-kd'):>5} {'A':>2} {'ADR':>5}"] + [
        _row(p, width) for p in team.players
    ]
    return head + "\n<pre>" + "\n".join(rows) + "</pre>"


def last_match(card: LastMatch, nickname: str, zone: ZoneInfo, l10n: L10n) -> Rendered:
    p = card.player
    lines = [
        l10n("last-title", nickname=escape(nickname)),
        l10n(
            "last-result",
            map=escape(map_label(card.map)),
            score=escape(card.score),
            result=l10n("last-won") if card.won else l10n("last-lost"),
            when=_when(card.finished_at, zone, l10n) if card.finished_at else "—",
        ),
        l10n(
            "last-kda",
            kills=p.kills,
            deaths=p.deaths,
            assists=p.assists,
            kd=fmt(p.kd),
            adr=fmt(p.adr, 1),
            hs=fmt(p.hs_pct, 0),
        ),
        l10n("last-multi", mvps=p.mvps, k2=p.doubles, k3=p.triples, k4=p.quadros, k5=p.pentas),
        l10n(
            "last-duels",
            entry_wins=p.entry_wins,
            entries=p.entry_count,
            won_1v1=p.clutch_1v1[0],
            played_1v1=p.clutch_1v1[1],
            won_1v2=p.clutch_1v2[0],
            played_1v2=p.clutch_1v2[1],
        ),
    ]
    if card.elo_change is not None:
        lines.append(l10n("last-elo", change=_signed(card.elo_change)))
    lines += ["", _table(card.team, l10n)]
    button = InlineKeyboardButton(
        text=l10n("last-scoreboard-button"), callback_data=ScoreboardCb(match_id=card.match_id).pack()
    )
    return Rendered("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[[button]]))


def scoreboard(card: LastMatch, l10n: L10n) -> Rendered:
    head = l10n("scoreboard-title", map=escape(map_label(card.map)), score=escape(card.score))
    return Rendered("\n".join([head, "", _table(card.team, l10n), "", _table(card.enemy, l10n)]))


def _history_line(m: MatchLine, zone: ZoneInfo, l10n: L10n) -> str:
    return l10n(
        "history-line",
        when=_when(m.finished_at, zone, l10n),
        map=escape(map_label(m.map)),
        score=escape(str(m.own_score)),
        result=_result(m.won, l10n),
        kills=m.kills,
        deaths=m.deaths,
        adr=fmt(m.adr, 1),
    )


def history_page(
    lines: Sequence[MatchLine],
    nickname: str,
    player_id: str,
    count: int,
    page: int,
    zone: ZoneInfo,
    l10n: L10n,
) -> Rendered:
    pages = max(1, -(-len(lines) // HISTORY_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = lines[page * HISTORY_PAGE : (page + 1) * HISTORY_PAGE]
    first = page * HISTORY_PAGE + 1
    text = "\n".join(
        [
            l10n(
                "history-title",
                nickname=escape(nickname),
                first=first,
                last=first + len(shown) - 1,
                total=len(lines),
            )
        ]
        + [_history_line(m, zone, l10n) for m in shown]
    )
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                text=l10n("page-back"),
                callback_data=MatchesCb(player_id=player_id, count=count, page=page - 1).pack(),
            )
        )
    if page + 1 < pages:
        nav.append(
            InlineKeyboardButton(
                text=l10n("page-next"),
                callback_data=MatchesCb(player_id=player_id, count=count, page=page + 1).pack(),
            )
        )
    return Rendered(text, InlineKeyboardMarkup(inline_keyboard=[nav]) if nav else None)


def form_menu(nickname: str, player_id: str, l10n: L10n) -> Rendered:
    def button(key: str, view: FormView) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=l10n(key), callback_data=FormCb(view=view, player_id=player_id).pack()
        )

    keyboard = [
        [
            button("form-20", FormView.LAST_20),
            button("form-60", FormView.LAST_60),
            button("form-100", FormView.LAST_100),
        ],
        [button("form-sessions", FormView.SESSIONS), button("form-today", FormView.TODAY)],
    ]
    return Rendered(
        l10n("form-menu", nickname=escape(nickname)), InlineKeyboardMarkup(inline_keyboard=keyboard)
    )


def _totals(t: Totals, l10n: L10n) -> list[str]:
    return [
        l10n(
            "form-results",
            matches=l10n.plural("n-of-matches", t.matches),
            wins=t.wins,
            losses=t.matches - t.wins,
            win_rate=fmt(t.win_rate, 0),
        ),
        l10n("form-aim", kd=fmt(t.kd), adr=fmt(t.adr, 1), hs=fmt(t.hs_pct, 0), avg_kills=fmt(t.avg_kills, 1)),
    ]


def _map(m: MapForm | None) -> str:
    return "—" if m is None else f"{escape(m.map)} {m.wins}/{m.matches} · K/D {fmt(m.kd)}"


def form_report(report: FormReport, l10n: L10n) -> Rendered:
    f = report.form
    trend = f.newer.rating - f.older.rating
    arrow = "📈" if trend > 0.02 else "📉" if trend < -0.02 else "➡️"
    lines = [
        l10n(
            "form-title", nickname=escape(report.nickname), matches=l10n.plural("n-matches", f.totals.matches)
        ),
        *_totals(f.totals, l10n),
    ]
    lines.append(l10n("form-rating", rating=fmt(f.totals.rating)))
    lines.append(
        l10n(
            "form-trend",
            arrow=arrow,
            older=fmt(f.older.rating),
            newer=fmt(f.newer.rating),
            older_kd=fmt(f.older.kd),
            newer_kd=fmt(f.newer.kd),
            older_wr=fmt(f.older.win_rate, 0),
            newer_wr=fmt(f.newer.win_rate, 0),
        )
    )
    lines.append(l10n("form-maps", best=_map(f.best_map), worst=_map(f.worst_map)))
    current = (
        l10n("streak-wins", n=f.current_streak)
        if f.current_streak > 0
        else l10n("streak-losses", n=-f.current_streak)
    )
    lines.append(
        l10n(
            "form-streaks",
            wins=l10n.plural("n-wins", f.longest_win_streak),
            losses=l10n.plural("n-losses", f.longest_loss_streak),
            current=current,
        )
    )
    if f.totals.matches < report.requested:
        lines.append(
            l10n("form-fewer", matches=l10n.plural("n-matches", f.totals.matches), requested=report.requested)
        )
    return Rendered("\n".join(lines))


def _span_line(s: Span, zone: ZoneInfo, l10n: L10n) -> str:
    t = s.totals
    return l10n(
        "session-line",
        start=_when(s.started, zone, l10n),
        end=datetime.fromtimestamp(s.ended, zone).strftime("%H:%M"),
        wins=t.wins,
        losses=t.matches - t.wins,
        kd=fmt(t.kd),
        elo=_signed(s.elo_change),
    )


def sessions_report(report: SessionsReport, zone: ZoneInfo, l10n: L10n) -> Rendered:
    lines = [l10n("sessions-title", nickname=escape(report.nickname))]
    lines += [_span_line(s, zone, l10n) for s in report.sessions]
    return Rendered("\n".join(lines))


def today_report(report: TodayReport, l10n: L10n) -> Rendered:
    title = l10n("today-title", nickname=escape(report.nickname), zone=report.zone)
    if report.span is None:
        return Rendered(title + "\n" + l10n("today-none"))
    lines = [
        title,
        *_totals(report.span.totals, l10n),
        l10n("today-elo", elo=_signed(report.span.elo_change)),
    ]
    return Rendered("\n".join(lines))


def maps_report(view: MapsView, nickname: str, l10n: L10n) -> Rendered:
    lines = [l10n("maps-title", nickname=escape(nickname))]
    for m in view.maps:
        lines.append(
            l10n(
                "maps-line",
                map=escape(m.map),
                matches=l10n.plural("n-matches", m.matches),
                win_rate=fmt(m.win_rate, 0),
                kd=fmt(m.kd),
                adr=fmt(m.adr, 1),
            )
        )
    if view.strongest is not None and view.weakest is not None:
        lines.append(
            l10n(
                "maps-verdict",
                strongest=escape(view.strongest.map),
                strong_wr=fmt(view.strongest.win_rate, 0),
                weakest=escape(view.weakest.map),
                weak_wr=fmt(view.weakest.win_rate, 0),
            )
        )
    return Rendered("\n".join(lines))


def loading(done: int, total: int, l10n: L10n) -> str:
    return l10n("form-loading", done=done, total=total)


def linked(player: Player, l10n: L10n) -> Rendered:
    game = player.cs2
    return Rendered(
        l10n(
            "link-done",
            nickname=escape(player.nickname),
            level=game.skill_level if game else 0,
            elo=game.faceit_elo if game else 0,
        )
    )


def player_actions(nickname: str, l10n: L10n) -> InlineKeyboardMarkup:
    link = InlineKeyboardButton(
        text=l10n("find-link-button"),
        callback_data=PlayerCb(action=PlayerAction.LINK, nickname=nickname).pack(),
    )
    track = InlineKeyboardButton(
        text=l10n("find-track-button"),
        callback_data=PlayerCb(action=PlayerAction.TRACK, nickname=nickname).pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[[link, track]])

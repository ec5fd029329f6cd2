"""The match analysis message: both teams as aligned tables, map advice, chances."""

from __future__ import annotations

from faceitbot.analysis.match import MatchReport, PlayerReport, TeamReport
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape, fmt
from faceitbot.services.match_requests import Accepted

NICK_WIDTH = 12


def _cell(value: str, width: int, left: bool = False) -> str:
    return value[:width].ljust(width) if left else value[:width].rjust(width)


def _player_line(p: PlayerReport, you: str | None) -> str:
    mark = "!" if p.danger else ("*" if p.player_id == you else " ")
    recent = p.recent
    return (
        mark
        + _cell(p.nickname, NICK_WIDTH, left=True)
        + _cell(str(p.level or "-"), 4)
        + _cell(str(p.elo or "-"), 6)
        + _cell(fmt(recent.kd) if recent.matches else "-", 6)
        + _cell(fmt(recent.win_rate, 0) if recent.matches else "-", 5)
        + _cell(fmt(recent.adr, 0) if recent.matches else "-", 5)
        + _cell(str(p.lifetime.matches), 6)
    )


def _team(team: TeamReport, l10n: L10n, you: str | None) -> str:
    header = " " + "".join(
        (
            _cell(l10n("col-player"), NICK_WIDTH, left=True),
            _cell(l10n("col-level"), 4),
            _cell("ELO", 6),
            _cell("K/D", 6),
            _cell(l10n("col-winrate"), 5),
            _cell("ADR", 5),
            _cell(l10n("col-matches"), 6),
        )
    )
    rows = "\n".join(_player_line(p, you) for p in team.players)
    title = l10n(
        "analysis-team",
        name=escape(team.name),
        avg_elo=team.avg_elo,
        chance=fmt(team.win_probability * 100, 0),
    )
    return f"{title}\n<pre>{escape(header)}\n{escape(rows)}</pre>"


def _maps(report: MatchReport, l10n: L10n) -> str:
    if not report.map_advice:
        return l10n("analysis-maps-none")
    verdicts = {
        "pick": l10n("map-pick"),
        "ban": l10n("map-ban"),
        "neutral": l10n("map-even"),
        "unknown": l10n("map-unknown"),
    }
    lines = []
    for a in report.map_advice:
        r1 = "-" if a.team1_win_rate is None else fmt(a.team1_win_rate, 0)
        r2 = "-" if a.team2_win_rate is None else fmt(a.team2_win_rate, 0)
        lines.append(f"{_cell(a.map, 9, left=True)}{_cell(r1, 4)} /{_cell(r2, 4)}  {verdicts[a.recommendation]}")
    return l10n("analysis-maps-title") + "\n<pre>" + escape("\n".join(lines)) + "</pre>"


def analysis(
    report: MatchReport, l10n: L10n, *, viewer_player_id: str | None, calls: int, elapsed_ms: int
) -> Rendered:
    side = next((t for t in report.teams if any(p.player_id == viewer_player_id for p in t.players)), None)
    ours = side or report.teams[0]
    parts = [
        l10n("analysis-title", competition=escape(report.competition or "FACEIT"), status=report.status),
    ]
    if report.maps_picked:
        parts.append(l10n("analysis-map", map=escape(", ".join(report.maps_picked))))
    parts += [_team(t, l10n, viewer_player_id) for t in report.teams]
    parts.append(_maps(report, l10n))
    parts.append(
        l10n(
            "analysis-elo-you" if side else "analysis-elo-team",
            name=escape(ours.name),
            gain=report.elo_gain.get(ours.faction, 0),
            loss=abs(report.elo_loss.get(ours.faction, 0)),
        )
    )
    parts.append(l10n("analysis-legend"))
    parts.append(l10n("analysis-footer", calls=calls, seconds=fmt(elapsed_ms / 1000, 2)))
    return Rendered("\n\n".join(parts))


def progress(stage: str, done: int, total: int, l10n: L10n) -> str:
    if stage == "match":
        return l10n("progress-match")
    return l10n("progress-players", done=done, total=total)


def queued(accepted: Accepted, l10n: L10n) -> str:
    text = l10n("analysis-queued", position=accepted.position)
    if accepted.free_repeat:
        return text + "\n" + l10n("analysis-free-repeat")
    return text + "\n" + l10n("analysis-remaining", remaining=accepted.remaining)

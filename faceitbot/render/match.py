"""The match analysis message: both teams as aligned tables, map advice, chances."""

from __future__ import annotations

from faceitbot.analysis.match import MatchReport, PlayerReport, TeamReport
from faceitbot.analysis.side import Briefing, MapCall, briefing
from faceitbot.analysis.smurfs import Flag
from faceitbot.i18n import formats
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
        + _cell(fmt(p.rating.value) if p.rating else "-", 5)
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
            _cell(l10n("col-rating"), 5),
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
        r1 = "-" if a.team1_shrunk is None else fmt(a.team1_shrunk, 0)
        r2 = "-" if a.team2_shrunk is None else fmt(a.team2_shrunk, 0)
        lines.append(
            f"{_cell(a.map, 9, left=True)}{_cell(r1, 4)} /{_cell(r2, 4)}  {verdicts[a.recommendation]}"
        )
    return l10n("brief-maps-title") + "\n<pre>" + escape("\n".join(lines)) + "</pre>"


def _pct(p: float) -> str:
    return fmt(p * 100, 0)


def _calls(calls: tuple[MapCall, ...]) -> str:
    return ", ".join(f"{escape(c.map)} {fmt(c.ours, 0)}/{fmt(c.theirs, 0)}%" for c in calls)


def _chances(b: Briefing, report: MatchReport, l10n: L10n) -> list[str]:
    if b.ours is None:
        lines = [
            l10n(
                "brief-chance-team",
                name=escape(t.name),
                ours=_pct(t.win_probability),
                faceit=_pct(t.faceit_win_probability),
            )
            if t.faceit_win_probability is not None
            else l10n("brief-chance-team-ours", name=escape(t.name), ours=_pct(t.win_probability))
            for t in report.teams
        ]
    elif b.faceit_chance is not None:
        lines = [l10n("brief-chance", ours=_pct(b.chance), faceit=_pct(b.faceit_chance))]
    else:
        lines = [l10n("brief-chance-no-faceit", ours=_pct(b.chance))]
    if b.disagree and b.pull is not None:
        t1, t2 = report.teams
        lines.append(
            l10n(
                "brief-disagree",
                elo1=t1.avg_elo,
                elo2=t2.avg_elo,
                nickname=escape(b.pull.nickname),
                elo=b.pull.elo,
            )
        )
    return lines


def _watch_line(p: PlayerReport, l10n: L10n) -> str:
    bits = [
        l10n(
            "watch-line",
            nickname=escape(p.nickname),
            rating=fmt(p.rating.value) if p.rating else "-",
            kd=fmt(p.recent.kd),
            adr=fmt(p.recent.adr, 0),
        )
    ]
    sk = p.skills
    if sk is not None:
        if sk.entry is not None and sk.entry.rate is not None:
            bits.append(
                l10n("watch-entry", rate=fmt(sk.entry.rate, 0), wins=sk.entry.wins, count=sk.entry.count)
            )
        for key, c in (("1v1", sk.clutch_1v1), ("1v2", sk.clutch_1v2)):
            if c is not None and c.rate is not None:
                bits.append(l10n("watch-clutch", kind=key, rate=fmt(c.rate, 0), wins=c.wins, count=c.count))
        if sk.utility_damage_per_round is not None:
            bits.append(l10n("watch-utility", damage=fmt(sk.utility_damage_per_round, 1)))
        if sk.multi_kills:
            bits.append(
                l10n("watch-multi", count=sk.multi_kills, matches=l10n.plural("n-matches", sk.recent_matches))
            )
    if p.flag is not None:
        bits.append(l10n(f"watch-{p.flag.kind}"))
    return "• " + ", ".join(bits)


def _reasons(flag: Flag, l10n: L10n) -> str:
    return ", ".join(
        l10n(
            f"reason-{r.metric}-{'above' if flag.kind == 'smurf' else 'below'}",
            value=fmt(r.value),
            limit=fmt(r.limit),
        )
        for r in flag.reasons
    )


def _flags(report: MatchReport, l10n: L10n) -> list[str]:
    return [
        l10n(
            f"flag-{p.flag.kind}",
            nickname=escape(p.nickname),
            matches=l10n.plural("n-matches", p.flag.lifetime_matches),
            level=p.level,
            reasons=_reasons(p.flag, l10n),
        )
        for t in report.teams
        for p in t.players
        if p.flag is not None
    ]


def _parties(report: MatchReport) -> str:
    names = {p.player_id: p.nickname for t in report.teams for p in t.players}
    groups = [
        f"{escape(t.name)}: " + " + ".join(escape(names.get(pid, pid)) for pid in g)
        for t in report.teams
        for g in t.parties
    ]
    return "; ".join(groups)


def _briefing(report: MatchReport, b: Briefing, l10n: L10n) -> str:
    lines = [l10n("brief-side", name=escape(b.ours.name)) if b.ours else l10n("brief-spectator")]
    lines += _chances(b, report, l10n)
    if b.ours is not None:
        lines.append(l10n("brief-elo", gain=b.gain, loss=abs(b.loss)))
        if b.picks:
            lines.append(l10n("brief-picks", maps=_calls(b.picks)))
        if b.bans:
            lines.append(l10n("brief-bans", maps=_calls(b.bans)))
        if not b.picks and not b.bans:
            lines.append(l10n("brief-maps-even"))
    if b.watch:
        lines.append(l10n("brief-watch" if b.ours else "brief-watch-all"))
        lines += [_watch_line(p, l10n) for p in b.watch]
    parties = _parties(report)
    if parties:
        lines.append(l10n("brief-parties", groups=parties))
    lines += _flags(report, l10n)
    return "\n".join(lines)


def analysis(
    report: MatchReport, l10n: L10n, *, viewer_player_id: str | None, calls: int, elapsed_ms: int
) -> Rendered:
    parts = [
        l10n(
            "analysis-title", competition=escape(report.competition or "FACEIT"), status=escape(report.status)
        ),
    ]
    if report.maps_picked:
        parts.append(l10n("analysis-map", map=escape(", ".join(report.maps_picked))))
    parts += [_team(t, l10n, viewer_player_id) for t in report.teams]
    parts.append(_maps(report, l10n))
    parts.append(_briefing(report, briefing(report, viewer_player_id), l10n))
    parts.append(l10n("brief-legend"))
    calls_text = l10n.plural("n-faceit-requests", calls)
    parts.append(l10n("analysis-footer", calls=calls_text, took=formats.duration(elapsed_ms / 1000, l10n)))
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

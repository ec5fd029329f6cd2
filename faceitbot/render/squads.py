"""Squad texts (leaderboard, digest, /together, recap, the squad's settings) and the digest's PNG
card. The card's labels are short and language-neutral; the translated text is the message."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from faceitbot.analysis.squads import BoardEntry, Digest, Figure, Recap, WeekFigures
from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape, fmt
from faceitbot.services.squads import DAYS, Joined, TogetherReport, WeekDigest
from faceitbot.store.squads import SquadRow

# The card: a title band, then one row per member (ELO change of the week), then the awards.
CARD_WIDTH = 800
TITLE_H = 96
ROW_H = 34
AWARD_H = 40
MAX_ROWS = 12  # a squad of 50 still makes one picture: the top and bottom of the week's ELO
MARGIN = 32
BACKGROUND = (24, 26, 31)
PANEL = (36, 39, 46)
TEXT = (240, 240, 240)
MUTED = (150, 155, 165)
ACCENT = (255, 85, 0)
UP, DOWN = (52, 168, 83), (219, 68, 55)
NAME_SIZE = 22
BOARD_MAX_CHARS = 4000  # Telegram takes 4,096 characters in a message


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _arrow(change: int | None) -> str:
    if change is None:
        return ""
    if change > 0:
        return f" ▲ {change}"
    if change < 0:
        return f" ▼ {-change}"
    return " ＝"


# -- members ----------------------------------------------------------------------------------
def joined(done: Joined, l10n: L10n) -> Rendered:
    key = "squad-joined" if done.new else "squad-already-member"
    return Rendered(l10n(key, nickname=escape(done.nickname), members=l10n.plural("n-members", done.members)))


def left(was_member: bool, l10n: L10n) -> Rendered:
    return Rendered(l10n("squad-left" if was_member else "squad-left-not-member"))


def removed(nickname: str, l10n: L10n) -> Rendered:
    return Rendered(l10n("squad-removed", nickname=escape(nickname)))


def squad_view(row: SquadRow, l10n: L10n) -> Rendered:
    if row.digest_on:
        day = l10n(f"squad-day-{DAYS[row.digest_day]}")
        digest = l10n(
            "squad-digest-at", day=day, hour=f"{row.digest_hour:02d}:00", zone=escape(row.time_zone)
        )
    else:
        digest = l10n("squad-digest-off")
    return Rendered(l10n("squad-view", digest=digest, language=l10n("language-name")))


# -- the leaderboard --------------------------------------------------------------------------
def board(entries: tuple[BoardEntry, ...], l10n: L10n) -> str:
    """No clock in it: the same figures are the same text, so an unchanged board is not edited."""
    if not entries:
        return l10n("squad-board-empty")
    lines = [l10n("squad-board-title")]
    footer = l10n("squad-board-footer")
    size = len(lines[0]) + len(footer) + 80  # room for the "and N more" line
    for i, e in enumerate(entries, 1):
        kd = l10n("squad-board-kd", kd=fmt(e.kd)) if e.kd is not None else ""
        lines.append(
            l10n(
                "squad-board-line",
                place=i,
                nickname=escape(e.nickname),
                level=e.level,
                elo=e.elo,
                change=_arrow(e.change),
                matches=l10n.plural("n-squad-matches", e.matches),
                kd=kd,
            )
        )
        size += len(lines[-1]) + 1
        if size > BOARD_MAX_CHARS:  # one message whatever the squad's size: the rest are counted
            lines[-1] = l10n("squad-board-more", n=len(entries) - i + 1)
            break
    lines.append(footer)
    return "\n".join(lines)


# -- the weekly digest ------------------------------------------------------------------------
def _span(week: WeekDigest, zone: str, l10n: L10n | None = None) -> str:
    """The week's first and last day in the group's zone; digits on the card, words in the text."""
    tz = ZoneInfo(zone)
    start = week.week_start.astimezone(tz)
    end = (week.week_end - timedelta(seconds=1)).astimezone(tz)  # the week ends just before its end
    if l10n is None:  # the card's font has no en dash
        return f"{start:%d.%m} - {end:%d.%m}"
    return f"{formats.short_day(start, l10n)} – {formats.short_day(end, l10n)}"


def _signed(value: float) -> str:
    return f"+{int(value)}" if value > 0 else f"−{-int(value)}" if value < 0 else "±0"


def digest_text(week: WeekDigest, zone: str, l10n: L10n) -> str:
    d = week.digest
    lines = [l10n("squad-digest-title", span=_span(week, zone, l10n))]
    if not d.matches:
        lines.append(l10n("squad-digest-quiet"))
        return "\n".join(lines)
    lines.append(l10n("squad-digest-matches", matches=l10n.plural("n-squad-matches", d.matches)))
    if d.elo:
        elo = ", ".join(f"{escape(f.nickname)} {_signed(f.value)}" for f in d.elo)
        lines.append(l10n("squad-digest-elo", figures=elo))
    if d.most_matches:
        lines.append(
            l10n(
                "squad-digest-most",
                nickname=escape(d.most_matches.nickname),
                matches=l10n.plural("n-squad-matches", int(d.most_matches.value)),
            )
        )
    if d.best_kd:
        lines.append(l10n("squad-digest-kd", nickname=escape(d.best_kd.nickname), kd=fmt(d.best_kd.value)))
    if d.best_adr:
        lines.append(
            l10n("squad-digest-adr", nickname=escape(d.best_adr.nickname), adr=fmt(d.best_adr.value, 1))
        )
    if d.longest_streak:
        lines.append(
            l10n(
                "squad-digest-streak",
                nickname=escape(d.longest_streak.nickname),
                wins=l10n.plural("n-squad-wins", int(d.longest_streak.value)),
            )
        )
    if d.biggest_win:
        w = d.biggest_win
        lines.append(
            l10n(
                "squad-digest-win",
                map=escape(w.map),
                score=w.score,
                players=", ".join(escape(p) for p in w.players),
            )
        )
    if d.together:
        t = d.together
        lines.append(
            l10n(
                "squad-digest-together",
                first=escape(t.first),
                second=escape(t.second),
                matches=l10n.plural("n-squad-matches", t.matches),
                wins=l10n.plural("n-squad-wins", t.wins),
            )
        )
    return "\n".join(lines)


def card_rows(d: Digest) -> list[Figure]:
    """The members the card lists: all of a small squad; of a large one the top and the bottom."""
    if len(d.elo) <= MAX_ROWS:
        return list(d.elo)
    half = MAX_ROWS // 2
    return [*d.elo[:half], *d.elo[-half:]]


def awards(d: Digest) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    if d.most_matches:
        shown.append(("MOST MATCHES", f"{d.most_matches.nickname}  {int(d.most_matches.value)}"))
    if d.best_kd:
        shown.append(("BEST K/D", f"{d.best_kd.nickname}  {fmt(d.best_kd.value)}"))
    if d.best_adr:
        shown.append(("BEST ADR", f"{d.best_adr.nickname}  {fmt(d.best_adr.value, 1)}"))
    if d.longest_streak:
        shown.append(("WIN STREAK", f"{d.longest_streak.nickname}  {int(d.longest_streak.value)}"))
    if d.biggest_win:
        shown.append(("BIGGEST WIN", f"{d.biggest_win.map} {d.biggest_win.score}"))
    if d.together:
        t = d.together
        shown.append(("TOGETHER", f"{t.first} + {t.second}  {t.matches} / {t.wins}W"))
    return shown


def card_size(d: Digest) -> tuple[int, int]:
    return CARD_WIDTH, TITLE_H + len(card_rows(d)) * ROW_H + 16 + len(awards(d)) * AWARD_H + MARGIN


def row_origin(index: int) -> tuple[int, int]:
    """Where the card writes the nickname of member row `index`."""
    return MARGIN + 16, TITLE_H + index * ROW_H + 4


def digest_card(week: WeekDigest, zone: str) -> bytes:
    d = week.digest
    width, height = card_size(d)
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, 24), "SQUAD WEEK", fill=ACCENT, font=font(34))
    draw.text(
        (MARGIN + 260, 34),
        f"{_span(week, zone)}  ·  {d.matches} MATCHES  ·  {d.members} PLAYERS",
        fill=MUTED,
        font=font(20),
    )
    for i, f in enumerate(card_rows(d)):
        x, y = row_origin(i)
        draw.rounded_rectangle((MARGIN, y - 4, width - MARGIN, y + ROW_H - 8), radius=6, fill=PANEL)
        draw.text((x, y), f.nickname, fill=TEXT, font=font(NAME_SIZE))
        colour = UP if f.value > 0 else DOWN if f.value < 0 else MUTED
        draw.text((width - MARGIN - 16, y), _signed(f.value), fill=colour, font=font(NAME_SIZE), anchor="ra")
    y = TITLE_H + len(card_rows(d)) * ROW_H + 16
    for label, value in awards(d):
        draw.text((MARGIN, y), label, fill=MUTED, font=font(18))
        draw.text((MARGIN + 200, y - 2), value, fill=TEXT, font=font(NAME_SIZE))
        y += AWARD_H
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# -- /together --------------------------------------------------------------------------------
def together(report: TogetherReport, zone: str, l10n: L10n) -> Rendered:
    t = report.figures
    head = l10n(
        "together-head",
        me=escape(report.me),
        other=escape(report.other),
        looked=l10n.plural("n-last-matches", t.looked_at),
    )
    if not t.together and not t.against:
        return Rendered("\n".join([head, l10n("together-none")]))
    lines = [
        head,
        l10n(
            "together-same",
            matches=l10n.plural("n-squad-matches", t.together),
            wins=t.together_won,
            losses=t.together - t.together_won,
        ),
        l10n(
            "together-against",
            matches=l10n.plural("n-squad-matches", t.against),
            wins=t.against_won,
            losses=t.against - t.against_won,
        ),
        l10n("together-latest"),
    ]
    tz = ZoneInfo(zone)
    for s in t.latest:
        when = datetime.fromtimestamp(s.finished_at, UTC).astimezone(tz)
        lines.append(
            l10n(
                "together-match",
                date=formats.short_day(when, l10n),
                map=escape(s.map),
                score=s.score,
                side=l10n("together-side-same" if s.same_team else "together-side-against"),
                result=l10n("together-won" if s.won else "together-lost"),
            )
        )
    return Rendered("\n".join(lines))


# -- the personal weekly recap ----------------------------------------------------------------
def _trend(this: float | None, before: float | None) -> str:
    if this is None or before is None or this == before:
        return ""
    return " ▲" if this > before else " ▼"


def _week_line(key: str, w: WeekFigures, l10n: L10n) -> str:
    return l10n(
        key,
        matches=l10n.plural("n-squad-matches", w.matches),
        wins=w.wins,
        losses=w.matches - w.wins,
        kd="—" if w.kd is None else fmt(w.kd),
        adr="—" if w.adr is None else fmt(w.adr, 1),
    )


def recap(r: Recap, nickname: str, l10n: L10n) -> Rendered:
    lines = [l10n("recap-title", nickname=escape(nickname))]
    if not r.this.matches:
        lines.append(l10n("recap-quiet"))
    else:
        lines.append(_week_line("recap-this", r.this, l10n) + _trend(r.this.kd, r.before.kd))
    lines.append(_week_line("recap-before", r.before, l10n))
    if r.elo_change is not None:
        lines.append(l10n("recap-elo", change=_signed(r.elo_change)))
    if r.best_map:
        name, wins, n = r.best_map
        lines.append(
            l10n("recap-best-map", map=escape(name), wins=wins, matches=l10n.plural("n-of-matches", n))
        )
    if r.worst_map:
        name, wins, n = r.worst_map
        lines.append(
            l10n("recap-worst-map", map=escape(name), wins=wins, matches=l10n.plural("n-of-matches", n))
        )
    return Rendered("\n".join(lines))


def recap_state(on: bool, l10n: L10n) -> str:
    return l10n("recap-on" if on else "recap-off")

"""The PNG stat card of a player (Pillow). Labels are short and language-neutral (ELO, K/D, ADR…);
the translated text goes in the caption. CPU-bound: draw through render/images.py."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from faceitbot.analysis.form import Totals
from faceitbot.analysis.match import MatchReport
from faceitbot.analysis.profile import ProfileCard
from faceitbot.render.common import fmt

WIDTH, HEIGHT = 800, 420
BACKGROUND = (24, 26, 31)
PANEL = (36, 39, 46)
TEXT = (240, 240, 240)
MUTED = (150, 155, 165)
ACCENT = (255, 85, 0)  # FACEIT orange
WIN, LOSS = (52, 168, 83), (219, 68, 55)
LEVEL_COLOURS = {
    1: (238, 238, 238),
    2: (28, 232, 28),
    3: (28, 232, 28),
    4: (255, 192, 0),
    5: (255, 192, 0),
    6: (255, 192, 0),
    7: (255, 192, 0),
    8: (255, 102, 0),
    9: (255, 102, 0),
    10: (254, 31, 0),
}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def stat_card(card: ProfileCard, recent: Totals | None = None) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    level_colour = LEVEL_COLOURS.get(card.level, MUTED)
    draw.ellipse((32, 28, 112, 108), outline=level_colour, width=6)
    draw.text((72, 68), str(card.level), fill=level_colour, font=_font(36), anchor="mm")
    draw.text((136, 30), card.nickname, fill=TEXT, font=_font(40))
    country = card.country.upper()
    draw.text(
        (136, 80), f"{card.elo} ELO" + (f"  ·  {country}" if country else ""), fill=ACCENT, font=_font(26)
    )

    tiles = [
        ("MATCHES", str(card.matches)),
        ("WIN %", fmt(card.win_rate, 0)),
        ("K/D", fmt(card.kd)),
        ("HS %", fmt(card.hs_pct, 0)),
        ("AVG KILLS", "—" if card.avg_kills is None else fmt(card.avg_kills, 1)),
        ("BEST STREAK", str(card.longest_streak)),
    ]
    if recent is not None and recent.matches:
        tiles += [
            (f"LAST {recent.matches} WIN %", fmt(recent.win_rate, 0)),
            (f"LAST {recent.matches} K/D", fmt(recent.kd)),
            (f"LAST {recent.matches} ADR", fmt(recent.adr, 1)),
        ]
    columns = 3
    tile_w, tile_h, gap = 236, 76, 14
    for i, (label, value) in enumerate(tiles):
        x = 32 + (i % columns) * (tile_w + gap)
        y = 132 + (i // columns) * (tile_h + gap)
        draw.rounded_rectangle((x, y, x + tile_w, y + tile_h), radius=10, fill=PANEL)
        draw.text((x + 14, y + 10), label, fill=MUTED, font=_font(16))
        draw.text((x + 14, y + 32), value, fill=TEXT, font=_font(30))
    for i, won in enumerate(card.last_results):  # oldest → newest, left → right
        x = WIDTH - 32 - (len(card.last_results) - i) * 34
        draw.rounded_rectangle((x, 40, x + 26, 66), radius=5, fill=WIN if won else LOSS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def match_card(report: MatchReport) -> bytes:
    """Both rosters side by side (level, ELO, last-20 K/D), team ELO and chances, map advice."""
    image = Image.new("RGB", (WIDTH, 520), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text(
        (WIDTH // 2, 30), (report.competition or "FACEIT")[:48], fill=MUTED, font=_font(18), anchor="mm"
    )
    for side, team in enumerate(report.teams):
        x = 32 + side * 380
        draw.rounded_rectangle((x, 56, x + 356, 396), radius=12, fill=PANEL)
        draw.text((x + 16, 68), team.name[:22], fill=TEXT, font=_font(26))
        draw.text(
            (x + 16, 104),
            f"AVG {team.avg_elo} ELO  ·  {fmt(100 * team.win_probability, 0)}%",
            fill=ACCENT,
            font=_font(18),
        )
        for i, p in enumerate(team.players[:5]):
            y = 146 + i * 48
            colour = LEVEL_COLOURS.get(p.level, MUTED)
            draw.ellipse((x + 16, y, x + 48, y + 32), outline=colour, width=3)
            draw.text((x + 32, y + 16), str(p.level or "-"), fill=colour, font=_font(16), anchor="mm")
            draw.text((x + 60, y + 4), p.nickname[:14], fill=LOSS if p.danger else TEXT, font=_font(20))
            kd = fmt(p.recent.kd) if p.recent.matches else "-"
            draw.text((x + 340, y + 4), f"{p.elo or '-'}  K/D {kd}", fill=MUTED, font=_font(18), anchor="ra")
    verdicts = {"pick": WIN, "ban": LOSS}
    for i, advice in enumerate(report.map_advice[:7]):
        x = 32 + i * 106
        colour = verdicts.get(advice.recommendation, PANEL)
        draw.rounded_rectangle((x, 420, x + 96, 488), radius=10, fill=colour)
        draw.text((x + 48, 440), advice.map[:9], fill=TEXT, font=_font(16), anchor="mm")
        r1 = "-" if advice.team1_win_rate is None else fmt(advice.team1_win_rate, 0)
        r2 = "-" if advice.team2_win_rate is None else fmt(advice.team2_win_rate, 0)
        draw.text((x + 48, 466), f"{r1} / {r2}", fill=TEXT, font=_font(16), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

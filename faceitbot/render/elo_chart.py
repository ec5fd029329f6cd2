"""The /elo picture: a player's ELO snapshots over time on the CS2 skill-level bands.

Drawn on the admin charts' canvas; Pillow writes the axis labels (the ELO where each level
starts, the first and last day) in the margins, never over the data. Pure and CPU-bound: call
it through asyncio.to_thread (render/images.py does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from PIL import Image, ImageDraw, ImageFont

from faceitbot.render.chart import Canvas

WIDTH, HEIGHT = 800, 400
MARGIN = 24
LEFT = 64  # room for the ELO labels
PAD_ELO = 40  # room above the highest and below the lowest point
# Top ELO of levels 1–9 (level 10 is 2001 and up).
LEVEL_TOPS = (500, 750, 900, 1050, 1200, 1350, 1530, 1750, 2000)
# Light tints of FACEIT's level colours (grey, greens, yellows, oranges, red), a step per level.
BAND_COLOURS = (
    (238, 238, 238),
    (226, 247, 226),
    (212, 243, 212),
    (255, 249, 219),
    (255, 244, 204),
    (255, 239, 189),
    (255, 234, 174),
    (255, 226, 204),
    (255, 213, 184),
    (255, 214, 214),
)
BAND_EDGE = (205, 205, 205)
LINE = (255, 85, 0)
POINT = (40, 40, 40)
LABEL = (90, 90, 90)
DOT = 2  # a point is a (2·DOT+1)² square

Snapshot = tuple[int, int]  # (unix seconds, ELO)


@dataclass(frozen=True, slots=True)
class Scale:
    t0: int
    t1: int
    low: int
    high: int
    width: int = WIDTH
    height: int = HEIGHT

    def x(self, t: int) -> int:
        span = max(1, self.t1 - self.t0)
        return LEFT + round((t - self.t0) * (self.width - LEFT - MARGIN - 1) / span)

    def y(self, elo: float) -> int:
        span = max(1, self.high - self.low)
        return self.height - MARGIN - 1 - round((elo - self.low) * (self.height - 2 * MARGIN - 1) / span)

    def elo(self, y: int) -> float:
        """The ELO a row of pixels stands for (inverse of y, for tests and tooltips)."""
        span = max(1, self.high - self.low)
        return self.low + (self.height - MARGIN - 1 - y) * span / (self.height - 2 * MARGIN - 1)


def scale(snapshots: Sequence[Snapshot], width: int = WIDTH, height: int = HEIGHT) -> Scale:
    elos = [e for _, e in snapshots]
    return Scale(snapshots[0][0], snapshots[-1][0], min(elos) - PAD_ELO, max(elos) + PAD_ELO, width, height)


def points(snapshots: Sequence[Snapshot], width: int = WIDTH, height: int = HEIGHT) -> list[tuple[int, int]]:
    s = scale(snapshots, width, height)
    return [(s.x(t), s.y(e)) for t, e in snapshots]


def _segment(canvas: Canvas, a: tuple[int, int], b: tuple[int, int]) -> None:
    steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
    for i in range(steps + 1):
        x = a[0] + (b[0] - a[0]) * i // steps
        y = a[1] + (b[1] - a[1]) * i // steps
        canvas.rect(x - 1, y - 1, x + 2, y + 2, LINE)


def elo_chart(snapshots: Sequence[Snapshot], width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """Snapshots oldest first, at least one."""
    if not snapshots:
        raise ValueError("an ELO chart needs at least one snapshot")
    s = scale(snapshots, width, height)
    canvas = Canvas(width, height)
    bottom_edge = height - MARGIN
    lows = (0, *(top + 1 for top in LEVEL_TOPS))
    tops = (*LEVEL_TOPS, 10_000)
    for colour, low, top in zip(BAND_COLOURS, lows, tops, strict=True):
        if top < s.low or low > s.high:
            continue
        y_top = max(MARGIN, s.y(min(top, s.high)))
        y_bottom = min(bottom_edge, s.y(max(low, s.low)) + 1)
        canvas.rect(LEFT, y_top, width - MARGIN, y_bottom, colour)
        if s.low <= top <= s.high:  # the border to the next level
            canvas.rect(LEFT, s.y(top), width - MARGIN, s.y(top) + 1, BAND_EDGE)
    pts = [(s.x(t), s.y(e)) for t, e in snapshots]
    for a, b in pairwise(pts):
        _segment(canvas, a, b)
    for x, y in pts:  # points last, over the line
        canvas.rect(x - DOT, y - DOT, x + DOT + 1, y + DOT + 1, POINT)
    _label(canvas, s, snapshots)
    return canvas.png()


def _label(canvas: Canvas, s: Scale, snapshots: Sequence[Snapshot]) -> None:
    image = Image.frombytes("RGB", (canvas.width, canvas.height), bytes(canvas.pixels))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=12)
    for level, top in enumerate(LEVEL_TOPS, start=2):  # where level `level` starts
        if s.low <= top + 1 <= s.high:
            draw.text((LEFT - 6, s.y(top + 1)), f"{top + 1} L{level}", fill=LABEL, font=font, anchor="rm")
    for elo in (s.low + PAD_ELO, s.high - PAD_ELO):  # the lowest and highest ELO seen
        draw.text((LEFT - 6, s.y(elo)), str(elo), fill=LINE, font=font, anchor="rm")
    bottom = canvas.height - MARGIN // 2
    first, last = (
        datetime.fromtimestamp(t, UTC).strftime("%d.%m") for t in (snapshots[0][0], snapshots[-1][0])
    )
    draw.text((LEFT, bottom), first, fill=LABEL, font=font, anchor="lm")
    draw.text((canvas.width - MARGIN, bottom), last, fill=LABEL, font=font, anchor="rm")
    canvas.pixels[:] = image.tobytes()

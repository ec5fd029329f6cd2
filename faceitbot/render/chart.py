"""A small PNG bar chart of the daily analytics, drawn with the standard library only (no
matplotlib in this deployment): three panels — daily active users, analyses, Stars — one bar per
day. Labels live in the message caption. CPU-bound: call it through asyncio.to_thread."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

WIDTH, HEIGHT = 800, 600
MARGIN = 16
GAP = 14
WHITE = (255, 255, 255)
GRID = (228, 228, 228)
AXIS = (150, 150, 150)
COLOURS = ((66, 133, 244), (52, 168, 83), (251, 140, 0))  # DAU, analyses, Stars


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(WHITE) * width * height)

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        """Fill [x0, x1) × [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        y0, y1 = max(0, y0), min(self.height, y1)
        if x0 >= x1:
            return
        run = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(run)] = run

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 6))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def bars(series: Sequence[Sequence[int]], width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """One panel per series (top to bottom), each bar scaled to its own series' maximum."""
    canvas = _Canvas(width, height)
    panel_h = (height - 2 * MARGIN - GAP * (len(series) - 1)) // max(1, len(series))
    for i, values in enumerate(series):
        top = MARGIN + i * (panel_h + GAP)
        bottom = top + panel_h
        for q in range(1, 4):  # quarter grid lines
            y = bottom - panel_h * q // 4
            canvas.rect(MARGIN, y, width - MARGIN, y + 1, GRID)
        canvas.rect(MARGIN, bottom, width - MARGIN, bottom + 2, AXIS)
        if not values:
            continue
        peak = max(max(values), 1)
        slot = (width - 2 * MARGIN) / len(values)
        for n, value in enumerate(values):
            x0 = MARGIN + int(n * slot + slot * 0.15)
            x1 = MARGIN + int((n + 1) * slot - slot * 0.15)
            bar = round(panel_h * value / peak)
            canvas.rect(x0, bottom - bar, max(x1, x0 + 1), bottom, COLOURS[i % len(COLOURS)])
    return canvas.png()


Canvas = _Canvas  # shared with the ELO chart (render/elo_chart.py)

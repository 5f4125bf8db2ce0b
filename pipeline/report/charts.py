"""Tiny hand-made bar charts: SVG for the printable HTML report, PNG for the .docx
draft (no plotting library: three small charts do not justify matplotlib, and the
machine has no CJK font to draw labels with). Horizontal bars, one per label, in
the order given; deterministic output. The PNG carries bars only: the draft puts
the labels and numbers in the caption beside it."""

from __future__ import annotations

import html
import struct
import zlib
from collections.abc import Mapping

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 150  # px for the label column (Chinese labels up to ~9 characters at 14px)
PLOT_WIDTH = 380
FONT = "font-family=\"SimSun, 'Songti SC', serif\" font-size=\"13\""


def bar_chart_svg(title: str, data: Mapping[str, int]) -> str:
    """An accessible inline SVG bar chart of ``data`` (label → count)."""
    e = html.escape
    rows = list(data.items())
    top = max((n for _, n in rows), default=0) or 1
    height = 28 + len(rows) * (BAR_HEIGHT + GAP)
    width = LABEL_WIDTH + PLOT_WIDTH + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-label="{e(title)}">',
        f"<title>{e(title)}</title>",
        f'<text x="0" y="16" {FONT} font-weight="bold">{e(title)}</text>',
    ]
    for i, (label, n) in enumerate(rows):
        y = 28 + i * (BAR_HEIGHT + GAP)
        w = round(PLOT_WIDTH * n / top, 1)
        mid = y + BAR_HEIGHT - 4
        parts += [
            f'<text x="{LABEL_WIDTH - 6}" y="{mid}" text-anchor="end" {FONT}>{e(_short(label))}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w}" height="{BAR_HEIGHT}" fill="#4a6fa5"/>',
            f'<text x="{LABEL_WIDTH + w + 4}" y="{mid}" {FONT}>{n}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _short(label: str, limit: int = 10) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


PNG_WIDTH = 600
PNG_BAR = 14
PNG_GAP = 6
BAR_RGB = (0x4A, 0x6F, 0xA5)
AXIS_RGB = (0x66, 0x66, 0x66)


def bar_chart_png(data: Mapping[str, int]) -> bytes:
    """The same chart as bar_chart_svg, as PNG bytes (bars only; labels go in the caption)."""
    rows = list(data.values())
    top = max(rows, default=0) or 1
    height = PNG_GAP + len(rows) * (PNG_BAR + PNG_GAP)
    left, plot = 10, PNG_WIDTH - 30
    pixels = [bytearray(b"\xff" * (PNG_WIDTH * 3)) for _ in range(height)]
    for y in range(height):  # the axis
        pixels[y][left * 3:(left + 2) * 3] = bytes(AXIS_RGB) * 2
    for i, n in enumerate(rows):
        y0 = PNG_GAP + i * (PNG_BAR + PNG_GAP)
        width = round(plot * n / top)
        for y in range(y0, y0 + PNG_BAR):
            pixels[y][(left + 2) * 3:(left + 2 + width) * 3] = bytes(BAR_RGB) * width
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)  # filter type 0 per scanline
    return _png(PNG_WIDTH, height, raw)


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")

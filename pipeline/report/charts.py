"""Tiny hand-made SVG bar charts for the printable HTML report (no plotting
library: three small charts do not justify matplotlib). Horizontal bars, one
per label, the number at the end of each bar; deterministic output."""

from __future__ import annotations

import html
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

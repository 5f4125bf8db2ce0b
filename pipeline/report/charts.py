"""Small bar charts: SVG for the printable HTML report (the browser draws the text), PNG
for the .docx draft — drawn with Pillow in a CJK font with a title and labelled axes
(axis_chart_png), or bars only when the machine has no CJK font (bar_chart_png; the
caption then carries the labels). No plotting library: three small charts do not
justify matplotlib. Horizontal bars, one per label, in the order given; deterministic."""

from __future__ import annotations

import html
import io
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


# --- PNG with labelled axes (the .docx draft) -------------------------------------------------
# Drawn with Pillow in a CJK font of the machine (Debian: fonts-noto-cjk); where none is
# found the draft falls back to bar_chart_png and says the labels in the caption.
CJK_FONTS = (  # first found wins; XXGK_CJK_FONT names another
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
SC_INDEX = 2  # in Noto's .ttc collections: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK


def cjk_font_path() -> str | None:
    """A font file that draws Chinese, or None."""
    import os

    for path in (os.environ.get("XXGK_CJK_FONT", ""), *CJK_FONTS):
        if path and os.path.isfile(path):
            return path
    return None


def axis_chart_png(title: str, data: Mapping[str, int], y_title: str, x_title: str = "条数") -> bytes | None:
    """A horizontal bar chart with its title, category axis labels, a value axis with ticks
    and both axis titles, as PNG bytes (2× resolution); None without Pillow or a CJK font."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return None
    path = cjk_font_path()
    if path is None:
        return None

    def font(size: int) -> ImageFont.FreeTypeFont:
        try:
            return ImageFont.truetype(path, size, index=SC_INDEX if "Noto" in path else 0)
        except OSError:
            return ImageFont.truetype(path, size)

    s = 2  # scale
    rows = list(data.items())
    small, normal, bold = font(13 * s), font(14 * s), font(16 * s)
    top = max((n for _, n in rows), default=0) or 1
    step = _tick_step(top)
    axis_max = -(-top // step) * step
    label_w = max([int(small.getlength(_short(label, 12))) for label, _ in rows] + [0]) + 10 * s
    left = max(label_w, int(normal.getlength(y_title)) // 2) + 24 * s
    width, bar, gap = 600 * s, 16 * s, 6 * s
    plot_top = 34 * s
    plot_w = width - left - 30 * s
    plot_h = len(rows) * (bar + gap) + gap
    height = plot_top + plot_h + 50 * s
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    d.text((width // 2, 6 * s), title, font=bold, fill="black", anchor="ma")
    for k in range(0, axis_max + 1, step):  # value axis: grid, ticks, numbers
        x = left + plot_w * k // axis_max
        d.line([(x, plot_top), (x, plot_top + plot_h)], fill=(225, 225, 225), width=s)
        d.line([(x, plot_top + plot_h), (x, plot_top + plot_h + 4 * s)], fill="black", width=s)
        d.text((x, plot_top + plot_h + 6 * s), str(k), font=small, fill="black", anchor="ma")
    for i, (label, n) in enumerate(rows):
        y = plot_top + gap + i * (bar + gap)
        w = plot_w * n // axis_max
        d.rectangle([left, y, left + w, y + bar], fill=(0x4A, 0x6F, 0xA5))
        d.text((left - 6 * s, y + bar // 2), _short(label, 12), font=small, fill="black", anchor="rm")
        d.text((left + w + 4 * s, y + bar // 2), str(n), font=small, fill="black", anchor="lm")
    d.line([(left, plot_top), (left, plot_top + plot_h)], fill="black", width=s)
    d.line([(left, plot_top + plot_h), (left + plot_w, plot_top + plot_h)], fill="black", width=s)
    d.text((left + plot_w // 2, height - 6 * s), x_title, font=normal, fill="black", anchor="md")
    title_img = Image.new("RGB", (int(normal.getlength(y_title)) + 4 * s, 20 * s), "white")  # the category axis title
    ImageDraw.Draw(title_img).text((2 * s, 0), y_title, font=normal, fill="black")
    rotated = title_img.rotate(90, expand=True)
    img.paste(rotated, (2 * s, plot_top + max(0, (plot_h - rotated.height) // 2)))
    out = io.BytesIO()
    img.save(out, format="PNG")  # not optimize=True: 6× the time (a district renders hundreds) for 4% fewer bytes
    return out.getvalue()


def _tick_step(top: int) -> int:
    """A round step giving 4–10 ticks up to ``top``."""
    step = 1
    while top / step > 10:
        for m in (2, 5, 10):
            if top / (step * m) <= 10:
                return step * m
        step *= 10
    return step

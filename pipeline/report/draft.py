"""The .docx draft staff finish in Word/WPS: the six headings, the generated
text, the three tables (merged cells as the format prints them) and
highlighted placeholders for the parts staff write. Needs ``python-docx``.

The charts of the HTML report are in the draft as PNG pictures (bars only) after
part 二, each with a caption giving the labels and numbers in bar order."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

from pipeline.report.charts import bar_chart_png
from pipeline.report.layout import Grid, place
from pipeline.report.prose import preamble, title
from pipeline.report.render import prepare

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"


def render_docx(report: Mapping, *, previous: Mapping | None = None, check: bool = True) -> bytes:
    """The draft as .docx bytes (write them with the project's atomic writer)."""
    p = prepare(report, previous=previous, check=check)
    doc = Document()
    _set_font(doc.styles["Normal"], BODY_FONT, 16)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, title(report), HEADING_FONT, 22, bold=True)
    _body(doc, preamble(report, p.fmt))
    for s in p.sections:
        h = doc.add_heading(level=1)  # a real heading: Word's navigation pane lists the parts
        _run(h, s.heading, HEADING_FONT, 16).font.color.rgb = RGBColor(0, 0, 0)
        for para in s.paragraphs:
            _body(doc, para.text, placeholder=para.placeholder)
        for note in s.notes:
            _body(doc, note, placeholder=True)
        if s.heading.startswith("二"):
            _charts(doc, report.get("charts") or {})
        if s.table:
            cap = doc.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(cap, s.table_title, HEADING_FONT, 12)
            _table(doc, p.grid(s.table))
    for line in (report["office"], report.get("date")):
        if line:
            sig = doc.add_paragraph()
            sig.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(sig, str(line), BODY_FONT, 16)
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


def _charts(doc, charts: Mapping) -> None:
    for name, data in charts.items():
        if not data:
            continue
        doc.add_picture(io.BytesIO(bar_chart_png(data)), width=Inches(6))
        cap = doc.add_paragraph()
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(cap, f"{name}（自上而下）：" + "，".join(f"{label} {n}" for label, n in data.items()), BODY_FONT, 10.5)


def _stable_zip(data: bytes) -> bytes:
    """The same .docx with fixed member timestamps: python-docx stamps each zip member
    with the current time, and the nightly writer skips a file only when its bytes
    are unchanged."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _set_font(style, name: str, size: int) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _run(paragraph, text: str, font: str, size: float, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _body(doc, text: str, placeholder: bool = False) -> None:
    para = doc.add_paragraph()
    para.paragraph_format.first_line_indent = Pt(32)
    run = _run(para, text, BODY_FONT, 16)
    if placeholder:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _table(doc, grid: Grid) -> None:
    n_rows, n_cols, placed = place(grid)
    table = doc.add_table(rows=n_rows, cols=n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # One snapshot of the cells: table.cell() rescans the whole table on every call
    # (quadratic: seconds per report). Merging one region never touches another
    # region's cells, so the snapshot stays valid for every corner we look up.
    cells = table._cells  # row-major, n_rows × n_cols while nothing is merged yet
    for r, c, cell in placed:
        target = cells[r * n_cols + c]
        if cell.rowspan > 1 or cell.colspan > 1:
            corner = cells[(r + cell.rowspan - 1) * n_cols + c + cell.colspan - 1]
            target = target.merge(corner)
        target.text = ""
        para = target.paragraphs[0]
        if cell.header or cell.numeric:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(para, cell.text, HEADING_FONT if cell.header else BODY_FONT, 9, bold=False)

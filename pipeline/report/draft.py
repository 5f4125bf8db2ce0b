"""The .docx draft staff finish in Word/WPS, in the form of an official document
(GB/T 9704-2012 党政机关公文格式): A4, margins 37 mm top, 28 mm left (订口), 版心
156 × 225 mm; title in 方正小标宋简体 二号, body in 仿宋_GB2312 三号, headings in 黑体
三号, with the usual substitutes named in the font table (宋体, 仿宋, SimHei) for a
machine without them; East-Asian language zh-CN; the six headings, the generated text,
the three tables (merged cells as the format prints them, column widths fitted to the
版心 so that row labels do not break), highlighted placeholders for the parts staff
write, and the 落款 (office and date). Needs ``python-docx``.

The charts of the HTML report are in the draft as PNG pictures after part 二, with a
title and labelled axes (charts.axis_chart_png), each with a caption giving the
labels and numbers in bar order."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import CharacterStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree


from pipeline.models import cn_date
from pipeline.report.charts import axis_chart_png, bar_chart_png
from pipeline.report.layout import Cell, Grid, place
from pipeline.report.prose import preamble, title
from pipeline.report.render import prepare

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
# GB/T 9704 fonts and what a machine without them should use (the font table's altName).
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", HEADING_FONT: "SimHei"}
PAGE = (Mm(210), Mm(297))  # A4
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}  # 版心 156 × 225 mm
TEXT_WIDTH_MM = 156
TABLE_PT = 9  # table text: 小五 would be 9 pt
CELL_PAD_MM = 2.0  # Word's default cell margins, left + right, plus a little air
LINE_PT = 28.95  # 每面 22 行 in the 225 mm 版心


def render_docx(report: Mapping[str, Any], *, previous: Mapping[str, Any] | None = None, check: bool = True,
                generated: date, identifier: str = "") -> bytes:
    """The draft as .docx bytes (write them with the project's atomic writer).

    ``generated``: the generation date (the office's today: the caller knows its zone), in the
    document properties and, when the report has no date of its own, the 落款. ``identifier``: kept
    in the document properties (dc:identifier), read back by ``draft_identifier``."""
    p = prepare(report, previous=previous, check=check)
    doc = Document()
    _page_setup(doc)
    _styles(doc)
    _font_table(doc)
    _properties(doc, report, generated)
    doc.core_properties.identifier = identifier
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, title(report), TITLE_FONT, 22)
    _body(doc, preamble(report, p.fmt))
    for s in p.sections:
        h = doc.add_heading(level=1)  # a real heading: Word's navigation pane lists the parts
        h.paragraph_format.first_line_indent = Pt(32)
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
    _signature(doc, report["office"], str(report.get("date") or cn_date(generated)))
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


def draft_identifier(path: str) -> str | None:
    """The identifier a .docx written by ``render_docx`` carries (None: no such file, or not one)."""
    try:
        with zipfile.ZipFile(path) as docx:
            core = etree.fromstring(docx.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return None
    found = core.find("{http://purl.org/dc/elements/1.1/}identifier")
    return found.text if found is not None else None


def _page_setup(doc: DocxDocument) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = PAGE
        section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
        section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]


def _styles(doc: DocxDocument) -> None:
    """Body font and size, zh-CN as the East-Asian language, headings in 黑体 (not the theme's)."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    _set_font(normal, BODY_FONT, 16)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    overflow = OxmlElement("w:overflowPunct")  # no punctuation hanging past the right margin of the 版心
    overflow.set(qn("w:val"), "0")
    normal.element.get_or_add_pPr().append(overflow)
    h1 = doc.styles["Heading 1"]
    _set_font(h1, HEADING_FONT, 16)
    h1.font.bold = False
    h1.font.color.rgb = RGBColor(0, 0, 0)
    h1.paragraph_format.space_before = h1.paragraph_format.space_after = Pt(0)


def _font_table(doc: DocxDocument) -> None:
    """Name the GB/T 9704 fonts with their usual substitutes (w:altName, charset GB2312)."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for name, alt in FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alt)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")  # GB2312
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "roman" if name != HEADING_FONT else "modern")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _properties(doc: DocxDocument, report: Mapping[str, Any], generated: date) -> None:
    """Core properties: the office as author, the generation date (not python-docx's defaults)."""
    props = doc.core_properties
    when = datetime.combine(generated, time(0, 0))  # python-docx writes it as UTC ("Z") unconverted
    props.title = title(report)
    props.author = props.last_modified_by = report["office"]
    props.subject = "政府信息公开工作年度报告"
    props.keywords = "政府信息公开; 年度报告"
    props.comments = f"{report['office']}{report['year']}年政府信息公开工作年度报告草稿，{cn_date(generated)}生成"
    props.language = "zh-CN"
    props.category = "草稿"
    props.created = props.modified = when
    props.last_printed = when
    props.revision = 1


def _signature(doc: DocxDocument, office: str, when: str) -> None:
    """落款: the office, then the date, right-aligned with the date indented 4 characters from the right."""
    for text, indent in ((office, 2), (when, 4)):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.paragraph_format.right_indent = Pt(16 * indent)
        _run(para, text, BODY_FONT, 16)


def _charts(doc: DocxDocument, charts: Mapping[str, Any]) -> None:
    for name, data in charts.items():
        if not data:
            continue
        png = axis_chart_png(name, data, name[1:] if name.startswith("按") else "类别") or bar_chart_png(data)
        doc.add_picture(io.BytesIO(png), width=Mm(TEXT_WIDTH_MM))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
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


def _set_font(style: CharacterStyle, name: str, size: int) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):  # a theme font would win
        fonts.attrib.pop(qn(theme), None)


def _run(paragraph: Paragraph, text: str, font: str, size: float, bold: bool = False) -> Run:
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _body(doc: DocxDocument, text: str, placeholder: bool = False) -> None:
    para = doc.add_paragraph()
    para.paragraph_format.first_line_indent = Pt(32)
    run = _run(para, text, BODY_FONT, 16)
    if placeholder:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _table(doc: DocxDocument, grid: Grid) -> None:
    n_rows, n_cols, placed = place(grid)
    widths = column_widths(n_cols, placed)
    table = doc.add_table(rows=n_rows, cols=n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _fixed_layout(table, sum(widths))
    for column, width in zip(table.columns, widths):
        column.width = Mm(width)
    # One snapshot of the cells: table.cell() rescans the whole table on every call
    # (quadratic: seconds per report). Merging one region never touches another
    # region's cells, so the snapshot stays valid for every corner we look up.
    cells = table._cells  # row-major, n_rows × n_cols while nothing is merged yet
    for k, cell in enumerate(cells):  # widths first: a merged cell's width is the sum of its parts
        cell.width = Mm(widths[k % n_cols])
    for r, c, cell in placed:
        target = cells[r * n_cols + c]
        if cell.rowspan > 1 or cell.colspan > 1:
            corner = cells[(r + cell.rowspan - 1) * n_cols + c + cell.colspan - 1]
            target = target.merge(corner)
        target.text = ""
        para = target.paragraphs[0]
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.paragraph_format.first_line_indent = Pt(0)
        if cell.header or cell.numeric:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(para, cell.text, HEADING_FONT if cell.header else BODY_FONT, TABLE_PT, bold=False)


def text_mm(text: str, size_pt: float = TABLE_PT) -> float:
    """Printed width of ``text``: a Chinese character is one em, Latin letters and digits half."""
    ems = sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)
    return ems * size_pt * 0.3528


def column_widths(n_cols: int, placed: list[tuple[int, int, Cell]]) -> list[float]:
    """Column widths in mm that add up to the 版心 (156 mm): numbers get what they need,
    row labels their whole length where the page allows — the innermost label column
    (the one with the most specific labels) first, so that "1.属于国家秘密" stays on one
    line; headers may wrap."""
    em = TABLE_PT * 0.3528
    floor = 2 * em + CELL_PAD_MM
    need = [floor] * n_cols  # what each column must have
    nice = [floor] * n_cols  # numeric columns: room for a short header on one line
    label = [0.0] * n_cols  # label columns: their longest label (capped)
    for _r, c, cell in placed:
        if cell.colspan != 1:
            continue
        width = text_mm(cell.text) + CELL_PAD_MM
        if cell.numeric:
            need[c] = max(need[c], width)
        elif cell.header:
            nice[c] = max(nice[c], min(width, 4 * em + CELL_PAD_MM))
        else:
            label[c] = max(label[c], min(width, 16 * em + CELL_PAD_MM))
    labels = [c for c in range(n_cols) if label[c]]
    widths = [need[c] if c not in labels else floor for c in range(n_cols)]
    room = TEXT_WIDTH_MM - sum(widths)
    for c in sorted(labels, reverse=True):  # the innermost labels first
        grow = min(max(0.0, label[c] - widths[c]), max(0.0, room))
        widths[c] += grow
        room -= grow
    for c in range(n_cols):  # then short headers on one line
        grow = min(max(0.0, nice[c] - widths[c]), max(0.0, room))
        widths[c] += grow
        room -= grow
    if room > 0:  # what is left: shared by all
        widths = [w + room / n_cols for w in widths]
    scale = TEXT_WIDTH_MM / sum(widths)  # never wider than the page, whatever the numbers
    return [round(w * min(1.0, scale), 2) for w in widths]


def _fixed_layout(table: Table, total_mm: float) -> None:
    """A fixed layout of the given width: Word and LibreOffice keep the columns as set."""
    tbl_pr: etree._Element = table._tbl.tblPr  # as a plain element: OxmlElement children go in
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:w"), str(int(total_mm / 25.4 * 1440)))
    width.set(qn("w:type"), "dxa")

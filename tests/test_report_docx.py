"""The .docx draft is an official draft (GB/T 9704): A4 and its margins, the fonts with
their substitutes, zh-CN, the office and the generation date in its properties and its
落款, tables inside the 版心 with row labels on one line, charts with labelled axes.
LibreOffice converts the demo office's drafts to PDF (one run for all of them)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from lxml import etree

from pipeline.report.draft import BODY_FONT, FALLBACKS, HEADING_FONT, TITLE_FONT, column_widths, text_mm
from pipeline.report.layout import Cell, place

from .office_tools import run, to_pdf

A4_PT = (595.3, 841.9)
MARGIN_PT = {"top": 37, "bottom": 35, "left": 28, "right": 26}  # mm
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def drafts(synced_office: Path) -> list[Path]:
    found = sorted((synced_office / "output/reports").glob("*.docx"))
    assert [p.stem for p in found] == ["2019", "2020", "2021"]
    return found


@pytest.fixture(scope="module")
def pdfs(drafts: list[Path], tmp_path_factory) -> list[Path]:
    return to_pdf(drafts, tmp_path_factory.mktemp("pdf"))


def test_the_draft_is_in_official_form(drafts: list[Path]) -> None:
    document = docx.Document(str(drafts[1]))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(getattr(section, f"{k}_margin").mm) for k in MARGIN_PT] == list(MARGIN_PT.values())
    styles = document.styles.element
    lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}eastAsia") == "zh-CN" and lang.get(f"{W}val") == "zh-CN"
    fonts = {r.element.rPr.rFonts.get(f"{W}eastAsia") for p in document.paragraphs for r in p.runs
             if r.element.rPr is not None and r.element.rPr.rFonts is not None}  # (picture runs have none)
    assert {TITLE_FONT, BODY_FONT, HEADING_FONT} <= fonts
    title = document.paragraphs[0].runs[0]
    assert title.element.rPr.rFonts.get(f"{W}eastAsia") == TITLE_FONT and title.font.size.pt == 22
    font_table = etree.fromstring(document.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable").blob)
    alt = {f.get(f"{W}name"): f.find(f"{W}altName").get(f"{W}val") for f in font_table.iter(f"{W}font")
           if f.find(f"{W}altName") is not None}
    assert {k: alt.get(k) for k in FALLBACKS} == FALLBACKS
    props = document.core_properties
    today = datetime.now(timezone.utc).date()
    assert props.author == "兴华街道办事处" and props.last_modified_by == "兴华街道办事处"
    assert abs((props.created.date() - today).days) <= 1 and props.created.year != 2013  # not python-docx's
    assert "python-docx" not in (props.author, props.last_modified_by, props.comments)
    signature = [p.text for p in document.paragraphs if p.text][-2:]
    assert signature[0] == "兴华街道办事处" and re.fullmatch(r"20\d\d年\d{1,2}月\d{1,2}日", signature[1])


def test_libreoffice_prints_it_on_a4_in_chinese_fonts_inside_the_margins(pdfs: list[Path]) -> None:
    for pdf in pdfs:
        info = run("pdfinfo", str(pdf))
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        sizes = run("pdfinfo", "-f", "1", "-l", str(pages), str(pdf))
        for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", sizes):
            assert abs(float(w) - A4_PT[0]) < 1 and abs(float(h) - A4_PT[1]) < 1, pdf.name
        fonts = run("pdffonts", str(pdf))
        assert "SerifCJK" in fonts and "SansCJK" in fonts, fonts  # 仿宋 body, 黑体 headings
        assert "DejaVu" not in fonts and "Liberation" not in fonts, fonts  # no Latin font drew Chinese
        words = etree.fromstring(run("pdftotext", "-bbox", str(pdf), "-").encode(), etree.HTMLParser(encoding="utf-8"))
        left, right = MARGIN_PT["left"] * 72 / 25.4, A4_PT[0] - MARGIN_PT["right"] * 72 / 25.4
        # Table text is 9 pt (the body's 16 pt lines may hang a closing punctuation mark, as Chinese
        # typesetting does); every table's text lies inside the 版心.
        cells = [w for w in words.iter("word") if float(w.get("ymax")) - float(w.get("ymin")) < 12.5]
        assert len(cells) > 20, pdf.name
        outside = [(w.text, w.get("xmin"), w.get("xmax")) for w in cells
                   if float(w.get("xmin")) < left - 1 or float(w.get("xmax")) > right + 1]
        assert outside == [], (pdf.name, outside[:5])
    layout = run("pdftotext", "-layout", str(pdfs[1]), "-")
    for label in ("1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”"):
        assert label in layout, label  # row labels are not broken over lines


def test_column_widths_fill_the_text_block_and_keep_inner_labels_whole() -> None:
    grid = [[Cell("", header=True), Cell("", header=True), Cell("自然人", header=True)] + [
        Cell(t, header=True) for t in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")],
        [Cell("三、本年度办理结果", rowspan=2), Cell("（三）不予公开", rowspan=2), Cell("1.属于国家秘密")]
        + [Cell("12", numeric=True)] * 7,
        [Cell("2.其他法律行政法规禁止公开")] + [Cell("0", numeric=True)] * 7]
    n_rows, n_cols, placed = place(grid)
    widths = column_widths(n_cols, placed)
    assert abs(sum(widths) - 156) < 0.1
    assert widths[2] >= text_mm("1.属于国家秘密") + 1  # the innermost labels on one line
    assert min(widths[3:]) >= text_mm("12")


def test_charts_have_labelled_axes(drafts: list[Path]) -> None:
    from PIL import Image

    document = docx.Document(str(drafts[1]))
    images = [r for r in document.part.related_parts.values() if r.content_type == "image/png"]
    assert len(images) == 3
    for part in images:
        img = Image.open(io.BytesIO(part.blob)).convert("L")
        width, height = img.size
        # Text left of the value axis (category labels) and under it (ticks and the axis title):
        # dark pixels where a bars-only chart has none.
        band = img.crop((0, height // 4, width // 6, height * 3 // 4))
        below = img.crop((width // 4, height - height // 8, width * 3 // 4, height))
        assert band.getextrema()[0] < 100 and below.getextrema()[0] < 100

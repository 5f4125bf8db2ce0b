"""Writing a year's report files through the one Writer (atomic, unchanged files left alone): in
``output/reports/`` while the year's report is a draft, the staff's to finish (its prose parts are
【待填写】); in ``output/site/reports/``, published with the site and linked from the year's page,
once `xxgk report publish` froze it. A draft is never in the docroot: the site shows the year's
counts, not a half-written report.

    reports/<year>.json             the data (what the publish stage's report page reads)
    reports/<year>.html             printable, tables as the format lays them out, SVG charts
    reports/<year>.md               Markdown
    reports/<year>.docx             the draft staff finish in Word / WPS
    reports/<year>-table1.csv …     one CSV per table (UTF-8 with BOM, for Excel / WPS)

The .docx takes most of the rendering time (python-docx, the charts): it is rendered again
only when what it is made of changed (``draft_inputs``, kept in the file's properties), so a
night with nothing new leaves every year's draft as it was, generation date included.

A year whose tables break an identity of the format gets its JSON (listing the
violations) but no HTML / Markdown / .docx / CSV: the report refuses to print.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import cache
from pathlib import Path
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from ..config import Config
from ..publish import Writer
from ..store import Store
from ..workdays import NOTICES, next_year_calendar_warning
from .annual import Annual, annual_report
from ..registers.errors import ReportError
from ..registers.figures import figures_folder
from .draft import draft_identifier, render_docx
from .render import render_body, render_csv, render_html, render_markdown

log = logging.getLogger(__name__)
PAGE_KEY = "page_html"  # in the data handed to the publish stage (not in the JSON file)
PUBLISHED = "site/reports"  # inside the docroot ([paths] site), so the public report page links to them (README: publishing)
DRAFTS = "reports"  # beside the docroot: the staff's, never served


def data_json(annual: Annual) -> str:
    return json.dumps(annual.data, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"


@cache
def _draft_code() -> str:
    """The draft's code, part of its inputs: a new release lays out every year's draft anew."""
    here = Path(__file__).parent
    return "".join((here / name).read_text(encoding="utf-8") for name in ("draft.py", "charts.py", "render.py"))


def draft_inputs(annual: Annual) -> str:
    """A digest of everything the year's .docx is rendered from, but the date of the night."""
    made_of = json.dumps([annual.render, annual.previous], ensure_ascii=False, sort_keys=True, default=repr)
    return hashlib.sha256((made_of + _draft_code()).encode("utf-8")).hexdigest()[:32]


def write_year(writer: Writer, annual: Annual, today: date) -> list[str]:
    """Write ``annual``'s files; returns the relative paths it produced (``today``: the
    generation date the .docx draft carries)."""
    year = annual.year
    folder = folder_of(annual)
    if folder == DRAFTS:
        _withdraw_draft(writer, year)
    paths = [f"{folder}/{year}.json"]
    writer.write(paths[0], data_json(annual))
    if annual.render is None:
        return paths
    if annual.violations:
        log.error("%s年年度报告的表格不一致，只写了 %s：%s", year, paths[0],
                  "；".join(v.message for v in annual.violations))
        return paths
    files: dict[str, str | bytes] = {
        f"{folder}/{year}.html": render_html(annual.render, previous=annual.previous),
        f"{folder}/{year}.md": render_markdown(annual.render, previous=annual.previous),
    }
    for name, text in render_csv(annual.render, previous=annual.previous).items():
        files[f"{folder}/{year}-{name}"] = text
    for rel, data in files.items():
        writer.write(rel, data)
    docx, inputs = f"{folder}/{year}.docx", draft_inputs(annual)
    if draft_identifier(writer.target(docx)) == inputs:
        writer.keep(docx)
    else:
        writer.write(docx, render_docx(annual.render, previous=annual.previous, generated=today, identifier=inputs))
    return paths + list(files) + [docx]


def folder_of(annual: Annual) -> str:
    """Pure: where a year's files go: the docroot once its report was published (frozen), else drafts."""
    return PUBLISHED if annual.data.get("published_at") else DRAFTS


def _withdraw_draft(writer: Writer, year: int) -> None:
    """Take a draft year's files out of the docroot, where versions before drafts were kept apart
    put every year's (a published year's never come back here: publishing cannot be undone)."""
    public = Path(writer.target(PUBLISHED))
    for path in [*public.glob(f"{year}.*"), *public.glob(f"{year}-table*.csv")]:
        log.warning("%s年年度报告尚未发布，已从网站目录移出：%s（草稿在 %s/）", year, path.name, DRAFTS)
        path.unlink(missing_ok=True)


def write_reports(store: Store, config: Config, category_names: Mapping[str, str],
                  years: Iterable[int], today: date, writer: Writer | None = None) -> dict[int, dict[str, Any]]:
    """The nightly job's part: every year's files; returns each year's data.

    A year whose figures file is broken is logged and skipped (the others are
    written); in December, a warning when the holiday data lacks next year.
    ``writer``: the build's staged Writer (pipeline.publish.build.staging), which puts these
    files in place together with the pages; without one they are committed here at the end.
    """
    warning = next_year_calendar_warning(today)
    if warning:  # the installation's, not the office's: a district run prints it once (workdays.NOTICES)
        logging.getLogger(NOTICES).warning(warning)
    # Reports of past years stay even if the data moved on (managed=(); the build's own stale sweep
    # skips site/reports/); staged: every file is renamed into place together (with the pages when
    # the build's Writer is given), so a failed or killed run replaces none of them.
    own = writer is None
    if writer is None:
        writer = Writer(config.output, managed=(), staged=True, site_dir=config.docroot)
    folder = figures_folder(config.path)
    reports = {}
    try:
        for year in years:
            try:
                annual = annual_report(store, config, year, category_names, folder)
            except ReportError as e:
                log.error("%s年年度报告未生成：%s", year, e)
                continue
            written = write_year(writer, annual, today)
            reports[year] = dict(annual.data)
            if f"{PUBLISHED}/{year}.html" in written and annual.render is not None:  # the site's page shows a published report itself
                reports[year][PAGE_KEY] = render_body(annual.render, previous=annual.previous)
    except BaseException:
        if own:
            writer.discard()
        raise
    if own:
        writer.commit()
    return reports

"""``xxgk report``: the annual report from the store (the register commands are in
``register_cli``). Thin: parse, call pipeline.report, print."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from pathlib import Path

import click

from ..cli import EXIT_CONFIG, Env, Failure, reports_errors
from .errors import ReportError

def handles_errors(command: Callable) -> Callable:
    """cli.reports_errors, plus a register record's own checks (registers.Application …) → exit 2."""

    @reports_errors
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ValueError as e:
            raise Failure(str(e), EXIT_CONFIG) from None

    return wrapper


class Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date like 2021-03-01", param, ctx)


DAY = Day()


def today_in(env: Env) -> date:
    """Today in the office's time zone."""
    return datetime.now(env.config.office.timezone).date()


# --- report ------------------------------------------------------------------------


@click.command(name="report")
@click.option("--year", type=int, required=True, help="The report year, e.g. 2020.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html", "docx"]),
              default="text", show_default=True, help="docx needs --output.")
@click.option("--explain", "row", metavar="ROW",
              help="List the items or applications behind one figure (total, wechat_weibo, other, late, "
                   "normative, category:名称, 予以公开, 行政复议 …).")
@click.option("--figures", "figures_dir", metavar="DIR",
              help="Folder of <year>.toml figures files (default: figures/ beside the config, or $XXGK_FIGURES).")
@click.option("--previous", "previous_path", type=click.Path(exists=True, dir_okay=False),
              help="Last year's published report JSON: check this year's 上年结转 against it.")
@click.option("--figures-template", is_flag=True, help="Print a figures file to fill in for --year.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.pass_obj
@handles_errors
def report(env: Env, year: int, fmt: str, row: str | None, figures_dir: str | None,
           previous_path: str | None, figures_template: bool, output: str | None) -> None:
    """The annual report 《政府信息公开工作年度报告》 for a year, computed from the store,
    the registers and the office's figures file; refuses when the tables break an identity.

    \b
    Example:
      xxgk report --year 2020
      xxgk report --year 2021 --format html -o 2021.html
      xxgk report --year 2021 --explain 予以公开
    """
    from ..classify import office_tree
    from .annual import annual_report
    from .explain import explain
    from .figures import figures_folder, figures_template as template
    from .outputs import data_json
    from .summary import report_text

    if figures_template:
        return _emit(template(year), output)
    config = env.config
    folder = figures_folder(config.path, figures_dir)
    names = office_tree(config).names
    previous = json.loads(Path(previous_path).read_text(encoding="utf-8")) if previous_path else None
    with env.store() as store:
        annual = annual_report(store, config, year, names, folder, previous)
        if row:
            return _emit(explain(store, year, row, config.office.timezone, names, annual.figures).text(),
                         output)
    if fmt == "json":
        return _emit(data_json(annual), output)
    if fmt == "text":
        return _emit(report_text(annual), output)
    if annual.render is None:
        raise ReportError(f"{year}年早于2019年的报告格式，只有统计数据（--format text 或 json）")
    _emit(_document(annual, fmt), output)


def _document(annual, fmt: str) -> str | bytes:
    from .draft import render_docx
    from .render import render_html, render_markdown

    render = {"markdown": render_markdown, "html": render_html, "docx": render_docx}[fmt]
    return render(annual.render, previous=annual.previous)  # raises ReportInconsistent


def _emit(data: str | bytes, output: str | None) -> None:
    if output:
        Path(output).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        click.echo(f"written {output}")
    elif isinstance(data, bytes):
        raise click.UsageError("--format docx needs --output FILE")
    else:
        click.echo(data.rstrip("\n"))


def commands() -> tuple[click.Command, ...]:
    """Every command of the annual report, for pipeline/cli.py to register."""
    from .register_cli import appeal, application

    return (report, application, appeal)

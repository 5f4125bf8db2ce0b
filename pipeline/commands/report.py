"""``xxgk report``: the annual report from the store (the register commands are in
``applications``, ``appeals``). Thin: parse, call pipeline.report, print."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, ParamSpec, TypeVar

import click

from .base import EXIT_CONFIG, Env, Failure, reports_errors, who
from ..models import local_today, staff_time
from ..registers.errors import RegisterError, ReportError
from ..registers.records import halfwidth, parse_day

if TYPE_CHECKING:
    from ..report.annual import Annual

P = ParamSpec("P")
R = TypeVar("R")


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """base.reports_errors (the register's own checks raise RegisterError, in the tree), plus any
    ValueError a library raises on a value a person typed → exit 2, never a traceback."""

    @reports_errors
    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ValueError as e:
            raise Failure(str(e), EXIT_CONFIG) from None

    return wrapper


# What an option is called in a message (the register's own words, FIELD_LABELS).
OPTION_LABELS = {"received": "received_on", "replied": "replied_on", "corrected": "corrected_on",
                 "consulted": "consulted_on", "answered": "answered_on", "filed": "filed_on",
                 "decided": "decided_on", "channel": "channel", "applicant_type": "applicant_type",
                 "extension": "extension_workdays", "outcome": "outcome", "kind": "kind", "request": "request",
                 "reason": "reason", "year": "year", "counts": "count", "application_id": "application_id",
                 "app_id": "id", "appeal_id": "id", "output": "output", "path": "path"}


def fail_in_chinese(message: str, param: click.Parameter | None, ctx: click.Context | None = None) -> NoReturn:
    """A bad value, named by its field in Chinese and its option: 收到申请日期（--received）：…"""
    from ..registers.records import FIELD_LABELS

    field = OPTION_LABELS.get(param.name or "") if param is not None else None
    if field == "outcome" and ctx is not None and " appeal " in f" {ctx.command_path} ":
        field = "result"  # an appeal's 结果, not an application's 办理结果
    where = f"{FIELD_LABELS[field]}（{param.opts[0]}）" if field and param is not None and param.opts else ""
    raise click.UsageError(f"{where}：{message}" if where else message)


class RegisterCommand(click.Command):
    """A register command whose missing option is named in Chinese: 缺少收到申请日期（--received）."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.MissingParameter as e:
            from ..registers.records import FIELD_LABELS

            field = OPTION_LABELS.get(e.param.name or "") if e.param is not None else None
            if field == "outcome" and " appeal " in f" {ctx.command_path} ":
                field = "result"
            opt = e.param.human_readable_name if isinstance(e.param, click.Argument) else \
                e.param.opts[0] if e.param is not None and e.param.opts else ""
            raise click.UsageError(f"缺少{FIELD_LABELS.get(field, '') if field else ''}（{opt}）", ctx) from None


class RegisterGroup(click.Group):
    command_class = RegisterCommand


# click's parameter types are generic only in newer releases: not subscripted, so older ones import this.
class Day(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value))
        except RegisterError as e:
            fail_in_chinese(str(e), param, ctx)


class Choice(click.Choice):  # type: ignore[type-arg]
    """click.Choice whose refusal is in Chinese and names the field."""

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        text = halfwidth(str(value)) if isinstance(value, str) else value
        if text in self.choices:
            return text
        fail_in_chinese(f"“{value}”无效，应为：{'、'.join(map(str, self.choices))}", param, ctx)


class Count(click.ParamType):  # type: ignore[type-arg]
    """A whole number, full-width digits accepted; ``lo``…``hi`` inclusive."""

    name = "N"

    def __init__(self, lo: int = 0, hi: int | None = None) -> None:
        self.lo, self.hi = lo, hi

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(halfwidth(str(value)))
            except ValueError:
                fail_in_chinese(f"“{value}”不是整数", param, ctx)
        if number < self.lo or (self.hi is not None and number > self.hi):
            fail_in_chinese(f"{number} 应在 {self.lo} 到 {self.hi} 之间" if self.hi is not None
                            else f"{number} 不能小于 {self.lo}", param, ctx)
        return number


DAY = Day()


TODAY_ENV = "XXGK_TODAY"  # the day the registers take as today (a clock for tests and rehearsals)


def today_in(env: Env) -> date:
    """Today in the office's time zone (or $XXGK_TODAY): no register date may be after it."""
    given = os.environ.get(TODAY_ENV)
    return parse_day(given) if given else local_today(env.config.office.timezone)


# --- report ------------------------------------------------------------------------


@click.group(name="report", invoke_without_command=True)
@click.option("--year", type=int, help="The report year, e.g. 2020.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html", "docx", "csv"]),
              default="text", show_default=True, help="docx needs --output; csv gives the three tables.")
@click.option("--explain", "row", metavar="ROW",
              help="List the items or applications behind one figure (total, wechat_weibo, other, late, "
                   "normative, 现行有效件数, category:名称, 予以公开, 行政复议 …).")
@click.option("--figures", "figures_dir", metavar="DIR",
              help="Folder of <year>.toml figures files (default: figures/ beside the config, or $XXGK_FIGURES).")
@click.option("--previous", "previous_path", type=click.Path(dir_okay=False),
              help="Last year's report as this tool wrote it (output/reports/<year-1>.json, output/site/reports/ once published) "
                   "or as README shows for one published by hand: check this year's 上年结转 against its "
                   "结转下年度继续办理 as its 更正说明 (corrections) give it. Without it, last year's published "
                   "figures (xxgk report publish) are used.")
@click.option("--figures-template", is_flag=True, help="Print a figures file to fill in for --year.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.pass_context
@handles_errors
def report(ctx: click.Context, year: int | None, fmt: str, row: str | None, figures_dir: str | None,
           previous_path: str | None, figures_template: bool, output: str | None) -> None:
    """The annual report 《政府信息公开工作年度报告》 for a year, computed from the store,
    the registers and the office's figures file; refuses when the tables break an identity.
    A published year (xxgk report publish) keeps its figures; later changes are listed as
    更正说明.

    \b
    Example:
      xxgk report --year 2020
      xxgk report --year 2021 --format html -o 2021.html
      xxgk report --year 2021 --format csv -o 2021.csv
      xxgk report --year 2021 --explain 予以公开
      xxgk report publish --year 2021
    """
    if ctx.invoked_subcommand is not None:
        return
    if year is None:
        raise click.UsageError("请用 --year 指定报告年度，如 --year 2021")
    env: Env = ctx.obj
    from ..classify import office_tree
    from ..report.annual import annual_report
    from ..report.explain import explain
    from ..registers.figures import figures_folder, figures_template as template
    from ..report.outputs import data_json
    from ..registers.previous import read_previous
    from ..report.summary import report_text

    if figures_template:
        return _emit(template(year), output)
    config = env.config
    folder = figures_folder(config.path, figures_dir)
    names = office_tree(config).report_names()
    previous = read_previous(Path(previous_path), year) if previous_path else None
    with env.store() as store:
        annual = annual_report(store, config, year, names, folder, previous)
        if row:
            return _emit(explain(store, year, row, config.office.timezone, names, annual).text(),
                         output)
    if fmt == "json":
        return _emit(data_json(annual), output)
    if fmt == "text":
        return _emit(report_text(annual), output)
    if annual.render is None:
        raise ReportError(f"{year}年早于2019年的报告格式，只有统计数据（--format text 或 json）")
    _emit(_document(annual, fmt, today_in(env)), output)


@report.command(name="publish")
@click.option("--year", type=int, required=True, help="The year whose report is published.")
@click.option("--figures", "figures_dir", metavar="DIR", help="As for xxgk report.")
@click.option("--by", "by", metavar="NAME", help="Who publishes (default: $XXGK_USER or the login name).")
@click.pass_obj
@handles_errors
def report_publish(env: Env, year: int, figures_dir: str | None, by: str | None) -> None:
    """Freeze a year's report as published: its figures no longer change. Later changes to
    the registers or the figures file are listed as 更正说明 (with the difference), and next
    year's 上年结转 is checked against the published figures.

    \b
    Example:
      xxgk report publish --year 2021
    """
    from ..classify import office_tree
    from ..report.annual import annual_report
    from ..registers.figures import figures_folder
    from ..registers.published import publish

    config = env.config
    with env.store() as store:
        annual = annual_report(store, config, year, office_tree(config).report_names(),
                               figures_folder(config.path, figures_dir))
        if annual.render is None:
            raise ReportError(f"{year}年早于2019年的报告格式，没有可发布的表格")
        at = publish(store, year, annual.data, who(by))
    click.echo(f"{year}年年度报告已发布（{staff_time(at, config.office.timezone)}）：此后的更改将作为更正说明列出")


def _document(annual: Annual, fmt: str, today: date) -> str | bytes:
    from ..report.draft import render_docx
    from ..report.outputs import draft_inputs
    from ..report.render import render_csv, render_html, render_markdown

    assert annual.render is not None  # report() says so when it is
    if fmt == "csv":
        return csv_document(render_csv(annual.render, previous=annual.previous))
    if fmt == "docx":  # the same draft the nightly job writes, its inputs' digest included
        return render_docx(annual.render, previous=annual.previous, generated=today, identifier=draft_inputs(annual))
    renderers: dict[str, Callable[..., str | bytes]] = {"markdown": render_markdown, "html": render_html}
    render = renderers[fmt]
    return render(annual.render, previous=annual.previous)  # raises ReportInconsistent


CSV_TITLES = {"table1.csv": "表二 主动公开政府信息情况", "table2.csv": "表三 收到和处理政府信息公开申请情况",
              "table3.csv": "表四 政府信息公开行政复议、行政诉讼情况"}


def csv_document(tables: dict[str, str]) -> str:
    """The three tables in one CSV (a title line before each, a blank line between),
    with one BOM at the start so Excel and WPS read the Chinese."""
    parts = [f"{CSV_TITLES[name]}\r\n" + text.lstrip("\ufeff") for name, text in tables.items()]
    return "\ufeff" + "\r\n".join(parts)


def _emit(data: str | bytes, output: str | None) -> None:
    if output:
        Path(output).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        click.echo(f"written {output}")
    elif isinstance(data, bytes):
        raise click.UsageError("--format docx 需要用 --output 指定保存的文件，如 --output 2021.docx")
    else:
        click.echo(data.rstrip("\n"))

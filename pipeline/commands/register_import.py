"""``xxgk application template/import`` and ``xxgk appeal template/import``: the registers a
clerk already keeps in Excel or CSV (pipeline.registers.importing). Thin: parse, call, print."""

from __future__ import annotations

from pathlib import Path

import click

from .base import Env, who
from ..registers import ledger
from .appeals import appeal
from .report import handles_errors, today_in
from .applications import BY, _published_notice, application


@application.command(name="template")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), required=True,
              help="The file to write: .xlsx (with a sheet of allowed values) or .csv.")
@handles_errors
def application_template(output: str) -> None:
    """Write the register template (columns in Chinese) to fill in and import.

    \b
    Example:
      xxgk application template -o 申请登记.xlsx
    """
    write_template("application", output)


@application.command(name="import")
@click.argument("path", type=click.Path(dir_okay=False))
@BY
@click.pass_obj
@handles_errors
def application_import(env: Env, path: str, by: str | None) -> None:
    """Import applications from the register kept in Excel (.xlsx or .csv, the template's
    columns). Every row is checked first: if any is wrong nothing is stored and each error
    is listed by row and column. A row imported before is skipped.

    \b
    Example:
      xxgk application import 申请登记.xlsx
    """
    from ..registers import importing as ri
    from ..registers.reimport import store_applications

    rows = ri.read_table(_existing(path), "application")
    records = ri.check_applications(rows, Path(path), today_in(env))
    with env.store() as store:
        stored = store_applications(store, records, who(by), Path(path))
        apps = [c.record for c in records]
        years = {a.received_on.year for a in apps} | {a.replied_on.year for a in apps if a.replied_on}
        click.echo(stored.summary("申请"))
        if stored.added or stored.updated:
            for year in sorted(years):
                _published_notice(store, year)


def write_template(register: str, output: str) -> None:
    from ..registers.importing import template

    suffix = Path(output).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise click.BadParameter("模板文件名应以 .xlsx 或 .csv 结尾", param_hint="--output")
    Path(output).write_bytes(template(register, suffix))
    click.echo(f"written {output}")


def _existing(path: str) -> Path:
    if not Path(path).is_file():
        raise click.BadParameter(f"文件不存在：{path}", param_hint="PATH")
    return Path(path)


@appeal.command(name="template")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), required=True,
              help="The file to write: .xlsx or .csv.")
@handles_errors
def appeal_template(output: str) -> None:
    """Write the 复议诉讼 register template (columns in Chinese).

    \b
    Example:
      xxgk appeal template -o 复议诉讼登记.xlsx
    """
    write_template("appeal", output)


@appeal.command(name="import")
@click.argument("path", type=click.Path(dir_okay=False))
@BY
@click.pass_obj
@handles_errors
def appeal_import(env: Env, path: str, by: str | None) -> None:
    """Import appeals (.xlsx or .csv, the template's columns): all rows checked first,
    nothing stored if any is wrong; a row imported before is skipped, one naming a registered
    appeal (same 类型, 提起日期, 关联申请编号) records its decision made since.

    \b
    Example:
      xxgk appeal import 复议诉讼登记.xlsx
    """
    from ..registers import importing as ri
    from ..registers.reimport import store_appeals

    rows = ri.read_table(_existing(path), "appeal")
    with env.store() as store:
        known = {a.id: a for a in ledger.list_applications(store)}
        records = ri.check_appeals(rows, Path(path), today_in(env), known)
        stored = store_appeals(store, records, who(by), Path(path))
        click.echo(stored.summary("复议诉讼"))
        if stored.added or stored.updated:
            for year in sorted({c.record.filed_on.year for c in records}):
                _published_notice(store, year)

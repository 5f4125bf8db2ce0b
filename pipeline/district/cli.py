"""``xxgk district …``: a whole district in one deployment. Thin: parse, call, print."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..cli import reports_errors
from ..report.cli import DAY
from .config import District, find_district, load_district

DISTRICT_TZ = ZoneInfo("Asia/Shanghai")


class DistrictEnv:
    def __init__(self, path: str | None) -> None:
        self.path = find_district(path)
        self._district: District | None = None

    @property
    def district(self) -> District:
        if self._district is None:
            self._district = load_district(self.path)
        return self._district


def today(on: date | None) -> date:
    return on or datetime.now(DISTRICT_TZ).date()


@click.group()
@click.option("--district", "district_path", metavar="PATH",
              help="District file (default: $XXGK_DISTRICT, else ./district.toml).")
@click.pass_context
def district(ctx: click.Context, district_path: str | None) -> None:
    """A whole district (区/县) in one deployment: every office's nightly job, the roll-up of
    their annual reports, the district portal and inspection.

    \b
    Example:
      xxgk district --district /etc/xxgk/district.toml report --year 2021
    """
    ctx.obj = DistrictEnv(district_path)


@district.command(name="report")
@click.option("--year", type=int, required=True, help="The report year, e.g. 2021.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html", "csv"]),
              default="text", show_default=True, help="csv needs --output DIR (one file per table).")
@click.option("--on", "on", type=DAY, help="Judge lateness as of this day (default: today).")
@click.option("-o", "--output", "output", type=click.Path(), help="Write to this file (csv: this folder).")
@click.pass_obj
@reports_errors
def report(env: DistrictEnv, year: int, fmt: str, on: date | None, output: str | None) -> None:
    """The district's roll-up of its offices' annual reports: every cell of the tables summed
    over the offices, the identities checked on the sum and on each office, each office's key
    figures side by side, and the offices whose report is missing, inconsistent or late
    (after 1月31日).

    \b
    Example:
      xxgk district report --year 2021
      xxgk district report --year 2021 --format html -o 2021-district.html
      xxgk district report --year 2021 --format csv -o 2021-csv/
    """
    from . import rollup_render as render
    from .rollup import district_rollup

    roll = district_rollup(env.district, year, today(on))
    if fmt == "csv":
        if not output:
            raise click.UsageError("--format csv 需要 -o 文件夹（每张表一个 CSV 文件）")
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in render.render_csv(roll).items():
            (folder / f"{year}-{name}").write_text(text, encoding="utf-8")
        click.echo(f"written {folder}/{year}-*.csv")
        return
    text = {"text": render.render_text, "json": render.render_json, "markdown": render.render_markdown,
            "html": render.render_html}[fmt](roll)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"written {output}")
    else:
        click.echo(text.rstrip("\n"))


@district.command(name="template")
@click.option("--year", type=int, required=True, help="The report year, e.g. 2021.")
@reports_errors
def template(year: int) -> None:
    """Print the file an office not using xxgk fills in from its published report
    (save it as <figures folder>/<year>.toml).

    \b
    Example:
      xxgk district template --year 2021 > djz/2021.toml
    """
    from .published import published_template

    click.echo(published_template(year).rstrip("\n"))


def commands() -> tuple[click.Command, ...]:
    """What pipeline/cli.py registers."""
    return (district,)

"""``xxgk district …``: a whole district in one deployment. Thin: parse, call, print."""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .base import EXIT_CODES_HELP, EXIT_SOURCE_FAILED, padded, reports_errors, status_word
from .report import DAY
from .report import _emit as emit  # prints, or writes -o FILE
from ..district.config import District, find_district, load_district
from ..models import local_today

if TYPE_CHECKING:
    from ..config import Config
    from ..district.run import AfterJob, OfficeOutcome
    from ..store import Store

INTERRUPTED_ZH = "最近一次运行中途被终止（没有进程持有运行锁）；已存的内容都保留，下次运行会补齐其余部分"
DISTRICT_TZ = District.timezone  # read before the district file is: its default


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
    return on or local_today(DISTRICT_TZ)


@click.group(epilog=EXIT_CODES_HELP)
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
    from ..district import rollup_render as render
    from ..district.rollup import district_rollup

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
    emit(text, output)


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
    from ..district.published import published_template
    from ..district.rollup import check_year

    check_year(year)
    click.echo(published_template(year).rstrip("\n"))


@district.command(name="sync", epilog=EXIT_CODES_HELP)
@click.option("--full", is_flag=True, help="Re-crawl every list page and article, not only what is new.")
@click.option("--office", "offices", multiple=True, metavar="KEY", help="Only this office (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures (for cron).")
@click.pass_obj
@reports_errors
def sync(env: DistrictEnv, full: bool, offices: tuple[str, ...], quiet: bool) -> None:
    """Run every office's nightly job, offices side by side; a host several offices fetch from
    sees one polite client (requests spaced by each office's rate_per_host). One office
    failing never stops the others; exits 1 when one failed. An office whose own run holds its
    lock is skipped (said on stderr; that run collects it). Then builds the portal.

    \b
    Example:
      xxgk district --district /etc/xxgk/district.toml sync -q
    """
    from .nightly import quiet_notices
    from ..district.run import run_district

    district = env.district
    for key in offices:
        district.entry(key)  # an unknown key stops here, naming the known ones

    def done(o: OfficeOutcome) -> None:
        if o.ok and quiet:
            return
        bad = o.status in ("failed", "partial")
        line = f"{o.key:<12} {o.status:<8} new items {o.new_items:>5}  requests {o.requests:>6}  {o.seconds:.1f}s"
        click.echo(line + (f"\n    {'采集失败' if bad else '说明'}：{o.error}" if o.error else ""), err=not o.ok)

    _move_old_layout(district)  # before the offices build: each finds its site where its manifest says
    with quiet_notices(quiet):
        outcomes = run_district(district, full=full, only=offices, on_done=done,
                                after_job=_office_alerts(district))
    if district.site_url:
        _build(district, today(None), moved=True)
    elif not quiet:
        click.echo("portal not built: [district] site_url is not set")
    _say_docroot_check(district, quiet)
    if any(o.status in ("failed", "partial") for o in outcomes):
        sys.exit(EXIT_SOURCE_FAILED)


def _move_old_layout(district: District) -> None:
    """An older version's published files moved into the docroot, each move said (on stderr, also under
    -q: the operator must now publish output/site/, or the drafts beside it stay public)."""
    from ..district.layout import move_old_layout

    for line in move_old_layout(district):
        click.echo(f"注意：{line}", err=True)


def _say_docroot_check(district: District, quiet: bool) -> None:
    """Whether the public host serves a private file (district/exposure.py): an ALERT on stderr, also under -q,
    every night until the web server publishes output/site/; the notes (skipped, why) only without -q. Never
    the night's exit code: the offices' jobs are done."""
    from ..district.exposure import check_docroot

    try:
        found = check_docroot(district)
    except Exception as e:  # a bug here must not fail a night whose offices all ran
        click.echo(f"未能检查发布目录：内部错误 {type(e).__name__}: {e}", err=True)
        return
    if found.alert:
        click.echo(f"ALERT {district.name}：{found.alert}", err=True)
    for note in () if quiet else found.notes:
        click.echo(note)


def _office_alerts(district: District) -> AfterJob:
    """After each office's job: its new alerts raised (sent as [alerts] says) and printed, each naming its
    office: thirty offices' "来源 news 连续 3 次采集失败" must say whose. An alert about the installation
    (the holiday data lacks next year), which every office raises alike, is printed once in the run, naming
    the district."""
    from ..district.run import about_the_installation, installation_alert_line
    from ..nightly.job import raise_alerts

    said: set[str] = set()
    lock = threading.Lock()  # the offices' jobs end side by side, in threads

    def after_job(config: Config, store: Store) -> None:
        raised = raise_alerts(config, store)
        for alert in raised.fresh:
            if not about_the_installation(alert):
                click.echo(f"ALERT {config.office.name}：{alert.message}", err=True)
                continue
            with lock:
                first = alert.key not in said
                said.add(alert.key)
            if first:
                click.echo(installation_alert_line(district, alert.message), err=True)
        for problem in raised.problems:
            click.echo(f"{config.office.name}：告警未能发出：{problem}", err=True)

    return after_job


@district.command(name="recheck", epilog=EXIT_CODES_HELP)
@click.option("--office", "offices", multiple=True, metavar="KEY", help="Only this office (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures (for cron).")
@click.pass_obj
@reports_errors
def recheck(env: DistrictEnv, offices: tuple[str, ...], quiet: bool) -> None:
    """Every office's hourly re-check for edits (``xxgk recheck``), offices side by side, polite per
    host as the nightly run is; an office whose re-checks are nightly ([collect] recheck) or whose
    nightly run holds its lock is skipped. Exits 1 when an office or a source failed.

    \b
    Example:
      xxgk district --district /etc/xxgk/district.toml recheck -q     # cron: 0 * * * *
    """
    from ..district.run import recheck_district

    district = env.district
    for key in offices:
        district.entry(key)

    def done(o: OfficeOutcome) -> None:
        bad = o.status in ("failed", "partial")
        if quiet and not bad:
            return
        line = f"{o.key:<12} {o.status:<8} updated {o.updated:>4}  requests {o.requests:>6}  {o.seconds:.1f}s"
        click.echo(line + (f"\n    {'采集失败' if bad else '说明'}：{o.error}" if o.error else ""), err=bad)

    _move_old_layout(district)
    outcomes = recheck_district(district, only=offices, on_done=done)
    if any(o.status in ("failed", "partial") for o in outcomes):
        sys.exit(EXIT_SOURCE_FAILED)


@district.command(name="build")
@click.option("--on", "on", type=DAY, help="Build as of this day (default: today).")
@click.pass_obj
@reports_errors
def build(env: DistrictEnv, on: date | None) -> None:
    """Build the district portal in the docroot, output/site/ (the folder to publish; each office's
    site is in it, at KEY/), from what the offices published: the list of offices with
    their latest items, the combined feed, one search over every office, and last year's
    roll-up of the annual reports (reports/<year>.html, .json).

    \b
    Example:
      xxgk district build
    """
    written = _build(env.district, today(on))
    click.echo(f"written {len(written)} files in {env.district.site}")


def _build(district: District, day: date, moved: bool = False) -> list[str]:
    from ..district import rollup_render
    from ..district.layout import leftover_sites
    from ..district.portal import build_portal
    from ..district.rollup import district_rollup
    from ..publish import Writer

    if not moved:
        _move_old_layout(district)
    for site in leftover_sites(district):  # never deleted here: a mistyped key must not take a site down
        click.echo(f"注意：{site}/ 是 {district.path.name} 中已没有的单位 {site.name} 的网站，仍照旧发布，"
                   f"但不再更新，门户也不再链接它；该单位已撤销或改了代号的，请删除这个文件夹", err=True)
    roll = district_rollup(district, day.year - 1, day)  # in January: the reports being collected
    writer = Writer(district.site, managed=())
    writer.write(f"reports/{roll.year}.html", rollup_render.render_html(roll))
    writer.write(f"reports/{roll.year}.json", rollup_render.render_json(roll))
    return writer.written + build_portal(district, day)


SILENT_OPTION = click.option("--silent-nights", type=click.IntRange(1), default=14, show_default=True,
                             help="A source whose last N runs brought nothing new is silent.")
REVIEW_OPTION = click.option("--review-days", type=click.IntRange(0), default=7, show_default=True,
                             help="Items waiting for review longer than this are listed.")


@district.command(name="inspect", epilog=EXIT_CODES_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--on", "on", type=DAY, help="Inspect as of this day (default: today).")
@SILENT_OPTION
@REVIEW_OPTION
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.pass_obj
@reports_errors
def inspect(env: DistrictEnv, fmt: str, on: date | None, silent_nights: int, review_days: int,
            output: str | None) -> None:
    """Inspect every office: items published more than 20 working days after their 生成日期
    (this year and last), applications past their deadline, sources silent for N nights,
    items waiting for review for more than N days. And the district's public host: asked at
    site_url for one office's private file (a report draft) and for the portal's first page, it
    must not serve the one (the web server publishing output/, not output/site/). Findings are a
    report (exit 0); an office that could not be inspected (its config or store broken) is
    listed and makes the exit 1.

    \b
    Example:
      xxgk district inspect
      xxgk district inspect --format html -o inspection.html
    """
    from ..district.exposure import check_docroot
    from ..district.inspect import inspect_district, inspection_html, inspection_text

    day = today(on)
    found = inspect_district(env.district, day, silent_nights=silent_nights, review_days=review_days)
    docroot = check_docroot(env.district)
    if fmt == "json":
        text = json.dumps({"district": env.district.name, "on": day.isoformat(), "docroot": docroot.as_dict(),
                           "offices": [f.as_dict() for f in found]}, ensure_ascii=False, indent=2)
    elif fmt == "html":
        text = inspection_html(found, env.district.name, day, docroot)
    else:
        text = inspection_text(found, day, docroot)
    emit(text, output)
    if any(f.error for f in found):
        sys.exit(EXIT_SOURCE_FAILED)


@district.command(name="status", epilog=EXIT_CODES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable, for monitoring (with the inspection).")
@click.option("--on", "on", type=DAY, help="Inspect as of this day (default: today).")
@SILENT_OPTION
@REVIEW_OPTION
@click.pass_obj
@reports_errors
def status(env: DistrictEnv, as_json: bool, on: date | None, silent_nights: int, review_days: int) -> None:
    """Every office: its last run, failed sources, items, items waiting for review (待审核), alerts;
    with --json also each office's inspection (see ``xxgk district inspect``). An office whose last run was killed midway (no
    process holds its run lock) is `interrupted`. Exits 1 when an office's last run failed or
    was interrupted, or one of its sources failed on its last run.

    \b
    Example:
      xxgk district status --json
    """
    from ..district.inspect import inspect_office
    from ..district.run import INSTALLATION_ALERTS, installation_alert_line
    from ..district.status import district_status
    from ..models import staff_time

    day = today(on)
    rows = district_status(env.district, day)
    if as_json:
        for row in rows:
            row["inspection"] = inspect_office(env.district, env.district.entry(row["key"]), day,
                                               silent_nights=silent_nights, review_days=review_days).as_dict()
        click.echo(json.dumps({"district": env.district.name, "offices": rows}, ensure_ascii=False,
                              indent=2, default=str))
    else:
        installation: dict[str, str] = {}  # the holiday data's alert, every office's alike: said once, below
        click.echo("  ".join([padded("单位", 12), padded("状态", 12), "  信息", "待审核", padded("最近运行", 16), "名称"]))
        for row in rows:
            started = (row.get("last_run") or {}).get("started_at", "")
            # the district's clock, as staff read it: a 02:00 night run is not "yesterday 18:00" (UTC)
            last = staff_time(started, env.district.timezone) if started else ""
            click.echo("  ".join([padded(row["key"], 12), padded(status_word(row["status"]), 12),
                                  f"{row.get('items', ''):>6}", f"{row.get('waiting_for_review', ''):>6}",
                                  padded(last, 16), row["name"]]))
            if row["error"]:
                click.echo(f"    出错：{row['error']}")
            if row["status"] == "interrupted":
                click.echo(f"    {INTERRUPTED_ZH}")
            for name in row.get("failed_sources", []):
                click.echo(f"    采集失败的来源：{name}")
            for alert in row.get("alerts", []):
                if alert["kind"] in INSTALLATION_ALERTS:
                    installation[f"{alert['kind']}:{alert['subject']}"] = alert["message"]
                else:
                    click.echo(f"    ALERT {alert['message']}")
        for message in installation.values():
            click.echo(installation_alert_line(env.district, message))
    if any(r["status"] in ("failed", "partial", "interrupted") for r in rows):
        sys.exit(EXIT_SOURCE_FAILED)


@district.group(name="office")
def office() -> None:
    """The district's offices."""


@office.command(name="add")
@click.argument("key")
@click.option("--config", "config_path", metavar="PATH", help="The office's xxgk.toml (an office run by xxgk).")
@click.option("--figures", metavar="DIR", help="Folder of its published tables (an office not using xxgk).")
@click.option("--name", help="The office's name (needed with --figures).")
@click.pass_obj
@reports_errors
def office_add(env: DistrictEnv, key: str, config_path: str | None, figures: str | None, name: str | None) -> None:
    """Add an office to the district file: one [offices.KEY] block, checked before it is kept.
    KEY names the office's folder under the district output and its URL path: lower-case letters
    a-z, digits, - and _, starting with a letter or digit, at most 40.

    \b
    Example:
      xxgk district office add djz --config djz/xxgk.toml
      xxgk district office add ljz --figures ljz --name 两家子满族乡人民政府
    """
    from ..district.config import check_key, office_block

    path = env.path
    check_key(key, str(path))  # before the file is read or touched
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    if key in {o.key for o in load_district(path).offices}:
        raise click.UsageError(f"{path} 已有单位 {key}")
    block = office_block(key, config=_relative(config_path, path), figures=_relative(figures, path), name=name)
    path.write_text(before.rstrip("\n") + "\n\n" + block, encoding="utf-8")
    try:
        entry = load_district(path).entry(key)
        if entry.uses_xxgk:
            load_district(path).office_config(entry)
    except Exception:
        path.write_text(before, encoding="utf-8")  # the district file stays as it was
        raise
    click.echo(f"added {key} to {path}")
    if entry.figures is not None and not entry.figures.is_dir():  # kept (it may be made next), but a typo shows now
        click.echo(f"注意：文件夹 {entry.figures} 还不存在（--figures 的路径从当前目录算起）。请建立它并按该单位的年度报告"
                   f"填写 <年份>.toml（xxgk district template --year 年份 可打印模板），否则汇总时该单位为未报送", err=True)


def _relative(given: str | None, district_path: Path) -> str | None:
    """A path typed on the command line (from the current folder) as the district file reads it."""
    if given is None:
        return None
    return os.path.relpath(Path(given).resolve(), district_path.resolve().parent)

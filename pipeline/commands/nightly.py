"""The nightly job and its stages: `sync`, `demo`, `schedule`, `recheck` (hourly), and one thin command per
stage (`collect`, `dedupe`, `classify`, `build`), with `status` and `backup`."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import config as config_mod
from ..errors import ConfigError, LockHeld
from ..config.messages import say
from ..nightly.health import waiting_for_review, waiting_line
from ..nightly.lock import run_lock
from ..models import staff_time
from ..store import Store
from .base import EXIT_CODES_HELP, EXIT_LOCKED, EXIT_SOURCE_FAILED, Env, padded, progress_printer, reports_errors, status_word

if TYPE_CHECKING:
    from ..collect import SourceOutcome
    from ..nightly.job import JobResult

DEMO_CONFIG = Path(__file__).resolve().parent.parent.parent / "demo" / "xxgk.toml"
STAFF_PUBLISH_WAIT = 1800  # seconds the nightly job waits for a staff publish on the review page


@click.command(epilog=EXIT_CODES_HELP)
@click.option("--full", is_flag=True, help="Re-crawl every list page and article, not only what is new.")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures (for cron).")
@click.pass_obj
@reports_errors
def sync(env: Env, full: bool, sources: tuple[str, ...], quiet: bool) -> None:
    """Run the nightly job: collect → merge → classify → publish → report, and say how many
    items wait for review in all (待审核 N 条).

    \b
    Example:
      xxgk --config /etc/xxgk/xxgk.toml sync -q
    """
    config = env.config
    _check_source_names(config, sources)
    with run_lock(config.database, wait_for_staff=STAFF_PUBLISH_WAIT), env.store() as store, quiet_notices(quiet):
        result = _run_job(config, store, full=full, only=set(sources) or None, quiet=quiet)
        alert(config, store, quiet)
        waiting = waiting_for_review(store)
    _finish(result, quiet, waiting)


@click.command(epilog=EXIT_CODES_HELP)
@click.option("--keep", "keep_dir", type=click.Path(file_okay=False), help="Write the demo web site here and keep it.")
@click.pass_obj
@reports_errors
def demo(env: Env, keep_dir: str | None) -> None:
    """Serve the bundled demo office (兴华街道, 2020) on 127.0.0.1 and run the nightly job on it.

    Uses the bundled demo/xxgk.toml (or --config); its database and outputs go to ./output
    (or $XXGK_DATABASE / $XXGK_OUTPUT, a relative one from the current folder), so an installed
    package never writes beside its code.

    \b
    Example:
      xxgk demo
    """
    from demo.generate import generate
    from demo.server import serve

    if env.explicit:
        config = config_mod.load(env.config_path)
    else:
        here = Path.cwd() / "output"
        config = config_mod.load(DEMO_CONFIG, env={"XXGK_DATABASE": str(here / "xxgk-demo.db"),
                                                   "XXGK_OUTPUT": str(here), **os.environ})
    with tempfile.TemporaryDirectory(prefix="xxgk-demo-") as tmp:
        world = Path(keep_dir) if keep_dir else Path(tmp)
        click.echo(f"generating the demo office in {world}")
        generate(world)
        with serve(world) as server:
            click.echo(f"serving it on http://{server.address}/ (hosts mapped to 127.0.0.1)")
            config = config.with_resolve(server.address)
            with run_lock(config.database), Store(config.database) as store:
                result = _run_job(config, store, full=False, only=None, quiet=False, command="demo")
                waiting = waiting_for_review(store)
    _print_outputs(config)
    if 2020 in result.reports:
        from ..report.summary import proactive_summary

        click.echo("\n".join(proactive_summary(result.reports[2020])))
    _finish(result, quiet=False, waiting=waiting)


@click.command()
@click.option("--full", is_flag=True, help="Re-crawl everything.")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.pass_obj
@reports_errors
def collect(env: Env, full: bool, sources: tuple[str, ...]) -> None:
    """Collect posts from the sources into the store (no merge, no publish).

    \b
    Example:
      xxgk collect --source wechat
    """
    from ..collect import collect_run

    config = env.config
    _check_source_names(config, sources)
    with run_lock(config.database), env.store() as store:
        outcomes = collect_run(config, store, full=full, only=set(sources) or None, progress=progress_printer(False))
    failed = [o for o in outcomes if o.status != "ok"]
    for o in outcomes:
        click.echo(_outcome_line(o))
    capped = [o for o in outcomes if o.capped]
    _say_capped(capped)
    if failed or capped:
        sys.exit(EXIT_SOURCE_FAILED)


@click.command(epilog=EXIT_CODES_HELP)
@click.option("-q", "--quiet", is_flag=True, help="Print only failures (for cron); a nightly run holding the lock: silent.")
@click.pass_obj
@reports_errors
def recheck(env: Env, quiet: bool) -> None:
    """Re-check a share of the stored posts for edits, without reading any list: run it every hour
    with [collect] recheck = "hourly" (cron `0 * * * *`, or `xxgk schedule`), and the nightly run
    no longer spends its time on the week's re-checks.

    Takes, per website, catalog and WeChat-bridge source, the posts compared with their page longest
    ago (enough to go round all of them in recheck_cycle - 2 days), with conditional requests; an
    edit is stored as a new version at once and published by the next nightly run. While a nightly
    run holds the lock it exits 3 (printing nothing with -q): the night re-checks what is due itself.

    \b
    Example:
      xxgk --config /etc/xxgk/xxgk.toml recheck -q
    """
    from ..collect import hourly_sources, recheck_run

    config = env.config
    if not hourly_sources(config):
        raise ConfigError(f"{config.path}：没有需要每小时复查的信息源，旧文章的复查在夜间任务中进行："
                          + ("每小时复查只适用于网站、公开目录和公众号桥接源（recheck_cycle 不为 0）"
                             if config.recheck == "hourly" else
                             "要改为每小时复查，请设置 [collect] recheck = \"hourly\""))
    try:
        with run_lock(config.database), env.store() as store:
            outcomes = recheck_run(config, store, progress=progress_printer(quiet))
    except LockHeld as e:
        if not quiet:
            click.echo(f"skipped: {e}", err=True)
        sys.exit(EXIT_LOCKED)
    for o in outcomes:
        if not quiet or o.status != "ok":
            click.echo(f"{o.source:<20} {o.status:<7} rechecked {o.rechecked} updated {o.updated} unchanged "
                       f"{o.unchanged} withdrawn {o.withdrawn} errors {o.errors} requests {o.requests}"
                       + (f"\n    复查失败：{_failure(o)}" if o.error else ""), err=o.status != "ok")
    if any(o.status != "ok" for o in outcomes):
        sys.exit(EXIT_SOURCE_FAILED)


@click.command()
@click.pass_obj
@reports_errors
def dedupe(env: Env) -> None:
    """Merge collected posts into items (copies across channels become one item).

    \b
    Example:
      xxgk dedupe
    """
    from ..merge import dedupe as run

    with run_lock(env.config.database), env.minting_store() as store:
        counts = run(env.config, store)
    click.echo(" ".join(f"{k} {v}" for k, v in counts.items()))


@click.command()
@click.option("--force", is_flag=True, help="Fit the text model again and refile every unconfirmed item.")
@click.pass_obj
@reports_errors
def classify(env: Env, force: bool) -> None:
    """File new or changed items under the disclosure catalog (confirmed items are kept).

    The text model is fitted again only when staff decided something, the catalog or xxgk changed,
    or the office filed a tenth more items; --force fits it again regardless.

    \b
    Examples:
      xxgk classify
      xxgk classify --force
    """
    from ..classify import classify as run

    with run_lock(env.config.database), env.store() as store:
        counts = run(env.config, store, force=force)
    click.echo(" ".join(f"{k} {v}" for k, v in counts.items()))


@click.command()
@click.pass_obj
@reports_errors
def build(env: Env) -> None:
    """Rebuild feeds, catalog pages and report files from the store (writes only what changed).

    \b
    Example:
      xxgk build
    """
    from ..classify import office_tree
    from ..classify.stage import unclassified_since_catalog_change
    from ..nightly.job import build as run

    tree = office_tree(env.config)
    with run_lock(env.config.database), env.store() as store:
        stats, _ = run(env.config, store, tree)
        stale = unclassified_since_catalog_change(store, tree)
    click.echo(f"written {len(stats.written)}, unchanged {stats.unchanged}, removed {len(stats.removed)}")
    if stale:  # the nightly job classifies before it builds; a build by hand after a catalog change does not
        click.echo(f"注意：{stale} 条信息的类别已不在当前目录树中（目录已修改），本次生成的页面中它们不属于任何类别。"
                   "请先运行 xxgk classify 按新目录重新分类，再运行 xxgk build。", err=True)
    _print_outputs(env.config)


RUN_FAILED = ("failed", "interrupted")  # a last run in these: `status` exits 1
INTERRUPTED_WHY = "运行中途被终止（已无进程持有运行锁）：已保存的内容保留，下一次运行会补完其余部分"
SET_ASIDE_WHY = ("发布机构不是本单位（不在 [office] 的 name、aliases、departments 中）："
                 "保存在数据库中，不发布，不计入年报")



@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable, for monitoring.")
@click.pass_obj
@reports_errors
def status(env: Env, as_json: bool) -> None:
    """Show the last run of every source: ok or failed, counts, last error, a warning when the
    office's max_pages cut a source's list; rows set aside as other agencies' (by 发布机构, see
    [office] aliases and departments).

    The last run is `running` while a process holds the run lock; one that no process holds
    any more was killed midway (kill -9, out of memory, power cut) and shows as `interrupted`.
    Exits 1 when the last run failed or was interrupted, or a source failed on its last run.

    Says how many items wait for review in all (待审核 N 条: not merged into another).
    --json prints one object: last_run (its summary an object), sources (each with its lists of
    warnings and failure_kinds, and failure_words), waiting_for_review (a number), images, alerts
    and set_aside.

    \b
    Example:
      xxgk status --json
    """
    from ..merge import set_aside_counts
    from ..nightly.health import capped_line, failure_line, failures_in_words
    from ..nightly.job import last_run, office_alerts

    from ..store.images import archive_counts

    with env.store() as store:
        last = last_run(store, env.config.database)
        rows = store.last_source_runs()
        alerts = office_alerts(env.config, store)
        aside = set_aside_counts(store)
        images = archive_counts(store) if env.config.archive_images else None
        waiting = waiting_for_review(store)
    if as_json:
        for row in rows:  # what failed in words, beside the recorded kinds and error
            row["failure_words"] = failures_in_words(row["failure_kinds"])
        click.echo(json.dumps({"last_run": last, "sources": rows, "waiting_for_review": waiting, "images": images,
                               "alerts": [{"kind": a.kind, "subject": a.subject, "message": a.message} for a in alerts],
                               "set_aside": {"rows": sum(n for _, n in aside), "by_publisher": dict(aside),
                                             "reason": SET_ASIDE_WHY}},
                              ensure_ascii=False, indent=2))
    else:
        tz = env.config.office.timezone
        if last:
            click.echo(f"最近一次运行 #{last['id']}（{last['command']}）{staff_time(last['started_at'], tz)} → "
                       f"{status_word(last['status'])}")
            if last["status"] == "interrupted":
                click.echo(f"    {INTERRUPTED_WHY}")
        click.echo("  ".join([padded("来源", 20), padded("状态", 12), *(f"{h:>4}" for h in ("新增", "更新", "未变", "撤下", "出错")),
                              "最近运行"]))
        for row in rows:
            if not row["status"]:
                click.echo(f"{padded(row['source'], 20)}  从未运行")
                continue
            click.echo("  ".join([padded(row["source"], 20), padded(status_word(row["status"]), 12),
                                  *(f"{row[k]:>6}" for k in ("new", "updated", "unchanged", "withdrawn", "errors")),
                                  staff_time(row["started_at"], tz)]))
            if row["error"]:
                click.echo(f"    采集失败：{failure_line(row['failure_kinds'], row['error'])}")
            if row["capped_warning"]:
                click.echo(f"    采集不全：{capped_line(row['source'], row['capped_warning'])}")
        click.echo(waiting_line(waiting))
        if images is not None:
            click.echo(f"保存的图片：{images['kept']} 张（{images['bytes'] / 2**20:.1f} MiB），待重试 {images['waiting']} 张，"
                       f"已放弃 {images['given_up']} 张")
        if aside:
            click.echo(f"未收录 {sum(n for _, n in aside)} 条，{SET_ASIDE_WHY}："
                       + "，".join(f"{publisher} {n} 条" for publisher, n in aside))
        for alert in alerts:
            click.echo(f"ALERT {alert.message}")
    if any(r["status"] == "failed" for r in rows) or (last and last["status"] in RUN_FAILED):
        sys.exit(EXIT_SOURCE_FAILED)


@click.command(name="schedule", epilog=EXIT_CODES_HELP)
@click.pass_obj
@reports_errors
def schedule_command(env: Env) -> None:
    """Run the nightly job at the configured times ([schedule] times, in the office's time zone
    [office] timezone, whatever the machine's), for machines without cron; with [collect] recheck =
    "hourly", also `xxgk recheck` every hour (at minute 15).

    Each scheduled time runs once: a night missed while it was not running, the machine slept or
    the clock jumped forward is run once, late, and the log says why; a clock set back repeats no
    night and skips none. While another run holds the lock it tries again every 5 minutes. A run
    that fails is tried again an hour later (3 tries a night), each failure logged and sent as an
    alert ([alerts]). Stops cleanly on SIGTERM / Ctrl-C between jobs.

    \b
    Example:
      xxgk --config /etc/xxgk/xxgk.toml schedule
    """
    from ..nightly.schedule import run_forever

    config = env.config

    def nightly() -> None:  # LockHeld goes to the scheduler: it tries again later
        with run_lock(config.database, wait_for_staff=STAFF_PUBLISH_WAIT), env.store() as store:
            result = _run_job(config, store, full=False, only=None, quiet=True)
            alert(config, store, quiet=True)
        for o in result.failed_sources:
            logging.getLogger("xxgk").warning("采集失败 %s：%s", o.source, _failure(o))

    def hourly() -> None:
        from ..collect import recheck_run

        try:
            with run_lock(config.database), env.store() as store:
                outcomes = recheck_run(config, store)
            for o in outcomes:
                if o.status != "ok":
                    logging.getLogger("xxgk").warning("复查失败 %s：%s", o.source, _failure(o))
        except LockHeld as e:  # the nightly job runs: it re-checks what is due itself
            logging.getLogger("xxgk").info("hourly re-check skipped: %s", e)

    def last_started() -> datetime | None:
        with env.store() as store:
            return store.last_started(("sync", "schedule"))

    def tell(message: str) -> None:
        from ..nightly.notify import send_run_alert

        send_run_alert(config, message)

    from ..collect import hourly_sources

    every_hour = hourly if hourly_sources(config) else None
    click.echo(f"scheduling the nightly job at {', '.join(config.schedule_times)} ({config.office.timezone.key})"
               + ("; the re-check for edits every hour" if every_hour else ""))
    run_forever(config.schedule_times, config.office.timezone, nightly, last_started, hourly=every_hour, tell=tell)


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_obj
@reports_errors
def backup(env: Env, path: str) -> None:
    """Copy the database to PATH consistently, even while a sync is writing (SQLite online backup),
    and the images it keeps ([collect] archive_images) to the folder beside PATH (backup.db →
    backup.images/), only those not there already.

    Restore by stopping cron/the scheduler and `xxgk serve` and copying the file (and the folder,
    beside the configured database, named after it) back; the next build renders every page.

    \b
    Example:
      xxgk backup /var/backups/xxgk-$(date +%F).db
    """
    from ..store import backup_to
    from ..store.images import back_up_copies, folder_of

    with env.store() as store:
        pages = backup_to(store, Path(path))
    copied = back_up_copies(env.config.database, Path(path))
    click.echo(f"backed up {env.config.database} to {path} ({pages} pages)"
               + (f"; {copied} new image copies to {folder_of(path)}" if copied else ""))


# -- helpers ----------------------------------------------------------------------------
def alert(config: config_mod.Config, store: Store, quiet: bool) -> None:
    """Raise the run's alerts (pipeline.nightly.job: record, send the new ones); show all of them unless quiet."""
    from ..nightly.job import raise_alerts

    raised = raise_alerts(config, store)
    for alert in raised.active if not quiet else raised.fresh:
        click.echo(f"ALERT {alert.message}", err=True)
    for problem in raised.problems:
        click.echo(f"alert not delivered: {problem}", err=True)


def quiet_notices(quiet: bool) -> AbstractContextManager[None]:
    """Under -q the installation's notices (the holiday data lacks next year) stay off the terminal, so
    cron does not mail them every December night: they are in the log file, and the `calendar` alert
    (pipeline.nightly.health) is printed and sent once and shown by `xxgk status`."""
    from ..nightly.logs import off_the_terminal
    from ..workdays import NOTICES

    return off_the_terminal(NOTICES) if quiet else nullcontext()


def _check_source_names(config: config_mod.Config, names: tuple[str, ...]) -> None:
    known = {s.name for s in config.sources}
    for name in names:
        if name not in known:
            raise ConfigError(say(config.path, f"没有名为 {name} 的信息源（已配置：{'、'.join(sorted(known))}）"))


def _run_job(config: config_mod.Config, store: Store, *, full: bool, only: set[str] | None, quiet: bool,
             command: str = "sync") -> JobResult:
    from ..nightly.job import run_sync

    progress = progress_printer(quiet)
    try:
        return run_sync(config, store, full=full, only=only, progress=progress, command=command)
    finally:
        progress("")


def _outcome_line(o: SourceOutcome) -> str:
    line = (f"{o.source:<20} {o.status:<7} new {o.new} updated {o.updated} unchanged {o.unchanged} "
            f"withdrawn {o.withdrawn} errors {o.errors} requests {o.requests}")
    if o.error:
        line += f"\n    采集失败：{_failure(o)}"
    return line


def _failure(o: SourceOutcome) -> str:
    """What failed, in words for staff, then the detail (pipeline.nightly.health)."""
    from ..nightly.health import failure_line

    return failure_line(o.failure_kinds, o.error)


def _finish(result: JobResult, quiet: bool, waiting: int) -> None:
    """The run's lines: each source, the items (this run's), the review backlog (all of it); then failures."""
    if not quiet:
        for o in result.outcomes:
            click.echo(_outcome_line(o))
        d = result.dedupe
        click.echo(f"items: {d.get('new_items', 0)} new, {d.get('merged', 0)} copies merged; "
                   f"classified {result.classify.get('classified', 0)} "
                   f"({result.classify.get('review', 0)} to review); "
                   f"files written {len(result.build.written) if result.build else 0}")
        click.echo(waiting_line(waiting))
    for o in result.failed_sources:
        click.echo(f"采集失败 {o.source}：{_failure(o)}", err=True)
    _say_capped(result.capped_sources)
    if result.failed_sources or result.capped_sources:
        sys.exit(EXIT_SOURCE_FAILED)


def _say_capped(outcomes: Iterable[SourceOutcome]) -> None:
    from ..nightly.health import capped_line

    for o in outcomes:
        click.echo(f"采集不全 {capped_line(o.source, o.capped_warning)}", err=True)


def _print_outputs(config: config_mod.Config) -> None:
    from ..nightly.job import output_paths

    for label, path in output_paths(config).items():
        click.echo(f"{label:<8} {path}")


COMMANDS = (sync, demo, collect, recheck, dedupe, classify, build, status, schedule_command, backup)

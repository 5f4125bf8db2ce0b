"""The nightly job: collect → dedupe → classify → build (feeds, pages) → report, then alerts.

Every stage reads from the store and writes back to it, so each can also run on its
own (`xxgk collect`, `xxgk dedupe`, `xxgk classify`, `xxgk build`, `xxgk report`).
A staff "Publish" on the review page is the job's last stages (`republish`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .. import classify as classify_stage
from ..merge import stage as dedupe_stage
from . import health, notify
from .built_from import adopt_published, built_from_this_store, mark_built
from ..collect import SourceOutcome, collect_all
from ..config import Config
from ..errors import LockHeld, OutputError
from .health import Alert
from .lock import STAFF_PUBLISH, run_in_progress, run_lock
from ..models import local_today
from ..publish import BuildStats, SiteInfo, Writer, staging
from ..publish import build as publish_build
from ..store import Store
from ..views import item_views


@dataclass
class JobResult:
    run_id: int
    outcomes: list[SourceOutcome] = field(default_factory=list)
    dedupe: dict[str, int] = field(default_factory=dict)
    classify: dict[str, int] = field(default_factory=dict)
    build: BuildStats | None = None
    reports: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def failed_sources(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status != "ok"]

    @property
    def capped_sources(self) -> list[SourceOutcome]:
        """Sources whose list the office's max_pages cut: history is missing, so the run exits 1."""
        return [o for o in self.outcomes if o.capped]


def site_info(config: Config) -> SiteInfo:
    office = config.office
    return SiteInfo(
        office_name=office.name,
        site_url=office.site_url,
        feed_url=office.feed_url,
        site_id_code=office.site_id_code,
        address=office.address,
        phone=office.phone,
        fax=office.fax,
        email=office.email,
        office_hours=office.office_hours,
        feed_entries=config.feed_entries,
        timezone=office.timezone,
    )


def years_with_items(store: Store, config: Config) -> list[int]:
    from ..registers.proactive import item_years

    return item_years(store, config.office.timezone)


def year_report(store: Store, config: Config, year: int, tree: classify_stage.CatalogTree) -> dict[str, Any]:
    """The year-end figures as a dict (the JSON report; see pipeline.report.annual)."""
    from ..report.annual import annual_report
    from ..registers.figures import figures_folder

    return annual_report(store, config, year, tree.report_names(), figures_folder(config.path)).data


def build_reports(store: Store, config: Config, tree: classify_stage.CatalogTree,
                  today: date | None = None, writer: Writer | None = None) -> dict[int, dict[str, Any]]:
    """Every year's annual-report files: drafts in output/reports/, published years in the
    docroot's reports/ (output/site/reports/; pipeline.report.outputs);
    in December, a warning when the holiday data lacks next year. ``writer``: a staged
    Writer that puts them in place later (with the pages); without one, at the end."""
    from ..registers.ledger import register_years
    from ..report.outputs import write_reports

    years = sorted(set(years_with_items(store, config)) | register_years(store))
    return write_reports(store, config, tree.report_names(), years,
                         today or local_today(config.office.timezone), writer)


def build(config: Config, store: Store, tree: classify_stage.CatalogTree | None = None
          ) -> tuple[BuildStats, dict[int, dict[str, Any]]]:
    """Reports and site from the store. Only what changed since the last build is rendered, unless the
    outputs were built from another state of the store (a restored backup): then every page is."""
    adopt_published(store, config.output, config.office.timezone)  # `xxgk build` run first after a restore
    tree = tree or classify_stage.office_tree(config)
    held = classify_stage.held_items(store, config)  # personal data unseen by staff; [publish] wait_for_review
    full = not built_from_this_store(store, config.output)
    try:
        # One staged Writer for the reports and the site: nothing is replaced until both are
        # rendered, then all in one pass (the search index last), so readers never see new
        # reports beside old pages, and a build that fails leaves every published file as it was.
        with staging(config.output, config.docroot) as writer:
            reports = build_reports(store, config, tree, writer=writer)
            views = item_views(store, config.office.timezone, exclude=held)
            stats = publish_build(views, tree.categories, site_info(config), config.output, reports=reports,
                                  writer=writer, site_dir=config.docroot, full=full)
        mark_built(store, config.output, full)  # the outputs are in place now
    except OSError as e:  # a full disk, a folder that is not writable: every file written so far is whole
        raise OutputError(f"writing the outputs in {config.output} failed: {e.strerror or e} "
                          f"({e.filename or ''}); files not yet rewritten keep their previous version") from None
    return stats, reports


Processed = tuple[dict[str, int], dict[str, int], BuildStats, dict[int, dict[str, Any]]]  # dedupe, classify, build, reports
Stages = Callable[[Config, Store, Callable[[str], None]], Processed]


def process(config: Config, store: Store, progress: Callable[[str], None] = lambda s: None) -> Processed:
    """The stages after collecting: merge, classify, build (feeds, pages, reports)."""
    progress("merging copies into items")
    merged = dedupe_stage.dedupe(config, store)
    progress("classifying")
    tree = classify_stage.office_tree(config)
    classified = classify_stage.classify(config, store, tree)
    progress("building feeds, pages and reports")
    return (merged, classified, *build(config, store, tree))


def run_sync(config: Config, store: Store, *, full: bool = False, only: set[str] | None = None,
             progress: Callable[[str], None] = lambda s: None, command: str = "sync",
             stages: Stages = process, hosts_at_once: bool = False) -> JobResult:
    """The whole nightly job. Per-source failures are in the result, not raised.

    ``stages``: what runs ``process`` once collecting is done (CPU and memory, not network):
    a district run hands it to a worker process, so many offices collect at once in threads
    while a few merge and build on the cores. ``hosts_at_once``: see collect_all."""
    adopt_published(store, config.output, config.office.timezone)  # before anything is minted
    run_id = store.start_run(command)
    result = JobResult(run_id)
    status = "failed"
    try:
        result.outcomes = collect_all(config, store, run_id, full=full, only=only, progress=progress,
                                      hosts_at_once=hosts_at_once)
        result.dedupe, result.classify, result.build, result.reports = stages(config, store, progress)
        status = "partial" if result.failed_sources else "ok"
    finally:
        store.finish_run(run_id, status, {
            "sources": {o.source: o.status for o in result.outcomes},
            "dedupe": result.dedupe, "classify": result.classify,
            "written": len(result.build.written) if result.build else 0,
        })
    return result


def republish(config: Config, store: Store) -> BuildStats:
    """A staff "Publish" at the end of a review session: retrain on the decisions, reclassify
    what waits, rebuild. Holds the run lock as a staff publish (a nightly sync waits for it);
    raises LockHeld when another run holds it."""
    with run_lock(config.database, purpose=STAFF_PUBLISH):
        classify_stage.classify(config, store)
        stats, _ = build(config, store)
    return stats


def refile(config: Config, store: Store) -> bool:
    """Classify the items a staff merge or split made or changed, so they show in the queue now;
    False when a run holds the lock (the next run files them)."""
    try:
        with run_lock(config.database):
            classify_stage.classify(config, store)
    except LockHeld:
        return False
    return True


def office_alerts(config: Config, store: Store, today: date | None = None) -> list[Alert]:
    """Every active alert of the office (pipeline.nightly.health), on its day; the registers' deadlines
    are read here and passed in, so health stays below the report."""
    from ..registers.ledger import due_applications

    day = today or local_today(config.office.timezone)
    return health.current_alerts(config, store, day, due_applications(store, day))


def last_run(store: Store, database: Path) -> dict[str, Any] | None:
    """The last run as `status` shows it: one still `running` while no process holds the run lock
    was killed (kill -9, OOM, power cut) and shows as `interrupted` (the next run records it so).
    The row is read before the lock is probed, so a run starting meanwhile is never taken for it,
    and again after, in case it finished meanwhile."""
    last = store.last_run()
    if last is None or last["status"] != "running" or run_in_progress(database):
        return last
    last = store.run(last["id"]) or last
    return {**last, "status": "interrupted"} if last["status"] == "running" else last


@dataclass(frozen=True)
class AlertRound:
    active: list[Alert]  # every alert now active (what `status` shows)
    fresh: list[Alert]  # … of them those first seen now: sent
    problems: list[str]  # deliveries that failed


def raise_alerts(config: Config, store: Store, today: date | None = None) -> AlertRound:
    """After a run: compute the office's alerts and send the new ones ([alerts]). One is recorded as
    sent once a channel delivered it (or none is configured: `status` shows it); when every channel
    failed (the SMTP server down, a webhook refusing) it is sent again after the next run."""
    active = office_alerts(config, store, today)
    fresh = health.new_alerts(store, active)
    problems, delivered = notify.send(config.alerts, config.office.name, fresh, post_json=notify.webhook_poster(config))
    if delivered:
        health.mark_sent(store, fresh)
    return AlertRound(active, fresh, problems)


def output_paths(config: Config) -> dict[str, Path]:
    return {
        "feeds": config.docroot / "feeds",
        "site": config.docroot / "index.html",
        "reports": config.output / "reports",  # drafts, never served; a published year's are in the docroot's reports/
    }

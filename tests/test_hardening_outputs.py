"""Issue 18, point 8: a killed build's temporary files do not stay in the published tree, and a
failed build leaves none. Point 7 for the search index: an update killed (SIGKILL) or failing
(full disk) part-way leaves the published index whole, and the next build repairs it."""

from __future__ import annotations

import errno
import importlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.htmltools import html_to_text
from pipeline.publish import search as search_module
from pipeline.publish.build import BUILDING, build
from pipeline.publish.search import UPDATING
from tests.builders import CATEGORIES, REPO, REPORTS, SITE, ask_search, make_item

build_module = importlib.import_module("pipeline.publish.build")  # the module, not the function
def publish(out: Path, n_items: int = 3, **overrides):
    items = [make_item(n, **overrides) for n in range(1, n_items + 1)]
    return build(items, CATEGORIES, SITE, out, reports=REPORTS, search=True)


def test_a_killed_builds_temp_files_leave_the_published_tree(tmp_path):
    out = tmp_path / "out"
    publish(out)
    # what a build killed while staging leaves: its temporary files and its running mark
    left = [out / "site/item/.item0001.html.4242.tmp", out / "site/feeds/.all.json.4242.tmp",
            out / "site/reports/.2020.html.4242.tmp", out / "reports/.2020.docx.4242.tmp"]
    for path in left:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half a page")
    (out / BUILDING).touch()
    publish(out)
    assert not [p for p in left if p.exists()]
    assert not list(out.rglob("*.tmp")) and not (out / BUILDING).exists()


def test_a_failed_build_leaves_no_temp_files(tmp_path, monkeypatch):
    out = tmp_path / "out"
    publish(out)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, "_write_feeds", broken)  # fails after every page was staged
    with pytest.raises(OSError):
        publish(out, n_items=5, title="改过的标题")
    assert not list(out.rglob("*.tmp")) and not (out / BUILDING).exists()
    assert "改过的标题" not in (out / "site/index.html").read_text("utf-8")  # nothing half-replaced



QUERIES = ["社区工作", "防汛演练", "第10期社区", "第7期"]


def night_one() -> list:
    return [make_item(n) for n in range(1, 41)]


def night_two() -> list:
    """A night's changes: one item's body changed, one withdrawn, one new."""
    its = night_one()
    its[6] = make_item(7, body_html="<p>辖区开展防汛演练。</p>")
    del its[9]
    return [*its, make_item(41, title="关于防汛演练的通知")]


def holding(items: list, q: str) -> list[str]:
    """The items that hold ``q`` in their title or text, by id: what the search must find."""
    return sorted(it.id for it in items if q in it.title or q in html_to_text(it.body_html))


def found(out: Path) -> dict[str, list[str]]:
    return {q: sorted(hit[0] for hit in hits) for q, (_, hits) in ask_search(out / "site/search", QUERIES).items()}


def assert_answers_for(out: Path, items: list) -> None:
    assert found(out) == {q: holding(items, q) for q in QUERIES}


def assert_repaired(out: Path) -> None:
    """The next build (no page changed: the failed one got that far) brings the index up to date."""
    build(night_two(), CATEGORIES, SITE, out, reports=REPORTS, search=True)
    assert_answers_for(out, night_two())
    assert not (out / UPDATING).exists()
    versions = [p.name for p in (out / "site/search").iterdir() if p.name != "meta.json"]
    assert len(versions) <= 2 and all(v.isdigit() for v in versions)  # the new one and the one before


def failing_at(real, call: int):  # type: ignore[no-untyped-def]
    """``real``, raising ENOSPC on its ``call``-th call, as on a full disk."""
    calls = [0]

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == call:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("where, call", [("_atomic", 2), ("_shard_bytes", 3)])  # after a document chunk; mid-postings
def test_a_search_update_failing_on_a_full_disk_leaves_the_old_index_and_is_repaired(tmp_path, monkeypatch,
                                                                                     where, call):
    out = tmp_path / "out"
    build(night_one(), CATEGORIES, SITE, out, reports=REPORTS, search=True)
    assert_answers_for(out, night_one())
    meta = (out / "site/search/meta.json").read_bytes()
    monkeypatch.setattr(search_module, where, failing_at(getattr(search_module, where), call))
    with pytest.raises(OSError) as failed:
        build(night_two(), CATEGORIES, SITE, out, reports=REPORTS, search=True)
    assert failed.value.errno == errno.ENOSPC
    assert (out / "site/search/meta.json").read_bytes() == meta and (out / UPDATING).exists()
    assert_answers_for(out, night_one())  # readers still have the whole old index
    monkeypatch.undo()
    assert_repaired(out)


KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
from pipeline.publish import search
from pipeline.publish.build import build
from tests.builders import CATEGORIES, REPORTS, SITE
from tests.test_hardening_outputs import night_two

real, calls = search._shard_bytes, [0]
def dying(*args):
    calls[0] += 1
    if calls[0] == 3:  # part-way through writing the postings
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args)
search._shard_bytes = dying
build(night_two(), CATEGORIES, SITE, Path(sys.argv[1]), reports=REPORTS, search=True)
"""


def test_a_search_update_killed_part_way_leaves_the_old_index_and_is_repaired(tmp_path):
    out = tmp_path / "out"
    build(night_one(), CATEGORIES, SITE, out, reports=REPORTS, search=True)
    meta = json.loads((out / "site/search/meta.json").read_text())
    done = subprocess.run([sys.executable, "-c", KILLED_BUILD, str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert json.loads((out / "site/search/meta.json").read_text()) == meta and (out / UPDATING).exists()
    assert (out / "site/search" / str(meta["version"] + 1)).is_dir()  # the half-written next version, unpublished
    assert_answers_for(out, night_one())
    assert_repaired(out)


def published(out: Path) -> dict[str, bytes]:
    """Every file readers can fetch under site/ and the staff's report drafts (reports/), with its bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for top in ("site", "reports") for p in sorted((out / top).rglob("*")) if p.is_file()}


def test_reports_and_pages_switch_together_a_failed_build_changes_nothing(demo_office, monkeypatch):
    """Point 'every output folder is staged and switched together': the nightly job's report
    stage and site build share one staged Writer; a build failing after the reports were
    rendered leaves every published byte as it was, and the next build publishes everything."""
    from dataclasses import replace

    from pipeline.errors import OutputError
    from pipeline.nightly.job import build as job_build
    from pipeline.store import Store

    out = demo_office.output
    with Store(demo_office.database) as store:
        job_build(demo_office, store)
        before = published(out)
        # a staff decision that changes the 2020 report's figures and pages: one item moves category
        moved, old = store.db.execute("SELECT id, category FROM items WHERE published_at LIKE '2020%' "
                                      "AND withdrawn = 0 ORDER BY id LIMIT 1").fetchone()
        (new,) = store.db.execute("SELECT category FROM items WHERE category != ? AND category IS NOT NULL "
                                  "ORDER BY category LIMIT 1", [old]).fetchone()
        store.db.execute("UPDATE items SET category = ? WHERE id = ?", [new, moved])

        def broken(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(build_module, "_write_feeds", broken)  # after the reports and every page were staged
        with pytest.raises(OutputError):
            job_build(demo_office, store)
        assert published(out) == before  # no new report beside old pages, nothing half-replaced
        assert not list(out.rglob("*.tmp")) and not (out / BUILDING).exists()

        monkeypatch.undo()
        job_build(demo_office, store)
        after = published(out)
        fresh = out.parent / "fresh"
        job_build(replace(demo_office, output=fresh), store)  # everything from scratch, for comparison
    changed = {rel for rel in after if rel.startswith("reports/") and after[rel] != before.get(rel)}
    assert "reports/2020.json" in changed  # the new figures are out
    assert f"site/item/{moved}.html" in {rel for rel in after if after[rel] != before.get(rel)}
    pages = {rel: data for rel, data in after.items() if not rel.startswith("site/search/")}
    assert pages == {rel: data for rel, data in published(fresh).items() if not rel.startswith("site/search/")}

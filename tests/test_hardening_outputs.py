"""Issue 18, point 7 (and the temp files of point 8): the search index is built aside and swapped
in, so an indexer killed mid-way or a full disk leaves the previous index whole, and the next
build repairs it; a killed build's temporary files do not stay in the published tree.

The faults are injected by standing a small script in for the Pagefind binary: it writes
zero-byte index files where it was told to, then dies by SIGKILL or fails as on a full disk."""

from __future__ import annotations

import importlib
import stat
from pathlib import Path

import pytest

from pipeline.errors import OutputError
from pipeline.publish import search
from pipeline.publish.build import BUILDING, build
from tests.test_publish import CATEGORIES, REPORTS, SITE, make_item

build_module = importlib.import_module("pipeline.publish.build")  # the module, not the function
KILLED = "kill -9 $$"
DISK_FULL = 'echo "Error: No space left on device (os error 28)" >&2; exit 1'


def fake_pagefind(tmp_path: Path, ending: str) -> Path:
    script = tmp_path / "pagefind-fault"
    script.write_text(f"""#!/bin/sh
out=""
while [ $# -gt 0 ]; do
  case "$1" in --output-path) out="$2"; shift;; --output-subdir) out="$2"; shift;; esac
  shift
done
mkdir -p "$out" && : > "$out/pagefind-entry.json" && : > "$out/pagefind.js"
{ending}
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def publish(out: Path, n_items: int = 3, **overrides):
    items = [make_item(n, **overrides) for n in range(1, n_items + 1)]
    return build(items, CATEGORIES, SITE, out, reports=REPORTS, search=True)


def index_state(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_size for p in (out / "site/pagefind").rglob("*") if p.is_file()}


@pytest.mark.parametrize("fault", [KILLED, DISK_FULL], ids=["indexer-killed", "disk-full"])
def test_a_failed_indexing_keeps_the_old_index_and_the_next_build_repairs_it(tmp_path, monkeypatch, fault):
    out = tmp_path / "out"
    publish(out)
    before = index_state(out)
    assert before["site/pagefind/pagefind-entry.json"] > 0

    real = search.pagefind_binary
    monkeypatch.setattr(search, "pagefind_binary", lambda: fake_pagefind(tmp_path, fault))
    with pytest.raises(OutputError):
        publish(out, n_items=4)  # a new item page: the index must be rebuilt, and that fails
    assert index_state(out) == before  # the previous index, whole: no zero-byte files
    assert not (out / ".pagefind.tmp").exists()

    monkeypatch.setattr(search, "pagefind_binary", real)
    publish(out, n_items=4)  # nothing changed since: only the unfinished index makes it run
    after = index_state(out)
    assert all(size > 0 for name, size in after.items() if name.endswith(".json")), after
    assert after != before  # rebuilt with the fourth page
    assert not search.needs_index(out / "site")
    assert not list(out.glob(".pagefind*"))


def test_a_killed_builds_temp_files_leave_the_published_tree(tmp_path):
    out = tmp_path / "out"
    publish(out)
    # what a build killed while staging leaves: its temporary files and its running mark
    left = [out / "site/item/.item0001.html.4242.tmp", out / "feeds/.all.json.4242.tmp",
            out / "reports/.2020.html.4242.tmp"]
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


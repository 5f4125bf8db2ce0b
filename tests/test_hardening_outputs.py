"""Issue 18, point 8: a killed build's temporary files do not stay in the published tree, and a
failed build leaves none."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from pipeline.publish.build import BUILDING, build
from tests.test_publish import CATEGORIES, REPORTS, SITE, make_item

build_module = importlib.import_module("pipeline.publish.build")  # the module, not the function
def publish(out: Path, n_items: int = 3, **overrides):
    items = [make_item(n, **overrides) for n in range(1, n_items + 1)]
    return build(items, CATEGORIES, SITE, out, reports=REPORTS, search=True)


def test_a_killed_builds_temp_files_leave_the_published_tree(tmp_path):
    out = tmp_path / "out"
    publish(out)
    # what a build killed while staging leaves: its temporary files and its running mark
    left = [out / "site/item/.item0001.html.4242.tmp", out / "site/feeds/.all.json.4242.tmp",
            out / "site/reports/.2020.html.4242.tmp"]
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


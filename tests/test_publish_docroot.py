"""The docroot placed apart from the output folder (``[paths] site``, what a district sets for each
office): the site goes there and only there, what is never served stays in the output folder, a
docroot moved to an empty place is built whole, and a docroot that would hold the drafts is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import config as config_mod
from pipeline.errors import ConfigError
from pipeline.publish import Writer, build
from tests.builders import CATEGORIES, REPORTS, SITE, config_without_sources, make_item


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_site_goes_to_the_docroot_and_nothing_else_does(tmp_path: Path) -> None:
    out, docroot = tmp_path / "output" / "xhj", tmp_path / "output" / "site" / "xhj"
    items = [make_item(n) for n in range(1, 30)]
    first = build(items, CATEGORIES, SITE, out, reports=REPORTS, site_dir=docroot)
    assert {"index.html", "feeds/all.rss.xml", "search.html"} <= files(docroot)
    assert any(p.startswith("search/") for p in files(docroot))  # the index readers fetch
    assert {".build-manifest", ".search-state.json"} <= files(out) and not (out / "site").exists()  # never served
    assert all(p.startswith(".") for p in files(out))  # only the build's state
    assert all(p.startswith("site/") for p in first.written)  # paths as ever: a single office's layout
    again = build(items, CATEGORIES, SITE, out, reports=REPORTS, site_dir=docroot)
    assert again.written == []  # the manifest in the output folder describes the docroot elsewhere

    gone = [make_item(n) for n in range(2, 30)]
    removed = build(gone, CATEGORIES, SITE, out, reports=REPORTS, site_dir=docroot).removed
    assert "site/item/item0001.html" in removed and not (docroot / "item" / "item0001.html").exists()


def test_a_docroot_moved_to_an_empty_folder_is_built_whole(tmp_path: Path) -> None:
    """The manifest says every page is built: a new, empty docroot must not be trusted to hold them."""
    out = tmp_path / "output"
    items = [make_item(n) for n in range(1, 10)]
    build(items, CATEGORIES, SITE, out, reports=REPORTS, site_dir=tmp_path / "old")
    build(items, CATEGORIES, SITE, out, reports=REPORTS, site_dir=tmp_path / "new")
    assert files(tmp_path / "new") == files(tmp_path / "old")


def test_the_writer_keeps_site_paths_in_the_docroot_and_others_out_of_it(tmp_path: Path) -> None:
    out, docroot = tmp_path / "out", tmp_path / "public"
    w = Writer(out, managed=(), site_dir=docroot)
    w.write("site/reports/2021.json", "{}")
    w.write("reports/2021.json", "{}")
    assert (docroot / "reports" / "2021.json").is_file() and (out / "reports" / "2021.json").is_file()
    assert not (out / "site").exists()


@pytest.mark.parametrize("site", ["output", ".", "output/.."])
def test_a_docroot_holding_the_output_folder_is_refused(tmp_path: Path, site: str) -> None:
    path = config_without_sources(tmp_path, name="兴华街道办事处", org_code="X", site_url="https://x.gov.test/")
    path.write_text(path.read_text(encoding="utf-8").replace('output = "output"\n', f'output = "output"\nsite = "{site}"\n'),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        config_mod.load(path, env={})
    assert "[paths] site" in str(e.value) and "年度报告草稿" in str(e.value)


def test_the_docroot_defaults_to_output_site_and_may_be_placed(tmp_path: Path) -> None:
    path = config_without_sources(tmp_path, name="兴华街道办事处", org_code="X", site_url="https://x.gov.test/")
    assert config_mod.load(path, env={}).docroot == (tmp_path / "output" / "site").resolve()
    assert config_mod.load(path, env={"XXGK_OUTPUT": str(tmp_path / "o2")}).docroot == (tmp_path / "o2" / "site")
    path.write_text(path.read_text(encoding="utf-8").replace('output = "output"\n', 'output = "output"\nsite = "public"\n'),
                    encoding="utf-8")
    assert config_mod.load(path, env={}).docroot == (tmp_path / "public").resolve()

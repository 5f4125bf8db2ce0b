"""Incremental builds and the W3C feed rules (no validator is installable from the registries:
feedvalidator is not on PyPI, so the rules it applies to these feeds are checked here)."""

from __future__ import annotations

import dataclasses
import email.utils
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from pipeline.models import SHANGHAI
from pipeline.publish import build
from pipeline.publish.source import MemorySource
from tests.builders import CATEGORIES, REPORTS, SITE, make_item

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")


class CountingSource(MemorySource):
    """Remembers which full ItemViews the build asked for."""

    def __init__(self, items) -> None:  # type: ignore[no-untyped-def]
        super().__init__(items, SHANGHAI)
        self.loaded: list[str] = []

    def views(self, ids):  # type: ignore[no-untyped-def]
        self.loaded += list(ids)
        return super().views(ids)


def _build(out: Path, items: list, **kw: object):  # type: ignore[no-untyped-def]
    source = CountingSource(items)
    stats = build(source, CATEGORIES, SITE, out, reports=REPORTS, search=False, **kw)  # type: ignore[arg-type]
    return stats, source


def test_one_new_item_touches_only_the_pages_that_show_it(tmp_path: Path) -> None:
    its = [make_item(n, category=("gzdt", "gfxwj")[n % 2]) for n in range(1, 251)]
    _build(tmp_path, its)
    new = make_item(251, category="gfxwj")
    stats, source = _build(tmp_path, [*its, new])
    assert source.loaded.count(new.id) == 2  # its page, then its feed entries
    assert set(source.loaded) <= {new.id} | {i.id for i in its[-50:]}  # only feed windows; no other item page
    site = {p for p in stats.written if p.startswith("site/") and not p.startswith("site/feeds/")}
    showing = {p for p in site if new.id in (tmp_path / p).read_text("utf-8")}
    assert site == showing  # every page rewritten shows the new item (sitemap included)
    assert site == {"site/item/item0251.html", "site/index.html", "site/sitemap.xml", "site/year/2020.html",
                    "site/category/gfxwj.html", "site/category/gfxwj~2020.html", "site/category/zcwj.html",
                    "site/category/zcwj~2020.html"}
    assert {p for p in stats.written if p.startswith("site/feeds/")} == {
        f"site/feeds/{k}.{f}" for k in ("all", "zcwj") for f in ("rss.xml", "atom.xml", "json")}
    assert stats.removed == []
    again, source = _build(tmp_path, [*its, new])
    assert again.written == [] and source.loaded == []  # nothing new: nothing read, nothing written


def test_archive_pages_stay_put_as_items_arrive(tmp_path: Path) -> None:
    its = [make_item(n, category="gzdt") for n in range(1, 151)]
    _build(tmp_path, its)
    assert {p.name for p in (tmp_path / "site/category").glob("gzdt~?.html")} == {"gzdt~1.html", "gzdt~2.html"}
    archive = {p: p.read_bytes() for p in (tmp_path / "site/category").glob("gzdt~?.html")}
    for n in range(151, 160):
        its.append(make_item(n, category="gzdt"))
        stats, _ = _build(tmp_path, its)
        assert "site/category/gzdt.html" in stats.written
        archives = [p for p in stats.written if re.fullmatch(r"site/category/gzdt(~2020)?~\d{1,3}\.html", p)]
        assert archives == []  # fixed chunks: untouched
    assert {p: p.read_bytes() for p in archive} == archive


def test_full_build_ignores_the_manifest_and_repairs_a_deleted_page(tmp_path: Path) -> None:
    its = [make_item(n) for n in range(1, 20)]
    _build(tmp_path, its)
    (tmp_path / "site/item/item0003.html").unlink()
    stats, _ = _build(tmp_path, its, full=True)
    assert stats.written == ["site/item/item0003.html"]


def test_a_changed_template_or_site_rebuilds_every_page(tmp_path: Path) -> None:
    its = [make_item(n) for n in range(1, 10)]
    _build(tmp_path, its)
    stats = build(its, CATEGORIES, dataclasses.replace(SITE, phone="0432-00000000"), tmp_path, reports=REPORTS,
                  search=False)
    assert len([p for p in stats.written if p.endswith(".html")]) == len(list((tmp_path / "site").rglob("*.html")))


def _rfc822(value: str) -> datetime:
    assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                        r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}", value), value
    parsed = email.utils.parsedate_to_datetime(value)
    assert value.startswith(parsed.strftime("%a")), value  # the weekday is the date's weekday
    return parsed


def _absolute(url: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc, url


def test_feeds_follow_the_w3c_validator_rules(tmp_path: Path) -> None:
    its = [make_item(n) for n in range(1, 30)]
    build(its, CATEGORIES, SITE, tmp_path, reports=REPORTS, search=False)
    for path in sorted((tmp_path / "site/feeds").glob("*.rss.xml")):
        channel = etree.fromstring(path.read_bytes()).find("channel")
        for name in ("title", "link", "description"):  # required channel elements
            assert (channel.findtext(name) or "").strip(), (path, name)
        _absolute(channel.findtext("link"))
        _rfc822(channel.findtext("lastBuildDate"))
        assert channel.find("{http://www.w3.org/2005/Atom}link[@rel='self']").get("href").endswith(path.name)
        guids = [i.findtext("guid") for i in channel.iter("item")]
        assert len(guids) == len(set(guids))
        for item in channel.iter("item"):
            assert item.findtext("title") and item.find("guid").get("isPermaLink") == "false"
            _absolute(item.findtext("link"))
            _rfc822(item.findtext("pubDate"))
            for enc in item.iter("enclosure"):
                _absolute(enc.get("url"))
                assert enc.get("length").isdigit() and "/" in enc.get("type")
    for path in sorted((tmp_path / "site/feeds").glob("*.atom.xml")):
        feed = etree.fromstring(path.read_bytes())
        assert feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}title")
        assert RFC3339.match(feed.findtext(f"{ATOM}updated"))
        assert feed.find(f"{ATOM}author/{ATOM}name") is not None  # feed-level author covers every entry
        assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith(path.name)
        ids = [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")]
        assert len(ids) == len(set(ids)) and all(i.startswith("tag:") for i in ids)
        for entry in feed.iter(f"{ATOM}entry"):
            for name in ("updated", "published"):
                assert RFC3339.match(entry.findtext(f"{ATOM}{name}")), (path, name)
            assert entry.findtext(f"{ATOM}title")
            for link in entry.iter(f"{ATOM}link"):
                _absolute(link.get("href"))
            assert entry.find(f"{ATOM}content").get("type") == "html"

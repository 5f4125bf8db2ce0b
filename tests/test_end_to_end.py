"""The whole nightly job on the demo office, served on 127.0.0.1, through the real CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import feedparser

from .builders import SEED_2020, invoke as run, served_config


def counts(db_path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("posts", "post_versions", "items", "item_posts")}


def test_sync_reproduces_the_seed_counts(first_sync, synced_copy):
    folder, first = first_sync
    assert first.exit_code == 0, first.output
    report = json.loads((folder / "output" / "reports" / "2020.json").read_text(encoding="utf-8"))
    assert {k: report["proactive"][k] for k in SEED_2020} == SEED_2020
    assert report["year"] == 2020 and "applications" in report and "appeals" in report
    assert sum(report["proactive"]["by_category"].values()) == 156
    # The CLI computes the same figures from the store.
    printed = json.loads(run(synced_copy.config, "report", "--year", "2020", "--format", "json").output)
    assert printed["proactive"] == report["proactive"]


def test_merging_is_what_makes_156(synced_office):
    folder = synced_office
    c = counts(folder / "xxgk.db")
    assert c["posts"] > c["items"] + 50  # many copies were merged
    assert c["item_posts"] == c["posts"]  # every post belongs to exactly one item


def test_every_feed_parses_and_every_item_has_a_page(synced_office):
    folder = synced_office
    feeds = sorted((folder / "output" / "site" / "feeds").glob("*.xml"))
    assert any(f.name == "all.atom.xml" for f in feeds) and any(f.name == "all.rss.xml" for f in feeds)
    with sqlite3.connect(folder / "xxgk.db") as conn:
        item_ids = [r[0] for r in conn.execute("SELECT id FROM items")]
    for feed_path in feeds:
        parsed = feedparser.parse(feed_path.read_bytes())
        assert not parsed.bozo, (feed_path.name, parsed.get("bozo_exception"))
        assert parsed.entries, feed_path.name
    everything = feedparser.parse((folder / "output" / "site" / "feeds" / "all.atom.xml").read_bytes())
    assert len(everything.entries) == min(50, len(item_ids))
    site = folder / "output" / "site"
    assert (site / "index.html").exists()
    missing = [i for i in item_ids if not (site / "item" / f"{i}.html").exists()]
    assert not missing


def test_hostile_html_from_a_source_is_sanitised(synced_office):
    folder = synced_office
    pages = (folder / "output" / "site" / "item").glob("*.html")
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "alert(1)" not in html and "onerror" not in html and "javascript:alert" not in html


def test_running_twice_adds_nothing(synced_copy):
    path, folder = synced_copy
    before = counts(folder / "xxgk.db")
    feed = (folder / "output" / "site" / "feeds" / "all.atom.xml")
    feed_bytes, feed_mtime = feed.read_bytes(), feed.stat().st_mtime_ns
    second = run(path, "sync")
    assert second.exit_code == 0, second.output
    assert counts(folder / "xxgk.db") == before
    assert feed.read_bytes() == feed_bytes and feed.stat().st_mtime_ns == feed_mtime


def test_status_shows_each_source(synced_copy):
    path = synced_copy.config
    result = run(path, "status", "--json")
    data = json.loads(result.output)
    assert {row["source"]: row["status"] for row in data["sources"]} == {
        "website-gzdt": "ok", "website-tzgg": "ok", "catalog": "ok", "wechat": "ok", "weibo": "ok"}


def test_an_unreachable_source_fails_alone(tmp_path, demo_server):
    extra = '\n[sources.gone]\nkind = "website"\nurl = "http://unreachable.test/list/"\n'
    path = served_config(tmp_path, demo_server.address, extra)
    text = Path(path).read_text(encoding="utf-8").replace(
        "resolve = { ", 'backoff = 0.01\nresolve = { "unreachable.test" = "127.0.0.1:9", ', 1)
    Path(path).write_text(text, encoding="utf-8")
    result = run(path, "sync")
    assert result.exit_code == 1
    # what failed in words for staff, then the detail (the URL) as recorded
    assert "采集失败 gone：无法连接主机（域名解析或连接失败）。详情：http://unreachable.test/list/" in result.output
    report = json.loads((tmp_path / "output" / "reports" / "2020.json").read_text(encoding="utf-8"))
    assert report["proactive"]["total"] == 156  # the other sources were collected


def test_a_draft_report_stays_with_staff_until_it_is_published(synced_copy):
    """The nightly job drafts every year's report for staff (output/reports/, its prose parts
    【待填写】); the public site shows the year's counts and says the report is not out yet. Once
    `xxgk report publish` froze it, the next build puts the report on the site and links it."""
    folder = synced_copy.folder
    page = folder / "output" / "site" / "report" / "2020.html"
    html = page.read_text(encoding="utf-8")
    draft = folder / "output" / "reports" / "2020.html"
    assert "待填写" in draft.read_text(encoding="utf-8") and (folder / "output/reports/2020.docx").is_file()
    assert "年度报告由本单位正式发布后在此公布" in html and "待填写" not in html and "../reports/" not in html
    assert not (folder / "output" / "site" / "reports").exists()
    home = (folder / "output" / "site" / "index.html").read_text(encoding="utf-8")
    assert ">2020年统计</a>" in home and ">2020年度报告</a>" not in home

    template = run(synced_copy.config, "report", "--year", "2020", "--figures-template").output  # the clerk fills it in
    (folder / "figures").mkdir(exist_ok=True)
    (folder / "figures" / "2020.toml").write_text(template, encoding="utf-8")
    published = run(synced_copy.config, "report", "publish", "--year", "2020", "--by", "王静")
    assert published.exit_code == 0, published.output
    assert run(synced_copy.config, "build").exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert 'href="../reports/2020.html"' in html and 'href="../reports/2020.docx"' in html
    assert "正式发布后在此公布" not in html and "主动公开" in html and "2020年 Word 文档" in html
    assert "草稿" not in html  # what the office published, not a draft
    full = (page.parent / "../reports/2020.html").resolve()
    assert full.is_file() and "主动公开" in full.read_text(encoding="utf-8")
    assert ">2020年度报告</a>" in (folder / "output" / "site" / "index.html").read_text(encoding="utf-8")

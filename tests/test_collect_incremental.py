"""Incremental collection on the demo office (a private copy of its world, served on 127.0.0.1).

A no-change night costs at most 2 list/feed requests per source plus its share of the weekly
re-checks (conditional: answered 304, no new version); recent articles are re-checked for
edits; --full re-reads everything; a post gone from a walked list for `missing_runs` runs is
withdrawn; an empty source is a warning.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path


from pipeline.collect import collect_all, make_fetcher
from pipeline.store import HttpCache, post_id


LATER = datetime(2026, 6, 1, tzinfo=timezone.utc)  # nothing in the demo world is recent then
DEC_2020 = datetime(2020, 12, 20, tzinfo=timezone.utc)  # the December 2020 posts are recent then
TZGG = "www.xinghua.gov.test/xwzx/tzgg"




def run(config, store, **options) -> dict:
    run_id = store.start_run("collect")
    return {o.source: o for o in collect_all(config, store, run_id, **options)}


def article_paths(server) -> list[str]:
    return [p for p in server.paths if re.search(r"/t\d{8}_\d+\.html$|/s/", p)]


def test_no_change_night_is_two_list_requests_per_source_and_a_seventh_of_articles(served_office):
    _, server, config, store = served_office
    first = run(config, store, now=LATER)
    assert all(o.status == "ok" and o.new for o in first.values())
    stored = sum(o.new for o in first.values())
    server.reset_counts()
    fetcher = make_fetcher(config, HttpCache(store))
    second = run(config, store, now=LATER, fetcher=fetcher)
    fetcher.close()
    for _name, outcome in second.items():
        assert outcome.status == "ok" and outcome.new == outcome.updated == 0, outcome
    articles = article_paths(server)
    # Lists and feeds: at most 2 requests per source; the rest is this night's share of re-checks.
    assert server.requests - len(articles) <= 2 * len(config.sources)
    assert 0 < len(articles) <= stored * 2 / 7  # a seventh of the stored posts, give or take
    # Conditional: every re-check is answered 304, so whole bodies come only for lists and feeds.
    assert fetcher.stats["requests"] - fetcher.stats["not_modified"] <= 2 * len(config.sources)


def test_recent_article_edited_upstream_becomes_a_new_version(served_office):
    world, server, config, store = served_office
    run(config, store, now=DEC_2020)
    page = world / TZGG / "202012" / "t20201213_12236.html"
    raw = page.read_bytes()
    encoding = "gb18030" if b"charset=GBK" in raw or b"charset=gbk" in raw else "utf-8"
    text = raw.decode(encoding)
    edited = re.sub(r"(<div class=\"TRS_Editor\">.*?<p[^>]*>)", r"\1（更正）", text, count=1, flags=re.S)
    assert edited != text
    page.write_bytes(edited.encode(encoding))
    server.reset_counts()
    second = run(config, store, now=DEC_2020)
    assert second["website-tzgg"].updated == 1
    assert f"{TZGG}/202012/t20201213_12236.html" in server.paths  # re-checked though the list was a 304
    assert server.paths[f"{TZGG}/index.html"] == 1
    pid = post_id("website", "http://www.xinghua.gov.test/xwzx/tzgg/202012/t20201213_12236.html")
    versions = store.db.execute("SELECT version, body_text FROM post_versions WHERE post_id = ? ORDER BY version",
                                [pid]).fetchall()
    assert [v for v, _ in versions] == [1, 2] and "（更正）" in versions[1][1]


def test_full_rereads_every_article_and_changes_nothing(served_office):
    _, server, config, store = served_office
    first = run(config, store, now=LATER)
    server.reset_counts()
    again = run(config, store, now=LATER, full=True)
    for name, outcome in again.items():
        assert outcome.new == outcome.updated == 0, outcome
        assert outcome.unchanged == first[name].new, (name, outcome)
    assert len(article_paths(server)) >= first["website-gzdt"].new + first["wechat"].new


def drop_from_list(world: Path, href_part: str) -> None:
    index = world / TZGG / "index.html"
    text = index.read_text(encoding="utf-8")
    kept = re.sub(r"<li><a href=\"[^\"]*%s[^\"]*\".*?</li>\n?" % re.escape(href_part), "", text, count=1)
    assert kept != text
    index.write_text(kept, encoding="utf-8")


def test_post_missing_from_walked_list_for_n_runs_is_withdrawn(served_office):
    world, server, config, store = served_office
    tzgg = {"only": {"website-tzgg"}}
    run(config, store, now=LATER, **tzgg)
    drop_from_list(world, "t20201125_12116")
    pid = post_id("website", "http://www.xinghua.gov.test/xwzx/tzgg/202011/t20201125_12116.html")

    def state():
        return store.db.execute("SELECT missed_runs, withdrawn_at FROM posts WHERE id = ?", [pid]).fetchone()

    run(config, store, now=LATER, **tzgg)  # incremental: stops at known posts, so it judges nothing
    assert state() == (0, None)
    for expected_missed in (1, 2):
        outcome = run(config, store, now=LATER, full=True, **tzgg)["website-tzgg"]
        assert state() == (expected_missed, None) and outcome.withdrawn == 0
    outcome = run(config, store, now=LATER, full=True, **tzgg)["website-tzgg"]  # missing_runs = 3 (the default)
    assert outcome.withdrawn == 1
    missed, withdrawn_at = state()
    assert withdrawn_at is not None
    reason = store.db.execute("SELECT withdrawn_reason FROM posts WHERE id = ?", [pid]).fetchone()[0]
    assert "no longer listed" in reason


def test_source_returning_zero_posts_is_a_warning(served_office):
    world, server, config, store = served_office
    run(config, store, now=LATER, only={"weibo"})
    feed = world / "rss.bridge.test" / "weibo" / "xinghua.xml"
    feed.write_text(re.sub(r"<item>.*</item>", "", feed.read_text(encoding="utf-8"), flags=re.S), encoding="utf-8")
    outcome = run(config, store, now=LATER, only={"weibo"})["weibo"]
    assert outcome.status == "ok" and outcome.new == 0
    assert outcome.warnings and "listed no posts" in outcome.warnings[0]
    # … while a night when the feed is unchanged (304) is simply "nothing new".
    assert run(config, store, now=LATER, only={"weibo"})["weibo"].warnings == []

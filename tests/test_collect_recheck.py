"""Edits of any age within a week: the demo office (a private copy of its world on 127.0.0.1),
nights simulated with the clock injected.

Every known article is re-checked once in 7 runs of its source, each night a different
seventh (conditionally), so an article edited 200 days after publication is caught within
7 nights and stored as a new version.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta


from pipeline.collect import collect_all, due_posts, recheck_slot
from pipeline.store import parse_iso, post_id


LISTED = {"website-gzdt", "website-tzgg", "catalog"}  # sources whose posts are article pages




def night(config, store, now) -> dict:
    return {o.source: o for o in collect_all(config, store, store.start_run("sync"), now=now, only=LISTED)}


def stored_articles(store) -> dict[str, str]:
    """host/path → post id of every stored article page of the listed sources."""
    rows = store.db.execute(f"SELECT id, url FROM posts WHERE source IN ({','.join('?' * len(LISTED))})",
                            sorted(LISTED)).fetchall()
    return {re.sub(r"^https?://", "", url): pid for pid, url in rows}


def test_every_article_is_rechecked_once_in_seven_nights(served_office):
    world, server, config, store = served_office
    first = parse_iso("2026-06-01T00:00:00+00:00")  # nothing in the demo world is recent then
    night(config, store, first)
    articles = stored_articles(store)
    assert len(articles) > 50
    fetched: Counter[str] = Counter()
    for n in range(1, 8):
        server.reset_counts()
        outcomes = night(config, store, first + timedelta(days=n))
        assert all(o.new == o.updated == 0 for o in outcomes.values())
        tonight = [path for path in server.paths if path in articles]
        assert len(tonight) < len(articles) / 3  # a share, not everything
        fetched.update(tonight)
    assert set(fetched) == set(articles)  # every article re-checked …
    assert set(fetched.values()) == {1}  # … exactly once in the 7 nights


def test_article_edited_200_days_after_publication_is_caught_within_7_nights(served_office):
    world, server, config, store = served_office
    url = "http://www.xinghua.gov.test/xwzx/tzgg/202011/t20201125_12116.html"
    pid = post_id("website", url)
    night(config, store, parse_iso("2021-01-10T00:00:00+00:00"))  # the first crawl
    published = parse_iso(store.db.execute("SELECT published_at FROM posts WHERE id = ?", [pid]).fetchone()[0])
    start = published + timedelta(days=200)  # the edit: 200 days after publication
    page = world / url.removeprefix("http://")
    raw = page.read_bytes()
    encoding = "gb18030" if b"charset=gbk" in raw.lower() else "utf-8"
    text = raw.decode(encoding)
    edited = re.sub(r"(<div class=\"TRS_Editor\">.*?<p[^>]*>)", r"\1（2021年更正）", text, count=1, flags=re.S)
    assert edited != text
    page.write_bytes(edited.encode(encoding))
    caught_on = None
    for n in range(1, 8):
        outcomes = night(config, store, start + timedelta(days=n))
        if outcomes["website-tzgg"].updated:
            caught_on = n
            break
    assert caught_on is not None, "the edit was not caught within 7 nights"
    versions = store.db.execute("SELECT version, body_text, fetched_at FROM post_versions WHERE post_id = ? "
                                "ORDER BY version", [pid]).fetchall()
    assert [v for v, _, _ in versions] == [1, 2] and "（2021年更正）" in versions[1][1]
    assert parse_iso(versions[1][2]) == start + timedelta(days=caught_on)  # stored as of that night


def test_due_posts_are_the_recent_ones_and_one_slot_of_the_rest():
    since = parse_iso("2021-01-01T00:00:00+00:00")
    posts = [(post_id("website", f"http://x.test/{n}.html"), f"http://x.test/{n}.html", "2020-06-01T00:00:00+00:00")
             for n in range(700)] + [("pnew", "http://x.test/new.html", "2021-01-05T00:00:00+00:00")]
    runs = [set(due_posts(posts, since, run, 7)) for run in range(7)]
    assert all("http://x.test/new.html" in due for due in runs)  # recent: every run
    old = [set(due) - {"http://x.test/new.html"} for due in runs]
    assert set().union(*old) == {url for _, url, _ in posts[:-1]}  # each old post once a cycle
    assert sum(len(d) for d in old) == 700
    assert all(60 <= len(d) <= 140 for d in old)  # spread evenly (700 / 7 = 100)
    assert due_posts(posts, since, 3, 0) == ("http://x.test/new.html",)  # cycle 0: only the recent window
    assert {url for pid, url, _ in posts[:-1] if recheck_slot(pid, 7) == 3} == old[3]  # run 3: slot 3

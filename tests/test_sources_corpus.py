"""The collectors against real pages (tests/fixtures/<kind>/, from ../shared/corpus/).

Each `<case>.html|xml` has a `<case>.expected.json` beside it stating what the page's
PROVENANCE.md says a collector must return; the tests are parametrised over the folders.
Pages are decoded from bytes exactly as the pipeline does (pipeline.fetch.decode).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.config import Source
from pipeline.fetch.decode import decode_body
from pipeline.normalize import canonical_url
from sources import catalog, feed, website, wechat
from pipeline.models import SHANGHAI

FIXTURES = Path(__file__).parent / "fixtures"


def cases(kind: str) -> list:
    folder = FIXTURES / kind
    found = sorted(p for p in folder.iterdir() if p.suffix in (".html", ".xml"))
    assert found and (folder / "PROVENANCE.md").exists()
    return [pytest.param(p, json.loads(p.with_name(p.stem + ".expected.json").read_text(encoding="utf-8")), id=p.stem)
            for p in found]


def text_of(path: Path) -> str:
    return decode_body(path.read_bytes(), None, url=str(path))[1]


def source(kind: str, channel: str) -> Source:
    return Source(name="corpus", kind=kind, channel=channel, url="http://corpus.test/")


def check_post(post, expected: dict) -> None:
    assert post.title == expected["title"]
    assert post.published_at == datetime.fromisoformat(expected["published_at"])
    if "body_starts" in expected:
        assert post.body_text.startswith(expected["body_starts"]), post.body_text[:80]
    if "body_chars" in expected:
        low, high = expected["body_chars"]
        assert low <= len(post.body_text) <= high, len(post.body_text)
    if "body_paragraphs" in expected:
        assert post.body_html.count("<p>") + post.body_html.count("<p ") == expected["body_paragraphs"]
    for needle in expected.get("body_contains", []):
        assert needle in post.body_text
    for needle in expected.get("body_excludes", []):
        assert needle not in post.body_text and needle not in post.body_html
    if "attachments" in expected:
        assert [[a.url, a.name] for a in post.attachments] == expected["attachments"]
    if "image_count" in expected:
        assert len(post.images) == expected["image_count"], post.images
    if "image_suffix" in expected:
        assert post.images[0].lower().endswith(expected["image_suffix"])
    if "image_host" in expected:
        assert all(expected["image_host"] in url for url in post.images), post.images
    for key, value in expected.get("meta", {}).items():
        if key == "msg_link":
            assert post.meta.get(key) == canonical_url(value)
        else:
            assert post.meta.get(key) == value, (key, post.meta)
    for key in expected.get("meta_absent", []):
        assert key not in post.meta, (key, post.meta)


@pytest.mark.parametrize("path, expected", cases("gov_article"))
def test_gov_article(path: Path, expected: dict) -> None:
    post = website.parse_article(text_of(path), expected["url"], source("website", "website"), tz=SHANGHAI)
    check_post(post, expected)
    assert post.url == canonical_url(expected["url"])


@pytest.mark.parametrize("path, expected", cases("gkml"))
def test_catalog_detail(path: Path, expected: dict) -> None:
    post = website.parse_article(text_of(path), expected["url"], source("catalog", "catalog"), catalog.DEFAULTS, tz=SHANGHAI)
    check_post(post, expected)


@pytest.mark.parametrize("path, expected", cases("wechat_article"))
def test_wechat_article(path: Path, expected: dict) -> None:
    post = wechat.parse_article(text_of(path), expected["url"], source("wechat_feed", "wechat"), SHANGHAI)
    check_post(post, expected)
    assert post.url == canonical_url(expected["canonical_url"])


@pytest.mark.parametrize("path, expected", cases("gov_list"))
def test_list_page(path: Path, expected: dict) -> None:
    codec, html = decode_body(path.read_bytes(), "text/html", url=str(path))
    if "encoding" in expected:
        assert codec == expected["encoding"]  # the page's <meta charset=gb2312> lies
    listing = website.parse_list(html, expected["url"], tz=SHANGHAI)
    got = [[e.url, e.title, e.date.date().isoformat() if e.date else None] for e in listing.entries]
    if "count" in expected:
        assert len(got) == expected["count"], got
    assert got[: len(expected["entries"])] == expected["entries"]
    assert listing.next_url == expected.get("next_url")
    assert bool(listing.hidden_pages) == expected["hidden_pages"]
    for fragment in expected.get("no_url_contains", []):
        assert not any(fragment in url for url, _, _ in got)


@pytest.mark.parametrize("path, expected", cases("feed"))
def test_feed(path: Path, expected: dict) -> None:
    parsed = feed.parse_feed(path.read_bytes(), expected["url"], SHANGHAI)
    assert len(parsed.entries) == expected["count"]
    assert len(parsed.rejected) == expected["rejected"]
    assert bool(parsed.malformed) == expected.get("malformed", False)
    if "title" in expected:
        assert parsed.title == expected["title"]  # the bridge's " | wechat-feeds" suffix is gone
    if "first" in expected:
        title, link, published = expected["first"]
        first = parsed.entries[0]
        assert (first.title, first.url, first.published) == (title, link, datetime.fromisoformat(published))
    if "titles" in expected:  # as published: entities decoded, "<ISSCC2021>" is text, not a tag
        assert [entry.title for entry in parsed.entries] == expected["titles"]
    if expected.get("summary_only"):
        # The feed repeats the title as content: the WeChat collector must fetch every article.
        assert all(wechat.needs_article(entry) for entry in parsed.entries)


def test_a_wechat_pages_js_values_are_read_as_the_page_escapes_them() -> None:
    """WeChat writes its `var msg_*` values HTML-escaped inside JS strings: the real pages show
    `&amp;` (xianyu) and `\\x26amp;` (huawei) in msg_link and `\\x0a` in msg_desc. A title with a quote
    comes the same way; pages before og:title (2017–2018, saved DOMs) are titled from msg_title. The
    real huawei page with its msg_title given quotes as WeChat escapes them:"""
    path = FIXTURES / "wechat_article" / "huawei_codecraft_2017_saved.html"
    real = text_of(path)
    line = 'var msg_title = "初赛赛题解读 | 10分钟读懂2017华为软件精英挑战赛初赛赛题";'
    assert line in real
    html = real.replace(line, r'var msg_title = "初赛赛题解读 | 10分钟读懂\x26quot;2017华为软件精英挑战赛\x26quot;'
                              r'初赛赛题 \x26amp; 答疑";')
    post = wechat.parse_article(html, "https://mp.weixin.qq.com/s/on_l5Rc3Be-DjgUOXftaNw",
                                source("wechat_feed", "wechat"), SHANGHAI)
    assert post.title == '初赛赛题解读 | 10分钟读懂"2017华为软件精英挑战赛"初赛赛题 & 答疑'

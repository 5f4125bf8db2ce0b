"""sources.feed.parse_feed on every feed format the feed collector takes: RSS 0.91, RSS 1.0 (RDF),
RSS 2.0, Atom and JSON Feed give the same entries, with links made absolute against the feed's URL."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from sources.protocol import SourceError
from sources.feed import feed_problems, parse_feed
from pipeline.models import SHANGHAI

FEED_URL = "http://rss.bridge.test/weibo/office.xml"

RSS_091 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="0.91"><channel><title>兴华街道 | RSSHub</title><link>http://weibo.test/</link>
<item><title>【防汛通知】做好防汛准备</title><link>/p/1</link><description>&lt;p&gt;全文一&lt;/p&gt;</description></item>
<item><title>第二条</title><link>http://weibo.test/p/2</link><description>全文二</description></item>
</channel></rss>"""

RSS_10 = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://weibo.test/"><title>兴华街道 | RSSHub</title><link>http://weibo.test/</link></channel>
<item rdf:about="http://weibo.test/p/1"><title>【防汛通知】做好防汛准备</title><link>/p/1</link>
  <description>&lt;p&gt;全文一&lt;/p&gt;</description><dc:date>2021-06-01T08:30:00+08:00</dc:date></item>
<item rdf:about="http://weibo.test/p/2"><title>第二条</title><link>http://weibo.test/p/2</link>
  <description>全文二</description><dc:date>2021-06-02T09:00:00+08:00</dc:date></item>
</rdf:RDF>"""

RSS_20 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>兴华街道 | RSSHub</title><link>http://weibo.test/</link>
<item><title>【防汛通知】做好防汛准备</title><link>/p/1</link><description>&lt;p&gt;全文一&lt;/p&gt;</description>
  <pubDate>Tue, 01 Jun 2021 08:30:00 +0800</pubDate>
  <enclosure url="/files/a.pdf" type="application/pdf" length="10"/></item>
<item><title>第二条</title><link>http://weibo.test/p/2</link><description>全文二</description>
  <pubDate>Wed, 02 Jun 2021 09:00:00 +0800</pubDate></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>兴华街道 | RSSHub</title><id>urn:x</id>
<updated>2021-06-02T09:00:00+08:00</updated>
<entry><title>【防汛通知】做好防汛准备</title><link href="/p/1"/><id>urn:1</id>
  <published>2021-06-01T08:30:00+08:00</published><updated>2021-06-01T08:30:00+08:00</updated>
  <content type="html">&lt;p&gt;全文一&lt;/p&gt;</content>
  <link rel="enclosure" href="/files/a.pdf" type="application/pdf" length="10"/></entry>
<entry><title>第二条</title><link href="http://weibo.test/p/2"/><id>urn:2</id>
  <published>2021-06-02T09:00:00+08:00</published><updated>2021-06-02T09:00:00+08:00</updated>
  <content type="html">全文二</content></entry>
</feed>"""

JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "兴华街道 | RSSHub",
    "items": [
        {"id": "1", "url": "/p/1", "title": "【防汛通知】做好防汛准备", "content_html": "<p>全文一</p>",
         "date_published": "2021-06-01T08:30:00+08:00",
         "attachments": [{"url": "/files/a.pdf", "mime_type": "application/pdf"}]},
        {"id": "2", "url": "http://weibo.test/p/2", "title": "第二条", "content_text": "全文二",
         "date_published": "2021-06-02T09:00:00+08:00"},
    ],
}, ensure_ascii=False)

FORMATS = {"rss-0.91": RSS_091, "rss-1.0": RSS_10, "rss-2.0": RSS_20, "atom": ATOM, "json-feed": JSON_FEED}
DATED = {"rss-1.0", "rss-2.0", "atom", "json-feed"}  # RSS 0.91 items carry no date
WITH_ENCLOSURE = {"rss-2.0", "atom", "json-feed"}


@pytest.mark.parametrize("kind", FORMATS)
def test_every_format_gives_the_same_entries(kind: str) -> None:
    feed = parse_feed(FORMATS[kind].encode("utf-8"), FEED_URL, SHANGHAI)
    assert feed.title == "兴华街道"  # the bridge's suffix is dropped: the account's name
    assert feed.rejected == []
    first, second = feed.entries
    assert first.link == "http://rss.bridge.test/p/1"  # relative to the feed's own URL
    assert second.link == "http://weibo.test/p/2"
    assert (first.title, second.title) == ("【防汛通知】做好防汛准备", "第二条")
    assert "全文一" in (first.content_html or first.summary_html)
    if kind in DATED:
        assert first.published == datetime(2021, 6, 1, 0, 30, tzinfo=timezone.utc)
    else:
        assert first.published is None
    if kind in WITH_ENCLOSURE:
        assert [a.url for a in first.enclosures] == ["http://rss.bridge.test/files/a.pdf"]


def test_an_entry_without_a_link_is_dropped_with_a_reason() -> None:
    broken = RSS_20.replace("<link>/p/1</link>", "").replace("/files/a.pdf", "")
    feed = parse_feed(broken.encode("utf-8"), FEED_URL, SHANGHAI)
    assert [e.title for e in feed.entries] == ["第二条"]
    assert len(feed.rejected) == 1 and "no http(s) link" in feed.rejected[0][1]


def test_garbage_is_a_source_error() -> None:
    with pytest.raises(SourceError):
        parse_feed(b"<html><body>502 Bad Gateway</body>", FEED_URL, SHANGHAI)


@pytest.mark.parametrize("answer, said", [
    (b"", "an empty answer"),
    ("<!DOCTYPE html><html><head><title>RSSHub</title></head><body><p>出错了</p></body></html>".encode(), "HTML page"),
])
def test_an_answer_that_is_no_feed_is_a_source_error(answer: bytes, said: str) -> None:
    """A bridge that is down answers 200 with its error page, or nothing: the source fails (and after
    [alerts] failing_nights the operator is told), not an `ok` night with nothing in it."""
    with pytest.raises(SourceError, match=said):
        parse_feed(answer, FEED_URL, SHANGHAI)


def test_an_empty_feed_is_no_error_and_a_truncated_one_is_reported() -> None:
    empty = RSS_20.split("<item>")[0] + "</channel></rss>"
    assert parse_feed(empty.encode("utf-8"), FEED_URL, SHANGHAI).entries == []  # nothing new is no failure
    cut = RSS_20[: RSS_20.index("<title>第二条") + 12]  # the bridge's answer broken off mid-entry
    feed = parse_feed(cut.encode("utf-8"), FEED_URL, SHANGHAI)
    assert feed.entries and feed.malformed
    problems = list(feed_problems(feed, FEED_URL))
    assert problems[0].kind == "malformed feed" and "read as far as it goes" in problems[0].message


@pytest.mark.parametrize("title, channel, expected", [
    # RSSHub's /weibo/user: the post's text, then one "[图片]" per picture (a real entry's title)
    ("小畑健新绘 『棋魂』展纪念插画合集棋魂 [图片][图片][图片]", "weibo", "小畑健新绘 『棋魂』展纪念插画合集棋魂"),
    ("【防汛通知】请居民做好防汛准备，详见图片 [图片]", "weibo", "防汛通知"),
    ("[图片]", "weibo", "[图片]"),  # nothing but pictures: the marker is all there is
    ("社区开展志愿服务活动 [图片]", "wechat", "社区开展志愿服务活动 [图片]"),  # only weibo bridges write it
])
def test_a_weibo_title_loses_the_bridges_picture_markers(title: str, channel: str, expected: str) -> None:
    from sources.feed import post_title

    assert post_title(title, channel) == expected

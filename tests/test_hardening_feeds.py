"""Issue 18, point 1: a hostile corpus collected through every channel (website, catalog, an RSS
feed, an Atom feed, a JSON feed) and published; every entry of every feed we write is read back
with feedparser and json, its HTML checked by a strict parse, and put into `innerHTML` in
Chromium, where nothing may run."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import feedparser
import pytest
from lxml import html as lxml_html

from pipeline import config as config_mod
from pipeline.nightly.job import run_sync
from pipeline.store import Store
from pipeline.models import SHANGHAI

# Titles that run script when a reader renders them as HTML; bodies that sanitise to nothing.
TITLES = [
    "<img src=x onerror=alert(1)>关于做好防汛工作的通知",
    "关于开展安全检查的通知<img src=x onerror=alert(2)//",
    '"><svg onload=alert(3)>社区公告',
    "<script>alert(4)</script>关于征求意见的公告",
    "通知<iframe src=javascript:alert(5)>",
]
EMPTY_BODIES = ["<script>alert(11)</script>", "<style>*{x:expression(alert(12))}</style>",
                '<iframe src="javascript:alert(13)"></iframe>', "<object data=x></object>", "<svg onload=alert(14)>"]

CONFIG = """
[office]
name = "敌意街道办事处"
org_code = "EV"
site_url = "https://xxgk.hostile.gov.test/"

[fetch]
rate_per_host = 0
retries = 0
per_host_concurrency = 4

[sources.news]
kind = "website"
url = "http://www.hostile.gov.test/news/index.html"
[sources.news.selectors]
list_item = "ul.list li"
title = "h1.title"
date = "p.date"
content = "div.body"

[sources.gkml]
kind = "catalog"
url = "http://gk.hostile.gov.test/gkml/"
[sources.gkml.selectors]
list_item = "div.gk-list div.row"
meta = "dl.gk-meta"
content = "div.gk-zw"

[sources.weibo]
kind = "feed"
url = "http://rss.hostile.gov.test/weibo.xml"

[sources.wechat]
kind = "feed"
channel = "wechat"
url = "http://rss.hostile.gov.test/wechat.json"

[sources.atom]
kind = "feed"
channel = "website"
url = "http://rss.hostile.gov.test/atom.xml"
"""


def _website(site) -> None:
    rows = "".join(f'<li><a href="/news/{n}.html">{escape(t)}</a><span>2021-03-0{n + 1}</span></li>'
                   for n, t in enumerate(TITLES))
    site.page("www.hostile.gov.test/news/index.html", f'<html><body><ul class="list">{rows}</ul></body></html>')
    for n, title in enumerate(TITLES):
        # the title raw inside the page's markup, as a careless CMS would put it
        site.page(f"www.hostile.gov.test/news/{n}.html",
                  f'<html><body><h1 class="title">{escape(title)}</h1><p class="date">2021年3月{n + 1}日</p>'
                  f'<div class="body">{EMPTY_BODIES[n]}</div></body></html>')


def _catalog(site) -> None:
    rows = "".join(f'<div class="row"><a href="/gkml/{n}.html">{escape(t)}</a><span>2021-04-0{n + 1}</span></div>'
                   for n, t in enumerate(TITLES))
    site.page("gk.hostile.gov.test/gkml/", f'<html><body><div class="gk-list">{rows}</div></body></html>')
    for n, title in enumerate(TITLES):
        site.page(f"gk.hostile.gov.test/gkml/{n}.html",
                  f'<html><body><dl class="gk-meta"><dt>索引号：</dt><dd>EV-2021-0{n}</dd>'
                  f'<dt>发布日期：</dt><dd>2021-04-0{n + 1}</dd></dl><h1>{escape(title)}</h1>'
                  f'<div class="gk-zw">{EMPTY_BODIES[-1 - n]}</div></body></html>')


def _feeds(site) -> None:
    items = "".join(f"<item><title>{escape(t)}</title><link>http://weibo.hostile.gov.test/p/{n}</link>"
                    f"<description>{escape(EMPTY_BODIES[n])}</description>"
                    f"<pubDate>Tue, 0{n + 1} Jun 2021 08:30:00 +0800</pubDate></item>" for n, t in enumerate(TITLES))
    site.page("rss.hostile.gov.test/weibo.xml",
              f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>微博</title>'
              f"<link>http://weibo.hostile.gov.test/</link>{items}</channel></rss>", "application/rss+xml")
    entries = "".join(f'<entry><title type="html">{escape(t)}</title><link href="http://www.hostile.gov.test/a/{n}"/>'
                      f"<id>urn:a{n}</id><updated>2021-07-0{n + 1}T08:00:00+08:00</updated>"
                      f'<content type="html">{escape(EMPTY_BODIES[-1 - n])}</content></entry>'
                      for n, t in enumerate(TITLES))
    site.page("rss.hostile.gov.test/atom.xml",
              f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>站</title>'
              f"<id>urn:x</id><updated>2021-07-09T08:00:00+08:00</updated>{entries}</feed>",
              "application/atom+xml")
    site.page("rss.hostile.gov.test/wechat.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "公众号",
        "items": [{"id": str(n), "url": f"https://mp.weixin.qq.com/s/h{n}", "title": t,
                   "content_html": EMPTY_BODIES[n], "date_published": f"2021-08-0{n + 1}T08:00:00+08:00"}
                  for n, t in enumerate(TITLES)]}), "application/feed+json")


@pytest.fixture
def published(tmp_path, loopback_site) -> Path:
    _website(loopback_site)
    _catalog(loopback_site)
    _feeds(loopback_site)
    path = tmp_path / "xxgk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = config_mod.load(path).with_resolve(loopback_site.address)
    with Store(config.database) as store:
        result = run_sync(config, store)
    assert {o.source: o.new for o in result.outcomes} == {s: len(TITLES) for s in
                                                         ("news", "gkml", "weibo", "wechat", "atom")}
    return config.output / "site" / "feeds"


def _html_fields(feeds: Path) -> list[tuple[str, str]]:
    """(where, html) for every field of every entry a reader renders as HTML."""
    fields = []
    for path in sorted(feeds.glob("*.xml")):
        if path.name.endswith(".opml"):
            continue
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        assert not parsed.bozo, path
        for entry in parsed.entries:
            for part in entry.get("content", []):
                fields.append((f"{path.name} content", part["value"]))
            if "summary" in entry:
                fields.append((f"{path.name} summary/description", entry["summary"]))
    for path in sorted(feeds.glob("*.json")):
        for item in json.loads(path.read_text("utf-8"))["items"]:
            fields.append((f"{path.name} content_html", item["content_html"]))
    return fields


DANGEROUS_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "base", "link", "meta"}


def _executable(fragment: str) -> list[str]:
    """What in an HTML fragment could run: dangerous elements, on* handlers, script URLs."""
    found = []
    for el in lxml_html.fragments_fromstring(f"<div>{fragment}</div>")[0].iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.lower() in DANGEROUS_TAGS:
            found.append(el.tag)
        for name, value in el.attrib.items():
            if name.lower().startswith("on") or value.strip().lower().startswith(("javascript:", "vbscript:", "data:")):
                found.append(f"{el.tag}@{name}")
    return found


def test_every_feed_entry_is_safe_html(published):
    fields = _html_fields(published)
    all_json = json.loads((published / "all.json").read_text("utf-8"))["items"]
    assert len(all_json) == 5 * len(TITLES)  # every hostile item was published
    assert len(fields) >= 3 * 5 * len(TITLES)
    bad = [(where, html, _executable(html)) for where, html in fields if _executable(html)]
    assert not bad, bad[:5]
    # the titles were kept as text (escaped in the content that stands in for an empty body)
    texts = [lxml_html.fragment_fromstring(html, create_parent="div").text_content() for _, html in fields]
    assert any("关于做好防汛工作的通知" in t for t in texts)


def test_an_unclosed_tag_in_a_feed_title_is_stripped():
    from sources.feed import parse_feed

    rss = ("<rss version='2.0'><channel><title>t</title><item><title>关于开展安全检查的通知&lt;img src=x "
           "onerror=alert(2)//</title><link>http://x.test/1</link></item><item><title>收入&lt;5000元的补贴</title>"
           "<link>http://x.test/2</link></item></channel></rss>").encode()
    titles = [e.title for e in parse_feed(rss, "http://x.test/feed.xml", SHANGHAI).entries]
    assert titles == ["关于开展安全检查的通知", "收入<5000元的补贴"]


PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body><div id="out"></div><script>
window.ran = [];
window.alert = function (x) { window.ran.push(String(x)); };
window.render = function (fragments) {
  for (const f of fragments) { const d = document.createElement("div"); d.innerHTML = f; document.getElementById("out").appendChild(d); }
};
</script></body></html>"""


def test_feed_content_runs_nothing_in_chromium(published, browser, tmp_path):
    fragments = [html for _, html in _html_fields(published)]
    page = browser.new_page()
    try:
        ran = []
        page.on("dialog", lambda d: (ran.append(d.message), d.dismiss()))
        page.set_content(PAGE)
        control = "<img src=x onerror=alert('control')>"  # proves the page would catch a script
        page.evaluate("f => window.render(f)", [*fragments, control])
        page.wait_for_function("window.ran.length > 0")  # the control's broken image has fired
        page.evaluate("() => new Promise(r => setTimeout(r, 300))")  # and any other onerror/onload
        assert page.evaluate("document.getElementById('out').children.length") == len(fragments) + 1
        assert page.evaluate("window.ran") == ["control"] and ran == []
    finally:
        page.close()

"""The WeChat and Weibo collectors on real published feeds, served byte for byte from 127.0.0.1.

WeChat: two real snapshots of 浦沿发布 (杭州滨江区浦沿街道) from hellodword/wechat-feeds, 4 h 12 min
apart (tests/fixtures/feed/PROVENANCE.md): a night, then the next run with 4 new posts. The feed holds
titles only, so the collector fetches each article; no real article page of these posts is stored
anywhere, so each link answers with a small stand-in page in WeChat's markup built from the feed item
(its title, its time as `var ct`, one mmbiz image) — the page is the stand-in, the feed is real.
Weibo: a real RSSHub /weibo/user feed (full content in the feed, sinaimg images).

What a clerk checks: every post once, the title as published, the time right in Beijing, the body
there, the images kept, a second run fetching only what is new (and the re-checks the store asked
for), an edited post stored as a new version.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from html import escape
from pathlib import Path
from typing import NamedTuple

import pytest
from PIL import Image

from pipeline import config as config_mod
from pipeline.collect import collect_all, make_fetcher
from pipeline.models import SHANGHAI
from pipeline.normalize import clean_text
from pipeline.store import HttpCache, Store

from .conftest import LoopbackSite

FEEDS = Path(__file__).parent / "fixtures" / "feed"
PUYAN_EARLIER = FEEDS / "wechatfeeds_puyan_street_earlier.xml"  # feeds @ 9571f852, "2021-06-16 17:14:16"
PUYAN_LATER = FEEDS / "wechatfeeds_puyan_street.xml"  # feeds @ 38b643e1, "2021-06-16 21:26:01"
WEIBO = FEEDS / "rsshub_weibo_user_shaonianjump.xml"
FEED_PATH = "/hellodword/wechat-feeds/raw/feeds/MzAxNjEwODUyNQ==.xml"
WEIBO_PATH = "/weibo/user/1935396210"
# The nights the office would have run right after each snapshot (Beijing time).
NIGHT_1 = datetime(2021, 6, 16, 17, 20, tzinfo=SHANGHAI)
NIGHT_2 = datetime(2021, 6, 16, 21, 30, tzinfo=SHANGHAI)
MONTHS_LATER = datetime(2021, 9, 1, 2, 0, tzinfo=SHANGHAI)  # nothing recent: only the cycle's share is re-checked
SINAIMG_HOSTS = ("tvax1.sinaimg.cn", "tvax2.sinaimg.cn", "tvax3.sinaimg.cn", "tvax4.sinaimg.cn", "n.sinaimg.cn")


class FeedItem(NamedTuple):
    title: str  # as the feed publishes it, entities decoded
    link: str
    published: datetime


def feed_items(path: Path) -> list[FeedItem]:
    """The items of a real RSS file, read with the standard library's strict XML parser."""
    root = ET.fromstring(path.read_bytes())
    return [FeedItem(clean_text(item.findtext("title") or ""), (item.findtext("link") or "").strip(),
                     parsedate_to_datetime(item.findtext("pubDate") or ""))
            for item in root.iter("item")]


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (seed % 256, 80, 160)).save(out, "JPEG")
    return out.getvalue()


def image_url(item: FeedItem) -> str:
    return f"https://mmbiz.qpic.cn/mmbiz_jpg/{short_id(item)}/640?wx_fmt=jpeg"


def short_id(item: FeedItem) -> str:
    return item.link.rsplit("/s/", 1)[1]


def stand_in_article(item: FeedItem, account: str, note: str = "", with_ct: bool = True) -> str:
    """An article page in WeChat's markup for a real feed item (no real page of it exists)."""
    ct = f'var ct = "{int(item.published.timestamp())}";' if with_ct else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<meta property="og:title" content="{escape(item.title)}"><title>{escape(item.title)}</title></head>'
            f'<body><script>var nickname = htmlDecode("{account}"); {ct}</script>'
            f'<h1 class="rich_media_title" id="activity-name">{escape(item.title)}</h1>'
            f'<div class="rich_media_content" id="js_content"><p>{escape(item.title)}。街道全体干部群众积极参与。</p>'
            f'<p><img class="rich_pages" data-src="{image_url(item)}" data-type="jpeg"></p>{note}</div>'
            f"</body></html>")


def write_office(folder: Path, site: LoopbackSite, sources: str, resolve: dict[str, str]) -> Path:
    lines = "\n".join(f'"{host}" = "http://{site.address}"' for host in resolve)
    path = folder / "xxgk.toml"
    path.write_text(f"""
[office]
name = "浦沿街道办事处"
org_code = "PY"
site_url = "https://xxgk.puyan.gov.test/"

[paths]
database = "xxgk.db"
output = "output"

[fetch]
rate_per_host = 0
retries = 0
backoff = 0
[fetch.resolve]
{lines}

[collect]
archive_images = true
{sources}""", encoding="utf-8")
    return path


def night(config_path: Path, now: datetime) -> tuple[object, int]:
    """One night's collect (which archives the images too): (its outcome, images newly kept)."""
    config = config_mod.load(config_path)
    with Store(config.database) as store:
        kept = kept_images(store.db)
        fetcher = make_fetcher(config, HttpCache(store))
        try:
            (outcome,) = collect_all(config, store, store.start_run("collect"), now=now, fetcher=fetcher)
        finally:
            fetcher.close()
        return outcome, kept_images(store.db) - kept


def kept_images(db) -> int:
    return db.execute("SELECT count(*) FROM images WHERE sha256 IS NOT NULL").fetchone()[0]


def stored_posts(database: Path) -> list[tuple]:
    """(url, title, published_at, body_text, version) of every stored post, latest version."""
    with sqlite3.connect(database) as db:
        return db.execute("SELECT p.url, v.title, v.published_at, v.body_text, p.version FROM posts p "
                          "JOIN post_versions v ON v.post_id = p.id AND v.version = p.version ORDER BY p.url").fetchall()


def article_hits(site: LoopbackSite) -> dict[str, int]:
    return {key: n for key, n in site.hits.items() if key.startswith("mp.weixin.qq.com/s/")}


@pytest.fixture
def puyan(tmp_path, loopback_site):
    """The street office's WeChat source on the real 浦沿发布 feed; every article of both snapshots
    answered (one page without `var ct`, as saved-DOM and new layouts are)."""
    site = loopback_site
    items = {item.link: item for item in feed_items(PUYAN_EARLIER) + feed_items(PUYAN_LATER)}
    undated = feed_items(PUYAN_EARLIER)[5].link
    for n, item in enumerate(items.values()):
        site.page(f"mp.weixin.qq.com/s/{short_id(item)}", stand_in_article(item, "浦沿发布", with_ct=item.link != undated))
        site.page(f"mmbiz.qpic.cn/mmbiz_jpg/{short_id(item)}/640", _jpeg(n), "image/jpeg")
    config = write_office(tmp_path, site, f"""
[sources.wechat]
kind = "wechat_feed"
url = "http://{site.address}{FEED_PATH}"
""", {"mp.weixin.qq.com": "", "mmbiz.qpic.cn": ""})
    return site, config, items


def serve_feed(site: LoopbackSite, path: Path) -> None:
    # byte for byte, as GitHub's raw host answered: text/plain
    site.page(f"127.0.0.1{FEED_PATH}", path.read_bytes(), "text/plain; charset=utf-8")


def test_a_real_wechat_feed_night_after_night(puyan, tmp_path):
    site, config, items = puyan
    earlier, later = feed_items(PUYAN_EARLIER), feed_items(PUYAN_LATER)
    new_links = [item.link for item in later if item.link not in {e.link for e in earlier}]
    assert len(earlier) == len(later) == 20 and len(new_links) == 4  # the real pair

    serve_feed(site, PUYAN_EARLIER)
    first, images = night(config, NIGHT_1)
    assert first.status == "ok" and first.new == 20, first
    assert all(n == 1 for n in article_hits(site).values()) and len(article_hits(site)) == 20
    assert images == 20

    site.hits.clear()
    serve_feed(site, PUYAN_LATER)
    second, images = night(config, NIGHT_2)
    assert second.status == "ok" and (second.new, second.updated) == (4, 0), second
    hits = article_hits(site)
    assert all(n == 1 for n in hits.values())  # nothing fetched twice in a run
    # the new ones, and the recent known ones the store asked to re-check (edits, deletions): no others
    assert {f"mp.weixin.qq.com/s/{short_id(items[link])}" for link in new_links} <= set(hits)
    assert len(hits) == second.new + second.rechecked
    assert images == 4  # only the new posts' images

    posts = stored_posts(tmp_path / "xxgk.db")
    assert [url for url, *_ in posts] == sorted(items)  # every post once, by its link
    for url, title, published_at, body_text, version in posts:
        item = items[url]
        assert title == item.title  # as published: "百年 • 浦心㉕ | 听！…", quotes, no markup
        when = datetime.fromisoformat(published_at)
        assert when == item.published
        assert when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") == item.published.strftime("%Y-%m-%d %H:%M:%S")
        assert body_text.startswith(item.title) and "街道全体干部群众积极参与" in body_text
        assert version == 1
    with sqlite3.connect(tmp_path / "xxgk.db") as db:
        kept = dict(db.execute("SELECT url, sha256 FROM images"))
    assert sorted(kept) == sorted(image_url(item) for item in items.values()) and all(kept.values())

    # Months later the same feed: nothing new, so only the re-check cycle's share of articles is fetched.
    site.hits.clear()
    third, images = night(config, MONTHS_LATER)
    assert (third.new, third.updated) == (0, 0) and third.rechecked < len(items), third
    assert len(article_hits(site)) == third.rechecked
    assert site.hits[f"127.0.0.1{FEED_PATH}"] == 1
    assert images == 0


def test_an_edited_wechat_article_is_a_new_version(puyan, tmp_path):
    site, config, items = puyan
    serve_feed(site, PUYAN_EARLIER)
    night(config, NIGHT_1)
    edited = feed_items(PUYAN_EARLIER)[3]
    site.page(f"mp.weixin.qq.com/s/{short_id(edited)}",
              stand_in_article(edited, "浦沿发布", note="<p>（更正：活动时间为6月15日）</p>"))
    serve_feed(site, PUYAN_LATER)
    second, _ = night(config, NIGHT_2)
    assert (second.new, second.updated) == (4, 1), second
    versions = {url: (version, body) for url, _, _, body, version in stored_posts(tmp_path / "xxgk.db")}
    version, body = versions[edited.link]
    assert version == 2 and "更正" in body
    assert sum(1 for v, _ in versions.values() if v == 2) == 1


# The real RSSHub entry titles: the post's text, then RSSHub's "[图片]" for each picture.
WEIBO_TITLES = {
    "https://weibo.com/1935396210/PzxMFDdIO": "『致不灭的你』动画第三季「现世篇」视觉图公开！2025年10月开播！#致不灭的你#致不灭的你",
    "https://weibo.com/1935396210/PzxHZnoFG": "小畑健新绘 『棋魂』展纪念插画合集棋魂",
}


@pytest.fixture
def weibo(tmp_path, loopback_site):
    site = loopback_site
    site.page(f"127.0.0.1{WEIBO_PATH}", WEIBO.read_bytes(), "application/xml; charset=utf-8")
    for n, url in enumerate(sorted(set(re.findall(rb'src="https://([a-z0-9.]+\.sinaimg\.cn/[^"?]+)', WEIBO.read_bytes())))):
        site.page(url.decode(), _jpeg(n), "image/jpeg")
    config = write_office(tmp_path, site, f"""
[sources.weibo]
kind = "feed"
url = "http://{site.address}{WEIBO_PATH}"
""", dict.fromkeys(SINAIMG_HOSTS, ""))
    return site, config


def test_a_real_rsshub_weibo_feed(weibo, tmp_path):
    site, config = weibo
    first, images = night(config, NIGHT_1.replace(year=2025, month=7, day=4))
    assert first.status == "ok" and first.new == 2, first
    posts = stored_posts(tmp_path / "xxgk.db")
    assert [(url, title) for url, title, *_ in posts] == sorted(WEIBO_TITLES.items())
    published = {url: datetime.fromisoformat(p).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
                 for url, _, p, _, _ in posts}
    # RSSHub writes GMT: "Fri, 04 Jul 2025 07:51:28 GMT" is 15:51:28 in Beijing
    assert published == {"https://weibo.com/1935396210/PzxMFDdIO": "2025-07-04 15:51:28",
                         "https://weibo.com/1935396210/PzxHZnoFG": "2025-07-04 15:39:56"}
    bodies = {url: body for url, _, _, body, _ in posts}
    assert bodies["https://weibo.com/1935396210/PzxMFDdIO"].startswith("『致不灭的你』动画第三季「现世篇」视觉图公开！")
    assert images >= 10  # 1 + 9 pictures (and the topic icons)
    with sqlite3.connect(tmp_path / "xxgk.db") as db:
        kept = {url for url, in db.execute("SELECT url FROM images WHERE sha256 IS NOT NULL")}
    assert "https://tvax3.sinaimg.cn/large/0026YIXUgy1i320w2kuxej60nv0xcaji02.jpg" in kept

    # The same feed again: the feed is the content, nothing else is fetched, nothing changes.
    site.hits.clear()
    again, _ = night(config, NIGHT_1.replace(year=2025, month=7, day=5))
    assert (again.new, again.updated) == (0, 0), again
    assert {key for key in site.hits if not key.endswith("/robots.txt")} == {f"127.0.0.1{WEIBO_PATH}"}

    # 编辑微博: the post's text edited upstream is a new version of the same post.
    edited = WEIBO.read_bytes().replace("2025年10月开播！".encode(), "2025年10月4日开播！".encode(), 1)
    site.page(f"127.0.0.1{WEIBO_PATH}", edited, "application/xml; charset=utf-8")
    third, _ = night(config, NIGHT_1.replace(year=2025, month=7, day=5))
    assert (third.new, third.updated) == (0, 1), third


ARTICLES = Path(__file__).parent / "fixtures" / "wechat_article"
# Real saved article pages (tests/fixtures/wechat_article/PROVENANCE.md) at the short links they were saved
# from; the feed that lists them is a stand-in in wechat-feeds' own format (no real feed lists them).
REAL_PAGES = {
    "https://mp.weixin.qq.com/s/on_l5Rc3Be-DjgUOXftaNw": "huawei_codecraft_2017_saved",
    "https://mp.weixin.qq.com/s/T-yBbKhnrPQHofMB1FsNog": "xianyu_tech_video_2018_saved",
}


def bridge_feed(entries: list[tuple[str, str, datetime]]) -> bytes:
    """A feed as hellodword/wechat-feeds wrote one: one line, no description, the title again as content."""
    items = "".join(f"<item><title>{escape(title)}</title><link>{link}</link><description></description>"
                    f"<content:encoded><![CDATA[{title}]]></content:encoded>"
                    f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0800')}</pubDate></item>"
                    for title, link, when in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/'
            'modules/content/"><channel><title>某号 | wechat-feeds</title><link>http://x.favicon.test/favicon.ico'
            f"</link>{items}</channel></rss>").encode()


def test_real_wechat_article_pages_through_the_collector(tmp_path, loopback_site):
    site = loopback_site
    expected = {link: json.loads((ARTICLES / f"{stem}.expected.json").read_text("utf-8"))
                for link, stem in REAL_PAGES.items()}
    site.page(f"127.0.0.1{FEED_PATH}", bridge_feed(
        [(e["title"], link, datetime.fromisoformat(e["published_at"])) for link, e in expected.items()]),
        "text/plain; charset=utf-8")
    images = 0
    for link, stem in REAL_PAGES.items():
        raw = (ARTICLES / f"{stem}.html").read_bytes()
        site.page(f"mp.weixin.qq.com/s/{link.rsplit('/', 1)[1]}", raw)  # byte for byte
        for n, path in enumerate(set(re.findall(rb'data-src="https?://mmbiz\.qpic\.cn(/[^"?]+)', raw))):
            site.page(f"mmbiz.qpic.cn{path.decode()}", _jpeg(n), "image/jpeg")
            images += 1
    config = write_office(tmp_path, site, f"""
[sources.wechat]
kind = "wechat_feed"
url = "http://{site.address}{FEED_PATH}"
""", {"mp.weixin.qq.com": "", "mmbiz.qpic.cn": ""})
    first, kept = night(config, datetime(2019, 1, 1, 2, 0, tzinfo=SHANGHAI))
    assert first.status == "ok" and first.new == 2, first
    assert kept == images == sum(e["image_count"] for e in expected.values())
    for url, title, published_at, body_text, _ in stored_posts(tmp_path / "xxgk.db"):
        e = expected[url]
        assert title == e["title"]  # the page's, not its <title> (闲鱼技术: the account's name)
        assert datetime.fromisoformat(published_at) == datetime.fromisoformat(e["published_at"])
        assert body_text.startswith(e["body_starts"]) and e["body_chars"][0] <= len(body_text) <= e["body_chars"][1]

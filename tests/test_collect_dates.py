"""A post dated when it cannot have been published — 1970-01-01 (a CMS's empty date), a date to
come, a WeChat post before WeChat — is dated by when it was first collected, and the night's record
says so: else its year, the year of its 索引号 and its place at the top of every feed would follow
the bad date for good."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pipeline import config as config_mod
from pipeline.collect.stage import dated_plausibly
from pipeline.models import Post
from pipeline.nightly.job import run_sync
from pipeline.store import Store

from .builders import XINGAN_OFFICE

NOW = datetime(2026, 12, 4, 2, 30, tzinfo=timezone.utc)

OFFICE = XINGAN_OFFICE

CONFIG = OFFICE + """
[sources.weibo]
kind = "feed"
url = "http://rss.bridge.test/weibo/xingan.xml"
"""


def post(when: datetime | None, channel: str = "weibo") -> Post:
    return Post(source="weibo", channel=channel, url="https://weibo.com/p/1", title="通知", published_at=when,
                body_html="<p>正文</p>", body_text="正文")


def test_a_date_that_cannot_be_a_publication_is_dropped_with_a_reason():
    for bad, channel in ((datetime(1970, 1, 1, tzinfo=timezone.utc), "website"), (NOW + timedelta(days=30), "weibo"),
                         (datetime(2011, 5, 1, tzinfo=timezone.utc), "wechat")):
        kept, why = dated_plausibly(post(bad, channel), NOW)
        assert kept.published_at is None and "不可信" in why and str(bad.date()) in why
    for good, channel in ((datetime(2011, 5, 1, tzinfo=timezone.utc), "weibo"), (NOW + timedelta(hours=10), "weibo"),
                          (None, "website")):
        assert dated_plausibly(post(good, channel), NOW) == (post(good, channel), "")


def test_a_feed_dated_1970_and_2039_is_published_under_the_night_it_was_collected(tmp_path, loopback_site):
    items = "".join(f"<item><title>{title}</title><link>https://weibo.com/p/{n}</link><description>正文{n}</description>"
                    f"<pubDate>{date}</pubDate></item>" for n, (title, date) in enumerate((
                        ("空日期的通知", "Thu, 01 Jan 1970 00:00:00 +0000"),
                        ("未来日期的通知", "Sat, 01 Jan 2039 08:00:00 +0800"))))
    loopback_site.page("rss.bridge.test/weibo/xingan.xml",
                       f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>微博</title>'
                       f"{items}</channel></rss>", "application/rss+xml")
    path = tmp_path / "xxgk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = config_mod.load(path).with_resolve(loopback_site.address)
    with Store(config.database) as store:
        result = run_sync(config, store)
        years = {row[0][:4] for row in store.db.execute("SELECT published_at FROM items")}
        numbers = [row[0] for row in store.db.execute("SELECT index_number FROM items")]
    (weibo,) = result.outcomes
    assert weibo.status == "ok" and weibo.new == 2
    assert sum("不可信" in w for w in weibo.warnings) == 2
    this_year = str(datetime.now(timezone.utc).year)
    assert years <= {this_year, str(int(this_year) - 1)}  # the night it was collected (UTC around new year)
    assert not [n for n in numbers if "/1970-" in n or "/2039-" in n]
    site = config.output / "site"
    assert not (site / "year" / "1970.html").exists() and not (site / "year" / "2039.html").exists()


WEBSITE = OFFICE + """
[sources.news]
kind = "website"
url = "http://www.xingan.gov.test/news/index.html"
[sources.news.selectors]
list_item = "ul.list li"
title = "h1"
content = "div.body"
"""


def test_an_article_page_without_a_date_is_dated_by_its_list_row(tmp_path, loopback_site):
    """A page that gives no date of publication (a catalog page with only 发文日期, a bare date the
    selectors miss) was dated the night it was crawled: the wrong year, late in the report, apart from
    its copies. Its list row's date is the date."""
    loopback_site.page("www.xingan.gov.test/news/index.html",
                       '<html><body><ul class="list"><li><a href="/news/1.html">关于做好防汛工作的通知</a>'
                       "<span>2024-03-01</span></li></ul></body></html>")
    loopback_site.page("www.xingan.gov.test/news/1.html",
                       '<html><body><h1>关于做好防汛工作的通知</h1><div class="body"><p>各社区：请做好防汛工作。</p>'
                       "</div></body></html>")
    path = tmp_path / "xxgk.toml"
    path.write_text(WEBSITE, encoding="utf-8")
    config = config_mod.load(path).with_resolve(loopback_site.address)
    with Store(config.database) as store:
        run_sync(config, store)
        (published,) = [row[0] for row in store.db.execute("SELECT published_at FROM posts")]
    assert published.startswith("2024-02-29T16:00") or published.startswith("2024-03-01")

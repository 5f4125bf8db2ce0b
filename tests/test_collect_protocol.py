"""Protocol behaviour end to end, through the collectors, against a loopback web.

One run collects six sources at once: each failing source is recorded with a clear
error and the others complete; one bad article never loses the rest of its list.
"""

from __future__ import annotations

import time

import pytest

from pipeline import config as config_mod
from pipeline.collect import collect_all
from pipeline.store import Store

from .conftest import LoopbackSite

CONFIG = """
[office]
name = "测试街道办事处"
org_code = "TEST"
site_url = "https://xxgk.example.test/"

[paths]
database = "xxgk.db"

[fetch]
rate_per_host = 0
concurrency = 4
per_host_concurrency = 4
timeout = 0.5
retries = 1
backoff = 0

[sources.site]
kind = "website"
url = "http://site.test/list/"

[sources.wx]
kind = "wechat_feed"
url = "http://feed.test/wx.xml"

[sources.garbage]
kind = "website"
url = "http://garbage.test/list/"

[sources.truncated]
kind = "website"
url = "http://cut.test/list/"

[sources.halfpage]
kind = "website"
url = "http://half.test/list/"

[sources.robots]
kind = "website"
url = "http://robots.test/list/"
"""

ARTICLE = """<html><head><meta charset="{charset}"><title>{title}</title></head><body>
<h1>{title}</h1><div class="info">发布时间：2021-03-0{day} 09:30</div>
<div class="TRS_Editor"><p>{title}。这是正文，街道办事处依法公开政府信息。</p></div></body></html>"""

LIST = """<html><head><meta charset="utf-8"><title>通知公告</title></head><body><ul class="list">
{rows}</ul></body></html>"""


def article(title: str, day: int, charset: str = "utf-8") -> str:
    return ARTICLE.format(title=title, day=day, charset=charset)


def list_page(links: list[tuple[str, str, int]]) -> str:
    rows = "".join(f'<li><a href="{href}">{title}</a><span>2021-03-0{day}</span></li>\n' for href, title, day in links)
    return LIST.format(rows=rows)


def wechat_page(title: str, ct: int) -> str:
    return (f'<html><head><meta property="og:title" content="{title}"></head><body>'
            f'<h1 id="activity-name">{title}</h1><a id="js_name">测试街道</a>'
            f'<div id="js_content"><p>{title}，正文内容。</p><img data-src="https://mmbiz.qpic.cn/a.png"></div>'
            f'<script>var ct = "{ct}";</script></body></html>')


DELETED = '<html><body><div class="weui-msg"><p class="weui-msg__title">该内容已被发布者删除</p></div></body></html>'


def stream_50mb(h) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Connection", "close")
    h.end_headers()
    chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
    try:
        for _ in range(50):
            h.wfile.write(chunk)
    except OSError:
        pass  # the client hung up at the cap, as it should


def slow(h) -> None:
    time.sleep(1.5)  # longer than the 0.5 s timeout
    try:
        h.send_response(200)
        h.end_headers()
    except OSError:
        pass


def make_429_then_ok(body: bytes):
    calls = {"n": 0}

    def handler(h) -> None:
        calls["n"] += 1
        status = 429 if calls["n"] == 1 else 200
        h.send_response(status)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if status == 429:
            h.send_header("Retry-After", "0")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return handler


def truncated(h) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", "100000")
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(list_page([("/a/1.html", "一条", 1)]).encode()[:300])


def protocol_web(site):
    """Every source's pages of CONFIG on ``site`` (a LoopbackSite): charsets, a huge, a slow, a redirected
    and a rate-limited article, a feed with a deleted article, garbage, a cut list, robots.txt."""
    site.page("site.test/list/", list_page([
        ("/a/gbk-header.html", "带字符集头的国标页面", 1),
        ("/a/gbk-meta.html", "只在标签里声明的国标页面", 2),
        ("/a/gbk-bare.html", "什么都没声明的国标页面", 3),
        ("/a/huge.html", "五十兆的页面", 4),
        ("/a/slow.html", "很慢的页面", 5),
        ("/a/away.html", "跳到外站的页面", 6),
        ("/a/busy.html", "限流后恢复的页面", 7),
    ]))
    site.page("site.test/a/gbk-header.html", article("带字符集头的国标页面", 1, "gbk").encode("gbk"), "text/html; charset=GBK")
    site.page("site.test/a/gbk-meta.html", article("只在标签里声明的国标页面", 2, "gb2312").encode("gbk"), "text/html")
    bare = article("什么都没声明的国标页面", 3).replace('<meta charset="utf-8">', "")
    site.page("site.test/a/gbk-bare.html", bare.encode("gb18030"), "text/html")
    site.routes["site.test/a/huge.html"] = stream_50mb
    site.routes["site.test/a/slow.html"] = slow
    site.routes["site.test/a/away.html"] = (302, {"Location": "http://evil.test/a.html"}, b"")
    site.routes["site.test/a/busy.html"] = make_429_then_ok(article("限流后恢复的页面", 7).encode())

    entries = "".join(
        f"<entry><title>{title}</title><link href=\"https://mp.weixin.qq.com/s/{sid}\"/><id>{sid}</id>"
        f"<published>2021-03-0{n}T10:00:00+08:00</published><summary>{title}</summary></entry>"
        for n, (sid, title) in enumerate([("ok1", "第一篇推文"), ("gone", "被删除的推文"), ("ok2", "第三篇推文")], 1))
    site.page("feed.test/wx.xml", f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                                  f"<title>测试街道 | wechat-feeds</title>{entries}</feed>", "application/atom+xml")
    site.page("mp.weixin.qq.com/s/ok1", wechat_page("第一篇推文", 1614567600))
    site.page("mp.weixin.qq.com/s/gone", DELETED)
    site.page("mp.weixin.qq.com/s/ok2", wechat_page("第三篇推文", 1614740400))

    site.page("garbage.test/list/", bytes(range(256)) * 40, "application/octet-stream")
    site.routes["cut.test/list/"] = truncated
    half = list_page([("/a/1.html", "完整的一条", 1), ("/a/2.html", "被截断的一条", 2)])
    site.page("half.test/list/", half[: half.index("被截断")])  # complete answer, HTML cut mid-list
    site.page("half.test/a/1.html", article("完整的一条", 1))
    site.page("robots.test/robots.txt", "User-agent: *\nDisallow: /list/\n", "text/plain")
    return site


@pytest.fixture
def web(loopback_site):
    return protocol_web(loopback_site)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """One collect of every source, once for the module (its tests only read it; the slow and huge
    articles make it cost seconds): (outcomes by source, titles stored, statuses recorded)."""
    site = protocol_web(LoopbackSite())
    try:
        path = tmp_path_factory.mktemp("protocol") / "xxgk.toml"
        path.write_text(CONFIG, encoding="utf-8")
        config = config_mod.load(path).with_resolve(site.address)
        with Store(config.database) as store:
            run_id = store.start_run("collect")
            result = {o.source: o for o in collect_all(config, store, run_id)}
            titles = {row[0] for row in store.db.execute("SELECT title FROM posts")}
            recorded = {row[0]: row[1] for row in store.db.execute(
                "SELECT source, status FROM run_sources WHERE run_id = ?", [run_id])}
    finally:
        site.close()
    return result, titles, recorded


def test_gbk_pages_with_and_without_header_charset(outcomes):
    result, titles, _ = outcomes
    assert {"带字符集头的国标页面", "只在标签里声明的国标页面", "什么都没声明的国标页面"} <= titles


def test_bad_articles_are_problems_and_the_rest_is_collected(outcomes):
    result, titles, _ = outcomes
    site = result["site"]
    assert site.status == "ok"
    assert site.new == 4 and "限流后恢复的页面" in titles  # 3 GBK pages + the one that answered 429 first
    assert site.errors == 3
    problems = "\n".join(site.warnings)
    assert "huge.html" in problems and "cap" in problems  # 50 MB: over the size cap, never stored
    assert "slow.html" in problems and "timed out" in problems
    assert "away.html" in problems and "evil.test" in problems and "allow-list" in problems


def test_deleted_wechat_article_inside_a_feed(outcomes):
    result, titles, _ = outcomes
    wx = result["wx"]
    assert wx.status == "ok" and wx.new == 2
    assert {"第一篇推文", "第三篇推文"} <= titles and "被删除的推文" not in titles
    assert any("gone" in w and "删除" in w for w in wx.warnings)  # recorded, not silently dropped


def test_failing_sources_fail_clearly_and_the_others_go_on(outcomes):
    result, titles, recorded = outcomes
    assert result["garbage"].status == "failed" and result["garbage"].error
    assert "garbage.test/list/" in result["garbage"].error
    assert result["truncated"].status == "failed" and "broke the connection" in result["truncated"].error
    assert result["robots"].status == "failed" and "robots.txt" in result["robots"].error
    # A list page cut mid-way but delivered whole still yields what it holds.
    assert result["halfpage"].status == "ok" and "完整的一条" in titles
    assert recorded == {name: o.status for name, o in result.items()}
    assert result["site"].status == result["wx"].status == "ok"


def test_deleted_article_of_a_known_post_withdraws_it(tmp_path, web):
    path = tmp_path / "xxgk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = config_mod.load(path).with_resolve(web.address)
    web.page("mp.weixin.qq.com/s/gone", wechat_page("被删除的推文", 1614654000))
    with Store(config.database) as store:
        collect_all(config, store, store.start_run("collect"), only={"wx"})
        web.page("mp.weixin.qq.com/s/gone", DELETED)
        again = collect_all(config, store, store.start_run("collect"), only={"wx"}, full=True)[0]
        withdrawn = store.db.execute("SELECT title, withdrawn_reason FROM posts WHERE withdrawn_at IS NOT NULL").fetchall()
    assert again.withdrawn == 1 and again.status == "ok" and again.unchanged + again.new + again.updated == 2
    assert withdrawn[0][0] == "被删除的推文" and "删除" in withdrawn[0][1]

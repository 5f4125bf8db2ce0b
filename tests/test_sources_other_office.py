"""A new office whose website and catalog use other markup than the demo's: added by config only.

青山街道's site (served on 127.0.0.1): a table list with 【2021年03月05日】 dates, pages
index.htm, index_1.htm, index_2.htm reached by a URL template, articles with the title
in h2.art-title, the date and source in one line, attachments in .fujian and some
pages in GBK without a header charset; a catalog whose list rows are divs and whose
metadata is a dl. Nothing in sources/ knows this markup: only the TOML below does.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline import config as config_mod
from pipeline.collect import collect_all
from pipeline.models import SHANGHAI
from pipeline.store import Store

CONFIG = """
[office]
name = "青山街道办事处"
org_code = "QS"
site_url = "https://xxgk.qingshan.gov.test/"

[fetch]
rate_per_host = 0
concurrency = 4
per_host_concurrency = 4

[sources.news]
kind = "website"
url = "http://www.qingshan.gov.test/zwgk/tzgg/index.htm"
page_template = "index_{n}.htm"
[sources.news.selectors]
list_item = "table.newslist tr"
list_date = "td.rq"
title = "h2.art-title"
date = "p.art-meta"
content = "#art-body"
attachments = ".fujian"

[sources.gkml]
kind = "catalog"
url = "http://gk.qingshan.gov.test/gkml/"
[sources.gkml.selectors]
list_item = "div.gk-list div.row"
meta = "dl.gk-meta"
content = "div.gk-zw"
"""

PAGES, PER_PAGE = 3, 4


def news_title(n: int) -> str:
    return f"青山街道关于第{n}项工作的通知"


def news_list(page: int) -> str:
    rows = "".join(
        f'<tr><td class="bt"><a href="/zwgk/tzgg/2021/{n}.htm" title="{news_title(n)}">{news_title(n)[:10]}…</a></td>'
        f'<td class="rq">【2021年03月{n:02d}日】</td></tr>'
        for n in range(PAGES * PER_PAGE - page * PER_PAGE, PAGES * PER_PAGE - (page + 1) * PER_PAGE, -1))
    return (f'<html><head><meta charset="utf-8"><title>通知公告</title></head><body>'
            f'<div class="nav"><a href="/">首页</a> 2021年03月01日 星期一</div>'
            f'<table class="newslist">{rows}</table>'
            f'<div class="page">共{PAGES}页</div></body></html>')


def news_article(n: int) -> str:
    return (f'<html><head><meta charset="gb2312"><title>{news_title(n)}-青山街道</title></head><body>'
            f'<div class="art-hd"><h2 class="art-title">{news_title(n)}</h2>'
            f'<p class="art-meta">发布日期：2021年3月{n}日 09:30　来源：青山街道党政办</p></div>'
            f'<div id="art-body"><p>　　各社区：现将第{n}项工作通知如下。</p><p>特此通知。</p></div>'
            f'<div class="fujian">附件：<a href="/files/{n}.docx">1.第{n}项工作安排表</a>'
            f'<a href="/files/{n}.pdf">2.报名表</a></div></body></html>')


def gk_list() -> str:
    rows = "".join(f'<div class="row"><span class="t"><a href="/gkml/{n}.html">青山街道{n}号文件</a></span>'
                   f'<span class="d">2021-04-0{n}</span></div>' for n in (1, 2))
    return f'<html><head><meta charset="utf-8"><title>公开目录</title></head><body><div class="gk-list">{rows}</div></body></html>'


def gk_detail(n: int) -> str:
    return (f'<html><head><meta charset="utf-8"><title>青山街道{n}号文件</title></head><body>'
            f'<dl class="gk-meta"><dt>索 引 号：</dt><dd>QS-2021-0000{n}</dd><dt>发布机构：</dt><dd>青山街道办事处</dd>'
            f'<dt>文　　号：</dt><dd>青街发〔2021〕{n}号</dd><dt>主题分类：</dt><dd>城乡建设、环境保护</dd>'
            f'<dt>成文日期：</dt><dd>2021年04月0{n}日</dd><dt>发布日期：</dt><dd>2021-04-0{n}</dd></dl>'
            f'<h1>青山街道{n}号文件</h1><div class="gk-zw"><p>第{n}号文件正文。</p></div></body></html>')


@pytest.fixture
def collected_qingshan(tmp_path, loopback_site):
    """青山 (templated list, catalog in a definition list) after one collect: (site, config, store, outcomes by source)."""
    site = loopback_site
    for page in range(PAGES):
        site.page(f"www.qingshan.gov.test/zwgk/tzgg/{'index' if page == 0 else f'index_{page}'}.htm", news_list(page))
    for n in range(1, PAGES * PER_PAGE + 1):
        site.page(f"www.qingshan.gov.test/zwgk/tzgg/2021/{n}.htm", news_article(n).encode("gbk"), "text/html")
    site.page("gk.qingshan.gov.test/gkml/", gk_list())
    for n in (1, 2):
        site.page(f"gk.qingshan.gov.test/gkml/{n}.html", gk_detail(n))
    path = tmp_path / "xxgk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = config_mod.load(path).with_resolve(site.address)
    with Store(config.database) as store:
        outcomes = {o.source: o for o in collect_all(config, store, store.start_run("collect"))}
        yield site, config, store, outcomes


def latest(store: Store, url: str) -> dict:
    row = store.db.execute(
        "SELECT v.* FROM posts p JOIN post_versions v ON v.post_id = p.id AND v.version = p.version WHERE p.url = ?",
        [url]).fetchone()
    assert row is not None, url
    return dict(zip([d[0] for d in store.db.execute("SELECT * FROM post_versions LIMIT 0").description], row))


def test_every_page_of_the_templated_list_is_collected(collected_qingshan):
    site, config, store, outcomes = collected_qingshan
    assert outcomes["news"].status == "ok" and outcomes["news"].new == PAGES * PER_PAGE
    assert site.hits["www.qingshan.gov.test/zwgk/tzgg/index_3.htm"] == 1  # the 404 that ends the list


def test_article_fields_come_from_the_configured_selectors(collected_qingshan):
    _, _, store, _ = collected_qingshan
    post = latest(store, "http://www.qingshan.gov.test/zwgk/tzgg/2021/5.htm")
    assert post["title"] == news_title(5)  # the full title, not the list's shortened one
    assert datetime.fromisoformat(post["published_at"]) == datetime(2021, 3, 5, 9, 30, tzinfo=SHANGHAI)
    assert post["body_text"].startswith("各社区：现将第5项工作通知如下。")
    assert '"name": "1.第5项工作安排表"' in post["attachments"] and "/files/5.pdf" in post["attachments"]
    assert "青山街道党政办" in post["meta"]


def test_catalog_metadata_in_a_definition_list(collected_qingshan):
    _, _, store, outcomes = collected_qingshan
    assert outcomes["gkml"].new == 2
    import json
    meta = json.loads(latest(store, "http://gk.qingshan.gov.test/gkml/2.html")["meta"])
    assert meta["index_number"] == "QS-2021-00002" and meta["doc_number"] == "青街发〔2021〕2号"
    assert meta["topic"] == "城乡建设、环境保护" and meta["formed_on"] == "2021-04-02"
    assert meta["publisher"] == "青山街道办事处"


def test_second_night_is_cheap_here_too(collected_qingshan):
    site, config, store, _ = collected_qingshan
    site.hits.clear()
    again = {o.source: o for o in collect_all(config, store, store.start_run("collect"))}
    assert all(o.status == "ok" and o.new == o.updated == 0 for o in again.values())
    assert site.hits["www.qingshan.gov.test/zwgk/tzgg/index.htm"] == 1
    # Articles fetched: only this night's share of the weekly re-checks (none of them changed).
    fetched = sum(n for key, n in site.hits.items() if "/2021/" in key)
    assert fetched <= sum(o.rechecked for o in again.values())

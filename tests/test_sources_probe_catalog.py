"""`xxgk add-source URL` on a district disclosure catalog (公开目录) column proposes kind = "catalog"
when its list or its entries carry a catalog's fields (索引号 and 主题分类); a news column stays
"website". The catalog pages are the demo district's (demo/render.py), served on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import datetime

from click.testing import CliRunner

from demo.render import catalog_detail, catalog_list
from pipeline.collect.add_source import probe_url
from pipeline.commands import main
from pipeline.models import SHANGHAI
from sources.probe import judge

from .list_offices import collected, office_head

HOST = "xxgk.songxi.gov.test"
COLUMN = f"http://{HOST}/qtdw/sxj/gkml/"
HEAD = office_head("松溪街道办事处", "SX", "https://xxgk.songxi.gov.test/")
ROWS = 5


def title(n: int) -> str:
    return f"松溪街道关于第{n}项工作的通知"


def detail(n: int) -> str:
    ids = {"index_number": f"SX-2021-{n:05d}", "doc_number": f"松街发〔2021〕{n}号", "formed_on": f"2021-04-{n:02d}"}
    return catalog_detail(title=title(n), ids=ids, topic="综合政务\\通知公告", published=datetime(2021, 4, n, tzinfo=SHANGHAI),
                          paras=[f"各社区：现将第{n}项工作通知如下。", "特此通知。"], attachments=[])


def news_article(n: int) -> str:
    return (f"<html><head><meta charset='utf-8'><title>{title(n)}</title></head><body><h1>{title(n)}</h1>"
            f"<p>发布时间：2021-04-{n:02d} 09:00</p><div id='zoom'><p>第{n}项工作。</p></div></body></html>")


def column_page() -> str:
    rows = [(f"/qtdw/sxj/gkml/{n}.html", title(n), f"2021-04-{n:02d}") for n in range(ROWS, 0, -1)]
    return catalog_list(rows, 0, 1, 1)


def serve(site, article) -> None:
    site.page(f"{HOST}/qtdw/sxj/gkml/", column_page())
    for n in range(1, ROWS + 1):
        site.page(f"{HOST}/qtdw/sxj/gkml/{n}.html", article(n))


def add_source(tmp_path, site) -> str:
    path = tmp_path / "probe.toml"
    path.write_text(HEAD + f'[fetch.resolve]\n"{HOST}" = "http://{site.address}"\n'
                    f'[sources.x]\nkind = "website"\nurl = "{COLUMN}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "add-source", COLUMN, "--name", "gkml"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_catalog_column_is_proposed_as_a_catalog_and_collected_as_one(tmp_path, loopback_site) -> None:
    serve(loopback_site, detail)
    output = add_source(tmp_path, loopback_site)
    table = output[output.index("[sources.gkml]"):]
    assert 'kind = "catalog"' in table and "公开目录" in output and "索引号" in output and "主题分类" in output
    with collected(tmp_path, loopback_site, HEAD + table) as (_, store, outcome):
        assert outcome.status == "ok" and outcome.new == ROWS
        assert {c for (c,) in store.db.execute("SELECT channel FROM posts")} == {"catalog"}
        metas = [json.loads(m) for (m,) in store.db.execute("SELECT meta FROM post_versions")]
        assert {m["index_number"] for m in metas} == {f"SX-2021-{n:05d}" for n in range(1, ROWS + 1)}


def test_a_news_column_stays_a_website(tmp_path, loopback_site) -> None:
    serve(loopback_site, news_article)
    output = add_source(tmp_path, loopback_site)
    assert 'kind = "website"' in output and "公开目录" not in output


def test_a_list_whose_header_names_catalog_fields_is_a_catalog_without_reading_an_entry() -> None:
    rows = "".join(f"<tr><td>SX-2021-{n:05d}</td><td><a href='/gkml/{n}.html'>{title(n)}</a></td><td>松溪街道办事处</td>"
                   f"<td>2021-04-{n:02d}</td></tr>" for n in range(3, 0, -1))
    page = (f"<html><body><table><tr><th>索 引 号</th><th>名称</th><th>发布机构</th><th>生成日期</th></tr>{rows}"
            f"</table></body></html>")
    asked: list[str] = []
    finding = judge(page, f"http://{HOST}/gkml/", "gkml", lambda url: asked.append(url) or None)
    assert finding.entries == 3 and 'kind = "catalog"' in finding.toml and "索引号" in finding.summary and not asked


def test_an_entry_with_an_index_number_but_no_topic_is_no_catalog_evidence() -> None:
    # a township's own site links 信息公开 pages (索引号, 文号) from its news columns: still a website
    page = f"<ul><li><a href='/a/1.html'>{title(1)}</a> 2021-04-01</li></ul>"
    article = ("<table><tr><td>索引号：</td><td>SX-1</td><td>发布机构：</td><td>松溪街道办事处</td></tr>"
               "<tr><td>文号：</td><td>松街发〔2021〕1号</td></tr></table><div id='zoom'><p>正文</p></div>")
    finding = judge(page, f"http://{HOST}/tzgg/", "tzgg", lambda url: article)
    assert 'kind = "website"' in finding.toml


def test_the_demo_offices_columns_are_proposed_with_the_kinds_its_config_has(demo_config) -> None:
    columns = [s for s in demo_config.sources if s.kind in ("website", "catalog")]
    assert {s.kind for s in columns} == {"website", "catalog"}
    for source in columns:
        assert f'kind = "{source.kind}"' in probe_url(source.url, demo_config.fetch, source.name).toml, source.name


def test_a_news_list_that_names_a_category_is_no_catalog() -> None:
    rows = "".join(f"<tr><td><a href='/xw/{n}.html'>{title(n)}</a></td><td>工作动态</td><td>松溪街道办事处</td>"
                   f"<td>2021-04-{n:02d}</td></tr>" for n in range(3, 0, -1))
    page = f"<table><tr><th>标题</th><th>分类</th><th>发布机构</th><th>日期</th></tr>{rows}</table>"
    finding = judge(page, f"http://{HOST}/xw/", "xw", lambda url: None)
    assert finding.entries == 3 and 'kind = "website"' in finding.toml


def test_a_catalog_read_from_a_json_api_is_a_catalog() -> None:
    shell = "<div id='list'></div><script>load('/api/gkml/list', {pageNo: 1, pageSize: 10});</script>"
    answer = json.dumps({"data": {"total": 1, "list": [{"title": title(1), "url": "/gkml/1.html", "pubDate": "2021-04-01"}]}})
    pages = {f"http://{HOST}/api/gkml/list?pageNo=1&pageSize=10": answer, f"http://{HOST}/gkml/1.html": detail(1)}
    finding = judge(shell, f"http://{HOST}/gkml/", "gkml", pages.get)
    assert finding.kind == "json_api" and 'kind = "catalog"' in finding.toml and "[sources.gkml.list_api]" in finding.toml

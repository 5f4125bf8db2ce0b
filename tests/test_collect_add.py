"""`xxgk add URL…`: one article by its link, filed under the right source and channel; every link it
cannot store is refused in Chinese, with what to do instead (a column's list page: `xxgk add-source`)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import config as config_mod
from pipeline.collect.add import add_urls, reads_as_list
from pipeline.commands import main
from pipeline.config import Source
from pipeline.errors import SourceError
from pipeline.fetch.decode import decode_body
from pipeline.models import SHANGHAI
from pipeline.store import Store
from sources import website
from sources.lists import parse_list

from .builders import XINGAN_OFFICE, served_config

WEBSITE_ARTICLE = "http://www.xinghua.gov.test/xwzx/tzgg/202012/t20201213_12236.html"
COLUMN = "http://www.xinghua.gov.test/xwzx/tzgg/"  # the list page of the website-tzgg source
CATALOG_PAGE_2 = "http://xxgk.cyq.gov.test/qtdw/xhj/gkml/index_1.html"
FIXTURES = Path(__file__).parent / "fixtures"
CJK = re.compile(r"[\u4e00-\u9fff]")


def wechat_link(demo_world) -> str:
    article = sorted((demo_world / "mp.weixin.qq.com" / "s").iterdir())[0]
    return f"https://mp.weixin.qq.com/s/{article.name}?scene=21#wechat_redirect"


def a_pdf(demo_world: Path) -> str:
    pdf = sorted(demo_world.glob("xxgk.cyq.gov.test/**/*.pdf"))[0]
    return "http://" + pdf.relative_to(demo_world).as_posix()


def add(config: str, *urls: str):
    return CliRunner().invoke(main, ["--config", config, "add", *urls], catch_exceptions=False)


def refusal(result, url: str) -> str:
    """The reason `xxgk add` gave for not storing url: its line, after the link."""
    said = f"未收录 {url}："
    lines = [line for line in result.output.splitlines() if line.startswith(said)]
    assert len(lines) == 1, result.output
    return lines[0][len(said):]


def assert_chinese(reason: str) -> None:
    """Staff-facing words are Chinese: the reason opens with them, and no English sentence is said
    before the technical detail (a URL, an HTTP status, the client's own words after 详情)."""
    words = reason.split("详情")[0]
    words = re.sub(r"https?://\S+|xxgk [\w-]+|HTTP \d+|Content-Type|[\w./-]+\.(?:toml|txt)", "", words)
    assert CJK.search(reason[:4]), reason
    assert not re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}", words), reason


def test_add_files_each_link_under_its_source(demo_config, demo_world):
    with Store(demo_config.database) as store:
        results = add_urls(demo_config, store, [WEBSITE_ARTICLE, wechat_link(demo_world), "http://elsewhere.test/a.html"])
        rows = store.db.execute("SELECT source, channel, url FROM posts ORDER BY channel DESC").fetchall()
        again = add_urls(demo_config, store, [WEBSITE_ARTICLE])
    assert [r.result for r in results] == ["new", "new", "failed"]
    assert results[0].title and results[1].title
    assert "elsewhere.test" in results[2].error and "不是配置中" in results[2].error
    assert [(source, channel) for source, channel, _ in rows] == [("wechat", "wechat"), ("website-tzgg", "website")]
    assert rows[0][2].startswith("https://mp.weixin.qq.com/s/") and "scene" not in rows[0][2]  # canonical
    assert again[0].result == "unchanged"


def test_add_command_exit_code_and_output(tmp_path, demo_server):
    path = served_config(tmp_path, demo_server.address)
    ok = add(path, WEBSITE_ARTICLE)
    assert ok.exit_code == 0 and "新收录" in ok.output and "website-tzgg" in ok.output
    bad = add(path, "ftp://x.test/a")
    assert bad.exit_code == 1 and "不是 http(s) 链接" in refusal(bad, "ftp://x.test/a")
    helped = CliRunner().invoke(main, ["add", "--help"])
    assert "Example:" in helped.output and "xxgk add" in helped.output


@pytest.mark.parametrize("column", [COLUMN, CATALOG_PAGE_2])
def test_a_column_list_page_is_refused_and_add_source_suggested(tmp_path, demo_server, column):
    path = served_config(tmp_path, demo_server.address)
    result = add(path, column)
    reason = refusal(result, column)
    assert result.exit_code == 1 and "列表" in reason and "xxgk add-source" in reason
    assert_chinese(reason)
    with Store(tmp_path / "xxgk.db") as store:
        assert store.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == 0  # nothing stored


def test_articles_of_every_demo_source_are_not_taken_for_lists(demo_config, demo_world):
    """The list rule refuses no article: one of each source kind, the catalog's with its table of metadata."""
    catalog_article = sorted(demo_world.glob("xxgk.cyq.gov.test/qtdw/xhj/gkml/2020*/t*.html"))[0]
    gzdt_article = sorted(demo_world.glob("www.xinghua.gov.test/xwzx/gzdt/2020*/t*.html"))[0]
    urls = [WEBSITE_ARTICLE] + ["http://" + p.relative_to(demo_world).as_posix() for p in (catalog_article, gzdt_article)]
    with Store(demo_config.database) as store:
        results = add_urls(demo_config, store, urls)
    assert [(r.result, r.error) for r in results] == [("new", "")] * 3


@pytest.mark.parametrize("page", sorted((FIXTURES / "gov_list").glob("*.html")) + sorted(
    (FIXTURES / "gov_article").glob("*.html")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_real_list_pages_read_as_lists_and_real_articles_do_not(page):
    """The corpus of real pages, read with the default selectors as a source without any would."""
    html = decode_body(page.read_bytes())[1]
    url = f"http://www.example.gov.cn/col/{page.name}"
    source = Source(name="site", kind="website", channel="website", url="http://www.example.gov.cn/")
    try:
        post = website.parse_article(html, url, source, website.DEFAULTS, tz=SHANGHAI)
    except SourceError:
        post = None
    assert reads_as_list(parse_list(html, url, website.DEFAULTS, tz=SHANGHAI), post) == (page.parent.name == "gov_list")


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"  # nothing listens once it is closed


def test_every_bad_link_is_refused_in_chinese(tmp_path, demo_server, demo_world):
    path = served_config(tmp_path, demo_server.address)
    missing = "http://www.xinghua.gov.test/xwzx/tzgg/202012/t20201299_404.html"
    cases = {  # link → words its refusal must hold
        "not a link": "不是 http(s) 链接",
        "http://elsewhere.test/a.html": "不是配置中",
        missing: "页面不存在",
        a_pdf(demo_world): "不是网页",
        COLUMN: "列表",
    }
    result = add(path, *cases)
    assert result.exit_code == 1
    for url, words in cases.items():
        reason = refusal(result, url)
        assert words in reason, reason
        assert_chinese(reason)
    assert "Traceback" not in result.output


def test_an_unreachable_host_is_refused_in_chinese(tmp_path):
    path = Path(served_config(tmp_path, closed_port()))
    path.write_text(path.read_text(encoding="utf-8").replace("[fetch]\n", "[fetch]\nretries = 0\n", 1), encoding="utf-8")
    result = add(str(path), WEBSITE_ARTICLE)
    reason = refusal(result, WEBSITE_ARTICLE)
    assert result.exit_code == 1 and "无法连接" in reason
    assert_chinese(reason)


def test_a_link_already_collected_says_so_in_chinese_and_stores_nothing_twice(tmp_path, demo_server):
    path = served_config(tmp_path, demo_server.address)
    first, again = add(path, WEBSITE_ARTICLE), add(path, WEBSITE_ARTICLE)
    assert first.exit_code == 0 and again.exit_code == 0, again.output
    line = next(line for line in again.output.splitlines() if WEBSITE_ARTICLE in line)
    assert line.startswith("已收录过") and "无变化" in line, line
    with Store(tmp_path / "xxgk.db") as store:
        assert store.db.execute("SELECT COUNT(*), MAX(version) FROM posts").fetchone() == (1, 1)


SIDEBAR_SITE = XINGAN_OFFICE + """
[sources.news]
kind = "website"
url = "http://www.xingan.gov.test/news/index.html"
[sources.news.selectors]
list_item = "ul.list li"
title = "h1"
content = "div.body"
"""


def test_a_short_article_beside_a_long_sidebar_list_is_an_article_where_the_source_names_its_body(
        tmp_path, loopback_site):
    """A two-line notice whose page also shows the column's latest ten (the same list markup as the
    column): the source's own content selector found its body, so it is an article, not a list."""
    rows = "".join(f'<li><a href="/news/{n}.html">兴安街道关于第{n}期网格员培训工作安排的通知</a><span>2024-03-{n:02d}</span></li>'
                   for n in range(1, 11))
    loopback_site.page("www.xingan.gov.test/news/11.html",
                       f'<html><body><h1>停水通知</h1><div class="body"><p>明日停水。</p></div>'
                       f'<ul class="list">{rows}</ul></body></html>')
    path = tmp_path / "xxgk.toml"
    path.write_text(SIDEBAR_SITE, encoding="utf-8")
    config = config_mod.load(path).with_resolve(loopback_site.address)
    with Store(config.database) as store:
        (added,) = add_urls(config, store, ["http://www.xingan.gov.test/news/11.html"])
    assert (added.result, added.title, added.error) == ("new", "停水通知", "")

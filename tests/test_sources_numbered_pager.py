"""A column paged only by page numbers (no 下一页 link; the current page a <span>): add-source says
it has more pages and the website collector walks all of them, as the office's site shows them."""

from __future__ import annotations

import pytest

from pipeline.models import SHANGHAI
from sources.lists import parse_list
from sources.probe import judge

from .list_offices import collected, office_head

HOST = "www.songhe.gov.test"
PAGES, PER_PAGE = 3, 4
CONFIG = office_head("松河街道办事处", "SH", "https://xxgk.songhe.gov.test/") + f"""[sources.tzgg]
kind = "website"
url = "http://{HOST}/tzgg/index.html"
"""


def page_name(page: int) -> str:
    """Page 1 is index.html, page k+1 index_k.html (TRS WCM's naming)."""
    return "index.html" if page == 1 else f"index_{page - 1}.html"


def pager(current: int) -> str:
    numbers = " ".join(f"<span>{n}</span>" if n == current else f'<a href="{page_name(n)}">{n}</a>'
                       for n in range(1, PAGES + 1))
    return f'<div class="page">{numbers}</div>'


def title(n: int) -> str:
    return f"松河街道关于第{n}项工作的通知"


def list_page(page: int) -> str:
    newest = PAGES * PER_PAGE - (page - 1) * PER_PAGE
    rows = "".join(f'<li><a href="/tzgg/2021/{n}.html">{title(n)}</a><span>2021-03-{n:02d}</span></li>'
                   for n in range(newest, newest - PER_PAGE, -1))
    return (f'<html><head><meta charset="utf-8"><title>通知公告</title></head><body>'
            f'<div class="nav"><a href="/">首页</a></div><ul class="list">{rows}</ul>{pager(page)}</body></html>')


def article(n: int) -> str:
    return (f'<html><head><meta charset="utf-8"><title>{title(n)}</title></head><body><h1>{title(n)}</h1>'
            f'<p class="info">发布时间：2021-03-{n:02d} 09:00</p><div id="zoom"><p>第{n}项工作。</p></div></body></html>')


@pytest.mark.parametrize("page, following", [(1, "index_1.html"), (2, "index_2.html"), (3, None)])
def test_the_next_page_is_the_link_numbered_one_past_the_current_page(page: int, following: str | None) -> None:
    listing = parse_list(list_page(page), f"http://{HOST}/tzgg/{page_name(page)}", tz=SHANGHAI)
    assert len(listing.entries) == PER_PAGE
    assert listing.next_url == (f"http://{HOST}/tzgg/{following}" if following else None)


@pytest.mark.parametrize("pager", [
    '<ul class="pagination"><li><a href="index.html">1</a></li><li class="active"><span>2</span></li>'
    '<li><a href="index_2.html">3</a></li></ul>',  # one <li> per number
    '<p><a href="index.html">[1]</a> <a class="cur" href="index_1.html">[2]</a> <a href="index_2.html">[3]</a></p>',
])
def test_other_numbered_pagers(pager: str) -> None:
    listing = parse_list(f"<ul><li><a href='/a.html'>甲</a> 2021-01-01</li></ul>{pager}", f"http://{HOST}/x/index_1.html",
                         tz=SHANGHAI)
    assert listing.next_url == f"http://{HOST}/x/index_2.html"


def test_numbers_outside_a_pager_are_no_next_page() -> None:
    calendar = "<table><tr><td><span>1</span></td><td><a href='/rl/2.html'>2</a></td></tr></table>"
    listing = parse_list(f"<ul><li><a href='/a.html'>甲</a> 2021-01-01</li></ul>{calendar}", f"http://{HOST}/x/",
                         tz=SHANGHAI)
    assert listing.next_url is None


def test_add_source_sees_the_numbered_pager() -> None:
    finding = judge(list_page(1), f"http://{HOST}/tzgg/index.html", "tzgg", lambda url: None)
    assert finding.kind == "static" and "只有一页" not in finding.summary and "index_1.html" in finding.summary


def test_the_collector_walks_every_numbered_page(tmp_path, loopback_site) -> None:
    for page in range(1, PAGES + 1):
        loopback_site.page(f"{HOST}/tzgg/{page_name(page)}", list_page(page))
    for n in range(1, PAGES * PER_PAGE + 1):
        loopback_site.page(f"{HOST}/tzgg/2021/{n}.html", article(n))
    with collected(tmp_path, loopback_site, CONFIG) as (_, store, outcome):
        assert outcome.status == "ok" and outcome.new == PAGES * PER_PAGE
        assert {t for (t,) in store.db.execute("SELECT title FROM post_versions")} == {
            title(n) for n in range(1, PAGES * PER_PAGE + 1)}

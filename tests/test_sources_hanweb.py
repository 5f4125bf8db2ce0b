"""Hanweb (大汉) JCMS columns collected with no configuration beyond the column URL.

The test office (tests/list_offices.py) embeds the first 45 of its records in the column
page's datastore and answers later ones from dataproxy.jsp, by POST only.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.collect import collect_all
from pipeline.models import SHANGHAI
from pipeline.store import Store
from sources import hanweb, website

from .list_offices import (
    COLUMN_ID, GROUP_SIZE, HANWEB_CONFIG, HANWEB_HOST, PER_PAGE, UNIT_ID, WEB_ID, HanwebOffice, column_page,
    collected, hanweb_record,
)

TOTAL = 130  # 45 embedded, then dataproxy requests of 60 records
QUOTED = Path(__file__).parent / "fixtures" / "hanweb"  # real markup quoted by public crawlers (PROVENANCE.md)


def quoted_cases() -> list:
    return [pytest.param(p, json.loads(p.with_name(p.stem + ".expected.json").read_text(encoding="utf-8")), id=p.stem)
            for p in sorted(QUOTED.iterdir()) if p.suffix in (".html", ".xml")]


@pytest.mark.parametrize("path, expected", quoted_cases())
def test_real_column_pages_and_dataproxy_answers(path: Path, expected: dict) -> None:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":  # a column page
        col = hanweb.column(text, expected["url"])
        assert col is not None and col.total == expected["total"] and col.proxy_url == expected["proxy_url"]
        assert {k: col.fields.get(k) for k in expected["fields"]} == expected["fields"]
        assert col.per_page == expected.get("per_page", hanweb.PER_PAGE)
        records = col.records
    else:  # a dataproxy answer
        records = hanweb.records_of(text)
        assert hanweb.total_of(text) == expected["total"] and len(records) == expected["records"]
    entries = hanweb.parse_records(records, expected["url"], website.DEFAULTS, SHANGHAI)
    assert [[e.title, e.url, e.date.date().isoformat()] for e in entries] == expected["entries"]


def column_url() -> str:
    return f"http://{HANWEB_HOST}/col/col{COLUMN_ID}/index.html"


def test_the_column_page_says_where_its_list_is() -> None:
    office = HanwebOffice([hanweb_record(n) for n in range(1, TOTAL + 1)])
    col = hanweb.column(column_page(office.newest_first()), column_url())
    assert col is not None and len(col.records) == PER_PAGE * GROUP_SIZE
    assert (col.total, col.per_page, col.group_size) == (TOTAL, PER_PAGE, GROUP_SIZE)
    assert col.proxy_url == f"http://{HANWEB_HOST}/module/web/jpage/dataproxy.jsp"
    assert col.fields["columnid"] == str(COLUMN_ID) and col.fields["unitid"] == UNIT_ID
    assert col.fields["webid"] == str(WEB_ID) and col.fields["webname"] == "青松镇人民政府"
    entries = hanweb.parse_records(col.records, col.url, website.DEFAULTS, SHANGHAI)
    newest = office.newest_first()[0]
    assert entries[0].title == newest.title  # the full title attribute, not the shortened text
    assert entries[0].url == f"http://{HANWEB_HOST}{newest.path}"
    assert entries[0].date == datetime(newest.day.year, newest.day.month, newest.day.day, tzinfo=SHANGHAI)


def test_the_columns_own_unit_wins_over_a_longer_sidebar_unit() -> None:
    page = column_page([hanweb_record(n) for n in (3, 2, 1)])
    sidebar = "".join(f"<record><![CDATA[<li><a href='/art/2020/1/{d}/art_77_{d}.html'>要闻{d}</a><span>2020-01-0{d}"
                      f"</span></li>]]></record>" for d in range(1, 9))
    page = page.replace('<div class="left">', f'<div class="left"><div id="999"><script type="text/xml"><datastore>'
                        f'<recordset>{sidebar}</recordset></datastore></script></div><script>var param_999 = '
                        f"{{col:1,webid:12,columnid:77,unitid:'999'}};</script>")
    col = hanweb.column(page, column_url())
    assert col.fields["columnid"] == str(COLUMN_ID) and len(col.records) == 3


def test_a_page_without_a_datastore_is_not_hanweb() -> None:
    assert hanweb.column("<html><body><ul><li><a href='/a'>x</a> 2021-01-01</li></ul></body></html>", "http://x/") is None


def test_fields_fall_back_to_the_nextgroup_link() -> None:
    page = column_page([hanweb_record(n) for n in (3, 2, 1)])
    page = page.replace("var param_", "var other_")  # a page whose script names its fields otherwise
    col = hanweb.column(page, column_url())
    assert col.fields["columnid"] == str(COLUMN_ID) and col.fields["unitid"] == UNIT_ID and "page" not in col.fields


@pytest.fixture
def collected_hanweb(tmp_path, loopback_site):
    """青松镇 (Hanweb) after one collect: (site, the HanwebOffice, config, store, outcome)."""
    office = HanwebOffice([hanweb_record(n) for n in range(1, TOTAL + 1)])
    office.install(loopback_site)
    with collected(tmp_path, loopback_site, HANWEB_CONFIG) as (config, store, outcome):
        yield loopback_site, office, config, store, outcome


def stored(store: Store) -> dict[str, dict]:
    rows = store.db.execute(
        "SELECT p.url, v.title, v.published_at, v.body_text, v.meta FROM posts p "
        "JOIN post_versions v ON v.post_id = p.id AND v.version = p.version").fetchall()
    return {url: {"title": t, "published_at": d, "body_text": b, "meta": json.loads(m or "{}")}
            for url, t, d, b, m in rows}


def test_every_record_is_collected_by_the_default_config(collected_hanweb) -> None:
    site, hanweb_office, _, store, outcome = collected_hanweb
    assert outcome.status == "ok", outcome.error
    posts = stored(store)
    expected = {f"http://{HANWEB_HOST}{r.path}": r for r in hanweb_office.records}
    assert set(posts) == set(expected)
    for url, record in expected.items():
        assert posts[url]["title"] == record.title
        assert posts[url]["body_text"].startswith(f"各村（社区）：现将第{record.n}项工作安排通知如下。")
    # later records came from dataproxy, POSTed the page's fields, in as few requests as the server allows
    posts_made = hanweb_office.posted
    assert posts_made and all(form.get("columnid") == [str(COLUMN_ID)] for form in posts_made)
    later = TOTAL - PER_PAGE * GROUP_SIZE
    assert len(posts_made) == -(-later // hanweb.MIN_BATCH)


def test_article_pages_parse_with_the_defaults(collected_hanweb) -> None:
    _, hanweb_office, _, store, _ = collected_hanweb
    posts = stored(store)
    plain, xxgk = hanweb_office.records[0], hanweb_office.records[4]  # n = 1 (#zoom), n = 5 (.main-txt + table)
    first = posts[f"http://{HANWEB_HOST}{plain.path}"]
    assert datetime.fromisoformat(first["published_at"]) == datetime(
        plain.day.year, plain.day.month, plain.day.day, 9, 30, tzinfo=SHANGHAI)
    assert first["meta"]["source_name"] == "青松镇党政办"
    table = posts[f"http://{HANWEB_HOST}{xxgk.path}"]
    assert table["body_text"].startswith("各村（社区）：现将第5项")
    assert table["meta"]["index_number"] == "QS/2021-00005" and table["meta"]["doc_number"] == "青政发〔2021〕5号"


def test_a_no_change_night_costs_at_most_two_requests(collected_hanweb) -> None:
    site, hanweb_office, config, store, _ = collected_hanweb
    site.hits.clear()
    hanweb_office.posted.clear()
    again = collect_all(config, store, store.start_run("collect"))[0]
    assert again.status == "ok" and again.new == 0
    # the list costs at most 2 requests; the weekly re-check share of stored articles comes on top
    assert again.requests - again.rechecked <= 2 and not hanweb_office.posted


def test_a_new_record_is_found_on_the_next_night(collected_hanweb) -> None:
    site, hanweb_office, config, store, _ = collected_hanweb
    new = hanweb_record(TOTAL + 1)
    hanweb_office.records.append(new)
    hanweb_office.install(site)
    hanweb_office.posted.clear()
    site.hits.clear()
    again = collect_all(config, store, store.start_run("collect"))[0]
    assert again.status == "ok" and again.new == 1
    assert f"http://{HANWEB_HOST}{new.path}" in stored(store)
    # the new record is in the embedded group; one dataproxy answer shows the rest is known
    assert len(hanweb_office.posted) == 1
    articles = [key for key in site.hits if "/art/" in key]  # the new one, and the weekly re-check share
    assert f"{HANWEB_HOST}{new.path}" in articles and len(articles) == 1 + again.rechecked


def test_max_pages_caps_the_dataproxy_requests(tmp_path, loopback_site) -> None:
    office = HanwebOffice([hanweb_record(n) for n in range(1, TOTAL + 1)])
    office.install(loopback_site)
    with collected(tmp_path, loopback_site, HANWEB_CONFIG + "max_pages = 2\n") as (_, _, outcome):
        pass
    assert outcome.status == "ok" and len(office.posted) == 1
    assert outcome.new == PER_PAGE * GROUP_SIZE + hanweb.MIN_BATCH
    assert any("max_pages = 2" in w for w in outcome.warnings)


def test_records_linking_to_other_hosts_are_noted_not_fetched(tmp_path, loopback_site) -> None:
    office = HanwebOffice([hanweb_record(n) for n in range(1, 6)])
    office.records[0].path = "http://www.gov.cn/zhengce/content/2021-01/06/content_1.htm"  # a higher office's page
    office.install(loopback_site)
    with collected(tmp_path, loopback_site, HANWEB_CONFIG) as (_, store, outcome):
        assert outcome.status == "ok" and outcome.new == 4 and outcome.errors == 0
        assert any("1 listed link(s) lead to hosts not in allow_hosts" in w for w in outcome.warnings)
        assert not any("www.gov.cn" in url for (url,) in store.db.execute("SELECT url FROM posts"))


def test_an_empty_answer_short_of_the_total_fails_the_walk_and_keeps_what_was_read(tmp_path, loopback_site) -> None:
    office = HanwebOffice([hanweb_record(n) for n in range(1, TOTAL + 1)])
    office.install(loopback_site)
    loopback_site.page(f"{HANWEB_HOST}/module/web/jpage/dataproxy.jsp",  # a server that now answers nothing
                       f"<datastore><totalrecord>{TOTAL}</totalrecord><recordset></recordset></datastore>", "text/xml")
    with collected(tmp_path, loopback_site, HANWEB_CONFIG) as (_, _, outcome):
        assert outcome.status == "failed" and "dataproxy answered no records from record 46" in outcome.error
        assert outcome.new == PER_PAGE * GROUP_SIZE  # the embedded records were collected


# Article bodies of gxt.jiangsu.gov.cn as a public crawler quotes them (fixtures/hanweb/PROVENANCE.md,
# index file 56306138023); the <title> is ours, the quotes leave the page head out.
QUOTED_ARTICLES = {
    "article_zoom": ("""<div id="con1" class="con912">
  <div class="article_zoom">
    <p>各设区市工业和信息化主管部门：现将有关申报事项通知如下。</p>
    <p>一、申报条件……。二、申报材料于2026年7月31日前报送。</p>
  </div>
</div>""", "各设区市工业和信息化主管部门：现将有关申报事项通知如下。"),
    "Zoom_with_table": ("""<div class="zwxxgk_box">
  <table>
    <tr><td>索引号：696785044/2026-00017</td><td>主题分类：</td></tr>
    <tr><td>发文字号：696785044/2026-00017</td><td>发布日期：2026-04-17</td></tr>
  </table>
  <div class="view TRS_UEDITOR" id="Zoom">
    <p>第一条 为规范专项资金项目验收，制定本办法。</p>
    <p>第二条 本办法自印发之日起施行。</p>
  </div>
</div>""", "第一条 为规范专项资金项目验收，制定本办法。"),
}


@pytest.mark.parametrize("case", sorted(QUOTED_ARTICLES))
def test_quoted_article_bodies_parse_with_the_defaults(case: str) -> None:
    from pipeline.config import Source

    body, starts = QUOTED_ARTICLES[case]
    page = f"<html><head><title>省工业和信息化厅通知</title></head><body>{body}</body></html>"
    source = Source(name="gxt", kind="website", channel="website", url="https://gxt.jiangsu.gov.cn/")
    post = website.parse_article(page, "https://gxt.jiangsu.gov.cn/art/2026/4/17/art_80179_1.html", source, tz=SHANGHAI)
    assert post.body_text.startswith(starts) and "索引号" not in post.body_text
    if case == "Zoom_with_table":
        assert post.meta["index_number"] == "696785044/2026-00017" and post.meta["published_on"] == "2026-04-17"


def test_a_server_answering_fewer_records_than_asked_is_followed(tmp_path, loopback_site) -> None:
    office = HanwebOffice([hanweb_record(n) for n in range(1, TOTAL + 1)], cap=20)
    office.install(loopback_site)
    with collected(tmp_path, loopback_site, HANWEB_CONFIG) as (_, store, outcome):
        assert outcome.status == "ok" and outcome.new == TOTAL
    later = TOTAL - PER_PAGE * GROUP_SIZE
    assert len(office.posted) == -(-later // 21)  # 20 asked-for records and the boundary one per answer

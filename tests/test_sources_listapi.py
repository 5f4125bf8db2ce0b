"""A website whose list comes from a JSON API, collected by config only ([sources.NAME.list_api])."""

from __future__ import annotations

import re

import pytest

from pipeline import config as config_mod
from pipeline.collect import collect_all
from pipeline.config import ListApi, Source
from pipeline.errors import ConfigError
from pipeline.models import SHANGHAI
from sources import listapi, website

from .list_offices import (
    API_CONFIG, API_HOST, API_PAGE_SIZE, HANWEB_CONFIG, HANWEB_HOST, ApiOffice, HanwebOffice, api_record, collected,
    hanweb_record,
)
from .query_api_office import FIXED_PAGE_CONFIG, QUERY_PAGE_SIZE, QUERY_TOTAL, QueryApiOffice

TOTAL = 27  # three pages of 10, the last one short


@pytest.fixture
def collected_api(tmp_path, loopback_site):
    """松山街道 (a JSON list API) after one collect: (site, the ApiOffice, config, store, outcome)."""
    api_office = ApiOffice([api_record(n) for n in range(1, TOTAL + 1)])
    api_office.install(loopback_site)
    with collected(tmp_path, loopback_site, API_CONFIG) as (config, store, outcome):
        yield loopback_site, api_office, config, store, outcome


def test_every_record_is_collected_by_config_only(collected_api) -> None:
    _, api_office, _, store, outcome = collected_api
    assert outcome.status == "ok", outcome.error
    urls = {url for (url,) in store.db.execute("SELECT url FROM posts")}
    assert urls == {f"http://{API_HOST}/content/{r['id']}.html" for r in api_office.records}
    titles = {t for (t,) in store.db.execute("SELECT title FROM post_versions")}
    assert titles == {r["docTitle"] for r in api_office.records}
    assert [q["pageNo"] for q in api_office.asked] == [["1"], ["2"], ["3"]]  # stops at the short page


def test_a_no_change_night_costs_one_list_request(collected_api) -> None:
    site, api_office, config, store, _ = collected_api
    api_office.asked.clear()
    site.hits.clear()
    again = collect_all(config, store, store.start_run("collect"))[0]
    assert again.status == "ok" and again.new == 0
    # one list request; the only articles fetched are the weekly re-check share
    assert len(api_office.asked) == 1 and sum("/content/" in key for key in site.hits) == again.rechecked


def test_templates_fill_page_and_record_range() -> None:
    api = ListApi(url="/api?from={start}&to={end}&p={n}", query={"size": "{size}"}, form={"off": "{offset}"},
                  method="POST")
    source = Source(name="x", kind="website", channel="website", url="http://h.test/col/", list_api=api)
    url, form = listapi.request_for(source, 3)
    assert url == "http://h.test/api?from=41&to=60&p=2&size=20" and form == {"off": "40"}


def test_json_records_and_fields_are_found_by_path() -> None:
    api = ListApi(url="/l", records="result.rows", title="t", link="info.url", date="ts")
    text = ('{"result": {"rows": [{"t": "甲", "info": {"url": "/a.html"}, "ts": 1610668800000},'
            ' {"t": "乙", "info": {}}, {"t": "丙", "info": {"url": "/c.html"}, "ts": 1e300}]}}')
    answer = listapi.parse_answer(text, "http://h.test/l", "http://h.test/", api, website.DEFAULTS, SHANGHAI)
    assert [(e.title, e.url) for e in answer.entries] == [("甲", "http://h.test/a.html"), ("丙", "http://h.test/c.html")]
    assert answer.entries[0].date.date().isoformat() == "2021-01-15" and answer.entries[1].date is None
    assert answer.total is None and answer.records == 3  # the skipped record (no link) still counts


def test_xml_answers_are_read_like_hanweb_records() -> None:
    api = ListApi(url="/l", answer="xml")
    text = ("<datastore><totalrecord>9</totalrecord><recordset><record><![CDATA[<li><a href='/art/1.html'>"
            "一号通知</a><span>2021-02-03</span></li>]]></record></recordset></datastore>")
    answer = listapi.parse_answer(text, "http://h.test/l", "http://h.test/", api, website.DEFAULTS, SHANGHAI)
    assert [(e.title, e.url) for e in answer.entries] == [("一号通知", "http://h.test/art/1.html")]
    assert answer.total == 9


def test_an_answer_that_is_not_json_is_a_clear_source_error() -> None:
    api = ListApi(url="/l", records="data", title="t", link="u")
    with pytest.raises(Exception, match="did not answer JSON"):
        listapi.parse_answer("<html>", "http://h.test/l", "http://h.test/", api, website.DEFAULTS, SHANGHAI)


@pytest.mark.parametrize("line, named", [
    ('pagesize = 10', "list_api] pagesize：未知的键（拼写错误？）"),
    ('link_template = "/c/{id}/{}.html"', 'list_api] link_template = "/c/{id}/{}.html"：应为含一个 {}'),
    ('method = "PUT"', 'list_api] method = "PUT"：应为 "GET" 或 "POST"'),
    ('answer = "yaml"', 'list_api] answer = "yaml"：应为 "json"、"xml" 或 "html"'),
    ('url = "/api?p={pgae}"', 'list_api] url = "/api?p={pgae}"：未知的占位符 {pgae}（可用 {page}、'),
    ('url = "/api?q={"', 'list_api] url = "/api?q={"：不是有效的模板'),
    ('query = { p = "{}" }', 'list_api] query.p = "{}"：不是有效的模板'),
    ('answer = "xml"', 'list_api] title = "docTitle"：answer = "xml" 时不用此键'),
])
def test_list_api_mistakes_are_refused_by_name(tmp_path, line: str, named: str) -> None:
    head, table = API_CONFIG.split("[sources.gzdt.list_api]")
    table = re.sub(rf"\n{line.split(' = ')[0]} = [^\n]*", "", table)  # the mistake replaces the key's line
    table = table.replace(f"page_size = {API_PAGE_SIZE}", f"page_size = {API_PAGE_SIZE}\n{line}")
    text = f"{head}[sources.gzdt.list_api]{table}"
    path = tmp_path / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}：[sources.gzdt.{named}")):
        config_mod.load(path)


def test_a_hanweb_dataproxy_by_config_as_docs_list_api_shows(tmp_path, loopback_site) -> None:
    office = HanwebOffice([hanweb_record(n) for n in range(1, 93)])  # 92: the boundary records must not be counted twice
    office.install(loopback_site)
    text = HANWEB_CONFIG + """[sources.tzgg.list_api]
url = "/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage=15"
method = "POST"
form = { col = "1", webid = "12", path = "/", columnid = "1229", unitid = "4567", sourceContentType = "1", permissiontype = "0" }
page_size = 45
answer = "xml"
"""
    with collected(tmp_path, loopback_site, text) as (_, store, outcome):
        assert outcome.status == "ok" and outcome.new == 92
        assert len(office.posted) == 3  # 45 + 45 + 2 (each answer's extra boundary record read once)
        assert store.db.execute("SELECT count(*) FROM posts WHERE url LIKE ?", [f"http://{HANWEB_HOST}/art/%"]).fetchone()[0] == 92


def test_list_api_only_on_a_website_or_catalog_and_its_host_is_allowed(tmp_path) -> None:
    path = tmp_path / "xxgk.toml"
    path.write_text(API_CONFIG.replace('url = "/api/article/list"', 'url = "https://api.songshan.gov.test/list"'),
                    encoding="utf-8")
    assert "api.songshan.gov.test" in config_mod.load(path).allowed_hosts
    path.write_text(API_CONFIG.replace('kind = "website"', 'kind = "feed"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f'{path}：[sources.gzdt] list_api：kind = "feed" 的信息源不能有 list_api 表')):
        config_mod.load(path)


def test_records_without_the_named_fields_fail_with_a_hint(tmp_path, loopback_site) -> None:
    api_office = ApiOffice([api_record(n) for n in range(1, 4)])
    api_office.install(loopback_site)
    with collected(tmp_path, loopback_site, API_CONFIG.replace('title = "docTitle"', 'title = "title"')) as (_, _, outcome):
        assert outcome.status == "failed" and "check its list_api records, title and link" in outcome.error


@pytest.mark.parametrize("page_size", [QUERY_PAGE_SIZE, 20])  # page 2 repeats page 1; page 1 is short
def test_a_list_that_does_not_page_is_not_reported_ok(tmp_path, loopback_site, page_size: int) -> None:
    office = QueryApiOffice([api_record(n) for n in range(1, QUERY_TOTAL + 1)])
    office.install(loopback_site)
    with collected(tmp_path, loopback_site, FIXED_PAGE_CONFIG.replace("PAGE_SIZE", str(page_size))) as (_, _, outcome):
        assert outcome.status == "failed" and outcome.new == QUERY_PAGE_SIZE  # what was read is kept
        assert f"共 {QUERY_TOTAL} 条" in outcome.error and f"只读到 {QUERY_PAGE_SIZE} 条" in outcome.error
    assert len(office.asked) <= 2  # a page repeating the last one ends the walk


def test_a_page_repeating_the_last_ends_a_list_that_names_no_total(tmp_path, loopback_site) -> None:
    office = QueryApiOffice([api_record(n) for n in range(1, QUERY_TOTAL + 1)])
    office.install(loopback_site)
    text = FIXED_PAGE_CONFIG.replace("PAGE_SIZE", str(QUERY_PAGE_SIZE)).replace('total = "data.total"\n', "")
    with collected(tmp_path, loopback_site, text) as (_, _, outcome):
        assert outcome.status == "ok" and outcome.new == QUERY_PAGE_SIZE
    assert len(office.asked) == 2

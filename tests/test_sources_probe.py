"""`xxgk add-source URL`: one fetch says which kind of list a column has and the config to use,
and that config collects the office in full."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.commands import main
from sources.probe import judge

from .list_offices import (
    API_HOST, COLUMN_ID, HANWEB_CONFIG, HANWEB_HOST, ApiOffice, HanwebOffice, api_record, collected, hanweb_record,
)
from .query_api_office import QUERY_PAGE_SIZE, QUERY_TOTAL, QueryApiOffice

OFFICE_HEAD = HANWEB_CONFIG.split("[sources.")[0]  # [office] and [fetch], no source


def probe_with_cli(tmp_path, site, url: str) -> tuple[int, str]:
    """Run `xxgk add-source URL` with a config that sends the test hosts to the loopback site."""
    path = tmp_path / "probe.toml"
    path.write_text(OFFICE_HEAD + f'[fetch.resolve]\n"{HANWEB_HOST}" = "http://{site.address}"\n'
                    f'"{API_HOST}" = "http://{site.address}"\n'
                    f'[sources.x]\nkind = "website"\nurl = "http://{HANWEB_HOST}/"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "add-source", url, "--name", "found"])
    return result.exit_code, result.output


def printed_table(output: str) -> str:
    return output[output.index("[sources.found]"):]


def test_a_hanweb_column_is_recognised_and_its_config_collects_it_all(tmp_path, loopback_site) -> None:
    office = HanwebOffice([hanweb_record(n) for n in range(1, 71)])
    office.install(loopback_site)
    code, output = probe_with_cli(tmp_path, loopback_site, f"http://{HANWEB_HOST}/col/col{COLUMN_ID}/index.html")
    assert code == 0, output
    assert "（hanweb）" in output and "内嵌 45 条记录，共 70 条" in output and "dataproxy.jsp" in output
    with collected(tmp_path, loopback_site, OFFICE_HEAD + printed_table(output)) as (_, _, outcome):
        assert outcome.status == "ok" and outcome.new == 70


def test_a_json_api_is_inferred_and_its_config_collects_it_all(tmp_path, loopback_site) -> None:
    office = ApiOffice([api_record(n) for n in range(1, 24)])
    office.install(loopback_site)
    code, output = probe_with_cli(tmp_path, loopback_site, f"http://{API_HOST}/gzdt/index.html")
    assert code == 0, output
    table = printed_table(output)
    assert "（json_api）" in output and 'records = "data.list"' in table and 'title = "docTitle"' in table
    assert 'link = "docUrl"' in table and 'date = "pubDate"' in table and 'total = "data.total"' in table
    with collected(tmp_path, loopback_site, OFFICE_HEAD + table) as (_, store, outcome):
        assert outcome.status == "ok" and outcome.new == 23
        assert store.db.execute("SELECT count(*) FROM post_versions WHERE published_at LIKE '2021-%'").fetchone()[0]


def rows(n: int) -> str:
    return "".join(f"<li><a href='/xw/{i}.html'>第{i}条消息</a><span>2021-03-{i:02d}</span></li>" for i in range(1, n + 1))


@pytest.mark.parametrize("page, kind, says", [
    (f"<ul>{rows(3)}</ul><script>createPageHTML(7, 0, \"index\", \"html\");</script>", "trs", "共 7 页"),
    (f"<ul>{rows(3)}</ul><a href='index_1.html'>下一页</a>", "static", "下一页"),
    (f"<ul>{rows(2)}</ul>", "static", "只有一页"),
    ("<div id='app'></div><script src='/app.js'></script>", "none", "未识别出列表"),
])
def test_other_list_kinds(page: str, kind: str, says: str) -> None:
    finding = judge(f"<html><body>{page}</body></html>", "http://h.test/xw/index.html", "xw", lambda url: None)
    assert finding.kind == kind and says in finding.summary
    assert finding.toml.startswith('[sources.xw]\nkind = "website"\nurl = "http://h.test/xw/index.html"')


def test_a_bad_url_is_a_clear_error(tmp_path) -> None:
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "none.toml"), "add-source", "ftp://x/"])
    assert result.exit_code == 2 and "不是 http(s) 网址" in result.output


def test_paging_fields_in_the_endpoints_own_query_string_become_templates(tmp_path, loopback_site) -> None:
    office = QueryApiOffice([api_record(n) for n in range(1, QUERY_TOTAL + 1)])
    office.install(loopback_site)
    code, output = probe_with_cli(tmp_path, loopback_site, f"http://{API_HOST}/tzgg/index.html")
    assert code == 0, output
    table = printed_table(output)
    assert "（json_api）" in output and "pageNo=1" not in table and '"{page}"' in table
    assert f"page_size = {QUERY_PAGE_SIZE}" in table
    office.asked.clear()
    with collected(tmp_path, loopback_site, OFFICE_HEAD + table) as (_, _, outcome):
        assert outcome.status == "ok" and outcome.new == QUERY_TOTAL, outcome
    assert [q["pageNo"] for q in office.asked] == [["1"], ["2"], ["3"]]
    assert all(q["channelId"] == ["12"] and q["pageSize"] == [str(QUERY_PAGE_SIZE)] for q in office.asked)

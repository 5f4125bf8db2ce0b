"""The whole history: a column of 60 list pages (more than the old silent cap of 50), served on
127.0.0.1, is collected whole on the first run; a cap the office sets is a warning in `status`
and exit 1 from `sync`; a first crawl cut short is finished by the next run, though page 1
is unchanged.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from demo.server import serve
from pipeline import config as config_mod
from pipeline.commands import main
from pipeline.collect import collect_all
from pipeline.store import Store

PAGES, PER_PAGE = 60, 2
HOST = "www.long.gov.test"

CONFIG = """
[office]
name = "长街街道办事处"
org_code = "CJ"
site_url = "https://xxgk.long.gov.test/"

[paths]
database = "xxgk.db"
output = "output"

[fetch]
rate_per_host = 0
concurrency = 4
per_host_concurrency = 4
resolve = {{ "www.long.gov.test" = "{address}" }}

[sources.news]
kind = "website"
url = "http://www.long.gov.test/gzdt/"
"""


def write_column(root: Path) -> int:
    """PAGES list pages (index.html, index_1.html …, 下一页 links), PER_PAGE articles each."""
    folder = root / HOST / "gzdt"
    folder.mkdir(parents=True)
    day = date(2024, 12, 31)
    n = 0
    for page in range(PAGES):
        rows = []
        for _ in range(PER_PAGE):
            n += 1
            name = f"t{day:%Y%m%d}_{n}.html"
            (folder / name).write_text(
                f"<html><head><meta charset='utf-8'><title>长街工作动态第{n}期</title></head><body>"
                f"<h1>长街工作动态第{n}期</h1><div class='info'>发布时间：{day:%Y-%m-%d} 09:00</div>"
                f"<div class='TRS_Editor'><p>长街街道第{n}期工作动态：社区走访{n}户，整改问题{n % 7}件。</p></div>"
                f"</body></html>", encoding="utf-8")
            rows.append(f"<li><a href='./{name}'>长街工作动态第{n}期</a><span>{day:%Y-%m-%d}</span></li>")
            day -= timedelta(days=3)
        following = f"<a class='next' href='index_{page + 1}.html'>下一页</a>" if page + 1 < PAGES else ""
        (folder / ("index.html" if page == 0 else f"index_{page}.html")).write_text(
            f"<html><head><meta charset='utf-8'><title>工作动态</title></head><body><ul class='list'>"
            f"{''.join(rows)}</ul>{following}</body></html>", encoding="utf-8")
    return n


@pytest.fixture
def column(tmp_path):
    root = tmp_path / "world"
    articles = write_column(root)
    with serve(root) as server:
        yield tmp_path, server, articles


def load(folder: Path, server, extra: str = ""):
    path = folder / "xxgk.toml"
    path.write_text(CONFIG.format(address=server.address) + extra, encoding="utf-8")
    return config_mod.load(path), path


def collect(config) -> tuple:
    with Store(config.database) as store:
        outcome = collect_all(config, store, store.start_run("collect"))[0]
        stored = store.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    return outcome, stored


def test_a_column_of_60_list_pages_is_collected_whole(column):
    folder, server, articles = column
    config, _ = load(folder, server, 'column = "工作动态"\n')
    assert config.sources[0].max_pages == 0  # no cap unless the office sets one
    outcome, stored = collect(config)
    assert outcome.status == "ok" and not outcome.capped and outcome.warnings == []
    assert stored == outcome.new == articles == PAGES * PER_PAGE
    assert server.paths[f"{HOST}/gzdt/index_{PAGES - 1}.html"] == 1
    with Store(config.database) as store:  # the source's column (栏目), as the pages name none
        columns = {json.loads(meta).get("column") for (meta,) in store.db.execute("SELECT meta FROM post_versions")}
    assert columns == {"工作动态"}


def test_a_cap_is_a_warning_in_status_and_exit_1_from_sync(column):
    folder, server, articles = column
    config, path = load(folder, server, "max_pages = 50\n")
    result = CliRunner().invoke(main, ["--config", str(path), "sync"])
    assert result.exit_code == 1, result.output
    assert "采集不全 news 的列表被 max_pages 截断" in result.output and "max_pages = 50" in result.output
    status = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert "采集不全：news 的列表被 max_pages 截断，更早的信息没有采集" in status.output
    assert "list cut at max_pages = 50" in status.output  # the recorded detail, as before
    assert "ALERT news 的列表被 max_pages 截断" in status.output
    with Store(config.database) as store:
        assert store.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == 50 * PER_PAGE < articles


def test_a_first_crawl_cut_short_is_finished_by_the_next_run(column):
    folder, server, articles = column
    config, _ = load(folder, server, "max_pages = 10\n")
    cut, stored = collect(config)
    assert cut.capped and stored == 10 * PER_PAGE
    config, _ = load(folder, server)  # the office lifts the cap; page 1 has not changed (a 304 before)
    server.reset_counts()
    rest, stored = collect(config)
    assert rest.status == "ok" and not rest.capped and stored == articles
    assert rest.new == articles - 10 * PER_PAGE
    # Known articles of the first pages are not fetched again (beyond the re-check share).
    refetched = sum(1 for p in server.paths if p.endswith(".html") and "/t2" in p
                    and int(p.rsplit("_", 1)[1][:-5]) <= 10 * PER_PAGE)
    assert refetched <= rest.rechecked
    server.reset_counts()
    quiet, _ = collect(config)  # walked whole once: back to incremental nights
    assert quiet.new == 0 and server.paths[f"{HOST}/gzdt/index_1.html"] == 0


def test_a_pager_that_loops_back_ends_the_walk(tmp_path):
    root = tmp_path / "world"
    write_column(root)
    last = root / HOST / "gzdt" / f"index_{PAGES - 1}.html"
    last.write_text(last.read_text(encoding="utf-8").replace("</ul>", "</ul><a class='next' href='index_3.html'>下一页</a>"),
                    encoding="utf-8")
    with serve(root) as server:
        config, _ = load(tmp_path, server)
        outcome, stored = collect(config)
    assert outcome.status == "ok" and stored == PAGES * PER_PAGE
    assert server.paths[f"{HOST}/gzdt/index_3.html"] == 1

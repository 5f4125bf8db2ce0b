"""`xxgk add URL…`: one article by its link, filed under the right source and channel."""

from __future__ import annotations

from click.testing import CliRunner

from pipeline.collect.add import add_urls
from pipeline.commands import main
from pipeline.store import Store

from .builders import served_config

WEBSITE_ARTICLE = "http://www.xinghua.gov.test/xwzx/tzgg/202012/t20201213_12236.html"


def wechat_link(demo_world) -> str:
    article = sorted((demo_world / "mp.weixin.qq.com" / "s").iterdir())[0]
    return f"https://mp.weixin.qq.com/s/{article.name}?scene=21#wechat_redirect"


def test_add_files_each_link_under_its_source(demo_config, demo_world):
    with Store(demo_config.database) as store:
        results = add_urls(demo_config, store, [WEBSITE_ARTICLE, wechat_link(demo_world), "http://elsewhere.test/a.html"])
        rows = store.db.execute("SELECT source, channel, url FROM posts ORDER BY channel DESC").fetchall()
        again = add_urls(demo_config, store, [WEBSITE_ARTICLE])
    assert [r.result for r in results] == ["new", "new", "failed"]
    assert results[0].title and results[1].title
    assert "elsewhere.test" in results[2].error and "not the host" in results[2].error
    assert [(source, channel) for source, channel, _ in rows] == [("wechat", "wechat"), ("website-tzgg", "website")]
    assert rows[0][2].startswith("https://mp.weixin.qq.com/s/") and "scene" not in rows[0][2]  # canonical
    assert again[0].result == "unchanged"


def test_add_command_exit_code_and_output(tmp_path, demo_server):
    path = served_config(tmp_path, demo_server.address)
    ok = CliRunner().invoke(main, ["--config", path, "add", WEBSITE_ARTICLE], catch_exceptions=False)
    assert ok.exit_code == 0 and "new" in ok.output and "website-tzgg" in ok.output
    bad = CliRunner().invoke(main, ["--config", path, "add", "ftp://x.test/a"], catch_exceptions=False)
    assert bad.exit_code == 1 and "not an http(s) link" in bad.output
    helped = CliRunner().invoke(main, ["add", "--help"])
    assert "Example:" in helped.output and "xxgk add" in helped.output

"""Config a new office can write: one reference of every key (docs/config.md, written from
pipeline/config/keys.py and kept in step by these tests), unknown keys refused anywhere,
`xxgk config check` printing the effective config, a source's column stored on its posts."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from pipeline import config
from pipeline.config import keys as config_keys
from pipeline.config.table import Table
from pipeline.classify.tree import RULE_KEYS
from pipeline.commands import main
from pipeline.collect import with_column
from pipeline.errors import ConfigError
from pipeline.models import Post
from sources import COLLECTORS, catalog, website

from .builders import DEMO_CONFIG, REPO, write_config

GOOD = DEMO_CONFIG.read_text(encoding="utf-8")
# Every key the reference declares set in one file (sources of each kind), so each read is seen.
EVERYTHING = GOOD.replace("[sources.weibo]", """[merge]
window_days = 10
[classify]
rename = { zwdt = "工作动态" }
[[classify.add]]
id = "xzqx"
name = "乡镇区划"
parent = "jgzn"
title = ["区划"]
[publish]
feed_entries = 20
[alerts]
failing_nights = 2
[schedule]
times = ["03:00"]

[sources.api]
kind = "wechat_api"
secrets_file = "wx.toml"
column = "工作动态"

[sources.jsonlist]
kind = "website"
url = "http://www.xinghua.gov.test/json/"
[sources.jsonlist.list_api]
url = "/api/list?page={page}"
method = "POST"
form = { size = "{size}" }
body = "form"
page_size = 20
answer = "json"
records = "data.list"
title = "title"
link = "url"
date = "date"
link_template = "/art/{}.html"
total = "data.total"
query = { t = "1" }

[sources.weibo]""")


def test_docs_config_md_is_written_from_the_reference():
    assert {k.table for k in config_keys.KEYS} <= set(config_keys.TABLES)  # every key has its section
    assert (REPO / "docs" / "config.md").read_text(encoding="utf-8") == config_keys.reference_markdown(), \
        "docs/config.md is stale: run python -m pipeline.config > docs/config.md"


def test_every_declared_key_is_read_by_the_code(tmp_path):
    _, effective = config.load_effective(write_config(tmp_path, EVERYTHING))
    read = {((".".join(["sources", "*", *table.split(".")[2:]]) if table.startswith("sources.") else table), key)
            for table, keys in effective.items() for key in keys}
    declared = {(k.table, k.name) for k in config_keys.KEYS if k.table != "classify.add"}
    assert declared - read == set()  # a key the code no longer reads leaves the reference
    assert set(RULE_KEYS) <= set(config_keys.keys_of("classify.add"))  # the tree's rule keys are documented


def test_a_key_read_but_not_declared_is_caught(tmp_path):
    """How a key another change adds to the reader without documenting it fails the tests."""
    table = Table({}, "office.", tmp_path / "xxgk.toml", "office")
    with pytest.raises(config_keys.UndeclaredKey, match=r"\[office\] no_such_key .*config/keys\.py"):
        table.get("no_such_key", list, [])
    with pytest.raises(config_keys.UndeclaredKey, match="default"):
        table.get("timezone", str, "Asia/Tokyo")  # a default that is not the reference's


def test_selector_keys_are_the_collectors_defaults():
    """Each kind whose collector has DEFAULTS selectors declares exactly those keys (new kinds too)."""
    with_defaults = {kind: getattr(sys.modules[collect.__module__], "DEFAULTS", None)
                     for kind, collect in COLLECTORS.items()}
    assert with_defaults["website"] is website.DEFAULTS and with_defaults["catalog"] is catalog.DEFAULTS
    for kind, defaults in with_defaults.items():
        assert set(config_keys.SELECTOR_KEYS.get(kind, {})) == set(defaults or {}), kind
    assert set(config_keys.SELECTOR_KEYS) <= set(config.SOURCE_KINDS) == set(COLLECTORS)


@pytest.mark.parametrize("mutate, where", [
    (lambda t: t.replace('office_hours =', 'offce_hours = "x"\noffice_hours ='), "[office] offce_hours"),
    (lambda t: t.replace('content = "#zoom"', 'content = "#zoom"\ncontnet = ".x"'), "[sources.catalog] selectors.contnet"),
    (lambda t: t.replace('kind = "feed"', 'kind = "feed"\nmax_page = 3'), "[sources.weibo] max_page"),
    (lambda t: t + '\n[sources.weibo.selectors]\ncontent = ".x"\n', "[sources.weibo] selectors.content"),
    (lambda t: t.replace("[sources.weibo]", '[[classify.add]]\nid = "a"\nname = "甲"\nparnet = "jgzn"\n\n'
                                            "[sources.weibo]"), "[[classify.add]] #1 parnet"),
    (lambda t: t + "\n[colect]\nparse_workers = 0\n", "colect"),
])
def test_unknown_keys_are_refused_anywhere_naming_the_key(tmp_path, mutate, where):
    text = mutate(GOOD)
    assert text != GOOD
    with pytest.raises(ConfigError) as caught:
        config.load(write_config(tmp_path, text))
    assert str(caught.value).startswith(f"{tmp_path / 'xxgk.toml'}：{where}：未知的键（")


def test_config_check_prints_the_effective_config_with_defaults(tmp_path):
    path = write_config(tmp_path, GOOD.replace('url = "http://rss.bridge.test/weibo/xinghua.xml"',
                                               'url = "http://rss.bridge.test/weibo/xinghua.xml"\ncolumn = "微博"'))
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert 'name = "兴华街道办事处"\n' in out  # set in the file: no mark
    assert "max_pages = 0  # default" in out and "recheck_cycle = 7  # default" in out
    assert 'column = "微博"\n' in out
    assert 'list_item = "ul.list-ul li"\n' in out  # the file's selector …
    assert 'title = ""  # default' in out  # … and the kind's defaults
    import tomllib
    tomllib.loads("\n".join(line for line in out.splitlines() if not line.startswith("# ")))  # valid TOML


def test_config_check_prints_a_config_it_would_read_back(tmp_path):
    """[[classify.add]] was printed as [[add]], which the printed config then refused."""
    added = GOOD + '\n[[classify.add]]\nid = "x1"\nname = "新栏目"\nparent = "zcwj"\ntitle = ["新词"]\n'
    out = CliRunner().invoke(main, ["--config", str(write_config(tmp_path, added)), "config", "check"]).output
    assert "[[classify.add]]\nid = \"x1\"" in out and "[[add]]" not in out
    printed = tmp_path / "printed" / "xxgk.toml"
    printed.parent.mkdir()
    printed.write_text("\n".join(line for line in out.splitlines() if not line.startswith("# ")), encoding="utf-8")
    again = CliRunner().invoke(main, ["--config", str(printed), "config", "check"])
    assert again.exit_code == 0, again.output


def test_config_check_exits_2_with_the_message(tmp_path):
    path = write_config(tmp_path, GOOD.replace('kind = "feed"', 'kind = "feed"\nrecheck_cycle = -1'))
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert result.exit_code == 2
    assert "recheck_cycle" in result.output and "Traceback" not in result.output


def test_a_sources_column_goes_on_its_posts_whose_page_names_none(tmp_path):
    loaded = config.load(write_config(tmp_path, GOOD.replace('kind = "website"', 'kind = "website"\ncolumn = "工作动态"', 1)))
    assert loaded.sources[0].column == "工作动态"
    post = Post(source="s", channel="website", url="http://x.test/1.html", title="t", published_at=None)
    assert with_column(post, "工作动态").meta == {"column": "工作动态"}
    named = Post(source="s", channel="website", url="http://x.test/1.html", title="t", published_at=None,
                 meta={"column": "通知公告"})
    assert with_column(named, "工作动态").meta["column"] == "通知公告"  # the page's own column wins


def test_config_check_says_which_special_leaves_the_catalog_lacks(tmp_path):
    catalog = tmp_path / "my-catalog.toml"
    catalog.write_text('[[category]]\nid = "news"\nname = "工作动态"\ntitle = ["工作"]\n'
                       '[[category]]\nid = "other"\nname = "其他"\nrole = "fallback"\n', encoding="utf-8")
    path = write_config(tmp_path, GOOD.replace("[sources.website-gzdt]", '[classify]\ncatalog = "my-catalog.toml"\n\n'
                                                                        "[sources.website-gzdt]", 1))
    out = CliRunner().invoke(main, ["--config", str(path), "config", "check"]).output
    assert 'role = "normative"' in out and 'role = "numbered"' in out  # both missing, each said
    assert 'role = "fallback"' not in out
    (tmp_path / "bundled").mkdir()
    default = CliRunner().invoke(main, ["--config", str(write_config(tmp_path / "bundled", GOOD)), "config",
                                        "check"]).output
    assert "role =" not in default  # the bundled catalog has all three

"""A wrong config stops with one clear message naming the file and the key."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline import config
from pipeline.commands import main
from pipeline.errors import ConfigError

from .builders import DEMO_CONFIG, write_config

GOOD = DEMO_CONFIG.read_text(encoding="utf-8")


def load_text(tmp_path, text):
    return config.load(write_config(tmp_path, text))


def test_demo_config_loads_with_paths_relative_to_the_file(tmp_path):
    loaded = load_text(tmp_path, GOOD)
    assert loaded.database == (tmp_path / "xxgk.db").resolve()
    assert {s.name for s in loaded.sources} >= {"website-gzdt", "catalog", "wechat", "weibo"}
    assert "mp.weixin.qq.com" in loaded.allowed_hosts  # articles a WeChat bridge links to
    assert loaded.parse_workers is None  # "auto": sources.parsing picks one per core but one
    assert load_text(tmp_path, GOOD.replace('parse_workers = "auto"', "parse_workers = 0")).parse_workers == 0


@pytest.mark.parametrize(
    "mutate, said",
    [
        (lambda t: t.replace('name = "兴华街道办事处"\n', ""), "[office] name：缺少此键，应为字符串"),
        (lambda t: t.replace("timeout = 10", 'timeout = "ten"'), '[fetch] timeout = "ten"：应为数值'),
        (lambda t: t.replace('kind = "catalog"', 'kind = "ftp"'),
         '[sources.catalog] kind = "ftp"：应为 "website"、"catalog"、"wechat_feed"、"wechat_api" 或 "feed"'),
        (lambda t: t.replace('url = "http://rss.bridge.test/weibo/xinghua.xml"', 'url = "rss.bridge.test"'),
         '[sources.weibo] url = "rss.bridge.test"：应为以 http:// 或 https:// 开头的网址'),
        (lambda t: t.replace("[fetch]", "[fetch]\nspeed = 3"), "[fetch] speed：未知的键（拼写错误？）"),
        (lambda t: t.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'),
         '[office] timezone = "Mars/Olympus"：应为 IANA 时区名，如 Asia/Shanghai'),
        (lambda t: t.replace('parse_workers = "auto"', "parse_workers = -1"),
         '[collect] parse_workers = -1：应为 "auto" 或不小于 0 的整数'),
        (lambda t: t.replace("concurrency = 8", "concurrency = -1"), "[fetch] concurrency = -1：应为不小于 1 的整数"),
        (lambda t: t.replace("timeout = 10", "timeout = 0"), "[fetch] timeout = 0：应为大于 0 的数"),
        (lambda t: t.replace("[fetch]", '[fetch.resolve]\n"www.gov.test" = "nowhere"\n[fetch]'),
         '[fetch] resolve."www.gov.test" = "nowhere"：应为 "[http://]地址:端口"，如 "127.0.0.1:8080"'),
        (lambda t: t + "\n[merge]\nwindow_days = 400\n", "[merge] window_days = 400：应为 0 到 366 之间的整数"),
        (lambda t: t + "\n[publishh]\nfeed_entries = 5\n", "publishh：未知的键（拼写错误？）"),
    ],
)
def test_mistakes_say_in_chinese_the_file_the_key_as_written_the_value_and_what_is_expected(tmp_path, mutate, said):
    """Staff read these: one Chinese form, the file, then the table and key as the TOML writes them
    (keys stay ASCII), the value found, then what it should be."""
    text = mutate(GOOD)
    assert text != GOOD
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, text)
    assert str(caught.value) == f"{tmp_path / 'xxgk.toml'}：{said}"


def test_broken_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"xxgk.toml：不是有效的 TOML：第 \d+ 行第 \d+ 列") as caught:
        load_text(tmp_path, GOOD[: len(GOOD) // 2] + '\n[office\nname = "x"')
    assert str(tmp_path) in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        config.load(tmp_path / "missing.toml")
    assert str(caught.value) == f"{tmp_path / 'missing.toml'}：没有这个配置文件（用 --config PATH 指定，或设置环境变量 XXGK_CONFIG）"
    with pytest.raises(ConfigError) as caught:
        config.load(tmp_path)
    assert str(caught.value) == f"{tmp_path}：是文件夹，不是配置文件（用 --config PATH 指定，或设置环境变量 XXGK_CONFIG）"
    (tmp_path / "gbk.toml").write_bytes('[office]\nname = "兴华"\n'.encode("gbk"))
    with pytest.raises(ConfigError, match="gbk.toml：不是 UTF-8 编码的文本"):
        config.load(tmp_path / "gbk.toml")


def test_cli_reports_a_bad_config_without_traceback(tmp_path):
    path = write_config(tmp_path, GOOD.replace('kind = "catalog"', 'kind = "ftp"'))
    result = CliRunner().invoke(main, ["--config", str(path), "sync"])
    assert result.exit_code == 2
    assert '[sources.catalog] kind = "ftp"：应为' in result.output and "Traceback" not in result.output


def test_environment_overrides_paths(tmp_path, monkeypatch):
    path = write_config(tmp_path)
    monkeypatch.chdir(tmp_path / "..")  # the operator's folder: a relative environment path is from there
    loaded = config.load(path, env={"XXGK_OUTPUT": "elsewhere"})
    assert loaded.output == (tmp_path / ".." / "elsewhere").resolve()


def test_the_catalog_and_the_offices_changes_to_it_are_checked_naming_where_each_was_written(tmp_path):
    """A typo in an office's own catalog file (parnet, titl) is refused, not silently ignored (the leaf
    would become top-level, its keywords lost); a bad [[classify.add]] or [classify.labels] names the
    office's xxgk.toml, not the bundled catalog it was added to."""
    from importlib import resources

    default = resources.files("pipeline.catalog").joinpath("default.toml").read_text(encoding="utf-8")

    def check(text: str, catalog: str = default) -> str:
        (tmp_path / "catalog.toml").write_text(catalog, encoding="utf-8")
        path = write_config(tmp_path, text)
        result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        return result.output

    own = GOOD + '\n[classify]\ncatalog = "catalog.toml"\n'
    typo = check(own, default.replace('parent = "zcwj"\nrole = "normative"', 'parnet = "zcwj"\nrole = "normative"', 1))
    assert "catalog.toml" in typo and "parnet：未知的键（拼写错误？" in typo
    added = check(GOOD + '\n[[classify.add]]\nid = "x1"\nname = "新栏目"\nparent = "nosuch"\n')
    assert str(tmp_path / "xxgk.toml") in added and "x1" in added and "nosuch" in added and "default.toml" not in added
    mapped = check(GOOD + '\n[classify.labels]\n"街道要闻" = "nosuchleaf"\n')
    assert str(tmp_path / "xxgk.toml") in mapped and "nosuchleaf" in mapped


@pytest.mark.parametrize("change, said", [
    (('title = ["信息公开指南", "公开指南"]', 'title = "信息公开指南"'),  # read as 信, 息 …
     r'#\d+ \(xxgkzn\) title = "信息公开指南"：应为字符串的列表'),
    (('id = "xxgkzn"', 'id = "指南"'), r'#\d+ id = "指南"：id 只能用英文字母、数字'),
    (('id = "xxgkzn"', 'id = "gzdt"'), r'#\d+ id = "gzdt"：这个 id 出现了两次'),
    (('name = "政府信息公开指南"', 'name = " "'), r'#\d+ \(xxgkzn\) name = " "：名称不能为空'),
    (('id = "jgzn"', 'id = "all"', 'parent = "jgzn"', 'parent = "all"'), r'#\d+ id = "all"：顶级类别的 id 不能是 "all"'),
    (('id = "jgzn"\nname = "机构职能"', 'id = "jgzn"\nname = "机构职能"\nparent = "jggk"'),
     r"#\d+ \(jg\w+\)：上级类别（parent）绕成了一个圈：jg\w+ → jg\w+ → jg\w+"),
    (('id = "jggk"\nname = "机构概况"', 'id = "jggk"\nname = "机构概况"\nrole = "normative"'),
     r'#\d+ \(\w+\) role = "normative"：这个角色已由类别 "jggk" 承担'),
    (('id = "zcwj"\nname = "政策文件"', 'id = "zcwj"\nname = "政策文件"\nrole = "numbered"'),
     r'#\d+ \(zcwj\) role = "numbered"：有下级类别的类别不能承担角色'),
])
def test_a_catalog_publishing_or_filing_cannot_use_is_refused_by_name(tmp_path, change, said):
    """What config check let through and the nightly publish (or the review page) then broke on:
    a keyword string read as characters, ids that cannot name a page, a circle of parents, a role twice."""
    from importlib import resources

    from pipeline.classify.tree import load_tree

    text = resources.files("pipeline.catalog").joinpath("default.toml").read_text(encoding="utf-8")
    for old, new in zip(change[::2], change[1::2]):
        assert old in text, old
        text = text.replace(old, new, 1)
    (tmp_path / "catalog.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"catalog.toml：\[\[category\]\] " + said) as caught:
        load_tree(tmp_path / "catalog.toml")
    assert str(caught.value).startswith(f"{tmp_path / 'catalog.toml'}：")


def test_leaves_of_one_name_are_counted_apart_in_a_report():
    from pipeline.classify.tree import load_tree

    tree = load_tree(changes={"rename": {"sthj": "其他", "jy": "其他", "ylfw": "其他"}})
    names = tree.report_names()
    assert len({names[c] for c in ("sthj", "jy", "ylfw")}) == 3  # none lost to another's count
    assert all("其他" in names[c] for c in ("sthj", "jy", "ylfw")) and names["gzdt"] == "工作动态"
    assert load_tree(changes={"rename": {"sthj": "其他", "qtwj": "其他"}}).report_names()["qtwj"] == "政策文件 › 其他"


def test_config_check_names_what_the_guide_would_publish_empty(tmp_path):
    """条例第十二条: the 公开指南 gives the office's address, hours, phone, fax and e-mail; a key left
    empty would be published as "—", so `config check` names it."""
    out = CliRunner().invoke(main, ["--config", str(write_config(tmp_path, GOOD)), "config", "check"]).output
    assert "公开指南缺少传真号码（条例第十二条" in out  # the demo office gives all but its fax
    full = GOOD.replace('phone = "0432-62773959"', 'phone = "0432-62773959"\nfax = "0432-62773958"')
    assert full != GOOD
    (tmp_path / "full").mkdir()
    out = CliRunner().invoke(main, ["--config", str(write_config(tmp_path / "full", full)), "config", "check"]).output
    assert "公开指南缺少" not in out

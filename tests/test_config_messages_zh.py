"""Every config mistake is said in Chinese, in one form: the file, the table and key as the TOML writes
them, the value found, then what it should be (pipeline/config/messages.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.commands import main
from pipeline.config import FetchSettings, load, messages
from pipeline.district.config import load_district
from pipeline.district.portal import combined_feed
from pipeline.errors import ConfigError

from .builders import DEMO_CONFIG, write_config

DISTRICT = '[district]\nname = "昌邑区"\n[offices.ljz]\nname = "两家子满族乡"\nfigures = "ljz"\n'


@pytest.mark.parametrize("text, said", [
    (DISTRICT + "[ofices.x]\n", "ofices：未知的表（拼写错误？区配置文件只有 [district] 和 [offices.KEY]）"),
    (DISTRICT.replace('name = "昌邑区"', 'name = " "'), '[district] name = " "：应为区的名称，如 "昌邑区"'),
    (DISTRICT.replace('name = "昌邑区"\n', ""), '[district] name：缺少此键，应为区的名称，如 "昌邑区"'),
    (DISTRICT.replace("[district]\n", "[district]\nthreads = 2\n"), "[district] threads：未知的键（拼写错误？）"),
    (DISTRICT.replace("[district]\n", "[district]\noutput = 3\n"), "[district] output = 3：应为文件夹路径（字符串）"),
    (DISTRICT.replace("[district]\n", "[district]\nconcurrency = 0\n"), "[district] concurrency = 0：应为不小于 1 的整数"),
    (DISTRICT.replace("[district]\n", '[district]\nsite_url = "xxgk.cyq.gov.cn"\n'),
     '[district] site_url = "xxgk.cyq.gov.cn"：应为以 http:// 或 https:// 开头的网址'),
    ('[district]\nname = "昌邑区"\n', "[offices.KEY]：至少需要一个单位的 [offices.KEY] 表"),
    (DISTRICT + "[offices.djz]\nname = \"东局子\"\n", "[offices.djz]：以下三者应有且只有一个：config = "),
    (DISTRICT.replace('figures = "ljz"', 'figures = "ljz"\nfigure = "x"'), "[offices.ljz] figure：未知的键（拼写错误？）"),
    (DISTRICT.replace('figures = "ljz"', "figures = 3"), "[offices.ljz] figures = 3：应为非空字符串"),
    (DISTRICT.replace('name = "两家子满族乡"\n', ""), "[offices.ljz] name：缺少此键，应为单位名称"),
    (DISTRICT.replace("[offices.ljz]", "[offices.Ljz]"), '[offices.Ljz]："Ljz" 不能作单位代号 KEY：只能用小写英文字母'),
])
def test_district_file_mistakes_are_said_in_chinese_naming_the_key(tmp_path, text, said):
    path = tmp_path / "district.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_district(path)
    assert str(caught.value).startswith(f"{path}：{said}")


def test_a_district_office_that_is_not_there_or_has_no_config_is_said_in_chinese(tmp_path):
    path = tmp_path / "district.toml"
    path.write_text(DISTRICT, encoding="utf-8")
    district = load_district(path)
    with pytest.raises(ConfigError) as caught:
        district.entry("xhj")
    assert str(caught.value) == f'{path}：没有代号为 "xhj" 的单位（已有：ljz）'
    with pytest.raises(ConfigError) as caught:
        district.office_config(district.entry("ljz"))
    assert str(caught.value) == f"{path}：[offices.ljz]：只报送公开数据（figures）的单位，没有 xxgk 配置"
    with pytest.raises(ConfigError) as caught:
        combined_feed(district, [])
    assert str(caught.value) == f"{path}：[district] site_url：缺少此键，应为区输出文件夹发布的网址（门户的订阅源要用到它）"


def test_a_missing_or_folder_district_file_is_said_in_chinese_without_a_traceback(tmp_path):
    missing = tmp_path / "district.toml"
    result = CliRunner().invoke(main, ["district", "--district", str(missing), "status"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{missing}：没有这个区配置文件（用 --district PATH 指定，或设置环境变量 XXGK_DISTRICT）" in result.output
    result = CliRunner().invoke(main, ["district", "--district", str(tmp_path), "status"])  # a folder: not "cannot write"
    assert result.exit_code == 2 and f"{tmp_path}：是文件夹，不是区配置文件（" in result.output


def test_fetch_settings_made_in_code_are_checked_in_the_same_form():
    with pytest.raises(ConfigError) as caught:
        FetchSettings(concurrency=0)
    assert str(caught.value) == "[fetch] concurrency = 0：应为不小于 1 的整数"
    with pytest.raises(ConfigError) as caught:
        FetchSettings(resolve={"www.gov.test": "nowhere"})
    assert str(caught.value) == '[fetch] resolve."www.gov.test" = "nowhere"：应为 "[http://]地址:端口"，如 "127.0.0.1:8080"'


@pytest.mark.parametrize("value, written", [
    ("十", '"十"'), (True, "true"), (-1, "-1"), (0.5, "0.5"), ([1, "a"], '[1, "a"]'),
    ({"a": 1, "b.c": "x"}, '{ a = 1, "b.c" = "x" }'), ({}, "{}"), ("x" * 200, '"' + "x" * 78 + "…"),
])
def test_a_value_is_shown_as_the_toml_writes_it(value, written):
    assert messages.shown(value) == written


@pytest.mark.parametrize("content, said", [
    ("div..x", '[sources.catalog] selectors.content = "div..x"：不是有效的 CSS 选择器（'),
    ("#zoom || div..x", '[sources.catalog] selectors.content = "#zoom || div..x"：其中的 "div..x" 不是有效的 CSS 选择器（'),
])
def test_a_selector_that_does_not_parse_is_named_with_the_part_that_does_not(tmp_path, content, said):
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    assert 'content = "#zoom"' in text
    path = write_config(tmp_path, text.replace('content = "#zoom"', f'content = "{content}"'))
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}：{said}")

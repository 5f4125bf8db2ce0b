"""Every config mistake is said in Chinese, in one form: the file, the table and key as the TOML writes
them, the value found, then what it should be (pipeline/config/messages.py)."""

from __future__ import annotations

import re

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


# Every reason tomllib gives (Python 3.11+), written as a person editing xxgk.toml might: the text and
# what the message says after "不是有效的 TOML：" — where, then why, in Chinese.
BROKEN_TOML = [
    ('[office]\n= "x"\n', "第 2 行第 1 列：这一行不是 键 = 值、[表名] 或 # 注释"),
    ('[office]\nname = "x" org_code = "y"\n', "第 2 行第 12 列：一行只能写一个 键 = 值，值之后应换行"),
    ('[office]\nname "x"\n', "第 2 行第 6 列：键后缺少“=”（应写作 键 = 值）"),
    ("[office]\nname. = 1\n", "第 2 行第 7 列：键名有不允许的字符"),
    ("[office]\nname = 两家子满族乡\n", '第 2 行第 8 列：值无效（文字要加引号，如 name = "某某乡"'),
    ("[office]\nname = ", "文件末尾：值无效（文字要加引号"),
    ('[office\nname = "x"\n', "第 1 行第 8 列：表名后缺少“]”"),
    ("[[sources\n", "第 1 行第 10 列：表名后缺少“]]”"),
    ('[office]\nname = "x"\n[office]\n', "第 3 行第 8 列：表 [office] 写了两次（同一个表只能写一次）"),
    ('[office]\nname = "x"\nname = "y"\n', "第 3 行第 11 列：键重复：前面已有同名的键或表"),
    ('[sources.wechat]\nkind = "x"\n[sources]\nwechat.kind = "y"\n',
     "第 4 行第 18 列：表 [sources.wechat] 前面已经写过，不能再用带点的键重新定义"),
    ('[fetch]\nresolve = { a = "1" }\nresolve.b = "2"\n', "第 3 行第 16 列：fetch.resolve 已在一行内写完（内联表或数组），不能再往里添加键"),
    ('[fetch]\nresolve = { a = "1", a = "2" }\n', "第 2 行第 29 列：内联表里键 a 重复"),
    ('[fetch]\nresolve = { a = "1"\n', "第 2 行第 20 列：内联表没有结束：缺少“}”，或两项之间缺少“,”"),
    ("[fetch]\nretry = [1 2]\n", "第 2 行第 12 列：数组没有结束：缺少“]”，或两项之间缺少“,”"),
    ('[office]\nname = "两家子\n', "第 2 行第 12 列：字符串缺少结尾的引号（一行内的字符串不能换行）"),
    ('[office]\nname = "两家子', "文件末尾：字符串缺少结尾的引号"),
    ("[office]\nname = '两家子", "文件末尾：字符串缺少结尾的引号"),
    ('[paths]\ndatabase = "D:\\xxgk\\data.db"\n', "第 2 行第 17 列：字符串里的“\\”要写成“\\\\”（或把整个路径改用单引号 '…'）"),
    ('[office]\nname = "a\x01b"\n', "第 2 行第 10 列：有不允许的字符 '\\x01'"),
    ("[office]\nname = 'a\x07b'\n", "第 2 行第 10 列：有不允许的字符 '\\x07'"),
    ('[office]\nname = "\\uZZZZ"\n', "第 2 行第 11 列：\\u 或 \\U 后应为十六进制数字"),
    ('[office]\nname = "\\uD800"\n', "第 2 行第 15 列：\\u 或 \\U 写的不是有效的字符"),
    ("[office]\nsince = 2021-02-30\n", "第 2 行第 9 列：没有这个日期或时间"),
]


@pytest.mark.parametrize("text, said", BROKEN_TOML)
def test_a_config_that_is_not_toml_says_where_and_why_in_chinese(tmp_path, text, said):
    """The place was Chinese but the parser's reason English ("Expected '=' after a key …")."""
    path = tmp_path / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}：不是有效的 TOML：{said}")
    assert not re.search(r"[A-Za-z]{3,} [a-z]{2,}", message.removeprefix(str(path))), message  # no English left


def test_the_district_file_is_read_by_the_same_function_and_says_it_the_same_way(tmp_path):
    path = tmp_path / "district.toml"
    path.write_text(DISTRICT.replace('name = "昌邑区"', "name 昌邑区"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_district(path)
    assert str(caught.value) == f"{path}：不是有效的 TOML：第 2 行第 6 列：键后缺少“=”（应写作 键 = 值）"


def test_a_reason_of_a_shape_not_known_keeps_the_parsers_words_after_a_chinese_lead():
    """A later Python may word a reason anew: the place is still said in Chinese, the words kept."""
    assert messages.not_toml("Unexpected thing (at line 3, column 5)") == "不是有效的 TOML：第 3 行第 5 列（Unexpected thing）"
    assert messages.not_toml("Unexpected thing (at end of document)") == "不是有效的 TOML：文件末尾（Unexpected thing）"
    assert messages.not_toml("Unexpected thing") == "不是有效的 TOML（Unexpected thing）"


def test_a_config_saved_by_windows_notepad_with_a_bom_is_read(tmp_path):
    """Notepad's UTF-8 begins with a BOM: the file was refused on line 1 ("这一行不是 键 = 值…"),
    a line that looks right to whoever reads it."""
    path = write_config(tmp_path)
    name = load(path).office.name
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load(path).office.name == name

"""Every config mistake is said in Chinese, in one form: the file, the table and key as the TOML writes
them, the value found, then what it should be (pipeline/config/messages.py)."""

from __future__ import annotations

import pytest

from pipeline.config import FetchSettings, load, messages
from pipeline.errors import ConfigError

from .builders import DEMO_CONFIG, write_config


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

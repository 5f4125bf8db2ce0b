"""Last year's report published by hand, before the office kept its registers in xxgk, given as
``--previous FILE`` with the 更正说明 the office published since: this year's 二、上年结转 is checked
against last year's 四 as corrected. A correction the tool cannot read is refused in words."""

from __future__ import annotations

import json

import pytest

from .builders import cli

COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


def printed(**counts: int) -> dict:
    """2022's report as the office typed it: only its 四、结转下年度继续办理 matters here."""
    row = dict.fromkeys(COLUMNS, 0) | counts
    return {"year": 2022, "table2": {"carried_forward": row}}


def fix(column: str, published: int, now: int) -> dict:
    return {"row": "四、结转下年度继续办理", "column": column, "published": published, "now": now}


@pytest.fixture
def office(unsynced_office, monkeypatch):
    """2023 is the first year in xxgk: two applications of 2022 were still open on 1 January."""
    monkeypatch.setenv("XXGK_TODAY", "2023-03-01")
    cli(unsynced_office.config, "application", "opening", "--year", "2023", "--count", "自然人=2",
        "--reason", "2022年报告结转（更正后）")
    return unsynced_office


def report(office, previous: dict, *args: str, code: int = 0) -> str:
    path = office.folder / "2022.json"
    path.write_text(json.dumps(previous, ensure_ascii=False), encoding="utf-8")
    return cli(office.config, "report", "--year", "2023", *args, "--previous", str(path), code=code)


def test_the_corrected_carry_over_is_the_one_checked(office):
    before = printed(自然人=1, 总计=1)
    out = report(office, before, "--format", "html", code=2)  # as first published: 1 ≠ 2
    assert "“二、上年结转政府信息公开申请数量”行、“自然人”列" in out
    corrected = before | {"corrections": [fix("自然人", 1, 2), fix("总计", 1, 2)]}
    data = json.loads(report(office, corrected, "--format", "json"))
    assert data["violations"] == []
    text = report(office, corrected, "--format", "markdown")
    assert "上年结转2件，与2022年报告发布时所列“四、结转下年度继续办理”1件不同" in text


def test_a_correction_that_does_not_explain_every_column_is_still_refused(office):
    half = printed(自然人=1, 总计=1) | {"corrections": [fix("总计", 1, 2)]}
    out = report(office, half, "--format", "html", code=2)
    assert "“自然人”列" in out and "“总计”列" not in out


@pytest.mark.parametrize(("corrections", "message"), [
    ({"自然人": 2}, "corrections 应为更正说明的列表"),
    ([fix("自然人", 1, 2) | {"row": "四、结转"}], "更正说明第1条：“四、结转”不是表三的行"),
    ([fix("自然人", 1, 2) | {"column": "个人"}], "更正说明第1条：“个人”不是表三的列"),
    ([fix("自然人", 1, 2), fix("总计", 1, 2) | {"now": "2"}], "更正说明第2条：“now”（现为）应为整数"),
    ([fix("自然人", 3, 2)], "更正说明第1条：“四、结转下年度继续办理”行“自然人”列已发布为 3，但 table2 中为 1"),
])
def test_a_correction_the_tool_cannot_read_is_refused_in_words(office, corrections, message):
    out = report(office, printed(自然人=1, 总计=1) | {"corrections": corrections}, code=2)
    assert message in out and "Traceback" not in out


def test_corrections_of_other_tables_are_left_to_them(office):
    """xxgk's own 更正说明 list every table; only 表三's bear on 上年结转."""
    other = {"table": "表四（政府信息公开行政复议、行政诉讼情况）", "row": "行政复议", "column": "结果维持",
             "published": 0, "now": 1}
    data = json.loads(report(office, printed(自然人=2, 总计=2) | {"corrections": [other]}, "--format", "json"))
    assert data["violations"] == []


def test_the_readme_example_is_a_file_the_tool_takes(office):
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("A report published by hand", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    data = json.loads(report(office, json.loads(example), "--format", "json"))
    assert data["violations"] == [] and data["carried_over_note"].startswith("上年结转2件")

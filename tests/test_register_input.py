"""Every input a clerk types is checked, in Chinese, naming the field; full-width digits are
accepted everywhere; --previous takes the tool's own report JSON and refuses anything else."""

from __future__ import annotations

import json

import pytest


from .builders import add_application, cli as run


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("XXGK_TODAY", "2022-03-01")


def add(config, *extra, code=0, received="2021-03-01", request="低保名单"):
    return add_application(config, received, "自然人", *extra, request=request, code=code)


def test_dates_texts_and_their_order(unsynced_office):
    config, _ = unsynced_office
    assert "收到申请日期（2030-01-01）不能晚于今天（2022-03-01）" in add(config, received="2030-01-01", code=2)
    assert "申请内容不能为空" in add(config, request="   ", code=2)
    app_id = add(config).split()[0]
    out = run(config, "application", "update", app_id, "--consulted", "2021-02-01", code=2)
    assert "征求意见日期（2021-02-01）不能早于收到申请日期（2021-03-01）" in out
    out = run(config, "application", "update", app_id, "--corrected", "2021-02-27", code=2)
    assert "收到补正日期（2021-02-27）不能早于收到申请日期" in out
    assert "答复日期（2023-01-01）不能晚于今天" in run(
        config, "application", "close", app_id, "--outcome", "予以公开", "--replied", "2023-01-01", code=2)
    assert "收到申请日期（--received）：“2021-02-30”这一天不存在（2021年2月没有30日）" in add(
        config, received="2021-02-30", code=2)
    assert "收到申请日期（--received）：“3月1日”不是 年-月-日 格式的日期，应写作 2021-03-01" in add(
        config, received="3月1日", code=2)
    out = run(config, "application", "add", "--received", "2021-03-01", "--channel", "微信",
              "--applicant-type", "自然人", "--request", "x", code=2)
    assert "申请渠道（--channel）：“微信”无效，应为：网站、信函" in out
    f = run(config, "appeal", "add", "--kind", "复议", "--filed", "2021-04-01").split()[0]
    assert "结果（--outcome）：“维持”无效" in run(config, "appeal", "decide", f, "--outcome", "维持",
                                               "--decided", "2021-05-01", code=2)
    assert "审结日期（2021-03-01）不能早于提起日期（2021-04-01）" in run(
        config, "appeal", "decide", f, "--outcome", "结果维持", "--decided", "2021-03-01", code=2)
    assert "缺少收到申请日期（--received）" in run(config, "application", "add", "--channel", "网站", code=2)
    assert "缺少理由（--reason）" in run(config, "application", "withdraw", app_id, code=2)
    assert "缺少编号（APP_ID）" in run(config, "application", "withdraw", "--reason", "x", code=2)
    assert "更正登记簿须说明理由" in run(config, "application", "edit", app_id, "--request", "x",
                                       "--reason", " ", code=2)


def test_full_width_digits_are_accepted_everywhere(unsynced_office):
    config, _ = unsynced_office
    app_id = add(config, received="２０２１－０３－０１").split()[0]
    assert app_id == "2021-001"
    assert "答复期限" in run(config, "application", "update", app_id, "--extend", "２０")
    assert "延长 20 个工作日" in run(config, "application", "show", app_id)
    assert "应在 0 到 20 之间" in run(config, "application", "update", app_id, "--extend", "２１", code=2)
    run(config, "application", "close", app_id, "--outcome", "予以公开", "--replied", "2021年3月20日")
    assert "已答复 2021-03-20 （一）予以公开" in run(config, "application", "list")


def test_previous_takes_only_this_tools_report(unsynced_office):
    config, folder = unsynced_office
    add(config, received="2021-12-20")
    good = folder / "2021.json"
    good.write_text(run(config, "report", "--year", "2021", "--format", "json"), encoding="utf-8")
    data = json.loads(run(config, "report", "--year", "2022", "--format", "json", "--previous", str(good)))
    assert data["violations"] == []
    bad = folder / "bad.json"
    for content, message in (
            ("[1, 2]", "不是 xxgk 生成的年度报告 JSON"),
            ("{not json", "无法读取"),
            (json.dumps({"year": 2020, "table2": {}}), "这是 2020 年的报告"),
            (json.dumps({"year": 2021, "table2": {"carried_forward": {"自然人": "1"}}}), "每列应为整数")):
        bad.write_text(content, encoding="utf-8")
        assert message in run(config, "report", "--year", "2022", "--previous", str(bad), code=2)
    assert "文件不存在" in run(config, "report", "--year", "2022", "--previous", str(folder / "none.json"), code=2)
    # last year's report object as written: a carried-over mismatch is named in Chinese
    changed = json.loads(good.read_text(encoding="utf-8"))
    changed["table2"]["carried_forward"]["自然人"] = 3
    bad.write_text(json.dumps(changed), encoding="utf-8")
    text = run(config, "report", "--year", "2022", "--previous", str(bad))
    assert "表三“二、上年结转政府信息公开申请数量”行、“自然人”列" in text


def test_figures_must_give_a_reason_and_known_columns(unsynced_office):
    config, folder = unsynced_office
    (folder / "figures").mkdir()
    figures = folder / "figures" / "2021.toml"
    figures.write_text('[table1."行政规范性文件"]\n"现行有效件数" = 5\n', encoding="utf-8")
    out = run(config, "report", "--year", "2021", code=2)
    assert "“行政规范性文件”行“现行有效件数”列：数据文件填 5，采集的文件计得 0" in out and "理由" in out
    figures.write_text('[table1."行政规范性文件"]\n"现行有效" = 5\n', encoding="utf-8")
    assert "没有“现行有效”列" in run(config, "report", "--year", "2021", code=2)
    # numbers typed as text, full-width digits too
    figures.write_text('[table1]\n"行政许可" = "１２"\n"行政事业性收费" = "０.３５"\n"行政处罚" = "三"\n',
                       encoding="utf-8")
    assert "“行政处罚”行“本年处理决定数量”列应为数字，实际为 '三'" in run(config, "report", "--year", "2021", code=2)
    figures.write_text('[table1]\n"行政许可" = "１２"\n"行政事业性收费" = "０.３５"\n', encoding="utf-8")
    cells = json.loads(run(config, "report", "--year", "2021", "--format", "json"))["table1"]
    assert cells["行政许可"] == {"本年处理决定数量": 12}
    assert cells["行政事业性收费"] == {"本年收费金额（单位：万元）": 0.35}


def test_an_opening_balance_does_not_count_registered_cases_twice(unsynced_office):
    config, _ = unsynced_office
    add(config, received="2020-12-28")  # carried into 2021 by the register itself
    out = run(config, "application", "opening", "--year", "2021", "--count", "自然人=1", code=2)
    assert "已逐件登记 1 件2021年之前收到、2021年1月1日仍在办理的申请（2020-001）" in out
    out = run(config, "application", "close-opening", "--year", "2022", "--applicant-type", "自然人",
              "--outcome", "予以公开", "--replied", "2022-01-05", code=2)
    assert "2022年期初结转的自然人申请共 0 件，已全部办结" in out


def test_the_command_line_keeps_the_registers_length_limits(unsynced_office):
    """The review page refuses over-long text (the register's TEXT_LIMITS); the command line cut
    nothing either but stored any length: it refuses the same, in the same words, storing nothing."""
    config, _ = unsynced_office
    long_name, long_note = "张" * 201, "备" * 501
    assert "申请人不能超过 200 字（现有 201 字）" in add(config, "--applicant", long_name, code=2)
    assert "备注不能超过 500 字" in add(config, "--note", long_note, code=2)
    assert "（没有申请）" in run(config, "application", "list")  # nothing stored
    app_id = add(config).split()[0]
    assert "申请人不能超过 200 字" in run(config, "application", "edit", app_id, "--applicant", long_name,
                                       "--reason", "更正申请人", code=2)

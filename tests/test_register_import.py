"""Importing the register a clerk keeps in Excel or CSV: the template, every row checked
before anything is stored, errors by row and column in Chinese, nothing added twice."""

from __future__ import annotations

import json

import pytest
from openpyxl import Workbook, load_workbook


from .builders import cli as run, report_json


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("XXGK_TODAY", "2022-06-30")


def workbook(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def table2(config, year):
    return report_json(config, year)["table2"]


def test_template_then_import_xlsx_twice(unsynced_office):
    config, folder = unsynced_office
    template = folder / "申请登记.xlsx"
    run(config, "application", "template", "-o", str(template))
    header = [c.value for c in load_workbook(template).worksheets[0][1]]
    assert header[:5] == ["收到申请日期", "申请渠道", "申请人类型", "申请人", "申请内容"]
    assert "保护第三方合法权益" in str([c.value for row in load_workbook(template)["填写说明"] for c in row])
    book = load_workbook(template)
    from datetime import datetime
    book.worksheets[0].append([datetime(2021, 3, 1), "网站", "自然人", "张三", "低保名单", "予以公开",
                               "2021-03-20", None, None, None])
    book.worksheets[0].append(["２０２１－１２－２０", "信函", "商业企业", "", "拆迁补偿标准", None, None, None, "２０", ""])
    book.worksheets[0].append(["2021年5月6日", "当面", "科研机构", "", "某项目环评", "4.保护第三方合法权益",
                               "2021/5/20", "", "", "备注"])
    book.save(template)
    assert "导入申请 3 件" in run(config, "application", "import", str(template))
    t = table2(config, 2021)
    assert t["new"]["总计"] == 3 and t["granted"]["自然人"] == 1 and t["withheld.third_party"]["科研机构"] == 1
    assert t["carried_forward"]["商业企业"] == 1
    out = run(config, "application", "import", str(template))
    assert "导入申请 0 件，已导入过的 3 件未重复导入" in out
    assert table2(config, 2021)["new"]["总计"] == 3
    listed = run(config, "application", "list")
    assert "（一）予以公开" in listed and "granted" not in listed
    assert "导入" in run(config, "application", "history", "2021-001")


def test_a_wrong_row_stores_nothing_and_every_error_is_named(unsynced_office):
    config, folder = unsynced_office
    path = folder / "register.xlsx"
    workbook(path, [
        ["收到申请日期", "申请渠道", "申请人类型", "申请人", "申请内容", "办理结果", "答复日期"],
        ["2021-03-01", "网站", "自然人", "", "低保名单", "予以公开", "2021-03-20"],
        ["2021-13-01", "微信", "个体户", "", "", "", ""],
        ["2021-04-01", "网站", "自然人", "", "名单", "予以公开", "2021-03-01"],
        ["2030-01-01", "网站", "自然人", "", "名单", "不予公开", ""],
        ["2021-03-01", "网站", "自然人", "", "低保名单", "予以公开", "2021-03-20"],
    ])
    out = run(config, "application", "import", str(path), code=2)
    assert "没有导入任何一行" in out
    assert "第3行“收到申请日期”：“2021-13-01”这一天不存在（一年只有 12 个月，没有13月）" in out
    assert "第3行“申请渠道”：“微信”无效" in out and "第3行“申请人类型”：“个体户”无效" in out
    assert "第3行“申请内容”：申请内容不能为空" in out
    assert "第4行“答复日期”：答复日期（2021-03-01）不能早于收到申请日期（2021-04-01）" in out
    assert "第5行“收到申请日期”：2030-01-01 晚于今天（2022-06-30）" in out
    assert "第5行“办理结果”：未知的办理结果" in out
    assert "第6行" not in out  # the same as row 2 in every column: a second application, not an error
    assert "Traceback" not in out
    assert table2(config, 2021)["new"]["总计"] == 0
    # columns that are not the template's
    workbook(path, [["日期", "渠道"], ["2021-03-01", "网站"]])
    assert "第1行应为模板的列名" in run(config, "application", "import", str(path), code=2)
    (folder / "bad.xlsx").write_text("not a workbook")
    assert "不是有效的 .xlsx 文件" in run(config, "application", "import", str(folder / "bad.xlsx"), code=2)
    assert "只能导入 .xlsx 或 .csv" in run(config, "application", "import", str(config), code=2)


def test_appeals_from_a_gbk_csv(unsynced_office):
    config, folder = unsynced_office
    run(config, "application", "add", "--received", "2021-03-01", "--channel", "网站",
        "--applicant-type", "自然人", "--request", "名单")
    template = folder / "appeals.csv"
    run(config, "appeal", "template", "-o", str(template))
    assert template.read_text(encoding="utf-8-sig").startswith("复议诉讼类型,提起日期,结果,审结日期,关联申请编号,备注")
    text = ("复议诉讼类型,提起日期,结果,审结日期,关联申请编号,备注\r\n"
            "行政复议,2021-04-01,结果维持,2021-06-01,2021-001,\r\n"
            "复议后起诉,2021-11-01,,,,\r\n")
    template.write_bytes(text.encode("gb18030"))  # Excel's CSV on a Chinese Windows
    assert "导入复议诉讼 2 件" in run(config, "appeal", "import", str(template))
    assert "导入复议诉讼 0 件" in run(config, "appeal", "import", str(template))
    t3 = json.loads(run(config, "report", "--year", "2021", "--format", "json"))["table3"]
    assert t3["行政复议"]["结果维持"] == 1 and t3["复议后起诉"]["尚未审结"] == 1
    template.write_text("复议诉讼类型,提起日期,结果,审结日期,关联申请编号\n上访,2021-04-01,结果维持,,2099-001\n",
                        encoding="utf-8")
    out = run(config, "appeal", "import", str(template), code=2)
    assert "第2行“复议诉讼类型”：“上访”无效" in out and "第2行“关联申请编号”：没有编号为 2099-001 的申请" in out


def test_a_year_before_the_regulation_is_refused_in_text_and_in_a_date_cell(unsynced_office):
    from datetime import datetime

    config, folder = unsynced_office
    path = folder / "register.xlsx"
    workbook(path, [
        ["收到申请日期", "申请渠道", "申请人类型", "申请人", "申请内容", "办理结果", "答复日期"],
        ["0020-03-01", "网站", "自然人", "", "低保名单", "", ""],
        [datetime(1999, 3, 1), "网站", "自然人", "", "低保名单", "", ""],
    ])
    out = run(config, "application", "import", str(path), code=2)
    assert "没有导入任何一行" in out
    assert "第2行“收到申请日期”：“0020-03-01”的年份早于 2008 年" in out
    assert "第3行“收到申请日期”：“1999-03-01”的年份早于 2008 年" in out

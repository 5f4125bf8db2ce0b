"""The register as clerks really keep it in Excel: a date column left in 常规 format (Excel's day
serials), dates with a time, cells merged over rows of the same channel. What the clerk sees is
what is imported; what cannot be read is named by row and column."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import Workbook

from .builders import cli as run, report_json

HEADER = ["收到申请日期", "申请渠道", "申请人类型", "申请人", "申请内容", "办理结果", "答复日期"]


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("XXGK_TODAY", "2022-12-30")


def workbook(path, rows, merged=()):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    for cells in merged:
        book.active.merge_cells(cells)
    book.save(path)


def test_day_serials_and_dates_with_a_time_are_the_days_excel_shows(unsynced_office):
    config, folder = unsynced_office
    path = folder / "register.xlsx"
    workbook(path, [HEADER,
                    [44621, "网站", "自然人", "张三", "低保名单", "予以公开", 44630.0],  # 2022-03-01, 2022-03-10
                    ["2022-03-05 00:00:00", "网站", "自然人", "李四", "名单", "予以公开", "2022/3/9 9:30"]])
    assert "导入申请 2 件" in run(config, "application", "import", str(path))
    listed = run(config, "application", "list")
    assert "收到 2022-03-01" in listed and "已答复 2022-03-10" in listed
    assert "收到 2022-03-05" in listed and "已答复 2022-03-09" in listed


def test_a_number_that_is_no_day_of_the_register_is_named(unsynced_office):
    config, folder = unsynced_office
    path = folder / "register.xlsx"
    workbook(path, [HEADER, [12, "网站", "自然人", "", "名单", "", None],
                    [44621.5, "网站", "自然人", "", "名单2", "", None]])
    out = run(config, "application", "import", str(path), code=2)
    assert "第2行“收到申请日期”：“12”不是 年-月-日 格式的日期" in out
    assert "第3行“收到申请日期”：“44621.5”不是 年-月-日 格式的日期" in out


def test_cells_merged_over_rows_count_for_each_row(unsynced_office):
    config, folder = unsynced_office
    path = folder / "register.xlsx"
    workbook(path, [HEADER,
                    [datetime(2022, 3, 6), "当面", "自然人", "王五", "项目A", "予以公开", datetime(2022, 3, 9)],
                    [datetime(2022, 3, 7), None, None, "赵六", "项目B", None, None],
                    [datetime(2022, 3, 8), None, None, "钱七", "项目C", None, None]],
             merged=("B2:B4", "C2:C4"))
    assert "导入申请 3 件" in run(config, "application", "import", str(path))
    t = report_json(config, 2022)["table2"]
    assert t["new"]["自然人"] == 3 and t["carried_forward"]["自然人"] == 2
    assert run(config, "application", "list").count("当面") == 3


def test_the_clerks_own_row_numbers_are_left_out_and_other_unknown_columns_refused(unsynced_office):
    """Nearly every office sheet starts with a 序号 column; the import refused the whole file for it.
    It is read past (a row holding only its 序号 is no entry); a column the template does not know
    is still refused, so a typo'd label never loses its data."""
    config, folder = unsynced_office
    path = folder / "register.xlsx"
    workbook(path, [["序号", *HEADER], [1, "2022-03-01", "网站", "自然人", "张三", "低保名单", "予以公开", "2022-03-10"],
                    [2, None, None, None, None, None, None, None]])
    assert "导入申请 1 件" in run(config, "application", "import", str(path))
    workbook(path, [[*HEADER, "经办人"], ["2022-03-02", "网站", "自然人", "李四", "名单", "", None, "王"]])
    assert "不认识：经办人" in run(config, "application", "import", str(path), code=2)

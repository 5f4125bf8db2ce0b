"""``xxgk report --previous FILE``: last year's report, as this tool wrote it or as a clerk types it.

The file is the JSON xxgk writes for a year (``output/reports/<year>.json``, ``output/site/reports/``
once published; also ``xxgk report --year Y --format json``): an object with ``year`` and ``table2``
(表三 as published, ``{row key: {applicant column: count}}``), and the report's 更正说明 when it has
any (``corrections``: ``{"table", "row", "column", "published", "now"}`` each, as xxgk lists them; a
clerk writing the file for a report published by hand may leave out ``table`` for a 表三 correction).
Its 四、结转下年度继续办理 as corrected is what this year's 二、上年结转 is checked against, as for a
year read from the store. Anything else is refused with a message saying what is wrong, never a
traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ReportError
from .formats import T2_COLUMNS, column_title, format_for_year

T2_TABLE = "表三"  # how a correction names the table of applications (xxgk writes 表三（收到和处理…）)


def read_previous(path: Path, year: int) -> dict[str, Any]:
    """Last year's 表三 from ``path`` (the report for ``year - 1``), as ``annual`` compares with it:
    ``year``, ``table2`` as its 更正说明 correct it, and ``published_table2`` (as printed) when they did."""
    where = f"--previous {path}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ReportError(f"{where}：文件不存在") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReportError(f"{where}：不是 xxgk 生成的年度报告 JSON（无法读取：{e}）") from None
    if not isinstance(data, dict) or "table2" not in data or "year" not in data:
        raise ReportError(f"{where}：不是 xxgk 生成的年度报告 JSON（应为 output/reports/{year - 1}.json 或 output/site/reports/{year - 1}.json "
                          f"或 xxgk report --year {year - 1} --format json 的输出，含 year 和 table2）")
    if data["year"] != year - 1:
        raise ReportError(f"{where}：这是 {data['year']} 年的报告，核对 {year} 年的上年结转需要 {year - 1} 年的报告")
    row = data["table2"].get("carried_forward") if isinstance(data["table2"], dict) else None
    if not isinstance(row, dict) or any(not _count(row.get(c)) for c in T2_COLUMNS):
        raise ReportError(f"{where}：table2 中没有完整的“四、结转下年度继续办理”一行"
                          f"（每列应为整数：{'、'.join(T2_COLUMNS)}）")
    try:
        corrected = corrected_table2(year - 1, data["table2"], data.get("corrections") or [])
    except ReportError as e:
        raise ReportError(f"{where}：{e}") from None
    if corrected == data["table2"]:
        return {"year": year - 1, "table2": data["table2"]}
    return {"year": year - 1, "table2": corrected, "published_table2": data["table2"]}


def corrected_table2(year: int, printed: Mapping[str, Any], corrections: object) -> dict[str, Any]:
    """Pure: ``year``'s 表三 as published, with each 表三 更正说明 applied (a later one for the same
    cell wins; those of other tables are theirs). ReportError says, in Chinese, which one is unreadable."""
    if not isinstance(corrections, list):
        raise ReportError("corrections 应为更正说明的列表（每条含 row、column、now，可有 table、published）")
    rows = {r.label: r.key for r in format_for_year(year).table2_data_rows}
    rows.update({key: key for key in rows.values()})
    columns = {column_title(c): c for c in T2_COLUMNS} | {c: c for c in T2_COLUMNS}
    out = {key: dict(cells) for key, cells in printed.items() if isinstance(cells, dict)}
    for n, fix in enumerate(corrections, 1):
        where = f"更正说明第{n}条："
        if not isinstance(fix, dict):
            raise ReportError(f"{where}应为含 row、column、now 的对象")
        if T2_TABLE not in str(fix.get("table") or T2_TABLE):
            continue  # 表二, 表四, 主动公开: not what 上年结转 is checked against
        row, column = rows.get(str(fix.get("row"))), columns.get(str(fix.get("column")))
        if row is None:
            raise ReportError(f"{where}“{fix.get('row')}”不是表三的行（如 四、结转下年度继续办理）")
        if column is None:
            raise ReportError(f"{where}“{fix.get('column')}”不是表三的列（{'、'.join(T2_COLUMNS)}）")
        if not _count(fix.get("now")):
            raise ReportError(f"{where}“now”（现为）应为整数，而不是“{fix.get('now')}”")
        was = (printed.get(row) or {}).get(column, 0)
        if "published" in fix and fix["published"] != was:
            raise ReportError(f"{where}“{fix.get('row')}”行“{fix.get('column')}”列已发布为 {fix['published']}，"
                             f"但 table2 中为 {was}")
        out.setdefault(row, {})[column] = fix["now"]
    return out


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

"""``xxgk report --previous FILE``: last year's report, as this tool wrote it.

The file is the JSON xxgk writes for a year (``output/reports/<year>.json``, ``output/site/reports/`` once published; also
``xxgk report --year Y --format json``): an object with ``year`` and ``table2``
(表三, ``{row key: {applicant column: count}}``). Only its 四、结转下年度继续办理 row
is used, to check this year's 二、上年结转. Anything else is refused with a message
saying what is wrong, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import ReportError
from .formats import T2_COLUMNS


def read_previous(path: Path, year: int) -> dict[str, Any]:
    """Last year's report JSON from ``path``, checked to be the one for ``year - 1``."""
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
    if not isinstance(row, dict) or any(not isinstance(row.get(c), int) or isinstance(row.get(c), bool)
                                        for c in T2_COLUMNS):
        raise ReportError(f"{where}：table2 中没有完整的“四、结转下年度继续办理”一行"
                          f"（每列应为整数：{'、'.join(T2_COLUMNS)}）")
    return data

"""The figures file the office fills in each January: the Table 1 numbers that
come from other systems (行政许可, 行政处罚, 行政强制 decisions; 行政事业性收费 in
万元), the report's date and, optionally, the parts staff write (一、五、六).

One TOML file per year, ``figures/<year>.toml`` beside the office config (the
folder can be moved with ``--figures DIR`` or ``$XXGK_FIGURES``)::

    date = "2022年1月12日"          # 落款日期 (optional)

    [table1]                         # 表二 主动公开政府信息情况
    "行政许可" = 12
    "行政处罚" = 3
    "行政强制" = 0
    "行政事业性收费" = 0.35         # 万元

    [prose]                          # 正文, optional
    "五、存在的主要问题及改进情况" = "……"

A cell the report computes from the crawled normative documents (规章, 行政规范性文件:
本年制发件数, 本年废止件数, 现行有效件数) may be stated instead, with a reason; the report
says which cells were stated and why::

    [table1."行政规范性文件"]
    "现行有效件数" = 12
    "理由" = "2023年清理后现行有效12件"

(TOML wants keys and table names in ASCII or quoted: ``["表一"]`` and ``["正文"]`` work too.
The key ``table1`` is the format's 表二, 主动公开政府信息情况.)
In the 2019 试行 format a row has several columns: ``[table1."行政许可"]`` with
``"上一年项目数量" = 4`` and so on (``figures_template`` writes the right shape).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.messages import not_toml
from .errors import FiguresInvalid
from .formats import format_for_year

ENV_FOLDER = "XXGK_FIGURES"
TABLE1_KEY = "table1"  # the format's 表二 (主动公开); "表一" is accepted as an old alias
PROSE_KEY = "prose"  # 正文
ALIASES = {"表一": TABLE1_KEY, "正文": PROSE_KEY}


@dataclass(frozen=True)
class Figures:
    """What one year's figures file says (empty when there is no file)."""

    path: Path
    exists: bool
    table1: dict[str, object] = field(default_factory=dict)
    date: str = ""
    prose: dict[str, str] = field(default_factory=dict)

    @property
    def missing_message(self) -> str:
        if self.exists:
            return ""
        return (f"没有找到数据文件 {self.path}：表二（主动公开）中的行政许可、行政处罚、行政强制和行政事业性收费"
                f"来自其他业务系统，请按模板填写（xxgk report --year {self.path.stem} --figures-template 可打印模板）。")


def figures_folder(config_path: Path, explicit: str | os.PathLike[str] | None = None,
                   env: Mapping[str, str] | None = None) -> Path:
    """--figures, else $XXGK_FIGURES, else ``figures/`` beside the config (relative paths
    are read from the config's folder, like every path in the config)."""
    env = os.environ if env is None else env
    chosen = explicit or env.get(ENV_FOLDER) or "figures"
    return (Path(config_path).resolve().parent / chosen).resolve()


def read_year_file(folder: Path, year: int, aliases: dict[str, str]) -> tuple[Path, dict[str, Any] | None]:
    """``folder/<year>.toml`` as a table, its keys' Chinese aliases resolved (None: no such
    file); FiguresInvalid (in Chinese, naming the file) when it is not TOML."""
    path = Path(folder) / f"{year}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return path, None
    except tomllib.TOMLDecodeError as e:
        raise FiguresInvalid(f"{path}：{not_toml(str(e))}") from None
    except UnicodeDecodeError:
        raise FiguresInvalid(f"{path}：不是 UTF-8 编码的文本（请另存为 UTF-8）") from None
    return path, {aliases.get(k, k): v for k, v in raw.items()}


def load_figures(folder: Path, year: int) -> Figures:
    """Read ``folder/<year>.toml``; a missing file is not an error (the cells stay 待填报)."""
    path, raw = read_year_file(folder, year, ALIASES)
    if raw is None:
        return Figures(path, exists=False)
    unknown = sorted(set(raw) - {TABLE1_KEY, PROSE_KEY, "date"})
    if unknown:
        raise FiguresInvalid(f"{path}: 未知的项 {unknown[0]!r}（应为 date、[{TABLE1_KEY}]、[{PROSE_KEY}]）")
    table1 = raw.get(TABLE1_KEY, {})
    prose = raw.get(PROSE_KEY, {})
    if not isinstance(table1, dict) or not isinstance(prose, dict):
        raise FiguresInvalid(f"{path}: [{TABLE1_KEY}] 和 [{PROSE_KEY}] 应为表（table）")
    known_rows = {row for _, row in format_for_year(max(year, 2019)).table1_rows()}
    for row in table1:
        if row not in known_rows:
            raise FiguresInvalid(f"{path}: [{TABLE1_KEY}] 中的 {row!r} 不是 {year} 年报告表二（主动公开）的行"
                                 f"（应为 {'、'.join(sorted(known_rows))}）")
    fmt = format_for_year(max(year, 2019))
    for heading, text in prose.items():
        if heading not in fmt.headings or not isinstance(text, str):
            raise FiguresInvalid(f"{path}: [{PROSE_KEY}] 的键应为六个部分的标题之一，值为文字：{heading!r}")
    date = raw.get("date", "")
    if not isinstance(date, str):
        date = str(date)  # a TOML date: 2022-01-12
    return Figures(path, True, dict(table1), date, dict(prose))


def figures_template(year: int) -> str:
    """A figures file to fill in for ``year``, in the shape its format wants."""
    fmt = format_for_year(year)
    lines = [f"# {year}年政府信息公开工作年度报告：来自其他业务系统的数字（{fmt.document}格式）",
             f'date = "{year + 1}年1月  日"  # 落款日期', "", f"[{TABLE1_KEY}]  # 表二 主动公开政府信息情况"]
    nested = []
    for block in fmt.table1:
        if block.source != "figures":
            continue
        for row in block.rows:
            if len(block.columns) == 1:
                unit = "  # 万元" if "万元" in block.columns[0] else ""
                lines.append(f'"{row}" = 0{unit}')
            else:
                nested += ["", f'[{TABLE1_KEY}."{row}"]'] + [f'"{c}" = 0' for c in block.columns]
    docs = next(b for b in fmt.table1 if b.source == "documents")
    stated = ["", "# 规章、行政规范性文件按采集的文件计算；某格以本文件为准时填写该格并写明理由：",
              f'# [{TABLE1_KEY}."{docs.rows[1]}"]', f'# "{docs.columns[-1]}" = 0', '# "理由" = "……"']
    return "\n".join(lines + nested + stated) + "\n"

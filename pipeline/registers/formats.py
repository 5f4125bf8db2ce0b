"""The official layouts of the annual report's three tables, as data.

Labels are verbatim from 《中华人民共和国政府信息公开工作年度报告格式》 (国办公开办函〔2021〕30号)
and its 2019 试行 predecessor (国办公开办函〔2019〕60号); see DOMAIN.md §1.3–1.6.
Reports for 2019 and 2020 use the 试行 format, reports from 2021 on the 2021 format.

Keys used by the computed tables:
- Table 1: ``{row label: {column label: number}}`` — labels are unique within the
  table, and the office's figures file is written with the same Chinese labels.
- Table 2: ``{row key: {applicant column: int}}`` — row *keys* (ASCII, below)
  because labels such as "3.其他" repeat; columns are the applicant labels.
- Table 3: ``{group label: {result label: int}}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InternalError
from .errors import ReportError

# --- headings ---------------------------------------------------------------

HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)

# --- Table 1 -----------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One block of Table 1, titled by the 条例第二十条 item it reports."""

    title: str  # e.g. 第二十条第（一）项
    columns: tuple[str, ...]  # data columns (after 信息内容)
    rows: tuple[str, ...]
    source: str  # "documents" (from the catalogue) or "figures" (filled in by staff)


T1_FIRST_COLUMN = "信息内容"

TABLE1_2021 = (
    Block("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"),
          ("规章", "行政规范性文件"), "documents"),
    Block("第二十条第（五）项", ("本年处理决定数量",), ("行政许可",), "figures"),
    Block("第二十条第（六）项", ("本年处理决定数量",), ("行政处罚", "行政强制"), "figures"),
    Block("第二十条第（八）项", ("本年收费金额（单位：万元）",), ("行政事业性收费",), "figures"),
)

# Single source ([SH19]); DOMAIN.md §1.6 says "treat as likely, not certain".
TABLE1_2019 = (
    Block("第二十条第（一）项", ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
          ("规章", "规范性文件"), "documents"),
    Block("第二十条第（五）项", ("上一年项目数量", "本年增/减", "处理决定数量"),
          ("行政许可", "其他对外管理服务事项"), "figures"),
    Block("第二十条第（六）项", ("上一年项目数量", "本年增/减", "处理决定数量"),
          ("行政处罚", "行政强制"), "figures"),
    Block("第二十条第（八）项", ("上一年项目数量", "本年增/减"), ("行政事业性收费",), "figures"),
    Block("第二十条第（九）项", ("采购项目数量", "采购总金额"), ("政府集中采购",), "figures"),
)

# Cells that hold money and may be fractional; every other Table 1 cell is a count.
# 本年增/减 may be negative.
T1_MONEY_COLUMNS = frozenset({"本年收费金额（单位：万元）", "采购总金额"})
T1_SIGNED_COLUMNS = frozenset({"本年增/减"})

# --- Table 2 -----------------------------------------------------------------

T2_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T2_APPLICANT_HEADER = "申请人情况"
T2_ORG_GROUP = "法人或其他组织"
APPLICANT_TYPES = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
T2_TOTAL_COLUMN = "总计"
T2_COLUMNS = APPLICANT_TYPES + (T2_TOTAL_COLUMN,)


def column_title(column: str) -> str:
    """How a Table 2 column is named in a message: 法人或其他组织—商业企业."""
    if column in APPLICANT_TYPES[1:]:
        return f"{T2_ORG_GROUP}—{column}"
    return column


@dataclass(frozen=True)
class Row:
    """One row of Table 2. ``has_data`` is False for label-only rows (三 and groups)."""

    key: str
    label: str
    parent: str | None = None
    has_data: bool = True


def _rows(other_has_parts: bool) -> tuple[Row, ...]:
    r = [
        Row("new", "一、本年新收政府信息公开申请数量"),
        Row("carried_over", "二、上年结转政府信息公开申请数量"),
        Row("results", "三、本年度办理结果", has_data=False),
        Row("granted", "（一）予以公开", "results"),
        Row("partly_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "results"),
        Row("withheld", "（三）不予公开", "results", has_data=False),
        Row("withheld.state_secret", "1.属于国家秘密", "withheld"),
        Row("withheld.prohibited_by_law", "2.其他法律行政法规禁止公开", "withheld"),
        Row("withheld.three_securities", "3.危及“三安全一稳定”", "withheld"),
        Row("withheld.third_party", "4.保护第三方合法权益", "withheld"),
        Row("withheld.internal_affairs", "5.属于三类内部事务信息", "withheld"),
        Row("withheld.process_info", "6.属于四类过程性信息", "withheld"),
        Row("withheld.enforcement_files", "7.属于行政执法案卷", "withheld"),
        Row("withheld.query_matter", "8.属于行政查询事项", "withheld"),
        Row("unable", "（四）无法提供", "results", has_data=False),
        Row("unable.not_held", "1.本机关不掌握相关政府信息", "unable"),
        Row("unable.needs_creation", "2.没有现成信息需要另行制作", "unable"),
        Row("unable.still_unclear", "3.补正后申请内容仍不明确", "unable"),
        Row("not_processed", "（五）不予处理", "results", has_data=False),
        Row("not_processed.petition", "1.信访举报投诉类申请", "not_processed"),
        Row("not_processed.repeat", "2.重复申请", "not_processed"),
        Row("not_processed.publication", "3.要求提供公开出版物", "not_processed"),
        Row("not_processed.excessive", "4.无正当理由大量反复申请", "not_processed"),
        Row("not_processed.reconfirm", "5.要求行政机关确认或重新出具已获取信息", "not_processed"),
    ]
    if other_has_parts:
        r += [
            Row("other", "（六）其他处理", "results", has_data=False),
            Row("other.no_correction",
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other"),
            Row("other.fee_unpaid",
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other"),
            Row("other.other", "3.其他", "other"),
        ]
    else:
        r.append(Row("other", "（六）其他处理", "results"))
    r += [
        Row("total", "（七）总计", "results"),
        Row("carried_forward", "四、结转下年度继续办理"),
    ]
    return tuple(r)


# --- Table 3 -----------------------------------------------------------------

T3_REVIEW = "行政复议"
T3_LITIGATION = "行政诉讼"
T3_GROUPS = ("行政复议", "未经复议直接起诉", "复议后起诉")
T3_RESULTS = ("结果维持", "结果纠正", "其他结果", "尚未审结")
T3_TOTAL = "总计"
T3_COLUMNS = T3_RESULTS + (T3_TOTAL,)


def t3_group_title(group: str) -> str:
    """行政诉讼—复议后起诉, for messages and flattened headers."""
    return group if group == T3_REVIEW else f"{T3_LITIGATION}—{group}"


# --- the formats -------------------------------------------------------------


@dataclass(frozen=True)
class ReportFormat:
    name: str  # "2021" or "2019"
    title: str  # the format's own title
    document: str  # the notice that issued it
    table1: tuple[Block, ...]
    table2_rows: tuple[Row, ...]
    headings: tuple[str, ...] = HEADINGS

    @property
    def table2_data_rows(self) -> tuple[Row, ...]:
        return tuple(r for r in self.table2_rows if r.has_data)

    @property
    def outcome_keys(self) -> tuple[str, ...]:
        """Table 2 rows an application's outcome may name (the leaves of 三, without 总计)."""
        return tuple(r.key for r in self.table2_data_rows
                     if r.parent is not None and r.key != "total")

    def row(self, key: str) -> Row:
        for r in self.table2_rows:
            if r.key == key:
                return r
        raise InternalError(f"no Table 2 row {key!r}")

    def children(self, key: str) -> tuple[Row, ...]:
        return tuple(r for r in self.table2_rows if r.parent == key)

    def fold_outcome(self, key: str) -> str:
        """The row of this format an outcome key is counted in (other.* ↔ other)."""
        if key in self.outcome_keys:
            return key
        if key.startswith("other.") and "other" in self.outcome_keys:
            return "other"  # 2019 format: （六）其他处理 has no sub-rows
        if key == "other" and "other.other" in self.outcome_keys:
            return "other.other"
        raise InternalError(f"unknown Table 2 outcome {key!r}")

    def table1_rows(self) -> tuple[tuple[Block, str], ...]:
        return tuple((b, r) for b in self.table1 for r in b.rows)


FORMAT_2021 = ReportFormat(
    name="2021",
    title="《中华人民共和国政府信息公开工作年度报告格式》",
    document="国办公开办函〔2021〕30号",
    table1=TABLE1_2021,
    table2_rows=_rows(other_has_parts=True),
)
FORMAT_2019 = ReportFormat(
    name="2019",
    title="《中华人民共和国政府信息公开工作年度报告格式（试行）》",
    document="国办公开办函〔2019〕60号",
    table1=TABLE1_2019,
    table2_rows=_rows(other_has_parts=False),
)

# Every outcome key an Application may carry, across both formats.
ALL_OUTCOME_KEYS = frozenset(FORMAT_2021.outcome_keys) | frozenset(FORMAT_2019.outcome_keys)


def format_for_year(year: int) -> ReportFormat:
    """The format a report *for* ``year`` uses: 试行 for 2019–2020, 2021 format after."""
    if year < 2019:
        raise ReportError(
            f"{year}年的报告没有表格：表格自2019年的报告起才有（修订后的《条例》2019年5月15日起施行）"
        )
    return FORMAT_2019 if year <= 2020 else FORMAT_2021

"""The plain-text summary ``xxgk report --year Y`` prints on a terminal: the
figures of each part, non-zero rows of the tables, and every warning. Its opening
(the heading and part 二's figures) is what ``xxgk demo`` prints of its year."""

from __future__ import annotations

from typing import Any

from .annual import Annual
from ..registers.formats import T2_TOTAL_COLUMN, T3_GROUPS, T3_TOTAL, format_for_year, t3_group_title
from .layout import fmt_number


def report_text(annual: Annual) -> str:
    d = annual.data
    t = d["timeliness"]
    lines = proactive_summary(d)
    lines.append(_timeliness(t))
    for late in t["late"]:
        lines.append(f"    超期 {late['workdays']} 个工作日：{late['title']}（生成 {late['formed_on']}，"
                     f"公开 {late['published_on']}，{late['id']}）")
    if d.get("table1"):
        lines.append("  主动公开情况表：" + "；".join(
            f"{row} " + "/".join(fmt_number(v) for v in cols.values())
            for row, cols in d["table1"].items()))
        lines += [f"    {line}" for line in stated_notes(d)]
    if d.get("table2") is not None:
        lines += ["三、收到和处理政府信息公开申请情况",
                  "  " + (f"未登记：{d['register_note']}" if d.get("register_note") else _applications(d))]
        if d.get("carried_over_note"):
            lines.append(f"    {d['carried_over_note']}")
        fmt = format_for_year(d["year"])
        for row in fmt.table2_data_rows:
            n = d["table2"][row.key][T2_TOTAL_COLUMN]
            if n and row.key not in ("new", "carried_over", "total", "carried_forward"):
                lines.append(f"    {row.label} {n} 件")
        lines.append("四、政府信息公开行政复议、行政诉讼情况")
        lines.append("  未登记（见三）" if d.get("register_note") else "  " + "，".join(
            f"{t3_group_title(g)} {d['table3'][g][T3_TOTAL]} 件（尚未审结 {d['table3'][g]['尚未审结']}）"
            for g in T3_GROUPS))
        for a in d.get("appeals_decided_later") or []:
            lines.append(f"    {a['filed_on'][:4]}年提起的 {a['id']}（{a['kind']}）于 {a['decided_on']} 审结："
                         f"{a['outcome']}（计入{a['filed_on'][:4]}年报告，本年不再计入表四）")
    else:
        a = d["appeals"]
        lines += ["政府信息公开申请", "  " + (f"未登记：{d['register_note']}" if d.get("register_note") else
                                        _applications(d) + f"；行政复议 {a['administrative_review']} 件，"
                                        f"行政诉讼 {a['litigation']} 件（尚未审结 {a['pending']}）"),
                  f"（{d['year']}年早于2019年报告格式，不生成表格）"]
    if d.get("published_at"):
        lines.append(f"已发布：{d['published_on']}（{d.get('published_by', '')}），表中为发布时的数字")
    for c in d.get("corrections") or []:
        lines.append(f"更正说明：{c['text']}")
    for v in d.get("violations") or []:
        lines.append(f"不一致：{v}")
    for w in annual.warnings:
        lines.append(f"提示：{w}")
    return "\n".join(lines)


def proactive_summary(d: dict[str, Any]) -> list[str]:
    """The heading and the figures of part 二 (主动公开) of a year's report data."""
    p = d["proactive"]
    lines = [f"{d['year']}年 {d['office']} 政府信息公开工作年度报告（统计数据"
             + (f"，{d['format_document']}格式）" if d.get("format_document") else "）"),
             "二、主动公开政府信息情况",
             f"  主动公开政府信息数量 {p['total']} 条（政务微博、微信公开 {p['wechat_weibo']} 条，"
             f"其他方式公开 {p['other']} 条）",
             f"  制发规范性文件总数 {p['normative_documents']} 条"]
    by_name = p.get("by_category_name") or {}
    if by_name:
        lines.append("  按目录分类：" + "，".join(
            f"{'未分类' if k == 'unclassified' else k} {v}" for k, v in by_name.items()))
    return lines


def stated_notes(d: dict[str, Any]) -> list[str]:
    """One line per 表二 cell stated in the figures file over the computed one, with its reason."""
    out = []
    for row, cols in (d.get("table1_sources") or {}).items():
        for col, src in cols.items():
            if src.get("source") == "stated":
                out.append(f"“{row}”“{col}”{fmt_number(src['value'])} 为数据文件填报（按采集的文件计为 "
                           f"{fmt_number(src['computed'])}）：{src['reason']}")
    return out


def _timeliness(t: dict[str, Any]) -> str:
    if not t["with_formed_on"]:
        return f"  及时性：没有标注生成日期的信息（{t['without_formed_on']} 条未标注），无法计算"
    share = f"{t['share_within'] * 100:.1f}%"
    return (f"  及时性（《条例》第二十六条）：标注生成日期的 {t['with_formed_on']} 条中 "
            f"{t['within_20_workdays']} 条在 20 个工作日内公开（{share}），超过的 {len(t['late'])} 条；"
            f"未标注生成日期 {t['without_formed_on']} 条")


def _applications(d: dict[str, Any]) -> str:
    a = d["applications"]
    return (f"新收申请 {a['received']} 件，上年结转 {a['carried_over']} 件，本年办结 {a['closed']} 件，"
            f"结转下年度继续办理 {a['carried_forward']} 件")

"""The report's text, section by section: the parts computed from the numbers
(二、三、四, worded as a township writes them — see the seed report) and
placeholders for what staff write (一、五、六)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.registers.formats import APPLICANT_TYPES, T2_TOTAL_COLUMN, T3_GROUPS, T3_TOTAL, ReportFormat


@dataclass(frozen=True)
class Paragraph:
    text: str
    placeholder: bool = False  # staff must write this


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[Paragraph, ...]
    table: str | None = None  # "table1" / "table2" / "table3", printed after the text
    table_title: str = ""
    notes: tuple[str, ...] = field(default=())  # warnings shown beside the table


PLACEHOLDERS = {
    0: "【待填写：对本机关贯彻落实《条例》情况进行综述，主要包括主动公开、依申请公开、"
       "政府信息管理、政府信息公开平台建设、监督保障等情况。】",
    4: "【待填写：本年度政府信息公开工作存在的主要问题及改进情况。】",
    5: "【待填写：其他需要报告的事项，没有的写“无”。收取信息处理费的，"
       "写明依据《政府信息公开信息处理费管理办法》收费的情况。】",
}


def title(report: Mapping[str, Any]) -> str:
    return f"{report['office']}{report['year']}年政府信息公开工作年度报告"


def preamble(report: Mapping[str, Any], fmt: ReportFormat) -> str:
    partial = (f"本系统收录的信息只覆盖{report['coverage']}，报告中按所收录信息统计的数字只反映这段时间，"
               f"不是{report['year']}年的完整数据。" if report.get("coverage") else "")
    return (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）第五十条的规定"
            f"和{fmt.title}（{fmt.document}）编制，"
            f"反映{report['office']}{report['year']}年度政府信息公开工作情况。{partial}")


def proactive_paragraphs(report: Mapping[str, Any]) -> list[Paragraph]:
    year, p = report["year"], report.get("proactive") or {}
    if not p:
        return [Paragraph("【待填写：本年主动公开政府信息的数量、内容和及时性。】", True)]
    out = [Paragraph(
        f"（一）公开的数量。{year}年，通过多种形式主动公开政府信息。其中，"
        f"主动公开政府信息数量{p.get('total', 0)}条，其中制发规范性文件总数"
        f"{p.get('normative_documents', 0)}条，政务微博、微信公开{p.get('wechat_weibo', 0)}条，"
        f"其他方式公开政府信息{p.get('other', 0)}条。")]
    # proactive.proactive_counts gives ids in by_category and names in by_category_name
    named = p.get("by_category_name") or p.get("by_category") or {}
    by_category = {k: v for k, v in named.items() if v}
    if by_category:
        parts = "、".join(f"{_quoted('未分类' if name == 'unclassified' else name)}类{n}条"
                         for name, n in by_category.items())
        out.append(Paragraph(f"（二）公开的内容。按本机关政府信息公开目录分类，{parts}。"))
    timely = p.get("timely")
    if timely is not None:
        n = len(out) + 1
        label = "（二）" if n == 2 else "（三）"
        out.append(Paragraph(f"{label}公开的及时性。" + _timely(timely)))
    return out


def _quoted(name: str) -> str:
    """“name”, unless the name brings its own quotes (“三公”经费): no doubled “““."""
    return name if "“" in name or "”" in name else f"“{name}”"


def _timely(t: Mapping[str, Any]) -> str:
    within, late = t.get("within_20_workdays", 0), list(t.get("late") or [])
    without = t.get("without_formed_on") or 0
    rest = f"另有{without}条未标注生成日期，未计入。" if without else ""
    if not late and not within:  # nothing to judge: "均在…内公开" of 0 items would claim what nobody checked
        return (f"主动公开的{without}条政府信息均未标注生成日期，无法按《条例》第二十六条计算公开的及时性。"
                if without else "本年没有主动公开的政府信息，不涉及公开的及时性。")
    if not late:
        return (f"标注生成日期的{within}条政府信息，均在形成或者变更之日起20个工作日内公开"
                "（《条例》第二十六条）。" + rest) if without else (
                f"主动公开的{within}条政府信息，均在形成或者变更之日起20个工作日内公开"
                "（《条例》第二十六条）。")
    items = "；".join(_late_item(x) for x in late)
    return (f"{within}条政府信息在形成或者变更之日起20个工作日内公开（《条例》第二十六条），"
            f"{len(late)}条超过20个工作日公开：{items}。" + rest)


def _late_item(x: object) -> str:
    if not isinstance(x, Mapping):
        return str(x)
    bits = [f"生成日期{x['formed_on']}" if x.get("formed_on") else "",
            f"公开日期{x['published_on']}" if x.get("published_on") else "",
            f"相隔{x['workdays']}个工作日" if x.get("workdays") is not None else ""]
    bits = [b for b in bits if b]
    return f"《{x.get('title', '')}》" + (f"（{'，'.join(bits)}）" if bits else "")


_RESULT_WORDS = (
    ("granted", "予以公开"), ("partly_granted", "部分公开"), ("withheld", "不予公开"),
    ("unable", "无法提供"), ("not_processed", "不予处理"), ("other", "其他处理"),
)


def applications_paragraph(report: Mapping[str, Any], fmt: ReportFormat) -> Paragraph:
    year, t = report["year"], report.get("table2") or {}
    if report.get("register_note"):  # not registered that year: no sentence may claim a count
        return Paragraph(f"【待填写：{report['register_note']}。】", True)

    def total(key: str) -> int:
        keys = [key] if fmt.row(key).has_data else [r.key for r in fmt.children(key)]
        return sum((t.get(k) or {}).get(T2_TOTAL_COLUMN, 0) for k in keys)

    new, carried = total("new"), total("carried_over")
    done, forward = total("total"), total("carried_forward")
    note = report.get("carried_over_note") or ""  # 上年结转 ≠ last year's report as published
    if not (new or carried):
        return Paragraph(f"{year}年，本机关未收到政府信息公开申请，无上年结转的申请。{note}")
    by_type = [(c, (t.get("new") or {}).get(c, 0)) for c in APPLICANT_TYPES]
    who = "、".join(f"{_who(c)}{n}件" for c, n in by_type if n)
    results = "、".join(f"{word}{total(k)}件" for k, word in _RESULT_WORDS if total(k))
    text = f"{year}年，本机关新收政府信息公开申请{new}件"
    text += f"（{who}）" if who else ""
    text += f"，上年结转{carried}件；本年度办结{done}件"
    text += f"，其中{results}" if results else ""
    text += f"；结转下年度继续办理{forward}件。"
    return Paragraph(text + note)


def _who(column: str) -> str:
    return "自然人申请" if column == "自然人" else f"{'其他法人或其他组织' if column == '其他' else column}申请"


def appeals_paragraph(report: Mapping[str, Any]) -> Paragraph:
    year, t = report["year"], report.get("table3") or {}
    if report.get("register_note"):
        return Paragraph(f"【待填写：{report['register_note']}。】", True)
    n = {g: (t.get(g) or {}).get(T3_TOTAL, 0) for g in T3_GROUPS}
    later = "".join(f"{a['filed_on'][:4]}年提起的{a['kind']}案件于{a['decided_on']}审结，{a['outcome']}。"
                    for a in report.get("appeals_decided_later") or [])
    if not any(n.values()):
        return Paragraph(f"{year}年，本机关未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。{later}")
    review, direct, after = (n[g] for g in T3_GROUPS)
    return Paragraph(
        f"{year}年，本机关因政府信息公开工作被申请行政复议{review}件，"
        f"被提起行政诉讼{direct + after}件（未经复议直接起诉{direct}件，复议后起诉{after}件）。{later}")


def correction_paragraphs(report: Mapping[str, Any]) -> tuple[Paragraph, ...]:
    """更正说明: what changed in the registers after the report was published (part 六)."""
    fixes = report.get("corrections") or []
    if not fixes:
        return ()
    return (Paragraph("更正说明：本报告发布后，数据有以下更正（报告中仍为发布时的数字）："),
            *(Paragraph(f"{i}. {c['text']}。") for i, c in enumerate(fixes, 1)))


def stated_notes(report: Mapping[str, Any]) -> tuple[str, ...]:
    """Notes under 表二 for each cell the office stated over the computed one, with why."""
    t1 = report.get("table1")
    stated = getattr(t1, "stated", None) or {}
    return tuple(f"“{row}”“{col}”{s.value}件为填报数（按采集的文件计为{s.computed}件）：{s.reason}"
                 for row, cols in stated.items() for col, s in cols.items())


def sections(report: Mapping[str, Any], fmt: ReportFormat, table1_missing: str = "") -> list[Section]:
    """The six parts, in order, with their text and the table each carries."""
    written = report.get("prose") or {}
    h = fmt.headings

    def staff(i: int) -> tuple[Paragraph, ...]:
        text = written.get(h[i])
        if text:
            return tuple(Paragraph(x) for x in str(text).split("\n") if x.strip())
        return (Paragraph(PLACEHOLDERS[i], True),)

    return [
        Section(h[0], staff(0)),
        Section(h[1], tuple(proactive_paragraphs(report)), "table1", "主动公开政府信息情况",
                ((table1_missing,) if table1_missing else ()) + stated_notes(report)),
        Section(h[2], (applications_paragraph(report, fmt),), "table2",
                "收到和处理政府信息公开申请情况"),
        Section(h[3], (appeals_paragraph(report),), "table3",
                "政府信息公开行政复议、行政诉讼情况"),
        Section(h[4], staff(4)),
        Section(h[5], staff(5) + correction_paragraphs(report)),
    ]


__all__ = ["Paragraph", "Section", "sections", "title", "preamble"]

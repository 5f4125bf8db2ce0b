"""The site's page of one year's annual report: the report itself (rendered by the report
stage, pipeline.report.render.render_body), what part of the year the data covers, and
the downloads. A year without a printable report (before 2019, or one whose tables do not
add up) shows its counts, in Chinese."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .tree import CategoryTree

PAGE_KEY = "page_html"  # see pipeline.report.outputs
PROACTIVE_LABELS = {
    "total": "主动公开政府信息数量（条）",
    "wechat_weibo": "其中：通过政务微博、微信公开（条）",
    "other": "其中：通过其他方式公开（条）",
    "normative_documents": "制发规范性文件总数（件）",
}
APPLICATION_LABELS = {"received": "本年新收政府信息公开申请（件）", "carried_over": "上年结转（件）",
                      "closed": "本年度办理结果总计（件）", "carried_forward": "结转下年度继续办理（件）"}
APPEAL_LABELS = {"administrative_review": "行政复议（件）", "litigation": "行政诉讼（件）", "pending": "尚未审结（件）"}


def report_sections(report: Mapping[str, Any], tree: CategoryTree) -> list[dict[str, object]]:
    """The counts of a year without a printable report, as labelled rows."""
    proactive = report.get("proactive") or {}
    rows = [(label, proactive[key]) for key, label in PROACTIVE_LABELS.items() if key in proactive]
    sections: list[dict[str, object]] = [{"title": "一、主动公开政府信息情况", "rows": rows}]
    by_category = proactive.get("by_category") or {}
    if by_category:
        def label(cid: str) -> str:
            path = tree.path(cid)
            return " / ".join(c.name for c in path) if path else "未分类"

        sections.append({
            "title": "主动公开信息按公开目录分类（条）",
            "rows": [(label(cid), n) for cid, n in sorted(by_category.items(), key=_catalog_order(tree))],
        })
    apps, appeals = report.get("applications") or {}, report.get("appeals") or {}
    unregistered = [("未登记", report["register_note"])] if report.get("register_note") else None  # not counted: no 0
    sections.append({"title": "二、收到和处理政府信息公开申请情况",
                     "rows": unregistered or [(label, apps[k]) for k, label in APPLICATION_LABELS.items() if k in apps]})
    sections.append({"title": "三、政府信息公开行政复议、行政诉讼情况",
                     "rows": unregistered or [(label, appeals[k]) for k, label in APPEAL_LABELS.items() if k in appeals]})
    return sections


def _catalog_order(tree: CategoryTree) -> Callable[[tuple[str, Any]], tuple[int, str]]:
    order = {c.id: i for i, (_, c) in enumerate(tree.walk())}
    return lambda kv: (order.get(kv[0], len(order)), kv[0])

"""A plain page of one year's report counts (a placeholder for the full annual-report renderer)."""

from __future__ import annotations

from collections.abc import Mapping

from .tree import CategoryTree

PROACTIVE_LABELS = {
    "total": "主动公开政府信息数量（条）",
    "wechat_weibo": "其中：通过政务微博、微信公开（条）",
    "other": "其中：通过其他方式公开（条）",
    "normative_documents": "制发规范性文件总数（件）",
}
SECTION_TITLES = {
    "proactive": "主动公开政府信息情况",
    "applications": "收到和处理政府信息公开申请情况",
    "appeals": "政府信息公开行政复议、行政诉讼情况",
}


def report_sections(report: Mapping, tree: CategoryTree) -> list[dict[str, object]]:
    """Sections of (label, value) rows; nested mappings flattened into "a / b" labels."""
    proactive = report.get("proactive") or {}
    rows = [(label, proactive[key]) for key, label in PROACTIVE_LABELS.items() if key in proactive]
    rows += _flatten({k: v for k, v in proactive.items() if k not in PROACTIVE_LABELS and k != "by_category"})
    sections = [{"title": "一、" + SECTION_TITLES["proactive"], "rows": rows}]
    by_category = proactive.get("by_category") or {}
    if by_category:
        def label(cid: str) -> str:
            path = tree.path(cid)
            return " / ".join(c.name for c in path) if path else cid

        sections.append({
            "title": "主动公开信息按公开目录分类",
            "rows": [(label(cid), n) for cid, n in sorted(by_category.items(), key=_catalog_order(tree))],
        })
    for n, key in enumerate(("applications", "appeals"), 2):
        sections.append({"title": f"{'一二三四'[n - 1]}、{SECTION_TITLES[key]}", "rows": _flatten(report.get(key) or {})})
    return sections


def _catalog_order(tree: CategoryTree):
    order = {c.id: i for i, (_, c) in enumerate(tree.walk())}
    return lambda kv: (order.get(kv[0], len(order)), kv[0])


def _flatten(value: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(value, Mapping):
        rows: list[tuple[str, object]] = []
        for k, v in value.items():
            rows += _flatten(v, f"{prefix} / {k}" if prefix else str(k))
        return rows
    if isinstance(value, (list, tuple)):
        return [(prefix, "、".join(str(v) for v in value))]
    return [(prefix, value)]

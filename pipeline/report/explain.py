"""``xxgk report --explain ROW``: the items or register entries behind one figure.

ROW names a figure by its key or its Chinese label:
- proactive figures: ``total`` (主动公开政府信息数量), ``wechat_weibo`` (政务微博、微信),
  ``other`` (其他方式), ``category:ID`` or ``category:名称``, ``month:3``;
- timeliness: ``late`` (超过20个工作日), ``timely``;
- normative documents: ``normative`` (= ``issued``, 本年制发件数), ``repealed``
  (本年废止件数), ``in_force`` (现行有效件数) — with the figure the figures file states
  instead, if any, and its reason;
- 表三 rows: a row key (``granted``, ``withheld.third_party``, ``new``, ``carried_over``,
  ``total``, ``carried_forward``) or label (``予以公开``, ``二、上年结转政府信息公开申请数量``);
- 表四 groups: ``行政复议``, ``未经复议直接起诉``, ``复议后起诉``, ``行政诉讼``;
- the figures-file rows (行政许可 …): where the number came from.

``other`` is the proactive figure 其他方式; the 表三 row （六）其他处理 is ``其他处理``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, TYPE_CHECKING

from ..models import SOCIAL_CHANNELS, local_date
from ..store import Store
from ..registers.documents import document_counts, normative_documents, timings
from ..registers.errors import ReportError
from ..registers.formats import T3_GROUPS, format_for_year
from ..registers.ledger import appeals_for_year
from ..registers.proactive import year_bounds
from ..registers.records import outcome_label, table2_cells, table3_cell

if TYPE_CHECKING:
    from .annual import Annual

PROACTIVE = {"total": None, "主动公开政府信息数量": None, "wechat_weibo": True, "政务微博、微信": True,
             "other": False, "其他方式": False}
DOCUMENT_ROWS = {"normative": "issued", "issued": "issued", "本年制发件数": "issued",
                 "行政规范性文件": "issued", "规范性文件": "issued", "本年新制作数量": "issued",
                 "repealed": "repealed", "本年废止件数": "repealed",
                 "in_force": "in_force", "现行有效件数": "in_force",
                 "本年新公开数量": "published", "对外公开总数量": "published_total"}


@dataclass(frozen=True)
class Explanation:
    figure: str  # what is explained, in words
    lines: tuple[str, ...]  # one per item / application / appeal

    def text(self) -> str:
        return "\n".join([f"{self.figure}：{len(self.lines)}", *("  " + x for x in self.lines)])


def explain(store: Store, year: int, row: str, tz: tzinfo, category_names: Mapping[str, str],
            annual: Annual) -> Explanation:
    row = row.strip()
    figures = annual.figures
    if row in PROACTIVE:
        return _items(store, year, tz, f"{year}年主动公开政府信息（{row}）", social=PROACTIVE[row])
    if row.startswith("category:"):
        wanted = row.split(":", 1)[1]
        by_name = {v: k for k, v in category_names.items()}
        cid = wanted if wanted in category_names or wanted == "unclassified" else by_name.get(wanted)
        if cid is None:
            raise ReportError(f"没有名为 {wanted!r} 的目录分类")
        return _items(store, year, tz, f"{year}年“{category_names.get(cid, cid)}”类主动公开信息",
                      category=cid)
    if row.startswith("month:"):
        month = int(row.split(":", 1)[1])
        return _items(store, year, tz, f"{year}年{month}月主动公开信息", month=month)
    if row in ("late", "timely", "超过20个工作日"):
        found, _ = timings(store, year, tz, [])
        late = row != "timely"
        chosen = [t for t in found if t.late == late]
        return Explanation(
            f"{year}年{'超过' if late else '在'}生成之日起20个工作日{'' if late else '内'}公开的信息",
            tuple(f"{t.item_id}  {t.index_number}  生成{t.formed_on} 公开{t.published_on} "
                  f"{t.workdays}个工作日  {t.title}" for t in chosen))
    if row in DOCUMENT_ROWS:
        docs = document_counts(normative_documents(store, tz), year)[DOCUMENT_ROWS[row]]
        return Explanation(f"{year}年行政规范性文件（{row}）", _stated_lines(annual, row) + tuple(
            f"{d.item_id}  {d.index_number}  制发{d.issued_on} 公开{d.published_on}"
            + (f" 废止{d.repealed_on}" if d.repealed_on else "") + f"  {d.title}" for d in docs))
    if row == "规章":
        return Explanation(f"{year}年规章（乡镇人民政府、街道办事处不制定规章）", _stated_lines(annual, row))
    format_for_year(year)  # a year before 2019 has no tables: its rows are refused, never explained as 0
    t1_rows = {r for _, r in format_for_year(year).table1_rows()}
    if row in t1_rows:
        value = figures.table1.get(row)
        where = f"来自数据文件 {figures.path}" if figures.exists else figures.missing_message
        return Explanation(f"{year}年表二（主动公开）“{row}”", (f"{_plain_value(value)}（{where}）",))
    return _registers(store, year, row)


def _stated_lines(annual: Annual, row: str) -> tuple[str, ...]:
    """The cells of a data row the figures file states instead, with their reasons:
    all of a row named (行政规范性文件), or those of one column (现行有效件数, in_force …)."""
    whole_row = row in ("规章", "行政规范性文件", "规范性文件", "normative")
    out = []
    for r, cols in (annual.data.get("table1_sources") or {}).items():
        for col, src in cols.items():
            if src.get("source") != "stated":
                continue
            if (r == row or (whole_row and row != "规章" and r != "规章")) if whole_row else \
                    DOCUMENT_ROWS.get(col) == DOCUMENT_ROWS.get(row):
                out.append(f"“{r}”“{col}”以数据文件为准：{_plain_value(src['value'])}"
                           f"（采集的文件计得 {_plain_value(src['computed'])}；理由：{src['reason']}）")
    return tuple(out)


def _plain_value(value: object) -> str:
    from .layout import fmt_number

    if isinstance(value, Mapping):
        return "，".join(f"{k} {fmt_number(v)}" for k, v in value.items())
    return fmt_number(value)


def _items(store: Store, year: int, tz: tzinfo, figure: str, *, social: bool | None = None,
           category: str | None = None, month: int | None = None) -> Explanation:
    start, end = year_bounds(year, tz)
    sql = ("SELECT id, index_number, published_at, channel, category, title FROM counted_items "
           "WHERE published_at >= ? AND published_at < ?")
    args: list[Any] = [start, end]
    if social is not None:
        marks = ",".join("?" * len(SOCIAL_CHANNELS))
        sql += f" AND channel {'IN' if social else 'NOT IN'} ({marks})"
        args += sorted(SOCIAL_CHANNELS)
    if category is not None:
        sql += " AND category IS ?" if category != "unclassified" else " AND category IS NULL"
        args += [category] if category != "unclassified" else []
    lines = []
    for item_id, index_number, published_at, channel, cat, title in store.db.execute(
            sql + " ORDER BY published_at, id", args):
        day = local_date(published_at, tz)
        if month is None or day.month == month:
            lines.append(f"{item_id}  {index_number or '-'}  {day}  {channel:<7}  {cat or '-'}  {title}")
    return Explanation(figure, tuple(lines))


def _registers(store: Store, year: int, row: str) -> Explanation:
    from .annual import counted_applications

    groups = {g: (g,) for g in T3_GROUPS} | {"行政诉讼": T3_GROUPS[1:]}
    if row in groups:
        lines = []
        for a in appeals_for_year(store, year):
            cell = table3_cell(year, a)
            if cell and cell[0] in groups[row]:
                lines.append(f"{a.id}  {a.kind}  提起{a.filed_on}  {cell[1]}"
                             + (f"  申请{a.application_id}" if a.application_id else ""))
        return Explanation(f"{year}年{row}", tuple(lines))
    fmt = format_for_year(year)
    key = next((r.key for r in fmt.table2_rows
                if row in (r.key, r.label) or row == _plain(r.label)), None)
    starts = [r.key for r in fmt.table2_rows if _plain(r.label).startswith(row)]
    if key is None and len(starts) == 1:
        key = starts[0]  # the start of a label: 上年结转, 本年新收, 结转下年度
    if key is None:
        raise ReportError(f"--explain {row!r}：不认识这一项（可用 total、wechat_weibo、other、"
                          "late、normative、现行有效件数、category:名称、表三的行如 予以公开、表四的 行政复议 等）")
    keys = {key} | {r.key for r in fmt.table2_rows if r.parent == key} | {
        r.key for r in fmt.table2_rows if r.parent in {c.key for c in fmt.children(key)}}
    lines = []
    for app in counted_applications(store, year):
        cells = [(k, col) for k, col in table2_cells(year, app) if k in keys]
        if cells:
            received = "期初结转" if app.id.startswith("期初") else f"收到{app.received_on}  {app.channel}"
            lines.append(f"{app.id}  {received}  {cells[0][1]}  {outcome_label(app.outcome)}"
                         + (f" 答复{app.replied_on}" if app.replied_on else "") + f"  {app.request}".rstrip())
    return Explanation(f"{year}年“{fmt.row(key).label}”", tuple(lines))


def _plain(label: str) -> str:
    for sep in ("、", "）", "."):
        if sep in label[:4]:
            label = label.split(sep, 1)[1]
            break
    return label.split("（")[0]


__all__ = ["Explanation", "explain"]

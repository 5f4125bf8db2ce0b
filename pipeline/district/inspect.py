"""Inspection of every office through the year: what the district's office chases.

Per office: items published late (生成日期 → 发布日期 over 20 working days, 条例第二十六条,
counted by pipeline/registers/documents.py), applications past their reply deadline
(条例第三十三条, pipeline/registers/ledger.py), sources silent for N nights (their last N
runs ran but brought nothing new) and items waiting for staff review for more than N days.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, tzinfo
from typing import Any, TypedDict

from ..errors import XxgkError
from ..store import Store, parse_iso
from ..workdays import CalendarGap
from .config import District, OfficeEntry
from .exposure import DocrootCheck
from ..models import local_date

SILENT_NIGHTS = 14
REVIEW_DAYS = 7


class OverdueApplication(TypedDict):
    id: str
    received_on: str  # ISO dates
    final_due: str
    workdays_over: int


class SilentSource(TypedDict):
    source: str
    nights: int
    last_new: str | None  # when it last brought something new (None: never)


class WaitingItem(TypedDict):
    id: str
    title: str
    since: str  # ISO date of its latest classification
    days: int


@dataclass
class OfficeInspection:
    key: str
    name: str
    late_items: list[dict[str, Any]] = field(default_factory=list)  # id, title, formed_on, published_on, workdays
    overdue_applications: list[OverdueApplication] = field(default_factory=list)
    silent_sources: list[SilentSource] = field(default_factory=list)
    waiting_review: list[WaitingItem] = field(default_factory=list)
    error: str = ""

    @property
    def findings(self) -> int:
        return (len(self.late_items) + len(self.overdue_applications) + len(self.silent_sources)
                + len(self.waiting_review) + bool(self.error))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "findings": self.findings}


def inspect_office(district: District, entry: OfficeEntry, today: date, *,
                   silent_nights: int = SILENT_NIGHTS, review_days: int = REVIEW_DAYS) -> OfficeInspection:
    """One office's findings as of ``today`` (this year's and last year's items); never raises."""
    found = OfficeInspection(entry.key, entry.name or entry.key)  # its config's name, once read
    if not entry.uses_xxgk:
        return found
    try:
        config = district.office_config(entry)
        found.name = entry.name or config.office.name
        if not config.database.exists():
            return found
        with Store(config.database) as store:
            found.late_items = late_items(store, today, config.office.timezone)
            found.overdue_applications = overdue(store, today)
            found.silent_sources = silent_sources(store, silent_nights)
            found.waiting_review = waiting_review(store, today, review_days, config.office.timezone)
    except XxgkError as e:
        found.error = str(e)
    return found


def inspect_district(district: District, today: date, **limits: int) -> list[OfficeInspection]:
    return [inspect_office(district, entry, today, **limits) for entry in district.offices]


def late_items(store: Store, today: date, tz: tzinfo) -> list[dict[str, Any]]:
    from ..registers.documents import timeliness, timings

    gaps: list[CalendarGap] = []
    out = []
    for year in (today.year - 1, today.year):
        found, without = timings(store, year, tz, gaps)
        out += timeliness(found, without)["late"]
    return out


def overdue(store: Store, today: date) -> list[OverdueApplication]:
    from ..registers.ledger import overdue_applications

    return [{"id": d.application.id, "received_on": d.application.received_on.isoformat(),
             "final_due": d.deadline.final_due.isoformat(), "workdays_over": -d.workdays_left}
            for d in overdue_applications(store, today)]


def silent_sources(store: Store, nights: int) -> list[SilentSource]:
    """Sources whose last ``nights`` runs all ran without a failure and brought nothing new or changed."""
    out: list[SilentSource] = []
    for (name,) in store.db.execute("SELECT name FROM sources ORDER BY name").fetchall():
        recent = store.db.execute(
            "SELECT status, new, updated FROM run_sources WHERE source = ? ORDER BY run_id DESC LIMIT ?",
            [name, nights]).fetchall()
        if len(recent) < nights or not all(s == "ok" and not n and not u for s, n, u in recent):
            continue
        (last_new,) = store.db.execute(
            "SELECT MAX(r.started_at) FROM run_sources rs JOIN runs r ON r.id = rs.run_id "
            "WHERE rs.source = ? AND rs.new > 0", [name]).fetchone()
        out.append({"source": name, "nights": nights, "last_new": last_new})
    return out


def waiting_review(store: Store, today: date, days: int, tz: tzinfo) -> list[WaitingItem]:
    """Items waiting for staff review for more than ``days`` days, since their latest classification."""
    out: list[WaitingItem] = []
    for item_id, title, since in store.db.execute(
            "SELECT i.id, i.title, (SELECT c.at FROM classifications c WHERE c.item_id = i.id ORDER BY c.id DESC LIMIT 1) "
            "FROM counted_items i WHERE i.status = 'review' AND i.withdrawn = 0 ORDER BY i.id"):
        at = parse_iso(since)
        if at is None:
            continue
        day = local_date(at, tz)
        waited = (today - day).days
        if waited > days:
            out.append({"id": item_id, "title": title or "", "since": day.isoformat(),
                        "days": waited})
    return out


def inspection_text(found: list[OfficeInspection], today: date, docroot: DocrootCheck | None = None) -> str:
    lines = [f"各单位政府信息公开巡查（截至 {today.isoformat()}）"]
    if docroot is not None:
        lines += docroot_lines(docroot)
    lines.append(f"  {'单位':<10} 逾期公开 逾期申请 沉默来源 待审超期")
    for f in found:
        lines.append(f"  {f.key:<10} {len(f.late_items):>8} {len(f.overdue_applications):>8} "
                     f"{len(f.silent_sources):>8} {len(f.waiting_review):>8}  {f.name}")
    for f in found:
        if not f.findings:
            continue
        lines.append(f"{f.name}（{f.key}）")
        if f.error:
            lines.append(f"  无法检查：{f.error}")
        lines += [f"  逾期公开 {x['workdays']} 个工作日：{x['title']}（生成 {x['formed_on']}，公开 {x['published_on']}）"
                  for x in f.late_items]
        lines += [f"  申请 {x['id']} 已逾期（{x['received_on']} 收到，期限 {x['final_due']}）"
                  for x in f.overdue_applications]
        lines += [f"  来源 {x['source']} 连续 {x['nights']} 次没有新信息（最近一次新信息 {x['last_new'] or '从未'}）"
                  for x in f.silent_sources]
        lines += [f"  待审核 {x['days']} 天：{x['title']}（{x['id']}，自 {x['since']}）" for x in f.waiting_review]
    return "\n".join(lines)


def docroot_lines(docroot: DocrootCheck) -> list[str]:
    """The public host's answer (exposure.py): its alert first, then its notes; one line when all is well."""
    if docroot.alert:
        return [f"ALERT {docroot.alert}", *docroot.notes]
    if docroot.checked and not docroot.notes:
        assert docroot.private is not None
        return [f"发布目录正确：内部文件 {docroot.private.url} 不能公开访问（HTTP {docroot.private.status}）"]
    return list(docroot.notes)


def inspection_html(found: list[OfficeInspection], district: str, today: date,
                    docroot: DocrootCheck | None = None) -> str:
    from jinja2 import Environment

    return Environment(autoescape=True).from_string(_PAGE).render(
        found=found, district=district, today=today, docroot=docroot_lines(docroot) if docroot else [],
        exposed=bool(docroot and docroot.alert))


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{{ district }}政府信息公开巡查</title>
<style>body { font-family: sans-serif; max-width: 64em; margin: 2em auto; line-height: 1.5; }
table { border-collapse: collapse; } th, td { border: 1px solid #999; padding: 2px 8px; }
td.n { text-align: right; } .bad { color: #a00; }</style></head>
<body>
<h1>{{ district }}政府信息公开巡查</h1>
<p>截至 {{ today.isoformat() }}。</p>
{%- for line in docroot %}
<p id="docroot"{% if exposed and loop.first %} class="bad"{% endif %}>{{ line }}</p>
{%- endfor %}
<table id="summary"><tr><th>单位</th><th>逾期公开</th><th>逾期申请</th><th>沉默来源</th><th>待审超期</th></tr>
{%- for f in found %}
<tr><td><a href="#{{ f.key }}">{{ f.name }}</a></td><td class="n">{{ f.late_items|length }}</td>
<td class="n">{{ f.overdue_applications|length }}</td><td class="n">{{ f.silent_sources|length }}</td>
<td class="n">{{ f.waiting_review|length }}</td></tr>
{%- endfor %}
</table>
{%- for f in found if f.findings %}
<h2 id="{{ f.key }}">{{ f.name }}</h2>
<ul>
{%- if f.error %}<li class="bad">无法检查：{{ f.error }}</li>{% endif %}
{%- for x in f.late_items %}<li>逾期公开 {{ x.workdays }} 个工作日：{{ x.title }}（生成 {{ x.formed_on }}，公开 {{ x.published_on }}）</li>{% endfor %}
{%- for x in f.overdue_applications %}<li class="bad">申请 {{ x.id }} 已逾期（{{ x.received_on }} 收到，期限 {{ x.final_due }}）</li>{% endfor %}
{%- for x in f.silent_sources %}<li>来源 {{ x.source }} 连续 {{ x.nights }} 次没有新信息</li>{% endfor %}
{%- for x in f.waiting_review %}<li>待审核 {{ x.days }} 天：{{ x.title }}</li>{% endfor %}
</ul>
{%- endfor %}
</body>
</html>
"""

"""The district portal, static, in the district's docroot (output/site/, layout.py):

    index.html                  the offices: each one's latest items and counts, its site and feeds
    feeds/all.{rss.xml,atom.xml,json}   the combined feed: every office's newest items, newest first
    search.html, search/, static/   one search over every office's items (publish/search.py's index,
                                    the office site's search script)
    <KEY>/                      each office's own catalog site, its feeds in KEY/feeds/ (written by its nightly job)

The portal reads what the offices' jobs published (their feeds/all.json, search/) and their run
records; it never changes an office's store or outputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..config import messages
from ..errors import ConfigError
from ..publish import Writer
from ..publish.feeds import Entry, FeedSpec, render as render_feed
from ..publish.pages import STATIC, environment
from ..publish.search import INDEX_DIR, SearchIndex, published_docs
from .config import District
from .status import district_status

LATEST_PER_OFFICE = 5
COMBINED_ENTRIES = 100
SEARCH_SCRIPTS = ("search-core.js", "search.js")  # the office site's, copied to static/
EMPTY_FEED_DATE = datetime(2000, 1, 1, tzinfo=timezone.utc)  # a feed with no entry: a fixed date, not now


@dataclass(frozen=True)
class OfficeCard:
    key: str
    name: str
    uses_xxgk: bool
    status: str
    items: int | None
    last_run: str
    latest: tuple[dict[str, Any], ...]  # JSON Feed items
    has_site: bool


def office_feed_items(district: District, key: str) -> list[dict[str, Any]]:
    """The office's newest items, from the feed its nightly job wrote ([] when there is none)."""
    path = district.office_site(key) / "feeds" / "all.json"
    try:
        return list(json.loads(path.read_text(encoding="utf-8")).get("items", []))
    except (FileNotFoundError, ValueError):
        return []


def cards(district: District, today: date) -> list[OfficeCard]:
    out = []
    for row in district_status(district, today):
        items = office_feed_items(district, row["key"])
        out.append(OfficeCard(row["key"], row["name"], row["uses_xxgk"], row["status"], row.get("items"),
                              (row.get("last_run") or {}).get("started_at", ""), tuple(items[:LATEST_PER_OFFICE]),
                              (district.office_site(row["key"]) / "index.html").exists()))
    return out


def combined_feed(district: District, offices: list[OfficeCard]) -> FeedSpec:
    """Every office's feed items in one feed, newest first, each tagged with its office."""
    if not district.site_url:
        raise ConfigError(messages.expected(district.path, "[district] site_url",
                                            "区输出文件夹发布的网址（门户的订阅源要用到它）"))
    entries, taken = [], set()
    for office in offices:
        for item in office_feed_items(district, office.key):
            published = datetime.fromisoformat(item["date_published"])
            # Offices share the district's host, so two reposting one link carry one id; the later
            # office's entry is told apart by its key (a reader would keep only one of them).
            entry_id = item["id"] if item["id"] not in taken else f"{item['id']}:{office.key}"
            taken.add(entry_id)
            entries.append(Entry(
                id=entry_id, title=f"【{office.name}】{item['title']}", url=item["url"],
                summary=item.get("summary", ""), content_html=item.get("content_html", ""),
                published=published, updated=datetime.fromisoformat(item.get("date_modified", item["date_published"])),
                categories=((office.key, office.name),)))
    entries.sort(key=lambda e: (e.published, e.id), reverse=True)
    entries = entries[:COMBINED_ENTRIES]
    return FeedSpec(key="all", title=f"{district.name}政府信息公开（各单位）",
                    description=f"{district.name}各街道、乡镇政府信息公开的最新信息", home_url=district.site_url + "index.html",
                    feed_url=district.site_url + "feeds/", author=district.name, language="zh-CN",
                    updated=max((e.updated for e in entries), default=EMPTY_FEED_DATE), tz=district.timezone,
                    entries=entries)


def build_portal(district: District, today: date, *, search: bool = True) -> list[str]:
    """Write the portal's files; returns those (re)written."""
    offices = cards(district, today)
    writer = Writer(district.site, managed=())
    feed = combined_feed(district, offices)
    for name, data in render_feed(feed).items():
        writer.write(f"feeds/{name}", data)
    writer.write("index.html", INDEX.render(district=district, offices=offices, today=today,
                                            feed=feed, reports=_reports(district)))
    if search and any(o.has_site for o in offices):
        index_district(district, offices)
        for name in SEARCH_SCRIPTS:
            writer.write(f"static/{name}", (STATIC / name).read_bytes())
        form = environment().get_template("_search_form.html").render(item_href="{office}/item/{id}.html")
        writer.write("search.html", SEARCH.render(district=district, form=Markup(form)))
    return writer.written


def index_district(district: District, offices: list[OfficeCard]) -> None:
    """One index (search/) over the items every office's site has indexed, each as "<KEY>/<item id>",
    its office's name before its category. Only what changed since the last portal is re-indexed."""
    index = SearchIndex(district.output, district.site / INDEX_DIR, tz=district.timezone)  # its state: not served
    live = []
    for office in offices:
        if not office.has_site:
            continue
        for doc in published_docs(district.office_output(office.key), district.office_site(office.key) / INDEX_DIR):
            doc = replace(doc, item_id=f"{office.key}/{doc.item_id}", category=f"{office.name} · {doc.category}")
            index.add(doc)
            live.append(doc.item_id)
    index.keep_only(live)
    index.save()


def _reports(district: District) -> list[str]:
    """The roll-up pages already written (reports/<year>.html), newest first."""
    folder = district.site / "reports"
    return sorted((p.name for p in folder.glob("*.html")), reverse=True) if folder.is_dir() else []


_ENV = Environment(autoescape=True)
_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: sans-serif; max-width: 72em; margin: 1em auto; padding: 0 1em; line-height: 1.5; color: #222; }
.offices { display: grid; grid-template-columns: repeat(auto-fill, minmax(20em, 1fr)); gap: 1em; padding: 0; }
.office { list-style: none; border: 1px solid #ccc; border-radius: 4px; padding: 0.6em 1em; }
.office h2 { font-size: 1.15em; margin: 0.2em 0; } .meta { color: #555; font-size: 0.9em; }
.latest { padding-left: 1.2em; margin: 0.4em 0; } .failed { color: #a00; }
a { color: #0645ad; }
</style>
"""
INDEX = _ENV.from_string(_HEAD.replace("{{ title }}", "{{ district.name }}政府信息公开") + """<link rel="alternate" type="application/rss+xml" title="{{ feed.title }}" href="feeds/all.rss.xml">
<link rel="alternate" type="application/atom+xml" title="{{ feed.title }}" href="feeds/all.atom.xml">
</head>
<body>
<header>
<h1>{{ district.name }}政府信息公开</h1>
<p>{{ offices|length }} 个单位。订阅全部单位的最新信息：<a href="feeds/all.rss.xml">RSS</a> · <a href="feeds/all.atom.xml">Atom</a> · <a href="feeds/all.json">JSON</a>
{%- if offices|selectattr("has_site")|list %} · <a href="search.html">全区检索</a>{% endif %}
{%- for name in reports %} · <a href="reports/{{ name }}">{{ name[:4] }}年度报告汇总</a>{% endfor %}</p>
</header>
<main>
<ul class="offices">
{%- for o in offices %}
<li class="office" id="office-{{ o.key }}">
<h2>{% if o.has_site %}<a href="{{ o.key }}/index.html">{{ o.name }}</a>{% else %}{{ o.name }}{% endif %}</h2>
{%- if o.uses_xxgk and o.items is none and o.status == "failed" %}
<p class="meta failed">本单位的配置或数据库有误，未能运行（见 xxgk district status）。</p>
{%- elif o.uses_xxgk %}
<p class="meta">已公开信息 <span class="count">{{ o.items if o.items is not none else "—" }}</span> 条
{%- if o.has_site %} · <a href="{{ o.key }}/feeds/all.rss.xml">RSS</a> · <a href="{{ o.key }}/feeds/all.atom.xml">Atom</a>{% endif %}
{%- if o.status in ("failed", "partial") %} · <span class="failed">最近一次采集有失败</span>{% endif %}</p>
<ol class="latest">
{%- for item in o.latest %}
<li><a href="{{ item.url }}">{{ item.title }}</a> <span class="meta">{{ item.date_published[:10] }}</span></li>
{%- else %}
<li class="meta">暂无信息</li>
{%- endfor %}
</ol>
{%- else %}
<p class="meta">该单位未使用本系统发布，只报送年度报告表格。</p>
{%- endif %}
</li>
{%- endfor %}
</ul>
</main>
</body>
</html>
""")
SEARCH = _ENV.from_string(_HEAD.replace("{{ title }}", "{{ district.name }}政府信息公开 全区检索") + """<style>.results li { margin-bottom: 0.8em; } .snippet { margin: 0.2em 0; }</style>
</head>
<body>
<h1>{{ district.name }}政府信息公开 全区检索</h1>
<p>在全区各单位已公开的全部信息中检索标题和正文：含有所输入文字的信息都会列出，标题含有的在前，其余按发布时间从新到旧。多个词用空格分开。<a href="index.html">返回各单位列表</a></p>
<main>
{{ form }}
</main>
<noscript><p>全文检索需要浏览器启用 JavaScript。也可从<a href="index.html">各单位列表</a>进入各单位的公开目录浏览。</p></noscript>
<p id="search-unavailable" hidden>检索索引无法从本地文件加载（请通过网站访问本页）。</p>
<script src="static/search-core.js"></script>
<script src="static/search.js"></script>
</body>
</html>
""")

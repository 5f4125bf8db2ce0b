"""What kind of list a column URL has, and the config xxgk would use for it (`xxgk add-source URL`).

The page is fetched once and judged: a Hanweb datastore (dataproxy paging), a TRS
`createPageHTML` pager, a static list (with or without a next-page link), or, when the page
lists nothing, a JSON list API its scripts name — then that endpoint is fetched once too and
its records, title, link and date fields are guessed. A column whose list names catalog
fields, or whose first entry's metadata table has an 索引号 and a 主题分类 (that entry is
fetched too), is a disclosure catalog: kind = "catalog". `judge()` is pure: it takes the
page's text and a function that fetches the candidate endpoint or entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml.etree import _Element as HtmlElement

from pipeline.htmltools import META_TABLE_LABELS, descendants, metadata_table, parse_html, select_one, short_text

from . import catalog, hanweb, lists
from .lists import ListEntry

KINDS = ("hanweb", "trs", "static", "json_api", "none")


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    summary: str  # what was found, for staff
    entries: int  # list entries seen
    toml: str  # the [sources.NAME] table xxgk would use


def judge(text: str, url: str, name: str, fetch_text: Callable[[str], str | None]) -> Finding:
    """The list kind of a column page; fetch_text(url) reads a candidate API or the first entry's
    page (None: not reachable)."""
    column = hanweb.column(text, url)
    if column is not None:
        total = f"，共 {column.total} 条" if column.total else ""
        batch = max(column.per_page * column.group_size, hanweb.MIN_BATCH)
        summary = (f"大汉 Hanweb JCMS 栏目：页面内嵌 {len(column.records)} 条记录{total}，"
                   f"其余由 {column.proxy_url} 以 POST 分批读取（每批 {batch} 条）。无需选择器。")
        entries = hanweb.parse_records(column.records, url, lists.LIST_DEFAULTS, timezone.utc)
        return _listed("hanweb", summary, len(column.records), _head(name, url, text, entries, fetch_text))
    listing = lists.parse_list(text, url, tz=timezone.utc)  # rows are counted here, not dated
    pager = lists.TRS_PAGER.search(text)  # the pattern list pages of TRS are paged by
    if listing.entries:
        if pager:
            pages, stem, ext = pager.group(1), pager.group(3), pager.group(4)
            kind, how = "trs", f"TRS WCM 脚本翻页 createPageHTML（共 {pages} 页，第 k+1 页为 {stem}_k.{ext}）"
        elif listing.next_url:
            kind, how = "static", f"静态列表，带翻页链接（下一页 {listing.next_url}）"
        else:
            kind, how = "static", "静态列表，只有一页（未见下一页链接）"
        head = _head(name, url, text, listing.entries, fetch_text)
        if listing.hidden_pages:
            head = head._replace(toml=head.toml + f'page_template = "index_{{n}}.html"   '
                                                  f'# 脚本声明还有 {listing.hidden_pages} 页：请按站点实际地址核对\n')
        return _listed(kind, f"{how}：第一页 {len(listing.entries)} 条。", len(listing.entries), head)
    return _json_api(text, url, name, _source_table(name, url), fetch_text)


class _Head(NamedTuple):
    toml: str  # [sources.NAME] with its kind and url
    why_catalog: str  # why kind is "catalog" ("": a website)


def _source_table(name: str, url: str, kind: str = "website") -> str:
    """The head of the proposed [sources.NAME] table."""
    return f'[sources.{name}]\nkind = "{kind}"\nurl = "{url}"\n'


def _head(name: str, url: str, text: str, entries: list[ListEntry], fetch_text: Callable[[str], str | None]) -> _Head:
    why = _catalog_evidence(text, entries, url, fetch_text)
    return _Head(_source_table(name, url, "catalog" if why else "website"), why)


def _listed(kind: str, summary: str, entries: int, head: _Head) -> Finding:
    if head.why_catalog:
        summary += (f"这是公开目录：{head.why_catalog}，故用 kind = \"catalog\"：按公开目录的元数据表和正文位置读取，"
                    f"信息计入“公开目录”渠道（若它是本单位网站的栏目而非公开目录，请改为 website）。")
    return Finding(kind, summary, entries, head.toml)


# What marks a 公开目录 entry: an 索引号 and a 主题分类. A township website's 信息公开 pages may carry an
# 索引号 and a 文号 too, but the catalog's subject classification only a catalog shows. A list marks
# itself by an 索引号 column (a website's list may well name a 分类) beside another catalog field.
_CATALOG_MARKS = ("index_number", "topic")
_CATALOG_FIELDS = {"index_number", "topic", "publisher", "doc_number", "formed_on"}
_LABEL_CELLS = ("th", "td", "dt", "span", "b", "strong", "label")


def _catalog_evidence(text: str, entries: list[ListEntry], url: str, fetch_text: Callable[[str], str | None]) -> str:
    """Why the column is a disclosure catalog — its list names an 索引号 and another catalog field, or its
    first entry's metadata table, as the catalog reader finds it, has an 索引号 and a 主题分类 — or ""."""
    labels = _catalog_labels(parse_html(text))
    if len(labels) >= 2 and "index_number" in labels:
        return f"列表各条带 {'、'.join(labels.values())} 等栏"
    first = next((e.url for e in entries if urlsplit(e.url).hostname == urlsplit(url).hostname), None)
    page = fetch_text(first) if first else None  # one entry: the column's own host only
    if not page:
        return ""
    root = parse_html(page)
    meta_root = select_one(root, catalog.DEFAULTS["meta"])
    meta = metadata_table(meta_root if meta_root is not None else root)
    if not all(key in meta for key in _CATALOG_MARKS):
        return ""
    return f"第一条（{first}）的元数据表有索引号“{meta['index_number']}”、主题分类“{meta['topic']}”"


def _catalog_labels(page: HtmlElement) -> dict[str, str]:
    """The catalog fields a list page names in a cell of its own (a header 索 引 号, a row's 发布机构：…),
    by Post.meta key, with the label as written (spaces left out)."""
    found: dict[str, str] = {}
    for cell in descendants(page, *_LABEL_CELLS):
        own = short_text(cell, 30)
        label = "".join((own or "").partition("：")[0].partition(":")[0].split())  # "索 引 号" is 索引号
        key = META_TABLE_LABELS.get(label)
        if key in _CATALOG_FIELDS:
            found.setdefault(key, label)
    return found


# An endpoint a page script names: a quoted path with api / list / query … in it, not a script or style.
_ENDPOINT = re.compile(r"""["']((?:https?://[^"'\s]+)?/[^"'\s<>]*?(?:api|list|query|search|getData|\.do\b|\.json\b)"""
                       r"""[^"'\s<>]*)["']""", re.I)
_ARGS = re.compile(r"""\s*,\s*\{([^{}]*)\}""")
_PAGE_KEYS = {"page", "pageno", "pagenum", "pageindex", "currentpage", "current", "curpage", "pagenumber"}
_SIZE_KEYS = {"pagesize", "size", "rows", "limit", "perpage", "pagecount"}


def _json_api(text: str, url: str, name: str, base: str, fetch_text: Callable[[str], str | None]) -> Finding:
    for found in _ENDPOINT.finditer(text):
        if re.search(r"\.(js|css|png|jpg|gif|html?)(\?|$)", found.group(1), re.I):
            continue
        endpoint, query = _endpoint_fields(found.group(1), text[found.end():found.end() + 400])
        api_url = urljoin(url, endpoint)
        if urlsplit(api_url).hostname != urlsplit(url).hostname:
            continue  # only the column's own host is fetched here
        size = next((int(v) for k, v in query.items() if k.lower() in _SIZE_KEYS and v.isdigit()), 20)
        asked = api_url + ("&" if "?" in api_url else "?") + urlencode(
            {k: _fill(k, v, 1, size) for k, v in query.items()}) if query else api_url
        answer = fetch_text(asked)
        guess = _guess_fields(answer) if answer else None
        if guess is None:
            continue
        records, title, link, date, count, total, first_link = guess
        table = _api_table(name, endpoint, query, size, records, title, link, date, total)
        first = [ListEntry(urljoin(api_url, first_link), "", None)] if first_link and link.lower() != "id" else []
        head = _head(name, url, text, first, fetch_text)
        return _listed("json_api", f"页面本身没有列表；其脚本从 JSON 接口 {api_url} 读取：第一页 {count} 条，"
                                   f"记录在 {records}（标题 {title}，链接 {link}，日期 {date or '无'}）。"
                                   f"{_paging_said(query)}请核对下面猜出的字段。", count,
                       head._replace(toml=head.toml + table))
    return Finding("none", "未识别出列表：页面没有列表行、大汉 datastore 或可推断的 JSON 接口。"
                           "请用 [sources.NAME.selectors] 指定列表选择器，或用 list_api 指明接口。", 0, base)


def _endpoint_fields(endpoint: str, after_url: str) -> tuple[str, dict[str, str]]:
    """The endpoint without its query string, and the fields it is asked with: those of its own query
    string (`/api/articles?pageNo=1&pageSize=15`) and of the object literal passed with it — all of
    them, so the page and size fields become templates wherever the script wrote them."""
    path, _, own = endpoint.partition("?")
    return path, {**dict(parse_qsl(own, keep_blank_values=True)), **_query_fields(after_url)}


def _query_fields(after_url: str) -> dict[str, str]:
    """The object literal passed with the endpoint (`load('/api/list', {pageNo: 1, channelId: 'x'})`)."""
    args = _ARGS.match(after_url)
    return hanweb.js_object(args.group(1)) if args else {}


def _paging_said(query: dict[str, str]) -> str:
    """What staff should know about the paging of the proposed table."""
    page = [k for k in query if k.lower() in _PAGE_KEYS]
    if not page:
        return "未识别出页码字段：按下表只会读到第一页，请在 url 或 query 中用 {page} 标出页码。"
    size = [k for k in query if k.lower() in _SIZE_KEYS]
    return f"翻页字段 {'、'.join(page + size)} 已写成 {{page}}{'/{size}' if size else ''}。"


def _fill(key: str, value: str, page: int, size: int) -> str:
    if key.lower() in _PAGE_KEYS:
        return str(page)
    if key.lower() in _SIZE_KEYS:
        return str(size)
    return value


def _template(key: str, value: str) -> str:
    """A query field as list_api templates it: the page and size fields fill in, the rest stay as they are."""
    return "{page}" if key.lower() in _PAGE_KEYS else "{size}" if key.lower() in _SIZE_KEYS else _literal(value)


def _literal(text: str) -> str:
    """Text that a list_api template keeps as it is (its braces are no placeholders)."""
    return text.replace("{", "{{").replace("}", "}}")


def _guess_fields(text: str) -> tuple[str, str, str, str, int, str, str] | None:
    """(records path, title, link, date, records seen, total path, the first record's link) of a JSON
    answer, or None."""
    try:
        answer = json.loads(text)
    except json.JSONDecodeError:
        return None
    found = max(_lists(answer, ""), key=lambda pl: len(pl[1]), default=None)
    if found is None:
        return None
    path, rows = found
    keys = {k for row in rows for k, v in row.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    title = _pick(keys, ("title", "doctitle", "name", "bt", "subject"), "title")
    link = _pick(keys, ("url", "link", "href", "docurl", "path", "id"), "url")
    date = _pick(keys, ("pubdate", "publishdate", "publishtime", "date", "time", "created"), "date")
    if not title or not link:
        return None
    total = next((p for p, v in _scalars(answer, "") if p.split(".")[-1].lower() in ("total", "totalcount", "count",
                                                                                      "totalrecord", "totalnum")), "")
    first_link = rows[0].get(link)
    return path, title, link, date, len(rows), total, first_link if isinstance(first_link, str) else ""


def _lists(value: Any, path: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every list of objects in a JSON value, with its dotted path."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [(path, value)]
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _lists(v, f"{path}.{k}" if path else k)]
    return []


def _scalars(value: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _scalars(v, f"{path}.{k}" if path else k)]
    return [(path, value)] if isinstance(value, int) and not isinstance(value, bool) else []


def _pick(keys: set[str], preferred: tuple[str, ...], word: str) -> str:
    """The record key that names this field: an exact preferred name first, then one that holds the word."""
    by_lower = {k.lower(): k for k in keys}
    for name in preferred:
        if name in by_lower:
            return by_lower[name]
    return next((k for k in sorted(keys) if word in k.lower()), "")


def _api_table(name: str, endpoint: str, query: dict[str, str], size: int, records: str, title: str, link: str,
               date: str, total: str) -> str:
    lines = [f"[sources.{name}.list_api]", f"url = {_toml_string(_literal(endpoint))}"]
    if query:
        fields = ", ".join(f"{_toml_key(k)} = {_toml_string(_template(k, v))}" for k, v in query.items())
        lines.append(f"query = {{ {fields} }}")
    lines += [f"page_size = {size}", f'records = "{records}"', f'title = "{title}"', f'link = "{link}"']
    if link.lower() == "id":
        lines.append('# link 是编号：请加 link_template = "文章地址，以 {} 代编号"（如 "/content/{}.html"）')
    if date:
        lines.append(f'date = "{date}"')
    if total:
        lines.append(f'total = "{total}"')
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)

"""Hanweb (大汉) JCMS column pages: the list is not in the HTML but in a script.

A column page (`/col/col1234/index.html`) carries the first records of its list in
`<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li>…</li>]]></record>…`,
the list's size in the `jpage` call that renders it (`totalRecord`, `perPage`, `groupSize`),
and the fields its script posts for later records (`var param_UNIT = {col:1, webid:…,
columnid:…, unitid:'UNIT', …}`, else the `<nextgroup>` link's query). Later records come
from `/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`, POSTed those
fields, in the same XML. Records are read as list rows by `lists.parse_list`.

`column(html, url)` finds that (None on other pages); `listings()` yields the list's pages:
the embedded one, then one dataproxy answer per group of records, as the walk asks for more.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import tzinfo
from urllib.parse import parse_qsl, urljoin, urlsplit

from pipeline.config import Source

from .lists import ListEntry, ListPage, parse_list
from .protocol import Context, Note, SourceError

PROXY_URL = "/module/web/jpage/dataproxy.jsp"
PER_PAGE, GROUP_SIZE = 15, 3  # jpage's defaults when the page names none
MIN_BATCH = 60  # records asked per request at least: fewer requests than the site's own 3 × 15
RECORD_TAG = "xxgk-record"  # each record wrapped in it, so parse_list takes one row per record

_UNIT = re.compile(r"""(?:\bid\s*=\s*["']?([\w-]+)["']?[^<>]*>\s*)?<script[^>]*>\s*<datastore>(.*?)</datastore>""",
                   re.S | re.I)
_RECORD = re.compile(r"<record[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
_NEXT_GROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href\s*=\s*[\"']([^\"']+)", re.S | re.I)
_COLUMN_URL = re.compile(r"/col/col(\d+)/")
_TOTAL_TAG = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_JS_FIELD = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")


@dataclass(frozen=True)
class Column:
    """What a Hanweb column page says about its list."""

    url: str  # the column page
    records: tuple[str, ...]  # the embedded records' HTML
    proxy_url: str  # absolute, without the record range
    fields: dict[str, str]  # POSTed with every request
    total: int | None  # totalRecord, when the page names it
    per_page: int
    group_size: int


def column(html: str, url: str) -> Column | None:
    """The Hanweb list of a column page, or None when the page embeds no datastore."""
    if "<datastore>" not in html:
        return None
    units = [(m.group(1) or "", m.group(2)) for m in _UNIT.finditer(html)]
    if not units:
        return None
    # The page's own list: the unit of the column the URL names (/col/col1234/), else the longest.
    own = _COLUMN_URL.search(url)
    unit, store = max(units, key=lambda u: (own is not None and _fields(html, *u).get("columnid") == own.group(1),
                                            len(records_of(u[1]))))
    settings = _jpage_settings(html, unit)
    fields = _fields(html, unit, store)
    return Column(
        url=url,
        records=tuple(records_of(store)),
        proxy_url=urljoin(url, _setting(settings, "proxyUrl") or PROXY_URL),
        fields=fields,
        total=_number(settings, "totalRecord"),
        per_page=_number(settings, "perPage") or PER_PAGE,
        group_size=_number(settings, "groupSize") or GROUP_SIZE,
    )


def records_of(xml: str) -> list[str]:
    """The records' HTML of a datastore (an embedded one or a dataproxy answer)."""
    return [html_lib.unescape(m.group(2)) if m.group(1) is None else m.group(1) for m in _RECORD.finditer(xml)]


def total_of(xml: str) -> int | None:
    found = _TOTAL_TAG.search(xml)
    return int(found.group(1)) if found else None


def parse_records(records: list[str] | tuple[str, ...], page_url: str, selectors: dict[str, str],
                  tz: tzinfo) -> list[ListEntry]:
    """List entries from records' HTML, one per record: its link, title and date as for a list row."""
    rows = "".join(f"<{RECORD_TAG}>{record}</{RECORD_TAG}>" for record in records)
    page = f"<html><body>{rows}</body></html>"
    return parse_list(page, page_url, {**selectors, "list_item": RECORD_TAG}, tz=tz).entries


def _jpage_settings(html: str, unit: str) -> str:
    """The text of the jpage call that renders `unit` (the whole page when none names it)."""
    if unit:
        call = re.search(r"""\(\s*['"]#%s['"]\s*\)\s*\.jpage\s*\((.*?)\}\s*\)""" % re.escape(unit), html, re.S)
        if call:
            return call.group(1)
    call = re.search(r"\.jpage\s*\((.*?)\}\s*\)", html, re.S)
    return call.group(1) if call else html


def _setting(text: str, name: str) -> str:
    found = re.search(r"""\b%s\s*:\s*(?:'([^']*)'|"([^"]*)"|([\w./-]+))""" % name, text)
    return next((g for g in found.groups() if g), "") if found else ""


def _number(text: str, name: str) -> int | None:
    value = _setting(text, name)
    return int(value) if value.isdigit() and int(value) > 0 else None


def _fields(html: str, unit: str, store: str) -> dict[str, str]:
    """What the page's script posts: `var param_UNIT = {…}`, else the <nextgroup> link's query."""
    names = [f"param_{unit}"] if unit else []
    for name in [*names, r"param_\w+"]:
        found = re.search(r"var\s+%s\s*=\s*\{(.*?)\}" % name, html, re.S)
        if found and "columnid" in found.group(1):
            return js_object(found.group(1))
    link = _NEXT_GROUP.search(store)
    if link:
        query = parse_qsl(urlsplit(html_lib.unescape(link.group(1))).query, keep_blank_values=True)
        return {k: v for k, v in query if k not in _RANGE_FIELDS}
    return {}


_RANGE_FIELDS = ("page", "startrecord", "endrecord", "perpage")  # set per request, not by the page


def js_object(body: str) -> dict[str, str]:
    """The fields of a flat JavaScript object literal's body (`col:1,path:'/',webname:"…"`), as text."""
    return {m.group(1): next(g for g in m.groups()[1:] if g is not None) for m in _JS_FIELD.finditer(body)}


def group_url(col: Column, start: int, size: int) -> str:
    """The dataproxy URL for records start … start + size - 1 (1-based), as jpage asks for them."""
    return f"{col.proxy_url}?startrecord={start}&endrecord={start + size - 1}&perpage={col.per_page}"


def listings(col: Column, source: Source, ctx: Context,
             selectors: dict[str, str]) -> Iterator[ListPage | Note]:
    """The column's list: the embedded records, then dataproxy answers of `batch` records each.

    The next request starts after the records an answer held (a server that answers fewer than
    asked is followed at its own pace; one that repeats its boundary record is deduplicated by
    the walk). The list ends at its total, or at an empty answer when the page names no total;
    an empty answer short of the total is an error (the walk keeps what it read before it).
    """
    batch = max(col.per_page * col.group_size, MIN_BATCH)
    records, total, start = list(col.records), col.total, 1
    while True:
        start += len(records)
        more = bool(records) and (total is None or start <= total)
        next_url = group_url(col, start, batch) if more else None
        yield ListPage(entries=parse_records(records, col.url, selectors, ctx.tz), next_url=next_url)
        if next_url is None:
            return
        answer = ctx.fetcher.post_form(next_url, col.fields, obey_robots=source.obey_robots).text()
        records, total = records_of(answer)[:batch], total_of(answer) or total
        if not records and total is not None and start <= total:
            raise SourceError(f"{next_url}: dataproxy answered no records from record {start} on, though the "
                              f"column lists {total} (has the site changed how its list is read?)")

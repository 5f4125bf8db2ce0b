"""A list endpoint named in the config (`[sources.NAME.list_api]`) instead of list pages.

Sites whose column pages load their lists from an API (JSON, or XML/HTML fragments such as
Hanweb's dataproxy answers) are collected by config only: the endpoint is a template with
{page}, {n}, {size}, {start}, {end}, {offset}; GET or POST (form or JSON body); the answer's
records are found by a dotted JSON path or a CSS selector, their title / link / date by
paths or selectors. `website.collect` walks these pages when a source has a list_api (a
website or a catalog): the articles are then fetched and parsed as website articles.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from pipeline.config import ListApi, Source
from pipeline.normalize import canonical_url, clean_text, parse_date

from . import hanweb
from .lists import ListEntry, ListPage, parse_list
from .protocol import Context, Note, SourceError


def placeholders(page: int, size: int) -> dict[str, int]:
    """The values a template may use for one page (1-based)."""
    start = (page - 1) * size + 1
    return {"page": page, "n": page - 1, "size": size, "start": start, "end": start + size - 1, "offset": start - 1}


def request_for(source: Source, page: int) -> tuple[str, dict[str, str]]:
    """The URL and the body fields of one page's request."""
    spec = source.list_api
    assert spec is not None  # only a source with a [list_api] table comes here
    values = placeholders(page, spec.page_size)
    url = urljoin(source.url, spec.url.format(**values))
    if spec.query:
        parts = urlsplit(url)
        extra = urlencode({k: v.format(**values) for k, v in spec.query.items()})
        url = urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))
    return url, {k: v.format(**values) for k, v in spec.form.items()}


@dataclass(frozen=True)
class Answer:
    entries: list[ListEntry]
    total: int | None  # the list's size, when the answer says it
    records: int  # records in the answer, readable or not (a short page is the last)


def listings(source: Source, ctx: Context, selectors: dict[str, str]) -> Iterator[ListPage | Note]:
    """The endpoint's pages, one request each, until a short page, the total, or a page that
    repeats what was read (the walk in sources/website.py applies the office's max_pages, if it
    set one). Raises SourceError when the list ends short of the total it announces: paging that
    does not advance (a page number fixed in the url) must not pass for a whole list."""
    spec = source.list_api
    assert spec is not None  # only a source with a [list_api] table comes here
    seen: set[str] = set()  # distinct entries so far (a server may repeat a page's boundary record)
    records = 0  # records read so far, with or without a usable link
    for page in itertools.count(1):
        url, fields = request_for(source, page)
        text = _answer(ctx, source, url, fields, conditional=page == 1 and not (ctx.full or ctx.walk_whole))
        if text is None:
            return  # page 1 unchanged since the last run (304)
        answer = parse_answer(text, url, source.url, spec, selectors, ctx.tz)
        repeated = page > 1 and bool(answer.entries) and all(entry.url in seen for entry in answer.entries)
        seen.update(entry.url for entry in answer.entries)
        records += answer.records
        reached = answer.total is not None and len(seen) >= answer.total
        last = repeated or reached or answer.records < spec.page_size
        next_url = None if last else request_for(source, page + 1)[0]
        yield ListPage(entries=answer.entries, next_url=next_url)
        if last:
            if answer.total is not None and not reached and (repeated or records < answer.total):
                raise SourceError(_short_of_total(url, answer.total, len(seen), repeated))
            return


def _short_of_total(url: str, total: int, read: int, repeated: bool) -> str:
    why = "下一页答回的仍是已读的记录" if repeated else "一页答回的记录少于 page_size"
    return (f"{url}: 列表接口称共 {total} 条，只读到 {read} 条（{why}）：翻页没有前进。"
            f"请核对 list_api 的页码字段（url 或 query 中应为 {{page}}）和 page_size")


def _answer(ctx: Context, source: Source, url: str, fields: dict[str, str], conditional: bool) -> str | None:
    spec = source.list_api
    assert spec is not None  # only a source with a [list_api] table comes here
    if spec.method == "GET":
        response = ctx.fetcher.get(url, conditional=conditional, obey_robots=source.obey_robots)
        return None if response.not_modified else response.text()
    if spec.body == "json":  # a number stays a number in a JSON body ({"pageNo": 2})
        return ctx.fetcher.post_json(url, {k: int(v) if v.isdigit() else v for k, v in fields.items()}).text()
    return ctx.fetcher.post_form(url, fields, obey_robots=source.obey_robots).text()


def parse_answer(text: str, url: str, base_url: str, spec: ListApi, selectors: dict[str, str],
                 tz: tzinfo) -> Answer:
    """The entries of one answer, and the list's total when the answer says it. Raises SourceError."""
    if spec.answer == "json":
        return _json_answer(text, url, base_url, spec, tz)
    if spec.answer == "xml":
        records = hanweb.records_of(text)
        entries = hanweb.parse_records(records, base_url, _row_selectors(spec, selectors), tz)
        return Answer(entries, hanweb.total_of(text), len(records))
    row = spec.records or selectors.get("list_item", "")
    page = parse_list(text, base_url, {**_row_selectors(spec, selectors), "list_item": row}, tz=tz)
    return Answer(page.entries, None, len(page.entries))


def _row_selectors(spec: ListApi, selectors: dict[str, str]) -> dict[str, str]:
    """The source's list selectors, with the list_api's link / date selectors where given."""
    return {**selectors, **({"list_link": spec.link} if spec.link else {}), **({"list_date": spec.date} if spec.date else {})}


def _json_answer(text: str, url: str, base_url: str, spec: ListApi, tz: tzinfo) -> Answer:
    try:
        answer = json.loads(text)
    except json.JSONDecodeError as e:
        raise SourceError(f"{url}: the list API did not answer JSON ({e.msg} at {e.pos})") from None
    records = dig(answer, spec.records)
    if not isinstance(records, list):
        raise SourceError(f"{url}: list_api.records = {spec.records!r} is not a list in the answer")
    entries: dict[str, ListEntry] = {}
    for record in records:
        link, title = dig(record, spec.link), dig(record, spec.title)
        if link in (None, "") or not title:
            continue
        href = spec.link_template.format(link) if spec.link_template else str(link)
        entry_url = canonical_url(urljoin(base_url, href))
        date = _date(dig(record, spec.date), tz) if spec.date else None
        entries.setdefault(entry_url, ListEntry(url=entry_url, title=clean_text(str(title)), date=date))
    total = dig(answer, spec.total) if spec.total else None
    total = int(total) if isinstance(total, (int, str)) and str(total).isdigit() else None
    return Answer(list(entries.values()), total, len(records))


def _date(value: Any, tz: tzinfo) -> datetime | None:
    """A record's date: text in any form parse_date knows, or a Unix time in seconds or milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 1e8:
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz)
        except (OverflowError, OSError, ValueError):  # no date a clock can show: none
            return None
    return parse_date(str(value), tz) if value not in (None, "") else None


def dig(value: Any, path: str) -> Any:
    """The value at a dotted path ("data.list", "items.0.title"); None where the path leads nowhere."""
    for key in path.split(".") if path else ():
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return None
    return value


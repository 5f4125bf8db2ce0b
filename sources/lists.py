"""A list page read: its entries (link, title, date) and the next page's URL.

Pure, and shared by every kind of list: website's list pages, Hanweb's records and the rows
of a list_api answer are all read here (so those readers need not import website.py, which
dispatches to them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element as HtmlElement

from pipeline.htmltools import descendants, parse_html, select, select_one, text_of
from pipeline.normalize import canonical_url, clean_text, parse_date

LIST_DEFAULTS = {
    "list_item": "",  # empty: any li / tr / dd that holds one link and a date
    "list_link": "a[href]",
    "list_date": "",  # empty: the first date in the item's text
    "next_page": "a.next || a[rel=next]",
}
_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|next|›|>)\s*$", re.I)


@dataclass(frozen=True)
class ListEntry:
    url: str  # canonical
    title: str
    date: datetime | None


@dataclass(frozen=True)
class ListPage:
    entries: list[ListEntry]
    next_url: str | None
    hidden_pages: int = 0  # further pages the page's scripts announce but no static link reaches


def parse_list(html: str, page_url: str, selectors: dict[str, str] = LIST_DEFAULTS, *, tz: tzinfo) -> ListPage:
    """Entries of a list page and the next page's URL (None on the last page)."""
    page = parse_html(html)
    entries: dict[str, ListEntry] = {}
    page_host = urlsplit(page_url).hostname
    if selectors.get("list_item"):
        candidates = select(page, selectors["list_item"])
    else:
        candidates = [el for el in descendants(page, "li", "tr", "dd", "dl") if _looks_like_entry(el)]
    for item in candidates:
        found = select(item, selectors.get("list_link") or "a[href]")
        link = found[0] if found else None
        href = link.get("href") if link is not None else None
        if link is None or not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = canonical_url(urljoin(page_url, href))
        if urlsplit(url).hostname != page_host and not selectors.get("list_item"):
            continue  # off-site links in a guessed list are navigation, not entries
        title = clean_text(link.get("title") or text_of(link))
        date_el = select_one(item, selectors.get("list_date"))
        date = parse_date(text_of(date_el if date_el is not None else item, " "), tz)
        if title and url not in entries:
            entries[url] = ListEntry(url=url, title=title, date=date)
    next_url = (_next_page(page, page_url, selectors) or _scripted_next_page(html, page_url)
                or _numbered_next_page(page, page_url))
    hidden = 0 if next_url else _announced_pages(html)
    return ListPage(entries=list(entries.values()), next_url=next_url, hidden_pages=hidden)


def _looks_like_entry(el: HtmlElement) -> bool:
    """One link and a date: a list row (a `dl` row keeps its link and date in two `dd`s)."""
    links = [a for a in descendants(el, "a") if a.get("href") is not None]
    nested = _NESTED_IN_DL if el.tag == "dl" else _NESTED
    if len(links) != 1 or next(descendants(el, *nested), None) is not None:
        return False
    return parse_date(text_of(el, " "), timezone.utc) is not None  # whether a date is there, not which day


_NESTED = ("li", "tr", "dd", "ul", "table", "dl")
_NESTED_IN_DL = ("li", "tr", "ul", "table", "dl")


# TRS WCM writes its pager from a script: createPageHTML(pages, current, "index", "html");
# page k+1 is index_k.html.
TRS_PAGER = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
_RECORD_COUNT = re.compile(r"recordCount\s*[:=]\s*[\"']?(\d+)")
_PER_PAGE = re.compile(r"(?:prepage|pageSize|perPage)\s*[:=]\s*[\"']?(\d+)", re.I)


def _scripted_next_page(html: str, page_url: str) -> str | None:
    found = TRS_PAGER.search(html)
    if not found:
        return None
    pages, current, stem, ext = int(found.group(1)), int(found.group(2)), found.group(3), found.group(4)
    return urljoin(page_url, f"{stem}_{current + 1}.{ext}") if current + 1 < pages else None


def _announced_pages(html: str) -> int:
    """Pages beyond this one that a JS pager announces (TRS listModel recordCount/prepage), else 0."""
    records, per_page = _RECORD_COUNT.search(html), _PER_PAGE.search(html)
    if not records or not per_page or int(per_page.group(1)) == 0:
        return 0
    return max(0, -(-int(records.group(1)) // int(per_page.group(1))) - 1)


def _next_page(page: HtmlElement, page_url: str, selectors: dict[str, str]) -> str | None:
    link = select_one(page, selectors.get("next_page"))
    if link is None:
        link = next((a for a in descendants(page, "a")
                     if a.get("href") is not None and _NEXT_TEXT.match(text_of(a))), None)
    href = link.get("href") if link is not None else None
    if not href or href.startswith(("javascript:", "#")):
        return None
    url = urljoin(page_url, href)
    return None if canonical_url(url) == canonical_url(page_url) else url


# A numbered pager (`<span>2</span> <a href="index_2.html">3</a>`) with no 下一页 link: the next page is
# the link numbered one past the current page, which the pager marks by not linking it (or by linking
# the page itself).
_PAGE_NUMBER = re.compile(r"^\s*\[?\s*(\d{1,3})\s*\]?\s*$")  # not 4 digits: a year is no page number
_NUMBER_TAGS = ("a", "span", "strong", "b", "em", "font", "i")


def _numbered_next_page(page: HtmlElement, page_url: str) -> str | None:
    pagers = dict.fromkeys(_pager_of(a) for a in descendants(page, "a")  # in page order
                           if a.get("href") and _PAGE_NUMBER.match(text_of(a)))
    here = canonical_url(page_url)
    for pager in pagers:
        numbers = [(int(found.group(1)), el) for el in descendants(pager, *_NUMBER_TAGS)
                   if len(el) == 0 and (found := _PAGE_NUMBER.match(text_of(el)))]
        links = {n: urljoin(page_url, href) for n, el in numbers if el.tag == "a" and (href := _followable(el))}
        current = next((n for n, el in numbers if n not in links or canonical_url(links[n]) == here), None)
        if current is not None and current + 1 in links and len(numbers) > 1:
            return links[current + 1]
    return None


def _pager_of(link: HtmlElement) -> HtmlElement:
    """The element holding a pager's numbers: the link's parent, or the list around its <li>."""
    parent = link.getparent()
    assert parent is not None  # a link found below the page has one
    grandparent = parent.getparent()
    return grandparent if parent.tag == "li" and grandparent is not None else parent


def _followable(link: HtmlElement) -> str:
    href = (link.get("href") or "").strip()
    return "" if not href or href.startswith(("javascript:", "#")) else href

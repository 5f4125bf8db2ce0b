"""Website collector: list pages (paginated) + article pages, driven by CSS selectors.

Selectors come from the source's config (`[sources.NAME.selectors]`); the defaults
work on common government CMSs (TRS WCM, Hanweb, PowerCMS, NFCMS). Any selector may
list alternatives as "a || b". Keys:
  list_item, list_link, list_date, next_page      on list pages
  title, date, content, attachments, meta, column on article pages
Parsing is pure (`parse_list`, `parse_article`); `collect` does the fetching.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from pipeline.config import Source
from pipeline.errors import FetchError, HttpStatusError
from pipeline.models import SHANGHAI, Post
from pipeline.normalize import canonical_url, clean_html, clean_text, html_to_text, parse_date

from .base import (
    Context, Event, Gone, Problem, Seen, SourceError, find_attachments, first, image_urls, meta_content,
    metadata_table, select_one, soup_of,
)

DEFAULTS = {
    "list_item": "",  # empty: any li / tr / dd that holds one link and a date
    "list_link": "a[href]",
    "list_date": "",  # empty: the first date in the item's text
    "next_page": "a.next || a[rel=next]",
    "title": "",
    "date": "",
    "content": ".TRS_Editor || .trs_editor || #zoom || #UCAP-CONTENT || .wenzhang-content || .article-content"
               " || #js_content || .TRS_UEDITOR || #fontzoom || .content || article",
    "attachments": "",
    "meta": "",
    "column": "",
}
_DATE_LINE = re.compile(r"(?:发布时间|发布日期|时间|日期|发表时间)\s*[:：]\s*((?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
                        r"(?:\s*\d{1,2}[:：]\d{2}(?::\d{2})?)?)")
_SOURCE_LINE = re.compile(r"(?:来源|信息来源)\s*[:：]\s*(\S{2,30})")
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


def selectors_for(source: Source, defaults: dict[str, str] = DEFAULTS) -> dict[str, str]:
    return {**defaults, **source.selectors}


def parse_list(html: str, page_url: str, selectors: dict[str, str] = DEFAULTS, tz: tzinfo = SHANGHAI) -> ListPage:
    """Entries of a list page and the next page's URL (None on the last page)."""
    soup = soup_of(html)
    entries: dict[str, ListEntry] = {}
    page_host = urlsplit(page_url).hostname
    if selectors.get("list_item"):
        candidates = soup.select(selectors["list_item"])
    else:
        candidates = [el for el in soup.find_all(["li", "tr", "dd"]) if _looks_like_entry(el)]
    for item in candidates:
        link = item.select_one(selectors.get("list_link") or "a[href]")
        if link is None or not link.get("href") or link["href"].startswith(("javascript:", "#", "mailto:")):
            continue
        url = canonical_url(urljoin(page_url, link["href"]))
        if urlsplit(url).hostname != page_host and not selectors.get("list_item"):
            continue  # off-site links in a guessed list are navigation, not entries
        title = clean_text(link.get("title") or link.get_text())
        date_el = select_one(item, selectors.get("list_date"))
        date = parse_date((date_el or item).get_text(" "), tz)
        if title and url not in entries:
            entries[url] = ListEntry(url=url, title=title, date=date)
    return ListPage(entries=list(entries.values()), next_url=_next_page(soup, page_url, selectors))


def _looks_like_entry(el: Tag) -> bool:
    links = el.find_all("a", href=True)
    if len(links) != 1 or el.find(["li", "tr", "dd", "ul", "table"]):
        return False
    return parse_date(el.get_text(" ")) is not None


def _next_page(soup: BeautifulSoup, page_url: str, selectors: dict[str, str]) -> str | None:
    link = select_one(soup, selectors.get("next_page"))
    if link is None:
        link = next((a for a in soup.find_all("a", href=True) if _NEXT_TEXT.match(a.get_text())), None)
    if link is None or not link.get("href") or link["href"].startswith(("javascript:", "#")):
        return None
    url = urljoin(page_url, link["href"])
    return None if canonical_url(url) == canonical_url(page_url) else url


def parse_article(html: str, url: str, source: Source, selectors: dict[str, str] = DEFAULTS,
                  tz: tzinfo = SHANGHAI) -> Post:
    """A Post from an article page. Raises SourceError when the page has no title."""
    soup = soup_of(html)
    meta = metadata_table(select_one(soup, selectors.get("meta")) or soup)
    title = first([
        _text(select_one(soup, selectors.get("title"))),
        meta_content(soup, "ArticleTitle", "og:title"),
        meta.pop("doc_title", ""),
        _heading_title(soup),
    ])
    if not title:
        raise SourceError(f"{url}: no title found")
    content = select_one(soup, selectors.get("content")) or _main_content(soup)
    published = _best_date([
        _text(select_one(soup, selectors.get("date"))),
        _labelled_date(soup, content),
        meta_content(soup, "PubDate", "pubdate", "createDate", "publishdate"),
        meta.get("published_on", ""),
    ], tz)
    column = _text(select_one(soup, selectors.get("column"))) or meta_content(soup, "ColumnName")
    source_name = meta_content(soup, "ContentSource") or _match(_SOURCE_LINE, soup.get_text(" "))
    for key, value in (("column", column), ("source_name", source_name)):
        if value:
            meta.setdefault(key, value)
    for key in ("formed_on", "published_on"):
        if meta.get(key):
            parsed = parse_date(meta[key], tz)
            meta[key] = parsed.date().isoformat() if parsed else meta[key]
    raw_body = content.decode_contents() if content is not None else ""
    body_html = clean_html(_lazy_images(raw_body), url)
    attachments_root = select_one(soup, selectors.get("attachments")) or soup
    return Post(
        source=source.name,
        channel=source.channel,
        url=canonical_url(url),
        title=title,
        published_at=published,
        body_html=body_html,
        body_text=html_to_text(body_html),
        attachments=find_attachments(attachments_root, url),
        images=image_urls(content, url),
        meta={k: v for k, v in meta.items() if v},
    )


def _text(el: Tag | None) -> str:
    return clean_text(el.get_text(" ")) if el is not None else ""


def _heading_title(soup: BeautifulSoup) -> str:
    """The heading that the <title> names (site banners are headings too), else the <title>'s first part."""
    page_title = _text(soup.find("title"))
    headings = [_text(h) for h in soup.find_all(["h1", "h2", "h3"])]
    named = [h for h in headings if len(h) >= 4 and h in page_title]
    if named:
        return max(named, key=len)
    if page_title:
        return re.split(r"\s*[_|－—-]\s*", page_title)[0] or page_title
    return headings[0] if headings else ""


def _match(pattern: re.Pattern, text: str) -> str:
    found = pattern.search(text)
    return found.group(1) if found else ""


def _labelled_date(soup: BeautifulSoup, content: Tag | None) -> str:
    """The first "发布时间：…" style date outside the article body (sidebars come later)."""
    for node in soup.find_all(string=_DATE_LINE):
        if content is not None and content in node.parents:
            continue
        if any(p.name in ("script", "style") for p in node.parents):
            continue
        return _DATE_LINE.search(node).group(1)
    return ""


_HAS_TIME = re.compile(r"\d{1,2}[:：]\d{2}")


def _best_date(candidates: list[str], tz: tzinfo) -> datetime | None:
    """The first date found, in the order given (what the page shows beats the meta tags);
    a date without a time takes the time of a later candidate on the same day."""
    parsed = [(parse_date(text, tz), bool(_HAS_TIME.search(text))) for text in candidates if text]
    parsed = [(when, timed) for when, timed in parsed if when is not None]
    if not parsed:
        return None
    chosen, timed = parsed[0]
    if not timed:
        chosen = next((w for w, t in parsed[1:] if t and w.date() == chosen.date()), chosen)
    return chosen


def _main_content(soup: BeautifulSoup) -> Tag | None:
    """Fallback when no content selector matches: the block with the most paragraph text."""
    best, best_score = None, 0
    for block in soup.find_all(["div", "td", "article", "section"]):
        score = sum(len(p.get_text(strip=True)) for p in block.find_all("p", recursive=False))
        if score > best_score:
            best, best_score = block, score
    return best


def _lazy_images(html: str) -> str:
    # WeChat and some CMSs put the real image in data-src; keep it as src.
    return re.sub(r'<img([^>]*?)\sdata-src=("[^"]*"|\'[^\']*\')', r"<img\1 src=\2", html)


# -- collection ---------------------------------------------------------------------
def collect(source: Source, ctx: Context, defaults: dict[str, str] = DEFAULTS) -> Iterator[Event]:
    """Walk the list pages newest first; fetch new articles (and recent known ones for edits).

    Stops paging when a whole page holds nothing new (unless ctx.full), and when page 1
    is unchanged since the last run (304).
    """
    selectors = selectors_for(source, defaults)
    page_url: str | None = source.url
    pages = 0
    listed_any = False
    while page_url and pages < source.max_pages:
        response = ctx.fetcher.get(page_url, conditional=not ctx.full, obey_robots=source.obey_robots)
        pages += 1
        if response.not_modified:
            return  # nothing new since the last run; the known posts are unchanged
        listing = parse_list(response.text(), response.url, selectors, ctx.tz)
        if pages == 1 and not listing.entries:
            raise SourceError(f"{page_url}: no list entries found (has the page changed? check selectors)")
        listed_any = listed_any or bool(listing.entries)
        to_fetch: list[tuple[str, bool]] = []
        for entry in listing.entries:
            if entry.url not in ctx.known:
                to_fetch.append((entry.url, False))
            elif ctx.full or ctx.is_recent(entry.date):
                to_fetch.append((entry.url, True))
            else:
                yield Seen(entry.url)
        yield from _fetch_articles(source, ctx, selectors, to_fetch)
        if not ctx.full and not any(url not in ctx.known for url, _ in to_fetch):
            return  # a page with nothing new: the rest is older and known
        page_url = listing.next_url


def _fetch_articles(source: Source, ctx: Context, selectors: dict[str, str],
                    wanted: list[tuple[str, bool]]) -> Iterator[Event]:
    """Fetch articles concurrently: new ones in full, known ones conditionally (a 304 is unchanged)."""
    for known in (False, True):
        urls = [url for url, is_known in wanted if is_known == known]
        if not urls:
            continue
        results = ctx.fetcher.fetch_many(urls, conditional=known, obey_robots=source.obey_robots)
        for url, result in results:
            yield from _article_events(source, ctx, selectors, url, result)


def _article_events(source: Source, ctx: Context, selectors: dict[str, str], url: str, result) -> Iterator[Event]:
    if isinstance(result, HttpStatusError) and result.status in (404, 410):
        yield Gone(url, f"HTTP {result.status}")
    elif isinstance(result, FetchError):
        yield Problem(url, str(result))
    elif result.not_modified:
        yield Seen(url)
    else:
        try:
            post = parse_article(result.text(), result.url, source, selectors, ctx.tz)
        except (SourceError, FetchError) as e:
            yield Problem(url, str(e))
            return
        # The listed URL stays the identity when the server redirected within the site.
        yield post if post.url == url else replace(post, url=url)

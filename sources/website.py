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
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import cast
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.etree import _Element as HtmlElement

from pipeline.config import Source
from pipeline.errors import FetchError, HttpStatusError
from pipeline.htmltools import (
    all_text, clean_html, descendants, find_attachments, first, html_to_text, image_urls, inner_html, lazy_images,
    meta_content, metadata_table, parse_html, select_one, strings, text_of,
)
from pipeline.models import Post
from pipeline.normalize import canonical_url, clean_text, parse_date

from . import hanweb, listapi
from .lists import LIST_DEFAULTS, ListEntry, ListPage, parse_list  # noqa: F401 (parse_list, ListEntry: also website's names)
from .parsing import Page
from .protocol import Capped, Context, Event, Listed, Note, Seen, SourceError, article_event

DEFAULTS = {
    **LIST_DEFAULTS,
    "title": "",
    "date": "",
    "content": ".TRS_Editor || .trs_editor || #zoom || #Zoom || .article_zoom || #UCAP-CONTENT || .wenzhang-content"
               " || .article-content"
               " || #js_content || .TRS_UEDITOR || #fontzoom || .main-txt || .content || article",
    "attachments": "",
    "meta": "",
    "column": "",
}
_DATE_LINE = re.compile(r"(?:发布时间|发布日期|时间|日期|发表时间)\s*[:：]\s*((?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
                        r"(?:\s*\d{1,2}[:：]\d{2}(?::\d{2})?)?)")
_SOURCE_LINE = re.compile(r"(?:来源|信息来源)\s*[:：]\s*(\S{2,30})")


def selectors_for(source: Source, defaults: dict[str, str] = DEFAULTS) -> dict[str, str]:
    return {**defaults, **source.selectors}


def parse_article(html: str, url: str, source: Source, selectors: dict[str, str] = DEFAULTS, *,
                  tz: tzinfo) -> Post:
    """A Post from an article page. Raises SourceError when the page has no title."""
    soup = parse_html(html)
    meta_root = select_one(soup, selectors.get("meta"))
    meta = metadata_table(meta_root if meta_root is not None else soup)
    doc_title = meta.pop("doc_title", "")
    candidates: tuple[Callable[[], str], ...] = (  # called lazily: the later ones walk the whole page
        lambda: _text(select_one(soup, selectors.get("title"))),
        lambda: meta_content(soup, "ArticleTitle", "og:title"),
        lambda: doc_title,
        lambda: _heading_title(soup),
    )
    title = first(candidate() for candidate in candidates)
    if not title:
        raise SourceError(f"{url}: no title found")
    content = select_one(soup, selectors.get("content"))
    if content is None:
        content = _main_content(soup)
    published = _best_date([
        _text(select_one(soup, selectors.get("date"))),
        _labelled_date(soup, content),
        meta_content(soup, "PubDate", "pubdate", "createDate", "publishdate"),
        meta.get("published_on", ""),
    ], tz)
    column = _text(select_one(soup, selectors.get("column"))) or meta_content(soup, "ColumnName")
    source_name = meta_content(soup, "ContentSource") or _source_line(soup)
    for key, value in (("column", column), ("source_name", source_name)):
        if value:
            meta.setdefault(key, value)
    for key in ("formed_on", "published_on"):
        if meta.get(key):
            parsed = parse_date(meta[key], tz)
            meta[key] = parsed.date().isoformat() if parsed else meta[key]
    raw_body = inner_html(content) if content is not None else ""
    body_html = clean_html(lazy_images(raw_body), url)
    attachments_root = select_one(soup, selectors.get("attachments"))
    if attachments_root is None:
        attachments_root = soup
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


def _text(el: HtmlElement | None) -> str:
    return clean_text(text_of(el, " ")) if el is not None else ""


def _heading_title(soup: HtmlElement) -> str:
    """The heading that the <title> names (site banners are headings too), else the <title>'s first part."""
    page_title = _text(next(descendants(soup, "title"), None))
    headings = [_text(h) for h in descendants(soup, "h1", "h2", "h3")]
    named = [h for h in headings if len(h) >= 4 and h in page_title]
    if named:
        return max(named, key=len)
    if page_title:
        return re.split(r"\s*[_|－—-]\s*", page_title)[0] or page_title
    return headings[0] if headings else ""


def _match(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return found.group(1) if found else ""


def _source_line(soup: HtmlElement) -> str:
    """The source a "来源：…" line of the page names."""
    if "来源" not in all_text(soup):  # every text node in one string, from C: most pages have no such line
        return ""
    return _match(_SOURCE_LINE, text_of(soup, " "))


def _labelled_date(soup: HtmlElement, content: HtmlElement | None) -> str:
    """The first "发布时间：…" style date outside the article body (sidebars come later)."""
    # Comments' text included, as bs4's find_all(string=…) had it.
    for position, node in enumerate(_TEXT_NODES(soup), 1):
        text = node if isinstance(node, str) else (node.text or "")
        if "时间" not in text and "日期" not in text:  # every label _DATE_LINE knows has one
            continue
        found = _DATE_LINE.search(text)
        if found is None:
            continue
        if isinstance(node, str):  # a plain string: fetch the node itself, to see where it is
            node = _TEXT_NODE(soup, n=position)[0]
        parent = node.getparent()
        if isinstance(node, str) and cast("etree._ElementUnicodeResult[HtmlElement]", node).is_tail \
                and parent is not None:
            parent = parent.getparent()
        parents = [parent, *parent.iterancestors()] if parent is not None else []
        if content is not None and any(p is content for p in parents):
            continue
        if any(p.tag in ("script", "style") for p in parents):
            continue
        return found.group(1)
    return ""


# Plain strings first (an XPath filter or "smart" strings that know their node cost more per node),
# the node only for a match: by its position among the same nodes.
_NODES = "//text() | //comment() | //processing-instruction()"
_TEXT_NODES = etree.XPath(_NODES, smart_strings=False)
_TEXT_NODE = etree.XPath(f"({_NODES})[$n]")


_HAS_TIME = re.compile(r"\d{1,2}[:：]\d{2}")


def _best_date(candidates: list[str], tz: tzinfo) -> datetime | None:
    """The first date found, in the order given (what the page shows beats the meta tags);
    a date without a time takes the time of a later candidate on the same day."""
    parsed = [(parse_date(text, tz), bool(_HAS_TIME.search(text))) for text in candidates if text]
    dated = [(when, timed) for when, timed in parsed if when is not None]
    if not dated:
        return None
    chosen, timed = dated[0]
    if not timed:
        chosen = next((w for w, t in dated[1:] if t and w.date() == chosen.date()), chosen)
    return chosen


def _main_content(soup: HtmlElement) -> HtmlElement | None:
    """Fallback when no content selector matches: the block with the most paragraph text."""
    best, best_score = None, 0
    for block in descendants(soup, "div", "td", "article", "section"):
        score = sum(len("".join(s.strip() for s in strings(p))) for p in block.iterchildren("p"))
        if score > best_score:
            best, best_score = block, score
    return best


# -- collection ---------------------------------------------------------------------
# A list the page's scripts load (Hanweb dataproxy, a configured list API): its pages, as parsed,
# with Notes between them; a page's next_url is None on the list's last page.
Listings = Callable[[Source, Context, dict[str, str]], Iterator[ListPage | Note]]


def collect(source: Source, ctx: Context, defaults: dict[str, str] = DEFAULTS,
            listings: Listings | None = None) -> Iterator[Event]:
    """Walk the list pages newest first; fetch new articles, and re-check recent known ones for edits.

    Stops paging when a whole page holds nothing new, and when page 1 is unchanged since
    the last run (304) — unless ctx.full, or ctx.walk_whole (the list was never walked to its
    end: a first run, or one cut short). A cap ([sources.X] max_pages, none by default) that
    stops the walk with pages left is said by a Capped event, never silently. Yields
    Listed(complete=True) only when it walked to the list's real end, so a missing post can be
    judged withdrawn.

    One pipeline for the whole walk: the next list page is read while the articles of
    the last one are still being fetched and parsed (what to fetch depends only on the
    listing), so the fetcher and the parsers never wait at a page boundary.
    """
    selectors = selectors_for(source, defaults)
    if listings is None and source.list_api is not None:
        listings = listapi.listings  # [sources.NAME.list_api]: the endpoint instead of list pages
    walk = _ListWalk(source, ctx, selectors, listings)
    fetched = ctx.fetcher.fetch_many(walk.articles(), conditional=walk.conditional, obey_robots=source.obey_robots)
    for url, outcome in ctx.parser.parsed(fetched, parse_page, source, selectors, ctx.tz):
        yield from walk.take_events()
        yield walk.dated(article_event(url, outcome))
    yield from walk.take_events()
    if walk.failure is not None:
        raise walk.failure  # a later list page failed: what was fetched before it is kept
    if walk.listed:
        yield Listed(complete=walk.complete, urls=frozenset(walk.on_list))


class _ListWalk:
    """The list pages of one source, read as the article pipeline asks for more URLs.

    `articles()` yields the article URLs to fetch (new ones, then recent known ones to
    re-check); what the listing says on the way (Seen, Note) waits in `take_events()`.
    """

    def __init__(self, source: Source, ctx: Context, selectors: dict[str, str],
                 listings: Listings | None = None) -> None:
        self.source, self.ctx, self.selectors, self.listings = source, ctx, selectors, listings
        self.handled: set[str] = set()  # URLs listed or re-checked this run
        self.on_list: set[str] = set()  # … of those, the ones the list pages showed
        self.known_urls: set[str] = set()  # … of those, the ones fetched conditionally
        self.list_dates: dict[str, datetime] = {}  # … the date each list row showed
        self.events: list[Event] = []
        self.listed = False  # the listing was read (page 1 was not a 304)
        self.complete = False
        self.failure: Exception | None = None

    def conditional(self, url: str) -> bool:
        """Known articles are fetched conditionally (a 304 is unchanged); new ones in full."""
        return url in self.known_urls

    def dated(self, event: Event) -> Event:
        """An article whose page gives no date of publication (a catalog page with only 发文日期, a
        date without a label) is dated by its list row, not by the night it was crawled — which would
        put it in the wrong year, make it late in the report and keep it apart from its copies."""
        if isinstance(event, Post) and event.published_at is None and event.url in self.list_dates:
            return replace(event, published_at=self.list_dates[event.url])
        return event

    def take_events(self) -> list[Event]:
        events, self.events = self.events, []
        return events

    def articles(self) -> Iterator[str]:
        try:
            if self.ctx.lists:  # an hourly re-check reads no list: only the posts due below
                yield from (self._walk(self.listings(self.source, self.ctx, self.selectors))
                            if self.listings is not None else self._listed_articles())
        except (FetchError, SourceError) as e:
            if not self.handled:
                raise  # the list itself is unreadable: the source fails now
            self.failure = e
            return
        recent = [url for url in self.ctx.recent if url not in self.handled]
        yield from self._wanted([(url, True) for url in recent])

    def _listed_articles(self) -> Iterator[str]:
        source, ctx = self.source, self.ctx
        whole = ctx.full or ctx.walk_whole  # past pages of known posts, to the list's end
        page_url: str | None = source.url
        pages = 0
        read: set[str] = set()  # list pages read this run: a pager that loops ends the walk
        while page_url:
            if source.max_pages and pages >= source.max_pages:
                self.events.append(Capped(page_url, source.max_pages))
                return
            try:
                response = ctx.fetcher.get(page_url, conditional=not whole, obey_robots=source.obey_robots)
            except HttpStatusError as e:
                if pages and source.page_template and e.status in (404, 410):
                    self.complete = True  # a templated page past the last one
                    return
                raise
            pages += 1
            read.add(canonical_url(page_url))
            if response.not_modified:
                # page 1 unchanged since the last run: only the re-check share is looked at;
                # a later one: what follows is known
                return
            self.listed = True
            if pages == 1 and (column := hanweb.column(response.text(), response.url)) is not None:
                yield from self._walk(hanweb.listings(column, source, ctx, self.selectors))
                return
            listing = parse_list(response.text(), response.url, self.selectors, tz=ctx.tz)
            if pages == 1 and not listing.entries:
                raise SourceError(f"{page_url}: no list entries found (has the page changed? check selectors)")
            if listing.hidden_pages:
                self.events.append(Note(page_url, f"{listing.hidden_pages} more list page(s) exist but only scripts "
                                                  f"reach them; set page_template for this source"))
            if pages > 1 and all(entry.url in self.handled for entry in listing.entries):
                self.complete = True  # a page repeating what was read (a pager past its end): the end
                return
            to_fetch = self._triage(listing.entries)
            yield from self._wanted(to_fetch)
            if not whole and not any(not known for _, known in to_fetch):
                return  # a page with nothing new: the rest is older and known
            page_url = listing.next_url or _templated_page(source, pages + 1, listing)
            if page_url and canonical_url(page_url) in read:
                page_url = None  # the pager points back to a page already read
            self.complete = page_url is None and not listing.hidden_pages

    def _walk(self, listings: Iterator[ListPage | Note]) -> Iterator[str]:
        """The article URLs of a scripted list's pages, stopping at a page with nothing new (unless the
        whole list is wanted) and at the office's max_pages (said by a Capped event)."""
        whole = self.ctx.full or self.ctx.walk_whole
        pages = 0
        for listing in listings:
            if isinstance(listing, Note):
                self.events.append(listing)
                continue
            pages += 1
            self.listed = True
            if pages == 1 and not listing.entries:
                hint = "check its list_api records, title and link" if self.source.list_api else "has the site changed?"
                raise SourceError(f"{self.source.url}: the list holds no entries ({hint})")
            entries = [e for e in listing.entries if _allowed(e.url, self.source.hosts)]
            if len(entries) < len(listing.entries):  # a record may link to a higher office's site
                self.events.append(Note(listing.next_url or self.source.url,
                                        f"{len(listing.entries) - len(entries)} listed link(s) lead to hosts not in "
                                        f"allow_hosts: not collected"))
            to_fetch = self._triage(entries)
            yield from self._wanted(to_fetch)
            if not whole and not any(not known for _, known in to_fetch):
                return
            self.complete = listing.next_url is None
            if listing.next_url and self.source.max_pages and pages >= self.source.max_pages:
                self.events.append(Capped(listing.next_url, self.source.max_pages))
                return

    def _triage(self, entries: list[ListEntry]) -> list[tuple[str, bool]]:
        """Listed URLs to fetch, as (url, known): new ones, and known ones due a re-check; the rest are Seen."""
        ctx = self.ctx
        to_fetch: list[tuple[str, bool]] = []
        for entry in entries:
            if entry.url in self.handled:
                continue
            self.handled.add(entry.url)
            self.on_list.add(entry.url)
            if entry.date is not None:
                self.list_dates[entry.url] = entry.date
            if entry.url not in ctx.known or ctx.known[entry.url] is not None:  # new, or back after withdrawal
                to_fetch.append((entry.url, False))
            elif ctx.full or ctx.is_recent(entry.date) or entry.url in ctx.recent:
                to_fetch.append((entry.url, True))
            else:
                self.events.append(Seen(entry.url))
        return to_fetch

    def _wanted(self, wanted: list[tuple[str, bool]]) -> Iterator[str]:
        for url, known in wanted:
            self.handled.add(url)
            if known:
                self.known_urls.add(url)
            yield url


def _allowed(url: str, hosts: tuple[str, ...]) -> bool:
    """Whether url's host is one of hosts ("*.example.gov.cn" names its subdomains)."""
    host = urlsplit(url).hostname or ""
    return any(host == h or (h.startswith("*.") and host.endswith(h[1:])) for h in hosts)


def _templated_page(source: Source, page: int, listing: ListPage) -> str | None:
    """Page `page` (1-based) from the source's page_template, while pages still hold entries."""
    if not source.page_template or not listing.entries:
        return None
    return urljoin(source.url, source.page_template.format(n=page - 1, page=page))


def parse_page(page: Page, source: Source, selectors: dict[str, str], tz: tzinfo) -> Post:
    """parse_article on a fetched page (run by sources.parsing, maybe in a worker process)."""
    post = parse_article(page.text(), page.url, source, selectors, tz=tz)
    # The listed URL stays the identity when the server redirected within the site.
    return post if post.url == page.listed_url else replace(post, url=page.listed_url)


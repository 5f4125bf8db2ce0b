"""Feed collector: any RSS 0.9x/1.0/2.0, Atom or JSON Feed (Weibo bridges and the like).

feedparser reads RSS and Atom (leniently: a malformed feed is recovered when it can
be); JSON Feed is read here. Entries with no title or no http(s) link are dropped
with a reason, never stored as junk.
"""

from __future__ import annotations

import json
from html import escape
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml.html.defs import tags as HTML_TAGS

from pipeline.config import Source
from pipeline.htmltools import clean_html, html_to_text
from pipeline.models import Attachment, Post
from pipeline.normalize import canonical_url, clean_text, parse_date

from .protocol import Context, Event, Listed, Problem, Seen, SourceError


@dataclass(frozen=True)
class FeedEntry:
    url: str  # canonical: the post's identity
    link: str  # as the feed gave it (absolute): what to fetch
    title: str
    published: datetime | None
    content_html: str  # full content when the feed carries it, else ""
    summary_html: str
    enclosures: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: list[FeedEntry]
    rejected: list[tuple[str, str]]  # (what, why) for entries dropped
    malformed: str = ""  # the parser's complaint when it had to recover


def parse_feed(content: bytes, url: str, tz: tzinfo) -> ParsedFeed:
    """Entries of an RSS/Atom/JSON feed. Raises SourceError when nothing usable is there."""
    if content.lstrip()[:1] == b"{":
        return _parse_json_feed(content, url, tz)
    # feedparser's own sanitising and link resolving are off, and it is not told the feed's URL:
    # entry_post sanitises with nh3 (our allow-list), _entry makes links absolute against the
    # feed's URL, and feedparser's passes were half of its time on a big feed. Titles are text
    # to us and are escaped where shown.
    parsed = feedparser.parse(_without_control_characters(content), sanitize_html=False, resolve_relative_uris=False)
    problem = parsed.get("bozo_exception") if parsed.bozo else None
    # A missing or odd Content-Type, or a charset the bytes override, is not a broken feed.
    malformed = "" if problem is None or isinstance(problem, _BENIGN) else str(problem)
    if not parsed.entries and malformed:
        raise SourceError(f"{url}: not a readable feed ({malformed})")
    if not parsed.entries and not parsed.get("version"):  # an error page, an empty answer: the bridge is down
        raise SourceError(f"{url}: not a feed ({_looks_like(content)}): no RSS or Atom in the answer")
    entries, rejected = [], []
    for raw in parsed.entries:
        contents = raw.get("content") or []
        entry, why = _entry(
            link=raw.get("link", ""),
            title=raw.get("title", ""),
            published=raw.get("published") or raw.get("updated") or "",
            content_html=contents[0].get("value", "") if contents else "",
            summary_html=raw.get("summary", ""),
            enclosures=[(e.get("href", ""), e.get("title", "") or e.get("href", "")) for e in raw.get("enclosures", [])],
            base=url,
            tz=tz,
        )
        if entry:
            entries.append(entry)
        else:
            rejected.append((raw.get("link", "") or raw.get("title", "") or "(entry)", why))
    return ParsedFeed(feed_title(parsed.feed.get("title", "")), entries, rejected, malformed)


# C0 control characters XML 1.0 forbids (all but tab, LF, CR). Text pasted from Word brings them into
# titles and digests (a real WeChat digest held two U+0008): one makes the whole feed not well-formed,
# reported every night as malformed though nothing in it is lost. In UTF-8 and GB18030 these bytes are
# never part of another character.
_XML_ILLEGAL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _without_control_characters(content: bytes) -> bytes:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in content[:200]:  # UTF-16/32: leave its bytes be
        return content
    return _XML_ILLEGAL.sub(b"", content)


def _looks_like(content: bytes) -> str:
    """Pure: what an answer that is no feed is, in a few words for the operator."""
    text = content.strip()
    if not text:
        return "an empty answer"
    if re.match(rb"(?is)(<!doctype html|<html|<head|<body)", text):
        return "an HTML page, e.g. the bridge's error page"
    return f"{len(content)} bytes of something else"


def feed_problems(feed: ParsedFeed, url: str) -> Iterator[Problem]:
    """What a feed's reading left for the night's record: entries dropped, and a feed the parser had
    to recover (truncated, broken XML: its later entries may be missing)."""
    if feed.malformed:
        yield Problem(url, f"feed is malformed, read as far as it goes ({feed.malformed})", "malformed feed")
    for what, why in feed.rejected:
        yield Problem(what, f"feed entry dropped: {why}", "unusable feed entry")


def _parse_json_feed(content: bytes, url: str, tz: tzinfo) -> ParsedFeed:
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SourceError(f"{url}: not a readable JSON feed ({e})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise SourceError(f"{url}: JSON without a JSON Feed version")
    entries, rejected = [], []
    for raw in data.get("items") or []:
        if not isinstance(raw, dict):
            continue
        entry, why = _entry(
            link=raw.get("url", "") or raw.get("external_url", ""),
            title=raw.get("title", ""),
            published=raw.get("date_published") or raw.get("date_modified") or "",
            content_html=raw.get("content_html", "") or _text_to_html(raw.get("content_text", "")),
            summary_html=raw.get("summary", ""),
            enclosures=[(a.get("url", ""), a.get("title", "") or a.get("url", "")) for a in raw.get("attachments") or []
                        if isinstance(a, dict)],
            base=url,
            tz=tz,
        )
        if entry:
            entries.append(entry)
        else:
            rejected.append((raw.get("url", "") or "(item)", why))
    return ParsedFeed(feed_title(str(data.get("title", ""))), entries, rejected)


def _entry(link: str, title: str, published: str, content_html: str, summary_html: str,
           enclosures: list[tuple[str, str]], base: str, tz: tzinfo) -> tuple[FeedEntry | None, str]:
    absolute = urljoin(base, link.strip()) if link else ""
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None, f"no http(s) link ({link!r})"
    title = clean_text(_strip_tags(title))
    if not title:
        return None, "empty title"
    return FeedEntry(
        url=canonical_url(absolute),
        link=absolute,
        title=title,
        published=parse_date(published, tz),
        content_html=content_html,
        summary_html=summary_html,
        enclosures=tuple(Attachment(url=urljoin(base, u), name=n) for u, n in enclosures if u),
    ), ""


# Markup in a title, closed or not ("…<img src=x onerror=…" at the end): a comment or declaration,
# or a tag naming an HTML element. Anything else in angle brackets is the publisher's text:
# "收入<5000元", "<ISSCC2021>…", "李光洙<Running man>…", "ThreadLocal<T>" (real WeChat titles).
_TAG = re.compile(r"<(?:[!?]|/?([A-Za-z][A-Za-z0-9]*)(?=[\s/>]|$))[^>]*(?:>|$)")


def _strip_tags(title: str) -> str:
    return _TAG.sub(lambda m: "" if m.group(1) is None or m.group(1).lower() in HTML_TAGS else m.group(0), title)
_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# What bridges append to an account's name in the feed title ("浦沿发布 | wechat-feeds").
_BRIDGE_SUFFIX = re.compile(r"\s*[|｜\-–—]\s*(wechat-feeds|RSSHub|WeWe RSS|FetchRSS|微信公众号|公众号)\s*$", re.I)


def feed_title(title: str) -> str:
    """The feed's title without the bridge's suffix: for a WeChat bridge, the account name."""
    return _BRIDGE_SUFFIX.sub("", clean_text(title))


def _text_to_html(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


_WEIBO_HEADLINE = re.compile(r"^【([^】]{4,60})】\S")
# RSSHub's weibo routes write each picture of a post as "[图片]" after its text (formatTitle): the
# bridge's, not the publisher's words.
_PICTURE_MARKERS = re.compile(r"(?:\s*\[图片\])+$")


def post_title(title: str, channel: str) -> str:
    """Weibo bridges title an entry with the post's text (and a "[图片]" per picture); its headline is
    the leading 【…】."""
    if channel != "weibo":
        return title
    text = _PICTURE_MARKERS.sub("", title).strip() or title
    headline = _WEIBO_HEADLINE.match(text)
    return headline.group(1).strip() if headline else text


def entry_post(entry: FeedEntry, source: Source) -> Post:
    """A Post from a feed entry's own content (full content, else the summary)."""
    body_html = clean_html(entry.content_html or entry.summary_html, entry.url)
    return Post(
        source=source.name,
        channel=source.channel,
        url=entry.url,
        title=post_title(entry.title, source.channel),
        published_at=entry.published,
        body_html=body_html,
        body_text=html_to_text(body_html),
        attachments=entry.enclosures,
    )


def fetch_feed(source: Source, ctx: Context) -> ParsedFeed | None:
    """The source's feed, or None when unchanged since the last run (304)."""
    response = ctx.fetcher.get(source.url, conditional=not ctx.full, obey_robots=source.obey_robots)
    if response.not_modified:
        return None
    return parse_feed(response.content, response.url, ctx.tz)


def collect(source: Source, ctx: Context) -> Iterator[Event]:
    feed = fetch_feed(source, ctx)
    if feed is None:
        return
    yield from feed_problems(feed, source.url)
    for entry in feed.entries:
        if entry.url in ctx.known and not ctx.full and not ctx.is_recent(entry.published) \
                and entry.url not in ctx.recent:
            yield Seen(entry.url)
        else:
            yield entry_post(entry, source)
    yield Listed(complete=False)  # a feed shows only its latest entries

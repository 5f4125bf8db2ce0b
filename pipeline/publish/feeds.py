"""RSS 2.0 and Atom (through feedgen, wrapped once here) and JSON Feed 1.1 (stdlib json).

A feed is described by plain data (FeedSpec + Entry) so the three formats cannot
disagree, and so nothing here depends on the clock: a feed's updated /
lastBuildDate is its newest entry's updated_at.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from pipeline.models import local_time
from pipeline.htmltools import clean_html

from .links import repair_tags

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class Enclosure:
    url: str
    mime_type: str
    title: str
    length: str = "0"  # unknown; RSS requires the attribute


@dataclass(frozen=True)
class Entry:
    id: str  # tag: URI, permanent
    title: str
    url: str
    summary: str
    content_html: str
    published: datetime
    updated: datetime
    categories: tuple[tuple[str, str], ...] = ()  # (term = category id, label = name)
    enclosures: tuple[Enclosure, ...] = ()


@dataclass(frozen=True)
class FeedSpec:
    key: str  # "all" or a top-level category id; the file name stem
    title: str
    description: str
    home_url: str  # the HTML page this feed follows
    feed_url: str  # base URL of the feeds folder, ending in "/"
    author: str
    language: str
    updated: datetime  # the newest entry's updated_at (a fixed fallback when empty)
    tz: tzinfo  # the office's zone: every date is written on its clock
    category_scheme: str = ""
    email: str = ""
    entries: list[Entry] = field(default_factory=list)

    def url(self, fmt: str) -> str:
        return f"{self.feed_url}{self.key}.{fmt}"


FORMATS = ("rss.xml", "atom.xml", "json")


def file_names(key: str) -> list[str]:
    """The files of one feed: all.rss.xml, all.atom.xml, all.json."""
    return [f"{key}.{fmt}" for fmt in FORMATS]


class _Enclosures(BaseEntryExtension):  # type: ignore[misc]  # feedgen publishes no types
    """Writes enclosures itself: feedgen 1.0 drops rel/type/length from Atom entry links
    (so an enclosure would read as a second alternate link)."""

    def __init__(self) -> None:
        self.items: tuple[Enclosure, ...] = ()

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        for enc in self.items:
            attrs = {"rel": "enclosure", "href": enc.url, "type": enc.mime_type, "length": enc.length}
            if enc.title:
                attrs["title"] = _x(enc.title)
            etree.SubElement(entry, "link", attrs)
        return entry

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        if self.items:  # RSS 2.0 allows one enclosure per item: the first attachment
            enc = self.items[0]
            etree.SubElement(entry, "enclosure", {"url": enc.url, "length": enc.length, "type": enc.mime_type})
        return entry


def render(spec: FeedSpec) -> dict[str, bytes]:
    """The three files of one feed, keyed by file name ("all.rss.xml", …)."""
    rss, atom = _feedgen(spec)
    return {
        f"{spec.key}.rss.xml": rss,
        f"{spec.key}.atom.xml": atom,
        f"{spec.key}.json": _json_feed(spec),
    }


# Characters XML 1.0 cannot carry (lxml refuses them); scraped titles do contain some.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("", text)


def content_html(entry: Entry) -> str:
    """What a reader renders as the entry's HTML: the body sanitised once more (defence in depth
    behind the sanitiser on the way in), else the summary or the title as escaped text — never
    a scraped title as markup."""
    body = clean_html(entry.content_html, entry.url) if entry.content_html else ""  # "#note" stays a link
    body = repair_tags(body)  # what the sanitiser drops again: each image's no-referrer (links.repair_tags)
    return body or _as_html_text(entry.summary or entry.title)


def _as_html_text(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>" if text else ""


def _local(spec: FeedSpec, dt: datetime) -> datetime:
    return local_time(dt, spec.tz)  # feedgen refuses naive datetimes; local_time says which value was wrong


def _feedgen(spec: FeedSpec) -> tuple[bytes, bytes]:
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)  # RSS <author> needs an email; dc:creator does not
    fg.register_extension("xxgk_enclosures", BaseExtension, _Enclosures)
    fg.id(spec.url("atom.xml"))
    fg.title(_x(spec.title))
    fg.subtitle(_x(spec.description))
    fg.language(spec.language)
    fg.generator("xxgk")  # not feedgen's version string: output must not change with upgrades
    fg.author({"name": _x(spec.author), **({"email": spec.email} if spec.email else {})})
    fg.dc.dc_publisher(spec.author)
    fg.updated(_local(spec, spec.updated))  # also RSS lastBuildDate; feedgen would use now()
    for e in spec.entries:
        fe = fg.add_entry(order="append")  # feedgen prepends by default
        fe.id(e.id)
        fe.guid(e.id, permalink=False)
        fe.title(_x(e.title))
        fe.link(href=e.url, rel="alternate")  # Atom prints it without rel: alternate by default
        fe.published(_local(spec, e.published))
        fe.updated(_local(spec, e.updated))
        fe.author({"name": spec.author, **({"email": spec.email} if spec.email else {})})
        fe.dc.dc_creator(spec.author)
        if e.summary:  # escaped: RSS <description> is read as HTML, and it is plain text to us
            fe.summary(_x(html.escape(e.summary, quote=False)), type="html")
        fe.content(_x(content_html(e)), type="html")
        for term, label in e.categories:
            fe.category(term=term, label=_x(label), **({"scheme": spec.category_scheme} if spec.category_scheme else {}))
        fe.xxgk_enclosures.items = e.enclosures
    # feedgen's RSS <link> is the href of the last link given, so the page comes after "self".
    fg.link(href=spec.url("rss.xml"), rel="self", type="application/rss+xml")
    fg.link(href=spec.home_url, rel="alternate", type="text/html")
    rss = fg.rss_str(pretty=True)
    fg.link(href=spec.url("atom.xml"), rel="self", type="application/atom+xml", replace=True)
    fg.link(href=spec.home_url, rel="alternate", type="text/html")
    atom = fg.atom_str(pretty=True)
    return rss, atom


def _rfc3339(spec: FeedSpec, dt: datetime) -> str:
    return _local(spec, dt).isoformat()


def _json_feed(spec: FeedSpec) -> bytes:
    items = []
    for e in spec.entries:
        item: dict[str, object] = {
            "id": e.id,
            "url": e.url,
            "title": e.title,
            "content_html": content_html(e),
        }
        if e.summary:
            item["summary"] = e.summary
        item["date_published"] = _rfc3339(spec, e.published)
        item["date_modified"] = _rfc3339(spec, e.updated)
        if e.categories:
            item["tags"] = [label for _, label in e.categories]
        if e.enclosures:
            item["attachments"] = [
                {"url": a.url, "mime_type": a.mime_type, "title": a.title} for a in e.enclosures
            ]
        items.append(item)
    doc = {
        "version": JSON_FEED_VERSION,
        "title": spec.title,
        "home_page_url": spec.home_url,
        "feed_url": spec.url("json"),
        "description": spec.description,
        "language": spec.language,
        "authors": [{"name": spec.author}],
        "items": items,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

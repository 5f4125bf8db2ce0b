"""The static catalog pages: one Jinja environment, plain-dict contexts, relative links.

What every page at one depth shares (_chrome.html: header, navigation, footer, feed
links) and an item's line in the lists (_row.html) are rendered once per build and
reused, so a page renders only what is its own.

Every page lives under ``site/`` at depth 0 (index, about) or 1 (category/, year/,
item/, report/), so ``root`` ("" or "../") is all a template needs to link anywhere;
the site works from file:// and under any sub-path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone, tzinfo
import hashlib
import re
from functools import cached_property, lru_cache
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from pipeline.models import CHANNELS, META_LABELS, ChannelCopy, ItemView, local_iso

from .source import ItemRow

from .images import image_sources
from .links import FETCH_SCHEMES, absolutize_html, first_copy, repair_tags, safe_url
from .manifest import Manifest
from .writer import Writer

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
PAGE_SIZE = 50
CHROME_PARTS = ("site_meta", "links", "header", "footer")  # set in _chrome.html
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org protocol)

CHANNEL_LABELS = {"wechat": "微信公众号", "weibo": "微博", "website": "网站", "catalog": "区公开目录"}
_CHANNEL_ORDER = {c: i for i, c in enumerate(CHANNELS)}


_COLUMN_TAG = re.compile(r"^\s*(?:【[^】]{1,12}】|〔[^〕]{1,12}〕|\[[^\]]{1,12}\])\s*")


def display_title(title: str) -> str:
    """A title as the site and the feeds show it: without the column tag a channel put in
    front (【工作动态】…): the site files it under its category already."""
    shown = title
    while True:
        m = _COLUMN_TAG.match(shown)
        if not m or m.end() == len(shown):
            return shown
        shown = shown[m.end():]


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one template environment: compiled once, escaping everything by default."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # .html and .xml alike; only item bodies are marked safe
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["display_title"] = display_title
    return env


def office_iso(dt: datetime | None, tz: tzinfo) -> str:
    """``dt`` on the office's clock, ISO 8601 ("" for None)."""
    return _office_iso(dt, tz) if dt else ""


@lru_cache(maxsize=256)
def _office_iso(dt: datetime, tz: tzinfo) -> str:
    # Cached: an item page shows the same instant several times (published, each copy's date).
    return local_iso(dt, tz)


def office_minute(dt: datetime | None, tz: tzinfo) -> str:
    return _minute(office_iso(dt, tz))


def _minute(iso: str) -> str:
    """The "YYYY-MM-DD HH:MM" of an ISO 8601 time ("" for ""): sliced, as strftime is slow."""
    return f"{iso[:10]} {iso[11:16]}" if iso else ""


def paginate(rows: Sequence[ItemRow], stem: str) -> list[tuple[str, dict[str, object], Sequence[ItemRow]]]:
    """Split newest-first ``rows`` into (file name, pager, rows) pages, the landing page first.

    Archive pages are fixed chunks of PAGE_SIZE counted from the oldest item, so they
    stay put as items arrive: a new item changes the landing page only (and, once every
    PAGE_SIZE items, adds one archive page). The landing page ``stem.html`` holds the
    newest PAGE_SIZE to 2*PAGE_SIZE-1 items; archive k is ``stem~k.html`` ("~" cannot
    occur in an id, so no two stems collide).
    """
    n = len(rows)
    archive = max(0, n // PAGE_SIZE - 1)  # chunks 1..archive have pages of their own

    def name(k: int) -> str:
        return f"{stem}.html" if k > archive else f"{stem}~{k}.html"

    def span(k: int) -> Sequence[ItemRow]:  # chunk k, newest first
        return rows[n - k * PAGE_SIZE : n - (k - 1) * PAGE_SIZE]

    landing = rows[: n - archive * PAGE_SIZE]
    out: list[tuple[str, dict[str, object], Sequence[ItemRow]]] = [(name(archive + 1), {
        "archive": False, "latest": "", "newer": "", "older": name(archive) if archive else "",
        "oldest": name(1) if archive > 1 else "",
    }, landing)]
    for k in range(archive, 0, -1):
        chunk = span(k)
        out.append((name(k), {
            "archive": True, "page": k, "latest": name(archive + 1), "newer": name(k + 1),
            "older": name(k - 1) if k > 1 else "", "oldest": name(1) if k > 2 else "",
            "from": chunk[-1].date, "to": chunk[0].date,
        }, chunk))
    return out


class SiteRenderer:
    """Renders pages into ``site/`` through the writer, skipping those whose inputs did not change.

    A page's key is a hash of everything it shows; the manifest remembers the key each
    page was last built from, so an unchanged page is neither rendered nor read.
    """

    def __init__(self, site: Mapping[str, object], writer: Writer, manifest: Manifest, global_key: bytes) -> None:
        self.templates: dict[str, Template] = {}  # compiled on first use: a small rebuild needs few
        self.site = site
        self.writer = writer
        self.manifest = manifest
        self.global_key = global_key
        self.site_url = str(site["site_url"])
        self.sitemap: list[tuple[str, str]] = []  # list pages; build() appends the items
        self._chrome: dict[str, dict[str, Markup]] = {}  # by root: see _chrome.html
        self._list_items: dict[str, dict[str, Markup]] = {}  # by root, by item id

    def unchanged(self, rel: str, *parts: bytes | str) -> bool:
        """Record site/<rel>'s key; True (and the file kept as it is) if it was built from it before."""
        h = hashlib.blake2b(self.global_key, digest_size=16)
        h.update(rel.encode())
        for part in parts:
            h.update(b"\x1e")
            h.update(part.encode() if isinstance(part, str) else part)
        if self.manifest.fresh("site/" + rel, h.digest()):
            self.writer.keep("site/" + rel)
            return True
        return False

    def kept(self, rel: str) -> bool:
        """Keep site/<rel> with its old key (its inputs are known unchanged); False if it has none."""
        if self.manifest.carry_all(("site/" + rel,)):
            return False
        self.writer.keep("site/" + rel)
        return True

    def items_kept(self, item_ids: Iterable[str]) -> set[str]:
        """Keep the pages of items known (from the change log) to be unchanged; return the ids
        of those never built, to be checked as usual."""
        rels = {f"site/item/{i}.html": i for i in item_ids}
        missing = self.manifest.carry_all(rels)
        self.writer.keep_all(rels.keys() - missing if missing else rels.keys())
        return {rels[rel] for rel in missing}

    def item_unchanged(self, item_id: str, fingerprint: bytes) -> bool:
        """unchanged() for an item page, short: its key is the global key and the item's fingerprint."""
        rel = f"site/item/{item_id}.html"
        if self.manifest.fresh(rel, hashlib.blake2b(self.global_key + fingerprint, digest_size=16).digest()):
            self.writer.keep(rel)
            return True
        return False

    def page(
        self,
        template: str,
        rel: str,
        *,
        title: str,
        column: str,
        pubdate: str = "",
        description: str = "",
        keywords: str = "",
        source: str = "",
        feed: Mapping[str, str] | None = None,
        crumbs: Sequence[dict[str, str]] = (),
        sitemap: bool = True,
        rows: Sequence[ItemRow] = (),
        **ctx: object,
    ) -> None:
        """Render one page to site/<rel>, with the national gov-site meta tags.

        ``feed`` is the top-level category feed the page belongs to, if any; every page
        also announces the site-wide feeds. ``rows``: the items the page lists.
        """
        office = self.site["office_name"]
        url = self.site_url + rel
        gov = {  # the national gov-site meta tags that vary by page
            "column": column,
            "pubdate": pubdate,
            "source": source or office,
            "keywords": keywords or f"{office},政府信息公开,{column}",
            "description": description or f"{office}政府信息公开：{title}",
            "url": url,
        }
        root = "../" * rel.count("/")
        compiled = self.templates.get(template)
        if compiled is None:
            compiled = self.templates[template] = environment().get_template(template)
        html = compiled.render(
            site=self.site,
            chrome=self.chrome(root),
            root=root,
            page_title=title,
            gov=gov,
            feed=feed,
            crumbs=crumbs,
            list_items=Markup("".join([self.list_item(row, root) for row in rows])),  # each one already HTML
            **ctx,
        )
        self.writer.write("site/" + rel, html)

    def chrome(self, root: str) -> dict[str, Markup]:
        """The parts of base.html that depend only on the site and ``root``, rendered once."""
        parts = self._chrome.get(root)
        if parts is None:
            module = environment().get_template("_chrome.html").make_module({"site": self.site, "root": root})
            parts = self._chrome[root] = {name: getattr(module, name) for name in CHROME_PARTS}
        return parts

    def list_item(self, row: ItemRow, root: str) -> Markup:
        """``row``'s <li> in lists at depth ``root``: rendered once, as most items are on several lists."""
        done = self._list_items.setdefault(root, {})
        html = done.get(row.id)
        if html is None:
            html = done[row.id] = self._row(row, root)
        return html

    @cached_property
    def _row(self) -> Callable[[ItemRow, str], Markup]:
        # a template's macros are attributes made at run time; under autoescape one returns Markup
        row: Callable[[ItemRow, str], Markup] = environment().get_template("_row.html").module.row  # type: ignore[attr-defined]
        return row

    def listed(self, rel: str) -> None:
        self.sitemap.append((self.site_url + rel, ""))

    def static(self) -> None:
        """site/static/: the stylesheet and the search page's script (part of the global key)."""
        for path in sorted(STATIC.iterdir()):
            if not path.is_file():
                continue
            rel = f"site/static/{path.name}"
            if self.manifest.fresh(rel, self.global_key):
                self.writer.keep(rel)
            else:
                self.writer.write(rel, path.read_bytes())

    def write_sitemap(self, items: Sequence[ItemRow]) -> None:
        """sitemap.xml; past 50,000 URLs an index of sitemap-N.xml files.

        Items come last, oldest first, so a new item changes only the last file.
        """
        urls = [f"<url><loc>{escape(u)}</loc></url>\n" for u, _ in self.sitemap]
        base = escape(self.site_url) + "item/"
        urls += [f"<url><loc>{base}{r.id}.html</loc><lastmod>{r.lastmod}</lastmod></url>\n" for r in reversed(items)]
        if len(urls) <= SITEMAP_LIMIT:
            self.writer.write("site/sitemap.xml", _URLSET.format("".join(urls)))
            return
        names = []
        for n, start in enumerate(range(0, len(urls), SITEMAP_LIMIT), 1):
            names.append(f"<sitemap><loc>{escape(self.site_url)}sitemap-{n}.xml</loc></sitemap>\n")
            self.writer.write(f"site/sitemap-{n}.xml", _URLSET.format("".join(urls[start : start + SITEMAP_LIMIT])))
        self.writer.write("site/sitemap.xml", _SITEMAP_INDEX.format("".join(names)))


_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
_URLSET = _XML + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{}</urlset>\n'
_SITEMAP_INDEX = _XML + '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{}</sitemapindex>\n'


def item_page_context(item: ItemView, body: str, office: str, category_path: str,
                      base_url: str | None = None, *, tz: tzinfo) -> dict[str, Any]:
    """The item page's data: metadata table, body, attachments, channel copies; dates on the
    office's clock (``tz``).

    ``base_url``: the first copy's URL if the caller already has it (see item_base)."""
    if base_url is None:
        base_url = item_base(item)
    metadata = [
        (META_LABELS["index_number"], item.index_number),
        ("名称", display_title(item.title)),
        (META_LABELS["publisher"], item.publisher or office),
        (META_LABELS["formed_on"], item.formed_on.isoformat() if item.formed_on else ""),
        ("发布日期", office_iso(item.published_at, tz)[:10]),
        (META_LABELS["doc_number"], item.doc_number),
        (META_LABELS["topic"], item.topic),
        ("公开目录", category_path),
        (META_LABELS["validity"], item.validity),
        ("内容概述", item.summary),
    ]
    attachments = []
    for n, a in enumerate(item.attachments, 1):
        href = safe_url(a.url, base_url, FETCH_SCHEMES)
        attachments.append({"name": a.name or href.rsplit("/", 1)[-1] or f"附件{n}", "href": href})
    copies = []
    # In the channels' fixed order (微信公众号, 微博, 网站, 区公开目录) so every page reads alike.
    for c in sorted(item.copies, key=_copy_order):
        iso = office_iso(c.published_at, tz)
        withdrawn_iso = office_iso(c.withdrawn_at, tz)
        copies.append({
            "label": CHANNEL_LABELS.get(c.channel, c.channel),
            "href": safe_url(c.url, "", FETCH_SCHEMES),
            "date": _minute(iso),
            "iso": iso,
            "withdrawn": {"date": withdrawn_iso[:10], "iso": withdrawn_iso} if withdrawn_iso else None,
        })
    withdrawn_item = None
    if item.withdrawn:
        last = office_iso(max((c.withdrawn_at for c in item.copies if c.withdrawn_at), default=None), tz)
        withdrawn_item = {"date": last[:10], "iso": last}
    return {
        "metadata": metadata,
        "body": body,
        "attachments": attachments,
        "copies": copies,
        "withdrawn": withdrawn_item,
    }


_UNDATED = datetime.max.replace(tzinfo=timezone.utc)  # a sort key: undated copies last


def _copy_order(c: ChannelCopy) -> tuple[int, datetime, str]:
    return _CHANNEL_ORDER.get(c.channel, 99), c.published_at or _UNDATED, c.url


def item_base(item: ItemView) -> str:
    """The URL the item's relative links resolve against: its first copy's ("" if none)."""
    base = first_copy(item)
    return base.url if base else ""


def item_body(item: ItemView, base_url: str | None = None, image_root: str = "../") -> str:
    """The item's sanitised body with every URL made absolute against its first copy, and its images
    the archive's copies where kept (under ``image_root``: "../" from an item page, the site's URL in a feed)."""
    body = absolutize_html(item.body_html, item_base(item) if base_url is None else base_url)
    return repair_tags(image_sources(body, item.images, image_root))

"""publish: items + catalog tree → feeds/ and site/ under the output folder.

One pass groups the items by category and year; then every page and feed is
rendered and handed to the Writer, which skips unchanged files; last, files the
build no longer produces are removed. Nothing depends on the clock, so two builds
of the same input are byte-identical.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.models import SHANGHAI, Category, ItemView

from . import feeds
from .links import FETCH_SCHEMES, check_slug, first_copy, guess_type, safe_url
from .pages import SiteRenderer, environment, item_body, item_page_context, item_row, paginate, sh_iso, sh_minute
from .reportpage import report_sections
from .tree import CategoryTree
from .writer import Writer

LATEST = 20  # items on the home page
# An empty feed still needs an updated date; a fixed one keeps builds identical.
EMPTY_FEED_UPDATED = datetime(2020, 1, 1, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class SiteInfo:
    """Where and for whom the site is published (built from the office config)."""

    office_name: str  # 兴华街道办事处
    site_url: str  # absolute base URL of output/site/, ending in "/"
    feed_url: str  # absolute base URL of output/feeds/, ending in "/"
    site_id_code: str = ""  # SiteIDCode (政府网站标识码)
    site_domain: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    office_hours: str = ""
    feed_entries: int = 50  # last N entries per feed
    language: str = "zh-CN"

    def __post_init__(self) -> None:
        for name in ("site_url", "feed_url"):
            url = getattr(self, name)
            if not (safe_url(url, "", FETCH_SCHEMES) and url.endswith("/")):
                raise ValueError(f"{name} must be an absolute http(s) URL ending in '/', got {url!r}")
        if self.feed_entries < 1:
            raise ValueError("feed_entries must be at least 1")

    @property
    def domain(self) -> str:
        """The host the ids and SiteDomain name: site_domain, else site_url's host."""
        return (self.site_domain or urlsplit(self.site_url).hostname or "").lower()


@dataclass
class BuildStats:
    written: list[str] = field(default_factory=list)  # paths relative to out_dir
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def entry_id(site: SiteInfo, item: ItemView) -> str:
    """The permanent feed id: tag URI (RFC 4151) dated by the year of first publication."""
    return f"tag:{site.domain},{item.published_at.astimezone(SHANGHAI).year}:item:{item.id}"


def build(
    items: Iterable[ItemView],
    categories: Sequence[Category],
    site: SiteInfo,
    out_dir: Path,
    reports: Mapping[int, Mapping] | None = None,
) -> BuildStats:
    """Write feeds/ and site/ under ``out_dir`` for ``items``; return what changed.

    Pages first, listings next, feeds last: a feed never points at a page not yet
    written. Stale files are removed only once everything else succeeded.
    """
    tree = CategoryTree(categories)
    ordered = _newest_first(items)
    groups = _Groups(ordered, tree)
    writer = Writer(Path(out_dir))
    feed_links = _feed_links(site, tree, groups.by_node)
    feed_of = {f["key"]: f for f in feed_links}
    site_ctx = {**asdict(site), "domain": site.domain, "feed_title": feed_links[0]["title"], "feed_all": feed_links[0]}
    r = SiteRenderer(site_ctx, writer)

    _item_pages(r, site, tree, ordered, feed_of)
    _category_pages(r, tree, groups.by_node, feed_of)
    _year_pages(r, groups.by_year)
    report_links = _report_pages(r, tree, reports or {})
    _front_pages(r, site, tree, groups, feed_links, report_links)
    r.static()
    r.write_sitemap()
    _write_feeds(writer, site, tree, ordered, groups.by_top, feed_links)

    removed = writer.remove_stale()
    return BuildStats(written=sorted(writer.written), unchanged=writer.unchanged, removed=removed)


class _Groups:
    """Items grouped in one pass: list rows, per catalog node (its whole subtree), per year."""

    def __init__(self, ordered: list[ItemView], tree: CategoryTree) -> None:
        self.rows: list[dict] = []
        self.by_node: dict[str, list[dict]] = {}
        self.by_top: dict[str, list[ItemView]] = {}
        self.by_year: dict[int, list[dict]] = {}
        for item in ordered:
            row = item_row(item)
            self.rows.append(row)
            path = tree.path(item.category)
            for node in path:
                self.by_node.setdefault(node.id, []).append(row)
            if path:
                self.by_top.setdefault(path[0].id, []).append(item)
            self.by_year.setdefault(item.published_at.astimezone(SHANGHAI).year, []).append(row)


def _newest_first(items: Iterable[ItemView]) -> list[ItemView]:
    seen: set[str] = set()
    out = []
    for item in items:
        check_slug(item.id, "item id")
        if item.id in seen:
            raise ValueError(f"item id {item.id!r} appears twice")
        seen.add(item.id)
        for name in ("published_at", "updated_at"):
            if getattr(item, name).tzinfo is None:
                raise ValueError(f"item {item.id}: {name} must be timezone-aware")
        out.append(item)
    out.sort(key=lambda i: i.id)
    out.sort(key=lambda i: i.published_at, reverse=True)  # stable: ties stay ordered by id
    return out


def _pubdate(rows: Sequence[dict]) -> str:
    return f"{rows[0]['date']}" if rows else ""


def _year_pages(r: SiteRenderer, by_year: Mapping[int, list[dict]]) -> None:
    for year, year_rows in sorted(by_year.items(), reverse=True):
        for name, pager, page_rows in paginate(year_rows, str(year)):
            r.page("year.html", f"year/{name}", title=f"{year}年发布的信息", column=f"{year}年",
                   pubdate=_pubdate(page_rows), year=year, total=len(year_rows), rows=page_rows, pager=pager)


def _report_pages(r: SiteRenderer, tree: CategoryTree, reports: Mapping) -> list[dict[str, object]]:
    by_year = {int(y): rep for y, rep in reports.items()}  # keys may come from JSON as "2020"
    for year in sorted(by_year, reverse=True):
        r.page("report.html", f"report/{year}.html", title=f"{year}年政府信息公开工作年度报告", column="年度报告",
               year=year, sections=report_sections(by_year[year], tree))
    return [{"year": y, "href": f"report/{y}.html"} for y in sorted(by_year, reverse=True)]


def _front_pages(r: SiteRenderer, site: SiteInfo, tree: CategoryTree, groups: _Groups,
                 feed_links: list[dict[str, str]], report_links: list[dict[str, object]]) -> None:
    """The home page and the 政府信息公开指南."""
    years = [{"year": y, "count": len(v), "href": f"year/{y}.html"} for y, v in sorted(groups.by_year.items(), reverse=True)]
    r.page("index.html", "index.html", title="政府信息公开", column="首页", pubdate=_pubdate(groups.rows[:1]),
           rows=groups.rows[:LATEST], tree=_tree(tree, groups.by_node), years=years, reports=report_links,
           feed_list=feed_links, opml=f"{site.feed_url}index.opml")
    top = [{"name": c.name, "href": f"category/{c.id}.html" if c.id in groups.by_node else ""} for c in tree.top]
    r.page("about.html", "about.html", title="政府信息公开指南", column="政府信息公开指南", reports=report_links, top=top)


def _tree(tree: CategoryTree, by_node: Mapping[str, list]) -> list[dict]:
    def node(c: Category, seen: frozenset[str]) -> dict:
        kids = [node(k, seen | {k.id}) for k in tree.children.get(c.id, []) if k.id not in seen]
        n = len(by_node.get(c.id, ()))
        return {"name": c.name, "count": n, "href": f"category/{c.id}.html" if n else "", "children": kids}

    return [node(c, frozenset({c.id})) for c in tree.top]


def _category_pages(r: SiteRenderer, tree: CategoryTree, by_node: Mapping[str, list[dict]], feed_of: Mapping) -> None:
    for _, c in tree.walk():
        node_rows = by_node.get(c.id)
        if not node_rows:
            continue
        path = tree.path(c.id)
        crumbs = [{"name": p.name, "href": f"{p.id}.html"} for p in path[:-1]]
        children = [
            {"name": k.name, "count": len(by_node.get(k.id, ())), "href": f"{k.id}.html" if k.id in by_node else ""}
            for k in tree.children.get(c.id, [])
        ]
        own_feed = feed_of.get(c.id) if len(path) == 1 else None  # feeds exist per top-level node
        for name, pager, page_rows in paginate(node_rows, c.id):
            r.page("category.html", f"category/{name}", title=c.name, column=c.name, pubdate=_pubdate(page_rows),
                   feed=feed_of.get(path[0].id), crumbs=crumbs, name=c.name, children=children,
                   total=len(node_rows), rows=page_rows, pager=pager, own_feed=own_feed)


def _item_pages(r: SiteRenderer, site: SiteInfo, tree: CategoryTree, ordered: list[ItemView], feed_of: Mapping) -> None:
    for item in ordered:
        path = tree.path(item.category)
        crumbs = [{"name": c.name, "href": f"../category/{c.id}.html"} for c in path]
        ctx = item_page_context(item, item_body(item), site.office_name, " / ".join(c.name for c in path))
        keywords = ",".join(x for x in (path[-1].name if path else "", item.topic) if x)
        r.page("item.html", f"item/{item.id}.html", title=item.title, column=path[-1].name if path else "信息",
               pubdate=sh_minute(item.published_at), description=item.summary[:200] or item.title,
               keywords=keywords, source=item.publisher or site.office_name, crumbs=crumbs,
               feed=feed_of.get(path[0].id) if path else None,
               lastmod=sh_iso(item.updated_at), **ctx)


def _feed_links(site: SiteInfo, tree: CategoryTree, by_node: Mapping[str, list]) -> list[dict[str, str]]:
    """All feeds, site-wide first: key, title, the three URLs and the page each follows."""
    out = [{"key": "all", "title": f"{site.office_name}政府信息公开", "html": site.site_url + "index.html"}]
    for c in tree.top:
        page = f"category/{c.id}.html" if c.id in by_node else "index.html"
        out.append({"key": c.id, "title": f"{site.office_name}政府信息公开 · {c.name}", "html": site.site_url + page})
    for f in out:
        for fmt, ext in (("rss", "rss.xml"), ("atom", "atom.xml"), ("json", "json")):
            f[fmt] = f"{site.feed_url}{f['key']}.{ext}"
    return out


def _write_feeds(
    writer: Writer,
    site: SiteInfo,
    tree: CategoryTree,
    ordered: list[ItemView],
    by_top: Mapping[str, list[ItemView]],
    feed_links: list[dict[str, str]],
) -> None:
    cache: dict[str, feeds.Entry] = {}

    def entry(item: ItemView) -> feeds.Entry:
        if item.id not in cache:
            cache[item.id] = _entry(site, tree, item)
        return cache[item.id]

    for f in feed_links:
        chosen = (ordered if f["key"] == "all" else by_top.get(f["key"], []))[: site.feed_entries]
        entries = [entry(i) for i in chosen]
        spec = feeds.FeedSpec(
            key=f["key"],
            title=f["title"],
            description=f"{f['title']}：最新主动公开的政府信息",
            home_url=f["html"],
            feed_url=site.feed_url,
            author=site.office_name,
            email=site.email,
            language=site.language,
            updated=max((e.updated for e in entries), default=EMPTY_FEED_UPDATED),
            category_scheme=site.site_url + "category/",
            entries=entries,
        )
        for name, data in feeds.render(spec).items():
            writer.write(f"feeds/{name}", data)
    opml = environment().get_template("opml.xml").render(title=f"{site.office_name}政府信息公开订阅源", feeds=feed_links)
    writer.write("feeds/index.opml", opml)


def _entry(site: SiteInfo, tree: CategoryTree, item: ItemView) -> feeds.Entry:
    base = first_copy(item)
    base_url = base.url if base else ""
    body = item_body(item)
    if item.withdrawn:
        body = "<p><strong>本信息已撤回。</strong></p>\n" + body
    enclosures = []
    for a in item.attachments:
        url = safe_url(a.url, base_url, FETCH_SCHEMES)
        if url:
            enclosures.append(feeds.Enclosure(url=url, mime_type=guess_type(url, a.name), title=a.name))
    return feeds.Entry(
        id=entry_id(site, item),
        title=item.title,
        url=f"{site.site_url}item/{item.id}.html",
        summary=item.summary,
        content_html=body,
        published=item.published_at,
        updated=item.updated_at,
        categories=tuple((c.id, c.name) for c in tree.path(item.category)),
        enclosures=tuple(enclosures),
    )


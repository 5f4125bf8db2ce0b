"""publish: items + catalog tree → feeds/ and site/ under the output folder.

One pass groups the items by category and year; then every page and feed is
rendered and handed to the Writer, which skips unchanged files; last, files the
build no longer produces are removed. Nothing depends on the clock, so two builds
of the same input are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone, tzinfo
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from pipeline.config import messages
from pipeline.errors import ConfigError, InternalError
from pipeline.gcpause import collector_paused
from pipeline.htmltools import html_to_text
from pipeline.models import Category, ItemView, cn_date, local_year
from pipeline.registers.proactive import coverage

from . import feeds, snapshot
from .images import IMG_DIR, place
from .links import FETCH_SCHEMES, check_slug, guess_type, safe_url
from .manifest import Manifest
from .manifest import remove as remove_files
from .pages import PAGE_SIZE, SiteRenderer, display_title, environment, item_base, item_body, item_page_context, office_minute, paginate
from .reportpage import PAGE_KEY, report_sections
from .search import INDEX_DIR, Doc, SearchIndex
from .source import ItemRow, ItemSource, MemorySource, digest
from .tree import CategoryTree
from .writer import Writer

LATEST = 20  # items on the home page
SEARCH_DIR = f"site/{INDEX_DIR}"  # written by SearchIndex, not by the Writer
REPORTS_DIR = "reports"  # site/reports/: written by the report stage (pipeline/report/outputs.py)
BUILDING = ".build-running"  # in the output folder while a build runs
# An empty feed still needs an updated date; a fixed one keeps builds identical.
EMPTY_FEED_UPDATED = datetime(2019, 12, 31, 16, tzinfo=timezone.utc)  # a feed with no entry: a fixed date (2020-01-01 Beijing time)


@dataclass(frozen=True)
class SiteInfo:
    """Where and for whom the site is published (built from the office config)."""

    office_name: str  # 兴华街道办事处
    site_url: str  # absolute base URL of output/site/ (the docroot), ending in "/"
    feed_url: str  # absolute base URL of the feeds (output/site/feeds/ unless published elsewhere), ending in "/"
    timezone: tzinfo = field(kw_only=True)  # [office] timezone: the day and year of every date shown
    site_id_code: str = ""  # SiteIDCode (政府网站标识码)
    site_domain: str = ""
    address: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""
    office_hours: str = ""
    feed_entries: int = 50  # last N entries per feed
    language: str = "zh-CN"

    def __post_init__(self) -> None:
        for name in ("site_url", "feed_url"):
            url = getattr(self, name)
            if not (safe_url(url, "", FETCH_SCHEMES) and url.endswith("/")):
                raise ConfigError(messages.expected("", name, "以 / 结尾的完整 http(s) 网址", url))
        if self.feed_entries < 1:
            raise ConfigError(messages.expected("", "feed_entries", "不小于 1 的整数", self.feed_entries))

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
    return f"tag:{site.domain},{local_year(item.published_at, site.timezone)}:item:{item.id}"


def build(
    items: Iterable[ItemView] | ItemSource,
    categories: Sequence[Category],
    site: SiteInfo,
    out_dir: Path,
    reports: Mapping[int, Mapping[str, Any]] | None = None,
    *,
    full: bool = False,
    search: bool = True,
    writer: Writer | None = None,
    site_dir: Path | None = None,
) -> BuildStats:
    """Write the site (its feeds in site/feeds/) for ``items``; return what changed.

    ``out_dir`` keeps what is never served (the build manifest, the search state); the site
    goes to ``site_dir``, the docroot (default ``out_dir``/site: README's single office).

    ``items`` is an ItemSource (rows for every item, full views on demand) or plain
    ItemViews. Only pages and feeds whose inputs changed since the last build are
    rendered (``full``: ignore what the last build recorded and render everything).
    ``search``: update the search index (site/search/) with the items whose page changed.
    ``writer``: a Writer from staging(out_dir, site_dir) that already holds other staged files (the
    nightly job's reports): they are put in place in the same pass as the pages and feeds.
    Pages first, listings next, feeds last: a feed never points at a page not yet
    written. Stale files are removed only once everything else succeeded; the search
    index is published last.
    """
    with collector_paused():  # see pipeline/gcpause.py
        if writer is not None:
            if writer.root != os.path.realpath(out_dir) or not writer.staged or (
                    site_dir is not None and writer.site_root != os.path.realpath(site_dir)):
                raise InternalError(f"build() needs a staged Writer of {out_dir} (see staging())")
            return _build_marked(items, categories, site, Path(out_dir), reports or {}, full, search, writer)
        with staging(out_dir, site_dir) as own:
            return _build_marked(items, categories, site, Path(out_dir), reports or {}, full, search, own)


@contextmanager
def staging(out_dir: Path, site_dir: Path | None = None) -> Iterator[Writer]:
    """The one staged Writer of a build: every output written through it (pages, feeds, the
    reports the nightly job writes before the pages) waits under a temporary name until the
    build commits it, all in one pass; a build that fails or dies replaces none of them."""
    out_dir = Path(out_dir)
    writer = Writer(out_dir, staged=True, site_dir=site_dir)
    _sweep_killed_build(writer)
    try:
        yield writer
    except BaseException:
        writer.discard()
        raise
    finally:
        (out_dir / BUILDING).unlink(missing_ok=True)  # only a killed build leaves it


def _sweep_killed_build(writer: Writer) -> None:
    """A build killed mid-way (kill -9, power cut) left its staged files (.NAME.PID.tmp) in the
    published tree: the mark it left says so, and they go before this build starts."""
    out_dir = Path(writer.root)
    mark = out_dir / BUILDING
    # site/reports/ (a few files) is always looked at: a report stage of an older version staged there unmarked
    for top in ("site", "feeds", "reports") if mark.exists() else ("site/reports", "reports"):
        for path in Path(writer.locate(top)).rglob(".*.tmp"):
            path.unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    mark.touch()


def _build_marked(items: Iterable[ItemView] | ItemSource, categories: Sequence[Category], site: SiteInfo,
                  out_dir: Path, reports: Mapping[int, Mapping[str, Any]], full: bool, search: bool,
                  writer: Writer) -> BuildStats:
    source = items if isinstance(items, ItemSource) else MemorySource(items, site.timezone)
    if source.tz != site.timezone:  # the lists would date items in one zone, the pages in another
        raise InternalError(f"items read in {source.tz}, site published in {site.timezone}")
    tree = CategoryTree(categories)
    docroot = Path(writer.site_root)
    # no home page: the site is new, or was moved or deleted; what the manifest says was built is not there
    manifest = Manifest() if full or not (docroot / "index.html").is_file() else Manifest.load(out_dir)
    current = snapshot.current(source, out_dir, use_snapshot=manifest.trusted)
    rows = _newest_first(current.rows)
    groups = _Groups(rows, tree)
    feed_links = _feed_links(site, tree, groups.by_node)
    feed_of = {f["key"]: f for f in feed_links}
    site_ctx = {**asdict(site), "domain": site.domain, "feed_title": feed_links[0]["title"], "feed_all": feed_links[0]}
    global_key = _global_key(site, tree, feed_links)
    r = SiteRenderer(site_ctx, writer, manifest, global_key)
    index = SearchIndex(out_dir, docroot / INDEX_DIR, tz=site.timezone) if search else None

    try:
        # Items the change log does not name keep their page key unless what every page shows changed.
        changed = current.changed if current.global_key == global_key else None
        settled = _Settled(tree, current.touched) if changed is not None else None
        _item_pages(r, source, site, tree, rows, feed_of, changed, index)
        _category_pages(r, tree, groups, feed_of, settled)
        _year_pages(r, groups.by_year, settled)
        report_links = _report_pages(r, tree, reports, rows)
        _front_pages(r, site, tree, groups, feed_links, report_links)
        r.static()
        r.write_sitemap(rows)
        _write_feeds(writer, manifest, global_key, source, site, tree, rows, groups.by_top, feed_links)
    except BaseException:
        writer.discard()
        raise
    writer.commit()  # the one switch: reports, pages and feeds together

    if manifest.trusted:
        removed = remove_files(writer, manifest.stale(writer.produced))
    else:
        removed = writer.remove_stale(skip=(SEARCH_DIR, f"site/{REPORTS_DIR}", f"site/{IMG_DIR}"))
    manifest.save(out_dir)
    snapshot.save(out_dir, current, rows, global_key)
    if index is not None:
        index.keep_only(row.id for row in rows)
        index.save()
    return BuildStats(written=sorted(writer.written), unchanged=writer.unchanged,
                      removed=removed)


class _Groups:
    """Item rows grouped in one pass: per catalog node (its whole subtree), per node and year,
    per top-level node, per year. Each row is appended to lists found once per (category, year)."""

    def __init__(self, rows: list[ItemRow], tree: CategoryTree) -> None:
        self.rows = rows
        self.by_node: dict[str, list[ItemRow]] = {}
        self.by_node_year: dict[str, dict[int, list[ItemRow]]] = {}
        self.by_top: dict[str, list[ItemRow]] = {}
        self.by_year: dict[int, list[ItemRow]] = {}
        targets: dict[tuple[str, str], tuple[list[ItemRow], ...]] = {}
        for row in rows:
            key = (row.category, row.iso[:4])
            lists = targets.get(key)
            if lists is None:
                lists = targets[key] = self._targets(tree, row.category, int(key[1]))
            for target in lists:
                target.append(row)

    def _targets(self, tree: CategoryTree, category: str, year: int) -> tuple[list[ItemRow], ...]:
        path = [c.id for c in tree.path(category)]
        out = [self.by_year.setdefault(year, [])]
        for node in path:
            out.append(self.by_node.setdefault(node, []))
            out.append(self.by_node_year.setdefault(node, {}).setdefault(year, []))
        if path:
            out.append(self.by_top.setdefault(path[0], []))
        return tuple(out)


class _Settled:
    """Which lists hold no changed item (so their archive pages keep their keys unhashed):
    the changed items' categories and years, before and after the change."""

    def __init__(self, tree: CategoryTree, touched: Iterable[ItemRow]) -> None:
        self.nodes: set[str] = set()
        self.node_years: set[tuple[str, int]] = set()
        self.years: set[int] = set()
        for row in touched:
            year = int(row.iso[:4])
            self.years.add(year)
            for c in tree.path(row.category):
                self.nodes.add(c.id)
                self.node_years.add((c.id, year))


def _newest_first(rows: Iterable[ItemRow]) -> list[ItemRow]:
    out = list(rows)
    if len({r.id for r in out}) != len(out):
        seen: set[str] = set()
        for r in out:
            if r.id in seen:
                raise InternalError(f"item id {r.id!r} appears twice")
            seen.add(r.id)
    out.sort(key=attrgetter("id"))
    out.sort(key=attrgetter("iso"), reverse=True)  # stable: ties stay ordered by id
    return out


@lru_cache(maxsize=1)
def _code_key() -> bytes:
    """A hash of this package's code, templates and static files: any change rebuilds everything."""
    h = hashlib.blake2b(digest_size=16)
    here = Path(__file__).parent
    for path in sorted(p for p in here.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.digest()


def _global_key(site: SiteInfo, tree: CategoryTree, feed_links: list[dict[str, str]]) -> bytes:
    """What every page shows: the site, the catalog tree, the feeds, the code that renders it."""
    cats = [(c.id, c.name, c.parent, c.position) for _, c in tree.walk()]
    return digest(_code_key() + repr((asdict(site), cats, feed_links, PAGE_SIZE)).encode())


def _fps(rows: Sequence[ItemRow]) -> bytes:
    return b"".join(r.fingerprint for r in rows)


def _pubdate(rows: Sequence[ItemRow]) -> str:
    return rows[0].date if rows else ""


def _list_pages(r: SiteRenderer, template: str, folder: str, stem: str, rows: Sequence[ItemRow],
                extra: str, settled: bool = False, **page: Any) -> None:
    """A paginated list: the landing page (with ``page``'s context) and its archive pages.

    ``settled``: no item of ``rows`` changed, so archive pages keep their keys (the
    landing page's counts may still have changed)."""
    for n, (name, pager, page_rows) in enumerate(paginate(rows, stem)):
        rel = f"{folder}/{name}"
        r.listed(rel)
        landing = n == 0
        if settled and not landing and r.kept(rel):
            continue
        if r.unchanged(rel, template, repr(pager), extra if landing else "", _fps(page_rows)):
            continue
        ctx = dict(page)
        if not landing:  # archive pages show no totals or counts: those change with every new item
            ctx.update(children=[{**c, "count": None} for c in ctx.get("children", ())], years=[], total=None)
        r.page(template, rel, pubdate=_pubdate(page_rows), rows=page_rows, pager=pager, **ctx)


def _year_pages(r: SiteRenderer, by_year: Mapping[int, list[ItemRow]], settled: _Settled | None = None) -> None:
    for year, year_rows in sorted(by_year.items(), reverse=True):
        _list_pages(r, "year.html", "year", str(year), year_rows, str(len(year_rows)),
                    settled is not None and year not in settled.years,
                    title=f"{year}年发布的信息", column=f"{year}年", year=year, total=len(year_rows))


REPORT_FILES = (("html", "完整报告（可打印）"), ("docx", "Word 文档"), ("md", "Markdown"), ("json", "JSON 数据"),
                ("table1.csv", "表格：主动公开（CSV）"), ("table2.csv", "表格：依申请公开（CSV）"),
                ("table3.csv", "表格：行政复议、行政诉讼（CSV）"))


def _report_pages(r: SiteRenderer, tree: CategoryTree, reports: Mapping[Any, Mapping[str, Any]],
                  rows: Sequence[ItemRow]) -> list[dict[str, object]]:
    """The report pages; returns the home page's links, each saying whether the data covers the year."""
    by_year = {int(y): rep for y, rep in reports.items()}  # keys may come from JSON as "2020"
    first = date.fromisoformat(rows[-1].iso[:10]) if rows else None  # rows are newest first
    last = date.fromisoformat(rows[0].iso[:10]) if rows else None
    links = []
    for year in sorted(by_year, reverse=True):
        rel = f"report/{year}.html"
        report = by_year[year]
        part = coverage(year, first, last)
        partial = f"{cn_date(part[0])}至{cn_date(part[1])}" if part else ""
        published = bool(report.get("published_at"))  # frozen by `xxgk report publish`; else only its counts are public
        links.append({"year": year, "href": rel, "partial": partial, "published": published})
        # The full report files the report stage wrote into the docroot (site/reports/), when present.
        names = [(f"{year}{'-' if ext.endswith('.csv') else '.'}{ext}", label) for ext, label in REPORT_FILES]
        files = [{"href": f"../{REPORTS_DIR}/{name}", "label": label} for name, label in names
                 if f"site/{REPORTS_DIR}/{name}" in r.writer.produced  # staged with this build
                 or Path(r.writer.locate(f"site/{REPORTS_DIR}/{name}")).is_file()]
        r.listed(rel)
        if r.unchanged(rel, json.dumps([report, files, partial], sort_keys=True, default=str)):
            continue
        body = report.get(PAGE_KEY) if published else None  # a draft's prose is the staff's: never public
        title = f"{year}年政府信息公开工作{'年度报告' if published else '统计'}"
        r.page("report.html", rel, title=title, column="年度报告", published=published,
               year=year, body=Markup(body) if body else "", partial=partial,
               sections=[] if body else report_sections(report, tree), files=files)
    return links


def _front_pages(r: SiteRenderer, site: SiteInfo, tree: CategoryTree, groups: _Groups,
                 feed_links: list[dict[str, str]], report_links: list[dict[str, object]]) -> None:
    """The home page, the 政府信息公开指南 and the search page."""
    years = [{"year": y, "count": len(v), "href": f"year/{y}.html"} for y, v in sorted(groups.by_year.items(), reverse=True)]
    tree_ctx = _tree(tree, groups.by_node)
    latest = groups.rows[:LATEST]
    r.listed("index.html")
    if not r.unchanged("index.html", repr((tree_ctx, years, report_links)), _fps(latest)):
        r.page("index.html", "index.html", title="政府信息公开", column="首页", pubdate=_pubdate(latest),
               rows=latest, tree=tree_ctx, years=years, reports=report_links,
               feed_list=feed_links, opml=f"{site.feed_url}index.opml")
    top = [{"name": c.name, "href": f"category/{c.id}.html" if c.id in groups.by_node else ""} for c in tree.top]
    r.listed("about.html")
    if not r.unchanged("about.html", repr((report_links, top))):
        r.page("about.html", "about.html", title="政府信息公开指南", column="政府信息公开指南", reports=report_links, top=top)
    r.listed("search.html")
    if not r.unchanged("search.html"):
        r.page("search.html", "search.html", title="全文检索", column="全文检索")


def _tree(tree: CategoryTree, by_node: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    def node(c: Category, seen: frozenset[str]) -> dict[str, Any]:
        kids = [node(k, seen | {k.id}) for k in tree.children.get(c.id, []) if k.id not in seen]
        n = len(by_node.get(c.id, ()))
        return {"name": c.name, "count": n, "href": f"category/{c.id}.html" if n else "", "children": kids}

    return [node(c, frozenset({c.id})) for c in tree.top]


def _category_pages(r: SiteRenderer, tree: CategoryTree, groups: _Groups, feed_of: Mapping[str, Any],
                    settled: _Settled | None = None) -> None:
    by_node = groups.by_node
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
        by_year = sorted(groups.by_node_year[c.id].items(), reverse=True)
        years = [{"year": y, "count": len(v), "href": f"{c.id}~{y}.html"} for y, v in by_year]
        common = dict(title=c.name, column=c.name, feed=feed_of.get(path[0].id), crumbs=crumbs, name=c.name,
                      own_feed=own_feed, category_href=f"{c.id}.html")
        counts = repr((children, years, len(node_rows)))
        _list_pages(r, "category.html", "category", c.id, node_rows, counts,
                    settled is not None and c.id not in settled.nodes, children=children,
                    years=years, year=None, total=len(node_rows), **common)
        for y, year_rows in by_year:  # filtered by year: category/<id>~<year>.html
            _list_pages(r, "category.html", "category", f"{c.id}~{y}", year_rows, repr((years, len(year_rows))),
                        settled is not None and (c.id, y) not in settled.node_years,
                        children=[], years=years, year=y, total=len(year_rows), **common)


def _item_pages(r: SiteRenderer, source: ItemSource, site: SiteInfo, tree: CategoryTree, rows: list[ItemRow],
                feed_of: Mapping[str, Any], changed: frozenset[str] | None = None, index: SearchIndex | None = None) -> None:
    """Item pages whose item changed (or that are new); the others are not even loaded.

    ``changed``: the only items that may have changed (from the change log); the others
    keep their old key without hashing (None: check every item). ``index``: the search
    index, given every rendered item (and every item, when it has none yet)."""
    check = rows
    if changed is not None:
        never_built = r.items_kept(row.id for row in rows if row.id not in changed)
        check = [row for row in rows if row.id in changed or row.id in never_built]
    todo = [check_slug(row.id, "item id") for row in check if not r.item_unchanged(row.id, row.fingerprint)]
    index_all = index is not None and index.empty  # no index yet: every item goes in, not only these
    for item in source.views(todo):
        path = tree.path(item.category)
        crumbs = [{"name": c.name, "href": f"../category/{c.id}.html"} for c in path]
        base_url = item_base(item)
        place(Path(r.writer.site_root), item.images)  # before the page that shows them is committed
        ctx = item_page_context(item, item_body(item, base_url), site.office_name, " / ".join(c.name for c in path),
                                base_url, tz=site.timezone)
        keywords = ",".join(x for x in (path[-1].name if path else "", item.topic) if x)
        r.page("item.html", f"item/{item.id}.html", title=display_title(item.title), column=path[-1].name if path else "信息",
               pubdate=office_minute(item.published_at, site.timezone), description=item.summary[:200] or item.title,
               keywords=keywords, source=item.publisher or site.office_name, crumbs=crumbs,
               feed=feed_of.get(path[0].id) if path else None, **ctx)
        if index is not None:
            index.add(_search_doc(tree, item))
    if index_all and index is not None:
        done = set(todo)
        for item in source.views([row.id for row in rows if row.id not in done]):
            index.add(_search_doc(tree, item))


def _search_doc(tree: CategoryTree, item: ItemView) -> Doc:
    return Doc(item_id=item.id, title=display_title(item.title), published_at=item.published_at,
               category=" / ".join(c.name for c in tree.path(item.category)), text=search_text(item))


def search_text(item: ItemView) -> str:
    """What search finds an item by besides its title: its text, then the 文号 and 索引号 its page
    shows (the number a citizen has in hand: 兴街发〔2020〕4号)."""
    numbers = " ".join(n for n in (item.doc_number, item.index_number) if n)
    return html_to_text(item.body_html) + (f"\n{numbers}" if numbers else "")


def _feed_links(site: SiteInfo, tree: CategoryTree, by_node: Mapping[str, list[Any]]) -> list[dict[str, str]]:
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
    manifest: Manifest,
    global_key: bytes,
    source: ItemSource,
    site: SiteInfo,
    tree: CategoryTree,
    rows: list[ItemRow],
    by_top: Mapping[str, list[ItemRow]],
    feed_links: list[dict[str, str]],
) -> None:
    """Each feed whose entries changed; a feed whose entries did not is left alone (bytes and mtime)."""
    todo = []
    for f in feed_links:
        chosen = (rows if f["key"] == "all" else by_top.get(f["key"], []))[: site.feed_entries]
        key = digest(global_key + f["key"].encode() + _fps(chosen))
        names = [f"site/feeds/{name}" for name in feeds.file_names(f["key"])]
        if all([manifest.fresh(name, key) for name in names]):  # a list: record every name
            for name in names:
                writer.keep(name)
        else:
            todo.append((f, chosen))
    views = {v.id: v for v in source.views(sorted({row.id for _, chosen in todo for row in chosen}))}
    for view in views.values():
        place(Path(writer.site_root), view.images)  # an entry may show an item whose page was not rebuilt
    for f, chosen in todo:
        entries = [_entry(site, tree, views[row.id]) for row in chosen]
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
            tz=site.timezone,
            category_scheme=site.site_url + "category/",
            entries=entries,
        )
        for name, data in feeds.render(spec).items():
            writer.write(f"site/feeds/{name}", data)
    if manifest.fresh("site/feeds/index.opml", global_key):
        writer.keep("site/feeds/index.opml")
    else:
        opml = environment().get_template("opml.xml").render(title=f"{site.office_name}政府信息公开订阅源", feeds=feed_links)
        writer.write("site/feeds/index.opml", opml)


def _entry(site: SiteInfo, tree: CategoryTree, item: ItemView) -> feeds.Entry:
    base_url = item_base(item)
    body = item_body(item, base_url, image_root=site.site_url)
    if item.withdrawn:
        body = "<p><strong>本信息已撤回。</strong></p>\n" + body
    enclosures = []
    for a in item.attachments:
        url = safe_url(a.url, base_url, FETCH_SCHEMES)
        if url:
            enclosures.append(feeds.Enclosure(url=url, mime_type=guess_type(url, a.name), title=a.name))
    return feeds.Entry(
        id=entry_id(site, item),
        title=display_title(item.title),
        url=f"{site.site_url}item/{item.id}.html",
        summary=item.summary,
        content_html=body,
        published=item.published_at,
        updated=item.updated_at,
        categories=tuple((c.id, c.name) for c in tree.path(item.category)),
        enclosures=tuple(enclosures),
    )


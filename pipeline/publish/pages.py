"""The static catalog pages: one Jinja environment, plain-dict contexts, relative links.

Every page lives under ``site/`` at depth 0 (index, about) or 1 (category/, year/,
item/, report/), so ``root`` ("" or "../") is all a template needs to link anywhere;
the site works from file:// and under any sub-path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from pipeline.models import CHANNELS, META_LABELS, SHANGHAI, ItemView

from .links import FETCH_SCHEMES, absolutize_html, first_copy, safe_url
from .writer import Writer

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
PAGE_SIZE = 50
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org protocol)

CHANNEL_LABELS = {"wechat": "微信公众号", "weibo": "微博", "website": "网站", "catalog": "区公开目录"}
_CHANNEL_ORDER = {c: i for i, c in enumerate(CHANNELS)}


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one template environment: compiled once, escaping everything by default."""
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # .html and .xml alike; only item bodies are marked safe
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def sh_date(dt: datetime | None) -> str:
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%d") if dt else ""


def sh_minute(dt: datetime | None) -> str:
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if dt else ""


def sh_iso(dt: datetime | None) -> str:
    return dt.astimezone(SHANGHAI).isoformat() if dt else ""


def item_row(item: ItemView) -> dict[str, object]:
    """What a list shows of an item; built once per build and shared by all lists."""
    return {
        "id": item.id,
        "title": item.title,
        "date": sh_date(item.published_at),
        "iso": sh_iso(item.published_at),
        "index_number": item.index_number,
        "withdrawn": item.withdrawn,
    }


def paginate(rows: Sequence[dict], stem: str) -> list[tuple[str, dict[str, object], Sequence[dict]]]:
    """Split ``rows`` into pages named stem.html, stem-2.html, …: (file name, pager, rows)."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))

    def name(n: int) -> str:
        return f"{stem}.html" if n == 1 else f"{stem}-{n}.html"

    out = []
    for n in range(1, pages + 1):
        pager = {
            "page": n,
            "pages": pages,
            "first": name(1),
            "last": name(pages),
            "prev": name(n - 1) if n > 1 else "",
            "next": name(n + 1) if n < pages else "",
        }
        out.append((name(n), pager, rows[(n - 1) * PAGE_SIZE : n * PAGE_SIZE]))
    return out


class SiteRenderer:
    """Renders pages into ``site/`` through the writer and remembers them for the sitemap."""

    def __init__(self, site: Mapping[str, object], writer: Writer) -> None:
        env = environment()
        self.templates: dict[str, Template] = {
            name: env.get_template(name)
            for name in ("index.html", "category.html", "year.html", "item.html", "report.html",
                         "about.html", "sitemap.xml", "sitemap_index.xml")
        }
        self.site = site
        self.writer = writer
        self.site_url = str(site["site_url"])
        self.sitemap: list[tuple[str, str]] = []

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
        lastmod: str = "",
        **ctx: object,
    ) -> None:
        """Render one page to site/<rel>, with the national gov-site meta tags.

        ``feed`` is the top-level category feed the page belongs to, if any; every page
        also announces the site-wide feeds.
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
        html = self.templates[template].render(
            site=self.site,
            root="../" * rel.count("/"),
            page_title=title,
            gov=gov,
            feed=feed,
            crumbs=crumbs,
            **ctx,
        )
        self.writer.write("site/" + rel, html)
        self.sitemap.append((url, lastmod))

    def static(self) -> None:
        for path in sorted(STATIC.iterdir()):
            if path.is_file():
                self.writer.write(f"site/static/{path.name}", path.read_bytes())

    def write_sitemap(self) -> None:
        """sitemap.xml; past 50,000 URLs it becomes an index of sitemap-N.xml files."""
        urls = self.sitemap
        if len(urls) <= SITEMAP_LIMIT:
            self.writer.write("site/sitemap.xml", self.templates["sitemap.xml"].render(urls=urls))
            return
        names = []
        for n, start in enumerate(range(0, len(urls), SITEMAP_LIMIT), 1):
            name = f"sitemap-{n}.xml"
            names.append(self.site_url + name)
            chunk = urls[start : start + SITEMAP_LIMIT]
            self.writer.write(f"site/{name}", self.templates["sitemap.xml"].render(urls=chunk))
        self.writer.write("site/sitemap.xml", self.templates["sitemap_index.xml"].render(sitemaps=names))


def item_page_context(item: ItemView, body: str, office: str, category_path: str) -> dict[str, object]:
    """The item page's data: metadata table, body, attachments, channel copies."""
    base = first_copy(item)
    base_url = base.url if base else ""
    metadata = [
        (META_LABELS["index_number"], item.index_number),
        ("名称", item.title),
        (META_LABELS["publisher"], item.publisher or office),
        (META_LABELS["formed_on"], item.formed_on.isoformat() if item.formed_on else ""),
        ("发布日期", sh_date(item.published_at)),
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
    undated = datetime.max.replace(tzinfo=SHANGHAI)
    # In the channels' fixed order (微信公众号, 微博, 网站, 区公开目录) so every page reads alike.
    for c in sorted(item.copies, key=lambda c: (_CHANNEL_ORDER.get(c.channel, 99), c.published_at or undated, c.url)):
        withdrawn = {"date": sh_date(c.withdrawn_at), "iso": sh_iso(c.withdrawn_at)} if c.withdrawn_at else None
        copies.append({
            "label": CHANNEL_LABELS.get(c.channel, c.channel),
            "href": safe_url(c.url, "", FETCH_SCHEMES),
            "date": sh_minute(c.published_at),
            "iso": sh_iso(c.published_at),
            "withdrawn": withdrawn,
        })
    withdrawn_item = None
    if item.withdrawn:
        last = max((c.withdrawn_at for c in item.copies if c.withdrawn_at), default=None)
        withdrawn_item = {"date": sh_date(last), "iso": sh_iso(last)}
    return {
        "metadata": metadata,
        "body": body,
        "attachments": attachments,
        "copies": copies,
        "withdrawn": withdrawn_item,
    }


def item_body(item: ItemView) -> str:
    """The item's sanitised body with every URL made absolute against its first copy."""
    base = first_copy(item)
    return absolutize_html(item.body_html, base.url if base else "")

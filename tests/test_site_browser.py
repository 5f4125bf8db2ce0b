"""The catalog site in headless Chromium: accessibility (axe-core), no script from hostile
input, file:// and sub-path links, keyboard, phone and print, and Chinese search (static bigram index)."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.models import Category
from pipeline.publish import build
from tests.builders import CATEGORIES, PAYLOADS, REPO, REPORTS, SITE, T0, hostile_items, make_item

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PWNED_HOOK = "window.__pwnedCalls = []; window.__pwned = (n) => window.__pwnedCalls.push(n);"
SEARCH_WORD = "垃圾分类"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """A built site: 160 ordinary items (archive pages), a withdrawn one, the hostile corpus, a search index."""
    out = tmp_path_factory.mktemp("site")
    its = [make_item(n) for n in range(1, 121)] + [make_item(n, category="gfxwj") for n in range(121, 161)]
    its[3] = dataclasses.replace(its[3], body_html=its[3].body_html + f"<p>街道开展{SEARCH_WORD}宣传活动。</p>",
                                 title="街道开展宣传周活动")
    its[5] = dataclasses.replace(its[5], withdrawn=True, copies=tuple(
        dataclasses.replace(c, withdrawn_at=T0) for c in its[5].copies))
    cats = [*CATEGORIES, Category("hostilecat", PAYLOADS["text"][0] + "栏目", None, 9)]
    its += [dataclasses.replace(i, category="hostilecat") if k % 3 == 0 else i for k, i in enumerate(hostile_items())]
    site_info = dataclasses.replace(SITE, address=PAYLOADS["text"][2] + "兴华路1号", phone=PAYLOADS["text"][7])
    build(its, cats, site_info, out, reports=REPORTS, search=True)
    return out / "site"


KINDS = {  # one page of each kind
    "home": "index.html", "about": "about.html", "search": "search.html", "report": "report/2020.html",
    "category": "category/gzdt.html", "category-parent": "category/zcwj.html",
    "category-archive": "category/zcwj~1.html", "category-year": "category/gzdt~2020.html",
    "year": "year/2020.html", "year-archive": "year/2020~1.html", "item": "item/item0004.html",
    "item-withdrawn": "item/item0006.html", "item-hostile": "item/hostile05.html",
    "category-hostile": "category/hostilecat.html",
}


@pytest.fixture(scope="module")
def context(browser):
    ctx = browser.new_context()
    ctx.add_init_script(PWNED_HOOK)
    yield ctx
    ctx.close()


def test_every_kind_of_page_exists(built_site: Path) -> None:
    assert [k for k, rel in KINDS.items() if not (built_site / rel).is_file()] == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_axe_finds_no_serious_or_critical_violation(built_site: Path, context, kind: str) -> None:
    assert AXE.is_file(), "axe-core missing: run `make install` (npm ci)"
    page = context.new_page()
    page.goto((built_site / KINDS[kind]).as_uri())
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)})),
                passes: r.passes.length};
    }""")
    page.close()
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []
    assert result["passes"] > 10  # axe did run its rules


def test_no_script_from_hostile_input_runs_on_any_page(built_site: Path, context) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    pages = sorted(built_site.rglob("*.html"))
    pages = [p for p in pages if "search" not in p.parts]
    assert len(pages) > 150
    for path in pages:
        page.goto(path.as_uri())
        found = page.evaluate("""() => {
            const bad = [];
            for (const el of document.querySelectorAll('*')) {
                for (const a of el.attributes) {
                    if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
                    if (/^\\s*(javascript|vbscript|data):/i.test(a.value) && ['href', 'src', 'action', 'data', 'srcdoc'].includes(a.name))
                        bad.push(el.tagName + ' ' + a.name + '=' + a.value);
                }
            }
            for (const el of document.querySelectorAll('iframe, object, embed, frame, base, form, svg, math'))
                if (el.id !== 'search-form') bad.push(el.tagName);  // the search page's own form
            const scripts = [...document.scripts].map(s => s.getAttribute('src'));
            return {bad, scripts, pwned: window.__pwnedCalls};
        }""")
        ours = ["static/search-core.js", "static/search.js"] if path.name == "search.html" else []
        assert found == {"bad": [], "scripts": ours, "pwned": []}, path
        if path.name.startswith("hostile"):  # hover, focus and click what is there: still nothing runs
            page.evaluate("""() => { for (const el of document.querySelectorAll('main *')) {
                for (const t of ['mouseover', 'focus', 'toggle', 'error', 'load']) el.dispatchEvent(new Event(t)); } }""")
            assert page.evaluate("window.__pwnedCalls") == [], path
    assert errors == []
    page.close()


def test_hostile_text_is_shown_as_text(built_site: Path, context) -> None:
    page = context.new_page()
    page.goto((built_site / "item/hostile00.html").as_uri())
    assert page.locator("h1").inner_text() == PAYLOADS["text"][0]
    assert PAYLOADS["text"][0] in page.locator("table.metadata").inner_text()
    page.close()


def _walk(page, start: str, clicks: list[str]) -> list[str]:
    """Follow links by their text from ``start``; the URL of every page reached."""
    page.goto(start)
    seen = [page.url]
    for text in clicks:
        page.get_by_role("link", name=text, exact=True).first.click()
        page.wait_for_load_state()
        seen.append(page.url)
    return seen


WALK = ["公开目录", "政策文件", "较早", "最新", "规范性文件", "2020年", "首页", "公开指南", "全文检索"]


def test_site_works_from_file_urls(built_site: Path, context) -> None:
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url) if "/search/" not in r.url else None)
    urls = _walk(page, (built_site / "index.html").as_uri(), WALK)
    assert all(u.startswith("file://") for u in urls)
    assert urls[2].endswith("/category/zcwj.html") and urls[-1].endswith("/search.html")
    assert page.locator("#search-unavailable").is_visible()  # the index cannot be fetched from file://
    assert failed == []
    page.close()


class _SubPath(http.server.SimpleHTTPRequestHandler):
    prefix = "/gov/xhj/xxgk/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return "/nonexistent"
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(built_site: Path) -> Iterator[str]:
    handler = functools.partial(_SubPath, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{_SubPath.prefix}"
    server.shutdown()
    server.server_close()


def test_site_works_under_a_sub_path(served: str, context) -> None:
    page = context.new_page()
    bad: list[str] = []
    page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    urls = _walk(page, served + "index.html", WALK)
    assert all(u.startswith(served) for u in urls)
    assert bad == []
    page.close()


def test_chinese_full_text_search_without_a_search_server(served: str, context) -> None:
    page = context.new_page()
    page.goto(served + "search.html")
    box = page.get_by_role("searchbox")
    box.fill(SEARCH_WORD)
    box.press("Enter")
    hit = page.locator("#search-results a").first
    hit.wait_for(timeout=10_000)
    assert page.locator("#search-status").inner_text().startswith("找到 1 条")
    meta = page.locator("#search-results .meta").first.inner_text()
    assert meta.startswith("2020-") and "工作动态" in meta  # date and category
    assert SEARCH_WORD in page.locator("#search-results .snippet").first.inner_text()  # text around the match
    assert hit.inner_text() == "街道开展宣传周活动"
    assert hit.get_attribute("href").endswith("item/item0004.html")
    page.close()


def test_keyboard_skip_link_and_focus(built_site: Path, context) -> None:
    page = context.new_page()
    page.goto((built_site / "item/item0004.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent, document.activeElement.getBoundingClientRect().left >= 0,"
                            " getComputedStyle(document.activeElement).outlineStyle]")
    assert focused == ["跳到正文", True, "solid"]  # visible when focused, with a focus ring
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    page.close()


def test_readable_on_a_phone_and_printable(built_site: Path, browser) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = ctx.new_page()
    for rel in ("index.html", "item/item0004.html", "category/zcwj.html", "report/2020.html"):
        page.goto((built_site / rel).as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, rel  # no sideways scrolling
    page.emulate_media(media="print")
    page.goto((built_site / "item/item0004.html").as_uri())
    assert page.locator("header.site nav").is_hidden() and page.locator("table.metadata").is_visible()
    assert page.pdf()[:4] == b"%PDF"
    ctx.close()

"""publish: feeds and catalog pages from hand-made items, built into tmp_path."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import pytest
from lxml import etree, html as lxml_html

from pipeline.errors import ConfigError, InternalError
from pipeline.models import SHANGHAI, Attachment, Category, ChannelCopy, ItemView
from pipeline.publish import BuildStats, SiteInfo, UnsafePathError, Writer, build, entry_id
from pipeline.publish.links import absolutize_html, guess_type, repair_tags, safe_url

from .builders import CATEGORIES, REPORTS, SITE, T0, make_item

HOSTILE = '<script>alert(1)</script>" onmouseover="x'



def items(count: int = 12) -> list[ItemView]:
    return [make_item(n) for n in range(1, count + 1)]


def run(out: Path, its: list[ItemView], **kw: object) -> BuildStats:
    return build(its, CATEGORIES, kw.pop("site", SITE), out, reports=kw.pop("reports", REPORTS), search=False)  # type: ignore[arg-type]


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def pages(root: Path) -> list[Path]:
    return sorted((root / "site").rglob("*.html"))


# --- feeds -------------------------------------------------------------------------


def test_every_feed_parses_and_lists_newest_first(tmp_path: Path) -> None:
    its = items(12)
    run(tmp_path, its)
    feed_files = sorted((tmp_path / "site/feeds").glob("*.xml"))
    assert {p.name for p in feed_files} >= {"all.rss.xml", "all.atom.xml", "gzdt.rss.xml", "zcwj.atom.xml",
                                            "empty.rss.xml"}
    for path in feed_files:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path.name, parsed.get("bozo_exception"))
    newest = sorted(its, key=lambda i: i.published_at, reverse=True)
    for fmt in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse((tmp_path / f"site/feeds/all.{fmt}").read_bytes())
        assert [e.id for e in parsed.entries] == [entry_id(SITE, i) for i in newest[:5]]
        first = parsed.entries[0]
        assert first.link == f"{SITE.site_url}item/{newest[0].id}.html"
        assert first.enclosures[0].href == "https://www.example.gov.cn" + newest[0].attachments[0].url
        assert "https://www.example.gov.cn/xhj/art/2020/files/" in first.content[0].value  # made absolute
        assert [t.get("label") or t.term for t in first.tags] == ["工作动态"]
    zcwj_entry = feedparser.parse((tmp_path / "site/feeds/zcwj.atom.xml").read_bytes()).entries[0]
    assert [(t.term, t.label) for t in zcwj_entry.tags] == [("zcwj", "政策文件"), ("qtwj", "其他文件")]
    # zcwj is a top-level node whose items sit in its two children.
    zcwj = feedparser.parse((tmp_path / "site/feeds/zcwj.atom.xml").read_bytes())
    assert [e.id for e in zcwj.entries] == [entry_id(SITE, i) for i in newest if i.category in ("gfxwj", "qtwj")][:5]
    assert feedparser.parse((tmp_path / "site/feeds/empty.rss.xml").read_bytes()).entries == []
    doc = json.loads((tmp_path / "site/feeds/all.json").read_text("utf-8"))
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert [e["id"] for e in doc["items"]] == [entry_id(SITE, i) for i in newest[:5]]
    assert doc["items"][0]["attachments"][0]["mime_type"].endswith("wordprocessingml.document")
    opml = etree.fromstring((tmp_path / "site/feeds/index.opml").read_bytes())
    listed = [o.get("xmlUrl") for o in opml.iter("outline")]
    assert listed == [f"{SITE.feed_url}{k}.rss.xml" for k in ("all", "gzdt", "tzgg", "zcwj", "empty")]


def test_feed_dates_are_rfc822_and_rfc3339_and_lastbuild_is_newest_update(tmp_path: Path) -> None:
    its = items(3)
    its[0] = dataclasses.replace(its[0], updated_at=T0 + timedelta(days=30))
    run(tmp_path, its)
    rss = (tmp_path / "site/feeds/all.rss.xml").read_text("utf-8")
    assert "<lastBuildDate>Tue, 31 Mar 2020 09:00:00 +0800</lastBuildDate>" in rss
    assert re.search(r"<pubDate>\w{3}, \d\d \w{3} 2020 \d\d:\d\d:\d\d \+0800</pubDate>", rss)
    atom = (tmp_path / "site/feeds/all.atom.xml").read_text("utf-8")
    assert "<updated>2020-03-31T09:00:00+08:00</updated>" in atom.split("<entry>")[0]


def test_ids_stay_when_title_and_urls_change_and_updated_follows_updated_at(tmp_path: Path) -> None:
    base = items(3)
    run(tmp_path, base)
    before = {e.id: e for e in feedparser.parse((tmp_path / "site/feeds/all.atom.xml").read_bytes()).entries}
    moved = [
        dataclasses.replace(
            i, title=i.title + "（修订）",
            copies=(ChannelCopy("website", f"https://new.example.gov.cn/{i.id}.html", i.published_at),),
        )
        for i in base
    ]
    run(tmp_path, moved)
    after = {e.id: e for e in feedparser.parse((tmp_path / "site/feeds/all.atom.xml").read_bytes()).entries}
    assert after.keys() == before.keys()
    assert all(after[k].updated == before[k].updated for k in after)  # only titles changed
    assert all(after[k].title.endswith("（修订）") for k in after)

    touched = [dataclasses.replace(moved[0], updated_at=moved[0].updated_at + timedelta(days=2)), *moved[1:]]
    run(tmp_path, touched)
    again = {e.id: e for e in feedparser.parse((tmp_path / "site/feeds/all.atom.xml").read_bytes()).entries}
    changed = {k for k in again if again[k].updated != after[k].updated}
    assert changed == {entry_id(SITE, moved[0])}
    assert again[entry_id(SITE, moved[0])].published == after[entry_id(SITE, moved[0])].published


def test_entry_id_is_a_tag_uri_dated_by_first_publication() -> None:
    item = make_item(1, published_at=datetime(2019, 12, 31, 20, 0, tzinfo=SHANGHAI))
    assert entry_id(SITE, item) == "tag:xxgk.example.gov.cn,2019:item:item0001"


# --- idempotence and incremental writes ---------------------------------------------


def test_second_identical_build_writes_nothing(tmp_path: Path) -> None:
    first = run(tmp_path, items(12))
    assert first.written and not first.removed
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    second = run(tmp_path, items(12))
    assert second.written == [] and second.removed == []
    assert second.unchanged == len(first.written)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == mtimes


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    run(tmp_path / "a", items(12))
    run(tmp_path / "b", list(reversed(items(12))))  # input order does not matter
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_changing_one_item_rewrites_only_pages_that_show_it_and_feeds(tmp_path: Path) -> None:
    its = items(60)
    run(tmp_path, its)
    victim = its[2]  # old: not on the home page, not in any feed window
    its[2] = dataclasses.replace(victim, title="更正后的标题")
    stats = run(tmp_path, its)
    site_written = {p for p in stats.written if p.startswith("site/")}
    assert f"site/item/{victim.id}.html" in site_written
    pages_showing_it = {
        p for p in site_written if "更正后的标题" in (tmp_path / p).read_text("utf-8")
    }
    assert site_written == pages_showing_it
    assert not any(p.startswith("site/item/") and p != f"site/item/{victim.id}.html" for p in stats.written)
    assert not any(p.startswith("site/feeds/") for p in stats.written)  # outside every feed window

    its[-1] = dataclasses.replace(its[-1], title="最新一条改了标题")  # newest: in the feeds
    stats = run(tmp_path, its)
    assert {"site/feeds/all.rss.xml", "site/feeds/all.atom.xml", "site/feeds/all.json", "site/index.html"} <= set(stats.written)
    assert its[-1].category == "gzdt" and "site/feeds/gzdt.rss.xml" in stats.written
    assert not any(p.startswith(("site/feeds/tzgg.", "site/feeds/zcwj.")) for p in stats.written)  # other feeds


def test_removed_item_and_surplus_pages_are_removed(tmp_path: Path) -> None:
    its = [make_item(n, category="gzdt") for n in range(1, 121)]
    run(tmp_path, its)
    assert (tmp_path / "site/category/gzdt~1.html").exists()
    gone = its.pop(0)
    stats = run(tmp_path, its[:60])
    assert f"site/item/{gone.id}.html" in stats.removed
    assert not (tmp_path / f"site/item/{gone.id}.html").exists()
    assert "site/category/gzdt~1.html" in stats.removed and "site/category/gzdt.html" in stats.written
    assert stats.removed == sorted(stats.removed)
    assert not any(p.startswith("site/feeds/") for p in stats.removed)


# --- pages ---------------------------------------------------------------------------


def test_category_pages_paginate_newest_first(tmp_path: Path) -> None:
    its = [make_item(n, category="gfxwj") for n in range(1, 121)]
    run(tmp_path, its)
    for cid in ("gfxwj", "zcwj"):
        names = sorted(p.name for p in (tmp_path / "site/category").glob(f"{cid}*.html"))
        # landing page (the newest 50–99) + fixed archive chunks counted from the oldest; the same per year
        assert names == [f"{cid}.html", f"{cid}~1.html", f"{cid}~2020.html", f"{cid}~2020~1.html"]
        first = lxml_html.parse(str(tmp_path / f"site/category/{cid}.html")).getroot()
        links = first.xpath("//ol[@class='items']/li/a/@href")
        assert len(links) == 70 and links[0] == "../item/item0120.html" and links[-1] == "../item/item0051.html"
        archive = lxml_html.parse(str(tmp_path / f"site/category/{cid}~1.html")).getroot()
        links = archive.xpath("//ol[@class='items']/li/a/@href")
        assert len(links) == 50 and links[0] == "../item/item0050.html" and links[-1] == "../item/item0001.html"
        assert first.xpath("//nav[@class='pager']/a[@rel='next']/@href") == [f"{cid}~1.html"]
        assert archive.xpath("//nav[@class='pager']/a/@href") == [f"{cid}.html"]
    top = (tmp_path / "site/category/zcwj.html").read_text("utf-8")
    assert 'href="gfxwj.html">规范性文件</a>' in top and "其他文件" in top  # lists its children
    assert not (tmp_path / "site/category/qtwj.html").exists()  # no items: no page
    index = (tmp_path / "site/index.html").read_text("utf-8")
    assert "规范性文件</a> <span class=\"count\">（120）" in index


def test_item_page_shows_metadata_copies_and_withdrawal(tmp_path: Path) -> None:
    withdrawn_at = T0 + timedelta(days=3)
    item = make_item(
        1,
        withdrawn=True,
        copies=(
            ChannelCopy("website", "https://www.example.gov.cn/xhj/art/1.html", T0, withdrawn_at),
            ChannelCopy("wechat", "https://mp.weixin.qq.com/s/1", T0, withdrawn_at),
            ChannelCopy("weibo", "https://weibo.com/1/2", T0),
            ChannelCopy("catalog", "https://qu.example.gov.cn/xxgk/1.html", T0),
        ),
    )
    run(tmp_path, [item])
    doc = lxml_html.parse(str(tmp_path / "site/item/item0001.html")).getroot()
    labels = [th.text_content() for th in doc.xpath("//table[@class='metadata']//th")]
    for label in ("索引号", "发布机构", "生成日期", "发布日期", "文号", "主题分类", "有效性"):
        assert label in labels
    cells = {th.text_content(): th.getnext().text_content() for th in doc.xpath("//table[@class='metadata']//th")}
    assert cells["索引号"] == item.index_number and cells["文号"] == "兴街发〔2020〕1号"
    assert cells["发布日期"] == "2020-03-01"
    copies = doc.xpath("//section[h2[@id='copies']]//li")
    text = [li.text_content() for li in copies]
    assert [t.split()[0] for t in text] == ["微信公众号", "微博", "网站", "区公开目录"]
    assert "已撤回 2020-03-04" in text[0] and "已撤回 2020-03-04" in text[2] and "已撤回" not in text[1]
    assert "本信息已撤回" in doc.xpath("//p[@class='notice']")[0].text_content()
    assert doc.get("lang") == "zh-CN"


def test_dates_are_shown_in_shanghai_time(tmp_path: Path) -> None:
    utc_evening = datetime(2020, 5, 31, 9, 30, tzinfo=timezone.utc)  # 17:30 in Shanghai
    run(tmp_path, [make_item(1, published_at=utc_evening, updated_at=utc_evening)])
    page = (tmp_path / "site/item/item0001.html").read_text("utf-8")
    assert '<meta name="PubDate" content="2020-05-31 17:30">' in page
    assert (tmp_path / "site/year/2020.html").exists()


def test_every_page_has_gov_meta_tags_and_feed_links(tmp_path: Path) -> None:
    run(tmp_path, items(6))
    names = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate",
             "ContentSource", "Keywords", "Author", "Description", "Url")
    for path in pages(tmp_path):
        doc = lxml_html.parse(str(path)).getroot()
        meta = {m.get("name"): m.get("content") for m in doc.xpath("//head/meta[@name]")}
        assert set(names) <= set(meta), path
        assert meta["SiteName"] == "兴华街道办事处" and meta["SiteIDCode"] == "2202020001"
        rel = path.relative_to(tmp_path / "site").as_posix()
        assert meta["Url"] == SITE.site_url + rel
        feeds = doc.xpath("//head/link[@rel='alternate']/@href")
        assert f"{SITE.feed_url}all.rss.xml" in feeds and f"{SITE.feed_url}all.atom.xml" in feeds
        assert len(doc.xpath("//h1")) == 1, path


def test_report_and_about_pages(tmp_path: Path) -> None:
    run(tmp_path, items(2))
    report = lxml_html.parse(str(tmp_path / "site/report/2020.html")).getroot()
    rows = {th.text_content(): th.getnext().text_content() for th in report.xpath("//th[@scope='row']")}
    assert rows["主动公开政府信息数量（条）"] == "156"
    assert rows["其中：通过政务微博、微信公开（条）"] == "57"
    assert rows["工作动态"] == "80" and rows["本年新收政府信息公开申请（件）"] == "2"
    assert not [label for label in rows if re.search("[A-Za-z_]", label)]  # Chinese only, no internal keys
    first, last = items(2)[0].published_at, items(2)[1].published_at  # two items in March: a partial year
    notice = report.get_element_by_id("coverage").text_content()
    assert f"{first.month}月{first.day}日至2020年{last.month}月{last.day}日" in notice
    home = lxml_html.parse(str(tmp_path / "site/index.html")).getroot()
    assert [a.text_content() for a in home.xpath("//section[h2[@id='reports']]//a")] == ["2020年统计（数据不完整）"]
    about = (tmp_path / "site/about.html").read_text("utf-8")
    assert "兴华路1号" in about and "工作日 8:30-17:00" in about and "第十二条" in about
    assert "<th scope=\"row\">传真号码</th><td>0432-12345679</td>" in about  # 条例第十二条 lists it
    stats = run(tmp_path, items(2), reports={})
    assert "site/report/2020.html" in stats.removed


def test_the_report_page_is_the_report(tmp_path: Path) -> None:
    year_round = [make_item(1, published_at=datetime(2020, 1, 3, tzinfo=SHANGHAI)),
                  make_item(2, published_at=datetime(2020, 12, 30, tzinfo=SHANGHAI))]
    body = "<h1>兴华街道办事处2020年政府信息公开工作年度报告</h1>\n<p>本报告根据……</p>"
    unpublished = {**REPORTS[2020], "page_html": body}  # a draft's page_html is never handed over; here it is ignored
    run(tmp_path, year_round, reports={2020: unpublished})
    draft = lxml_html.parse(str(tmp_path / "site/report/2020.html")).getroot()
    assert "正式发布后在此公布" in draft.get_element_by_id("draft").text_content()
    home = lxml_html.parse(str(tmp_path / "site/index.html")).getroot()
    assert [a.text_content() for a in home.xpath("//section[h2[@id='reports']]//a")] == ["2020年统计"]
    run(tmp_path, year_round, reports={2020: {**unpublished, "published_at": "2021-01-12T02:00:00+00:00"}})
    page = lxml_html.parse(str(tmp_path / "site/report/2020.html")).getroot()
    assert [h.text_content() for h in page.xpath("//h1")] == ["兴华街道办事处2020年政府信息公开工作年度报告"]
    assert page.xpath("//article[@class='report']/p/text()") == ["本报告根据……"]
    assert page.get_element_by_id("coverage", None) is None  # the data covers the whole year
    home = lxml_html.parse(str(tmp_path / "site/index.html")).getroot()
    assert [a.text_content() for a in home.xpath("//section[h2[@id='reports']]//a")] == ["2020年度报告"]


def test_sitemap_lists_every_page(tmp_path: Path) -> None:
    run(tmp_path, items(6))
    tree = etree.parse(str(tmp_path / "site/sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = set(tree.xpath("//s:loc/text()", namespaces=ns))
    assert locs == {SITE.site_url + p.relative_to(tmp_path / "site").as_posix() for p in pages(tmp_path)}


def test_large_sitemaps_become_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.publish import pages as pages_module

    monkeypatch.setattr(pages_module, "SITEMAP_LIMIT", 5)
    run(tmp_path, items(6))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = etree.parse(str(tmp_path / "site/sitemap.xml"))
    parts = index.xpath("//s:sitemap/s:loc/text()", namespaces=ns)
    assert parts[0] == SITE.site_url + "sitemap-1.xml"
    locs = [loc for n in range(1, len(parts) + 1)
            for loc in etree.parse(str(tmp_path / f"site/sitemap-{n}.xml")).xpath("//s:loc/text()", namespaces=ns)]
    assert len(locs) == len(pages(tmp_path)) and all(len(etree.parse(str(tmp_path / f"site/sitemap-{n}.xml"))
                                                         .xpath("//s:url", namespaces=ns)) <= 5 for n in range(1, len(parts) + 1))


# --- safety --------------------------------------------------------------------------


def _hostile_items() -> list[ItemView]:
    return [
        make_item(
            1,
            id="hostile1",
            title=HOSTILE,
            summary=HOSTILE,
            index_number=HOSTILE,
            publisher=HOSTILE,
            doc_number=HOSTILE,
            topic=HOSTILE,
            validity=HOSTILE,
            attachments=(
                Attachment("javascript:alert(1)", HOSTILE),
                Attachment("java\tscript:alert(2)", "x.pdf"),
                Attachment('/files/a".pdf', '<img src=x onerror=alert(3)>'),
            ),
            copies=(
                ChannelCopy("website", "javascript:alert(4)", T0),
                ChannelCopy("wechat", 'https://mp.weixin.qq.com/s/"><script>alert(5)</script>', T0),
            ),
            body_html='<p title="a href=x onclick=alert(6)">正文<a href="javascript:alert(7)">x</a></p>',
        ),
        make_item(2),
    ]


def test_hostile_input_is_escaped_everywhere(tmp_path: Path) -> None:
    run(tmp_path, _hostile_items())
    for path in pages(tmp_path):
        doc = lxml_html.parse(str(path)).getroot()
        ours = ["static/search-core.js", "static/search.js"] if path.name == "search.html" else []
        assert doc.xpath("//script/@src") == ours and len(doc.xpath("//script")) == len(ours), path
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on"), (path, el.tag, name)
                if name in ("href", "src"):
                    assert not re.match(r"\s*(java|vb)script:", value, re.I), (path, value)
    item = (tmp_path / "site/item/hostile1.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in item
    doc = lxml_html.parse(str(tmp_path / "site/item/hostile1.html")).getroot()
    assert doc.xpath("//h1")[0].text_content() == HOSTILE  # shown as text, intact
    assert any(td.text_content() == HOSTILE for td in doc.xpath("//td"))
    attachments = doc.xpath("//section[h2[@id='attachments']]//li")
    assert [li.text_content() for li in attachments] == [HOSTILE, "x.pdf", "<img src=x onerror=alert(3)>"]
    assert [li.xpath("a/@href") for li in attachments] == [[], [], ['https://mp.weixin.qq.com/files/a%22.pdf']]
    for path in (tmp_path / "site/feeds").glob("*.xml"):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, path
        root = etree.fromstring(path.read_bytes())
        assert not [el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "script"]
        if path.name.startswith(("all.", "tzgg.")):  # the feeds that carry the item: its title is text
            titles = [el.text for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "title"]
            assert HOSTILE in titles, path
    raw_feeds = "".join(p.read_text("utf-8") for p in (tmp_path / "site/feeds").iterdir())
    assert "javascript:" not in raw_feeds  # attachment, copy and body URLs all dropped
    doc = json.loads((tmp_path / "site/feeds/all.json").read_text("utf-8"))
    assert [i["title"] for i in doc["items"]][-1] == HOSTILE  # JSON carries it as data


def test_control_characters_do_not_break_the_feeds(tmp_path: Path) -> None:
    run(tmp_path, [make_item(1, title="通知\x01\x0b标题", summary="概述\x00", attachments=(Attachment("/a.pdf", "附\x08件"),))])
    parsed = feedparser.parse((tmp_path / "site/feeds/all.atom.xml").read_bytes())
    assert not parsed.bozo and parsed.entries[0].title == "通知标题"


def test_relative_links_resolve_to_existing_files(tmp_path: Path) -> None:
    run(tmp_path, items(70) + _hostile_items()[:1] + [make_item(99, category="not-in-tree")])
    site = tmp_path / "site"
    ids_cache: dict[Path, set[str]] = {}

    def ids(path: Path) -> set[str]:
        if path not in ids_cache:
            ids_cache[path] = set(lxml_html.parse(str(path)).getroot().xpath("//@id"))
        return ids_cache[path]

    checked = 0
    for path in pages(tmp_path):
        doc = lxml_html.parse(str(path)).getroot()
        for value in doc.xpath("//@href | //@src"):
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:
                assert parts.scheme in ("http", "https", "mailto"), value
                continue
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            assert target.is_file(), (path, value)
            assert target.is_relative_to(site.resolve()), (path, value)
            if parts.fragment:
                assert parts.fragment in ids(target), (path, value)
            checked += 1
    assert checked > 1000


# --- the writer and helpers ----------------------------------------------------------


def test_writer_refuses_paths_outside_the_output(tmp_path: Path) -> None:
    w = Writer(tmp_path / "out")
    for bad in ("../evil.html", "site/../../evil.html", "/etc/passwd", "site//x.html", "site/./x", "", "a\\b",
                "site/"):
        with pytest.raises(UnsafePathError):
            w.write(bad, "x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").mkdir(exist_ok=True)
    os.symlink(tmp_path / "elsewhere", tmp_path / "out" / "site")
    with pytest.raises(UnsafePathError):
        w.write("site/x.html", "x")
    assert not list((tmp_path / "elsewhere").iterdir())
    assert not (tmp_path / "evil.html").exists()


def test_writer_writes_atomically_once_and_only_on_change(tmp_path: Path) -> None:
    w = Writer(tmp_path)
    assert w.write("site/a.html", "一") is True
    with pytest.raises(UnsafePathError):
        w.write("site/a.html", "二")  # twice in one build
    mode = (tmp_path / "site/a.html").stat().st_mode & 0o777
    assert mode & 0o044 == 0o044  # readable by the web server, not mkstemp's 0600
    w2 = Writer(tmp_path)
    assert w2.write("site/a.html", "一") is False and w2.unchanged == 1
    (tmp_path / "site/old.html").write_text("x")
    (tmp_path / "site/.a.html.123.tmp").write_text("half")  # a crashed run's leftover
    assert w2.remove_stale() == ["site/.a.html.123.tmp", "site/old.html"]
    assert [p.name for p in (tmp_path / "site").iterdir()] == ["a.html"]


def test_build_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    run(tmp_path / "a", [make_item(1)])
    assert gc.isenabled()
    gc.disable()
    try:
        run(tmp_path / "b", [make_item(1)])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_bad_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError, match="item id"):
        run(tmp_path, [make_item(1, id="../../etc/x")])
    with pytest.raises(UnsafePathError, match="category id"):
        build([], [Category("a/b", "x")], SITE, tmp_path)
    with pytest.raises(InternalError, match="reserved"):
        build([], [Category("all", "全部")], SITE, tmp_path)
    with pytest.raises(ConfigError, match='^site_url = "https://example.gov.cn/no-slash"：应为以 / 结尾的完整 http'):
        SiteInfo("x", "https://example.gov.cn/no-slash", "https://example.gov.cn/f/", timezone=SHANGHAI)


def test_absolutize_html_touches_only_tags() -> None:
    base = "https://www.example.gov.cn/xhj/art/1.html"
    body = ('<p>href="x" 文本</p><a title="a href=x onmouseover=y" href="../f.pdf?a=1&amp;b=2">f</a>'
            '<img src="/i.png"><img src="javascript:alert(1)" alt="y"><a href="#fn1">1</a>')
    out = absolutize_html(body, base)
    assert out == ('<p>href="x" 文本</p><a title="a href=x onmouseover=y" '
                   'href="https://www.example.gov.cn/xhj/f.pdf?a=1&amp;b=2">f</a>'
                   '<img src="https://www.example.gov.cn/i.png"><img alt="y"><a href="#fn1">1</a>')


def test_every_image_is_fetched_without_a_referer() -> None:
    """WeChat's and Weibo's image hosts refuse another site's Referer: each image says no-referrer,
    whatever its body said; links are left as they are."""
    body = ('<p><img src="https://mmbiz.qpic.cn/a/640"><img src="/b.png" alt="b" REFERRERPOLICY="unsafe-url" />'
            '<img alt="x"><a href="https://a.cn/" rel="noopener noreferrer nofollow">a</a></p>')
    assert repair_tags(body) == (
        '<p><img src="https://mmbiz.qpic.cn/a/640" alt="图片" referrerpolicy="no-referrer">'
        '<img src="/b.png" alt="b" referrerpolicy="no-referrer"/>'
        '<a href="https://a.cn/" rel="noopener noreferrer nofollow">a</a></p>')
    assert repair_tags(repair_tags(body)) == repair_tags(body)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("java\tscript:alert(1)", ""),
        ("data:text/html,x", ""),
        ("/a.pdf", "https://www.example.gov.cn/a.pdf"),
        ("b.pdf", "https://www.example.gov.cn/x/b.pdf"),
        ("mailto:a@example.gov.cn", "mailto:a@example.gov.cn"),
    ],
)
def test_safe_url(url: str, expected: str) -> None:
    assert safe_url(url, "https://www.example.gov.cn/x/y.html") == expected


@pytest.mark.parametrize("base", ["https://www.example.gov.cn/x/y.html", "HTTP://User@Example.gov.cn:8080/x/",
                                  "https://例子.cn/x", "http://[::1]/x", "https://h.cn?q", " https://h.cn/x"])
@pytest.mark.parametrize("url", ["/a.pdf", "/", "/a b/c.pdf", "/a//b", "/a/./b", "/a/../b", "/a.", "/a?", "/a?x=1",
                                 "/a#", "/a#f", "/a;p", "//h2.cn/a"])
def test_safe_url_joins_as_urljoin_does(base: str, url: str) -> None:
    """The shortcut for paths from the root gives urljoin's answer, whatever the base."""
    try:
        expected = urljoin(base, url)
    except ValueError:
        expected = ""
    if not expected.lower().startswith(("http://", "https://")):
        expected = ""
    expected = expected.replace(" ", "%20")  # what may not stand in a URL is percent-encoded
    assert safe_url(url, base, frozenset({"http", "https"})) == expected


def test_absolutize_html_passes_over_tags_without_attributes() -> None:
    body = "<p>一</p><pre>二</pre><br/><p><a href=/f.pdf>三</a></p>"
    assert absolutize_html(body, "https://h.cn/x/") == body.replace("/f.pdf", '"https://h.cn/f.pdf"')


def test_guess_type() -> None:
    assert guess_type("https://x/a.PDF") == "application/pdf"
    assert guess_type("https://x/download.do?id=3", "通知.xlsx").endswith("spreadsheetml.sheet")
    assert guess_type("https://x/download.do?id=3") == "application/octet-stream"

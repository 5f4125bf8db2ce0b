"""The district portal as a citizen meets it: a small district of feed-only offices on 127.0.0.1,
served as README says (a static host over the district's docroot, output/site/), every link followed,
no office's drafts or internal files served; an output left by a version that published output/ whole;
an office removed from district.toml; office keys the portal's own folders use."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from pipeline.commands import main
from pipeline.district.config import load_district
from pipeline.nightly.lock import run_lock
from pipeline.publish.search import published_docs
from pipeline.store import Store

from .docroot import DocRoot, crawl

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>
<link>http://weibo.{key}.gov.test/</link><description>{name}微博</description>
{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{link}</link>
<description>{body}</description><pubDate>{date} +0800</pubDate></item>"""

OFFICE = """[office]
name = "{name}"
org_code = "{code}"
site_url = "https://xxgk.{key}.gov.test/"
[fetch]
rate_per_host = 0
retries = 0
obey_robots = false
resolve = {{ "weibo.{key}.gov.test" = "http://{address}" }}
[sources.weibo]
kind = "feed"
url = "http://weibo.{key}.gov.test/feed.xml"
"""


def office_feed(site, key: str, name: str, posts: list[tuple[str, str, str]]) -> None:
    items = "".join(ITEM.format(title=t, link=f"http://weibo.{key}.gov.test/{n}", body=b, date=d)
                    for n, (t, b, d) in enumerate(posts, start=1))
    site.page(f"weibo.{key}.gov.test/feed.xml", FEED.format(name=name, key=key, items=items),
              "application/rss+xml; charset=utf-8")


def district_of(folder: Path, site, offices: dict[str, str], site_url: str = "https://xxgk.cyq.gov.test/") -> Path:
    """district.toml in ``folder`` with one feed-only office per key (its config in KEY/xxgk.toml)."""
    blocks = []
    for n, (key, name) in enumerate(offices.items()):
        (folder / key).mkdir(exist_ok=True)
        (folder / key / "xxgk.toml").write_text(
            OFFICE.format(name=name, code=f"C{n}", key=key, address=site.address), encoding="utf-8")
        blocks.append(f'[offices.{key}]\nconfig = "{key}/xxgk.toml"\n')
    path = folder / "district.toml"
    path.write_text(f'[district]\nname = "昌邑区"\nsite_url = "{site_url}"\n' + "\n".join(blocks), encoding="utf-8")
    return path

def two_offices(folder: Path, site, **district: str) -> Path:
    """A district of two feed-only offices, a (甲街道办事处) and b (乙街道办事处), one post each."""
    office_feed(site, "a", "甲街道", [("甲街道召开安全生产会议", "甲街道召开安全生产工作会议。", MARCH_8)])
    office_feed(site, "b", "乙街道", [("乙街道开展垃圾分类宣传", "乙街道开展垃圾分类宣传活动。", MARCH_9)])
    return district_of(folder, site, {"a": "甲街道办事处", "b": "乙街道办事处"}, **district)



def sync(path: Path):
    return CliRunner().invoke(main, ["district", "--district", str(path), "sync", "-q"])


def test_an_office_may_not_take_a_folder_of_the_portal(tmp_path, loopback_site):
    """The portal keeps its search index in output/search/ and prunes that folder: an office keyed
    ``search`` would have its site deleted by every portal build. Such a key is refused, in Chinese."""
    office_feed(loopback_site, "a", "甲街道", [("甲街道召开安全生产会议", "甲街道召开安全生产工作会议。", MARCH_8)])
    office_feed(loopback_site, "search", "乙街道", [("乙街道开展垃圾分类宣传", "乙街道开展垃圾分类宣传活动。", MARCH_9)])
    path = district_of(tmp_path, loopback_site, {"a": "甲街道办事处", "search": "乙街道办事处"})
    result = sync(path)
    assert result.exit_code == 2, result.output
    assert "[offices.search]" in result.output and "区门户自己的文件夹已用此名" in result.output
    assert "Traceback" not in result.output
    path.write_text(path.read_text(encoding="utf-8").replace("offices.search", "offices.yi"), encoding="utf-8")
    (tmp_path / "search").rename(tmp_path / "yi")
    path.write_text(path.read_text(encoding="utf-8").replace('"search/xxgk.toml"', '"yi/xxgk.toml"'), encoding="utf-8")
    added = CliRunner().invoke(main, ["district", "--district", str(path), "office", "add", "static",
                                      "--figures", str(tmp_path / "ljz"), "--name", "两家子满族乡人民政府"])
    assert added.exit_code == 2 and "区门户自己的文件夹已用此名" in added.output
    assert "static" not in path.read_text(encoding="utf-8")


MARCH_8, MARCH_9 = "Mon, 08 Mar 2021 09:00:00", "Tue, 09 Mar 2021 09:00:00"


def test_each_alert_of_a_district_run_names_its_office(tmp_path, loopback_site):
    """Two offices whose feed is gone raise the same alert: the run's lines say whose each one is."""
    path = district_of(tmp_path, loopback_site, {"a": "甲街道办事处", "b": "乙街道办事处"})
    for key in ("a", "b"):  # no feed served: every run fails; one failing run raises the alert
        config = tmp_path / key / "xxgk.toml"
        config.write_text(config.read_text(encoding="utf-8") + "[alerts]\nfailing_nights = 1\n", encoding="utf-8")
    result = sync(path)
    assert result.exit_code == 1
    alerts = [line for line in result.output.splitlines() if line.startswith("ALERT")]
    names = {load_district(path).office_config(e).office.name for e in load_district(path).offices}
    whose = names | {"昌邑区"}  # (in December the holiday-data alert is the installation's: it names the district)
    assert len(alerts) >= 2 and all(any(f"ALERT {name}：" in line for name in whose) for line in alerts), alerts
    assert {name for name in names if any(f"ALERT {name}：" in line and "weibo" in line for line in alerts)} == names


def crawl_portal(base: str) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Every URL reached from the portal's page and its combined feeds."""
    seen, outside = crawl(base + "index.html", base)
    for feed in ("feeds/all.rss.xml", "feeds/all.atom.xml", "feeds/all.json"):
        more, _ = crawl(base + feed, base)
        seen.update(more)
    return seen, outside


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (127.0.0.1 only)
            return int(r.status)
    except urllib.error.HTTPError as e:
        return e.code


def private_files(output: Path) -> list[str]:
    """Every file of the district's output outside its docroot, relative to the output."""
    docroot = output / "site"
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*")
                  if p.is_file() and not p.is_relative_to(docroot))


def test_every_link_of_the_portal_resolves_and_each_item_is_its_own_offices(tmp_path, loopback_site):
    """output/site/ published as README says (a static host at [district] site_url): every link of the portal,
    its combined feed and each office's site resolves; each item is linked under its own office, also
    when two offices publish the same notice (same title, same words)."""
    notice = ("吉林省关于做好冬季供暖工作的通知", "各地要做好冬季供暖保障工作，确保群众温暖过冬。", MARCH_8)
    office_feed(loopback_site, "a", "甲街道", [notice, ("甲街道召开安全生产会议", "甲街道召开安全生产工作会议。", MARCH_9)])
    office_feed(loopback_site, "b", "乙街道", [notice])
    host = DocRoot(tmp_path / "output" / "site")
    try:
        path = district_of(tmp_path, loopback_site, {"a": "甲街道办事处", "b": "乙街道办事处"}, site_url=host.base)
        assert sync(path).exit_code == 0
        seen, outside = crawl_portal(host.base)
    finally:
        host.close()
    assert [u for u, status in seen.items() if status != 200] == []
    assert {u for u in seen if "/a/item/" in u} and {u for u in seen if "/b/item/" in u}
    assert outside.keys() <= {"http://weibo.a.gov.test/1", "http://weibo.a.gov.test/2", "http://weibo.b.gov.test/1"}
    feed = json.loads((tmp_path / "output" / "site" / "feeds" / "all.json").read_text(encoding="utf-8"))
    by_office = {}
    for item in feed["items"]:
        key = {"甲街道办事处": "a", "乙街道办事处": "b"}[item["tags"][0]]
        assert item["url"].startswith(f"{host.base}{key}/item/"), item
        by_office.setdefault(key, set()).add(item["title"])
    assert f"【甲街道办事处】{notice[0]}" in by_office["a"] and f"【乙街道办事处】{notice[0]}" in by_office["b"]
    assert len({item["id"] for item in feed["items"]}) == len(feed["items"])  # a reader keeps both


def test_no_office_draft_or_internal_file_is_served(tmp_path, loopback_site):
    """What the audit fetched from a district published as README said (/a/reports/2021.docx, …/.json,
    /a/.build-manifest, /a/.search-state.json): every file of the output outside the docroot, asked for
    where the old layout served it, is 404; every link stays 200."""
    host = DocRoot(tmp_path / "output" / "site")
    try:
        path = two_offices(tmp_path, loopback_site, site_url=host.base)
        assert sync(path).exit_code == 0
        hidden = private_files(tmp_path / "output")
        statuses = {rel: status_of(host.base + rel) for rel in hidden}
        seen, _ = crawl_portal(host.base)
    finally:
        host.close()
    for key in ("a", "b"):  # the office's drafts and build state are there, beside the docroot
        assert {f"{key}/reports/2021.json", f"{key}/reports/2021.docx", f"{key}/.build-manifest",
                f"{key}/.search-state.json"} <= set(hidden), hidden
    assert ".search-state.json" in hidden  # the portal's search state too
    assert {rel: status for rel, status in statuses.items() if status != 404} == {}
    assert [u for u, status in seen.items() if status != 200] == [] and len(seen) > 10


def old_layout(output: Path, keys: tuple[str, ...]) -> None:
    """Rearrange a district's output as versions that published output/ whole laid it out."""
    for name in ("index.html", "search.html", "feeds", "search", "static", "reports"):
        if (output / "site" / name).exists():
            (output / "site" / name).rename(output / name)
    for key in keys:
        (output / "site" / key).rename(output / key / "site")
    (output / "site").rmdir()


def test_an_output_of_the_old_layout_is_moved_into_the_docroot_and_said(tmp_path, loopback_site):
    """A district that ran a version publishing output/ whole (each office's site at output/KEY/site/, its
    drafts beside it): the next run moves the published files into output/site/, says so and that the
    web server must now publish output/site/, never output/; a copy it could not move is named on every run."""
    host = DocRoot(tmp_path / "output" / "site")
    try:
        path = two_offices(tmp_path, loopback_site, site_url=host.base)
        assert sync(path).exit_code == 0
        output = tmp_path / "output"
        old_layout(output, ("a", "b"))
        moved = sync(path)
        assert moved.exit_code == 0, moved.output
        seen, _ = crawl_portal(host.base)
        statuses = {rel: status_of(host.base + rel) for rel in private_files(output)}
    finally:
        host.close()
    assert f"已把 {output / 'a' / 'site'}/ 移到 {output / 'site' / 'a'}/" in moved.output
    assert f"已把 {output / 'index.html'} 移到 {output / 'site' / 'index.html'}" in moved.output
    assert f"请把网站服务器的发布目录从 {output}/ 改为 {output / 'site'}/" in moved.output
    assert not (output / "a" / "site").exists() and not (output / "index.html").exists()
    assert {rel: status for rel, status in statuses.items() if status != 404} == {}
    assert [u for u, status in seen.items() if status != 200] == [] and {u for u in seen if "/b/item/" in u}
    assert "注意" not in sync(path).output  # moved once: nothing more to say
    (output / "a" / "site").mkdir()  # a copy the old version left where the new one is built
    (output / "a" / "site" / "index.html").write_text("旧", encoding="utf-8")
    for _ in range(2):
        built = CliRunner().invoke(main, ["district", "--district", str(path), "build"])
        assert f"{output / 'a' / 'site'}/ 是旧版本发布的文件，新的在 {output / 'site' / 'a'}/，请删除旧的" in built.output


def test_an_office_removed_from_the_district_file_leaves_the_portal_and_its_folder_is_named(tmp_path, loopback_site):
    """An office taken out of district.toml (or given another key) leaves the portal's page, feed and
    search; its old site, still on the host but no longer updated, is named on every build."""
    path = two_offices(tmp_path, loopback_site)
    assert sync(path).exit_code == 0
    path.write_text(path.read_text(encoding="utf-8").replace('[offices.b]\nconfig = "b/xxgk.toml"\n', ""),
                    encoding="utf-8")
    built = CliRunner().invoke(main, ["district", "--district", str(path), "build"])
    assert built.exit_code == 0, built.output
    output = load_district(path).output
    docroot = load_district(path).site
    assert f"{docroot / 'b'}/ 是 district.toml 中已没有的单位 b 的网站" in built.output
    assert "乙街道" not in (docroot / "index.html").read_text(encoding="utf-8")
    assert "乙街道" not in (docroot / "feeds" / "all.json").read_text(encoding="utf-8")
    assert {doc.item_id.split("/")[0] for doc in published_docs(output, docroot / "search")} == {"a"}
    (docroot / "b").rename(tmp_path / "b-old")  # staff removed it: nothing more to say
    assert "注意" not in CliRunner().invoke(main, ["district", "--district", str(path), "build"]).output


def test_an_office_whose_own_run_holds_its_lock_is_skipped_in_words(tmp_path, loopback_site):
    """Staff started ``xxgk sync`` for one office: the district's night skips it, saying so in Chinese,
    and runs the others; that is no failure of the district's night."""
    path = two_offices(tmp_path, loopback_site)
    d = load_district(path)
    with run_lock(d.office_config(d.entry("a")).database):
        result = CliRunner().invoke(main, ["district", "--district", str(path), "sync"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^a +skipped .*\n    说明：本单位另一次运行正在进行（运行锁被占用）", result.output, re.M), result.output
    assert "another xxgk run" not in result.output and re.search(r"^b +ok ", result.output, re.M)


def test_status_and_inspect_say_in_chinese_what_became_of_each_office(tmp_path, loopback_site):
    """A run killed midway and a config broken since: status explains the one and names the other,
    inspect names the office it could not inspect; status exits 1."""
    path = two_offices(tmp_path, loopback_site)
    assert sync(path).exit_code == 0
    d = load_district(path)
    with Store(d.office_config(d.entry("b")).database) as store:  # as a run killed before it finished leaves it
        store.db.execute("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = (SELECT MAX(id) FROM runs)")
    (tmp_path / "a" / "xxgk.toml").write_text("[office\n", encoding="utf-8")
    status = CliRunner().invoke(main, ["district", "--district", str(path), "status"])
    assert status.exit_code == 1
    assert re.search(r"^b +中断 .*\n    最近一次运行中途被终止", status.output, re.M), status.output
    assert re.search(r"^a +失败 .*\n    出错：.*a/xxgk.toml：不是有效的 TOML", status.output, re.M), status.output
    inspect = CliRunner().invoke(main, ["district", "--district", str(path), "inspect"])
    assert re.search(r"^  a +0 +0 +0 +0  a$", inspect.output, re.M) and "a（a）\n  无法检查：" in inspect.output, \
        inspect.output


def test_two_offices_collecting_the_same_link_keep_two_entries_in_the_combined_feed(tmp_path, loopback_site):
    """Both offices repost the province's notice by its own link: their items share an id (from the
    post's URL) and their feed ids the district's host, so the combined feed held one id twice and a
    reader dropped one office's entry."""
    link = "http://www.jl.gov.test/tzgg/1.html"
    for key, name in (("a", "甲街道"), ("b", "乙街道")):
        item = ITEM.format(title="吉林省关于做好冬季供暖工作的通知", link=link, body="各地要做好冬季供暖保障工作。", date=MARCH_8)
        loopback_site.page(f"weibo.{key}.gov.test/feed.xml", FEED.format(name=name, key=key, items=item),
                           "application/rss+xml; charset=utf-8")
    path = district_of(tmp_path, loopback_site, {"a": "甲街道办事处", "b": "乙街道办事处"})
    assert sync(path).exit_code == 0
    feed = json.loads((tmp_path / "output" / "site" / "feeds" / "all.json").read_text(encoding="utf-8"))
    ids = [item["id"] for item in feed["items"]]
    assert len(ids) == 2 and len(set(ids)) == 2, ids
    alone = json.loads((tmp_path / "output" / "site" / "a" / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert alone["items"][0]["id"] in ids  # the first office's entry keeps the id its own feed gives it

"""One deployment, many offices: a district of offices served on 127.0.0.1 (the demo office's
TRS-style site, 青山街道's other CMS, an office whose site is gone, an office whose config is
broken, an office typed in from its tables) synced together; status shows every office."""

from __future__ import annotations

import functools
import html
import http.server
import json
import logging
import os
import re
import threading

import pytest
from click.testing import CliRunner

from pipeline import config as config_mod
from pipeline.commands import main
from pipeline.district.config import load_district
from pipeline.fetch.client import Fetcher, FetchSettings
from pipeline.fetch.politeness import HostSlots
from pipeline.store import Store

from . import test_sources_other_office as qingshan
from .builders import write_config
from .conftest import LoopbackSite


def _resolve_to(path, address: str) -> None:
    """Map every host of the office config at ``path`` to ``address`` ([fetch.resolve])."""
    hosts = sorted(config_mod.load(path).allowed_hosts)
    lines = ["", "[fetch.resolve]"] + [f'"{h}" = "http://{address}"' for h in hosts]
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")


def _qingshan_site(site) -> None:
    for page in range(qingshan.PAGES):
        name = "index" if page == 0 else f"index_{page}"
        site.page(f"www.qingshan.gov.test/zwgk/tzgg/{name}.htm", qingshan.news_list(page))
    for n in range(1, qingshan.PAGES * qingshan.PER_PAGE + 1):
        site.page(f"www.qingshan.gov.test/zwgk/tzgg/2021/{n}.htm", qingshan.news_article(n).encode("gbk"), "text/html")
    site.page("gk.qingshan.gov.test/gkml/", qingshan.gk_list())
    for n in (1, 2):
        site.page(f"gk.qingshan.gov.test/gkml/{n}.html", qingshan.gk_detail(n))


GONE = """[office]
name = "大屯街道办事处"
org_code = "DT"
site_url = "https://xxgk.datun.gov.test/"
[fetch]
rate_per_host = 0
retries = 0
[sources.news]
kind = "website"
url = "http://www.datun.gov.test/xwzx/"
[sources.weibo]
kind = "feed"
url = "http://weibo.datun.gov.test/feed.xml"
"""
DATUN_FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>大屯街道</title>
<link>http://weibo.datun.gov.test/</link><description>大屯街道微博</description>
<item><title>大屯街道开展垃圾分类宣传</title><link>http://weibo.datun.gov.test/1</link>
<description>大屯街道今日在各社区开展垃圾分类宣传活动。</description><pubDate>Mon, 08 Mar 2021 09:00:00 +0800</pubDate></item>
<item><title>大屯街道召开安全生产会议</title><link>http://weibo.datun.gov.test/2</link>
<description>大屯街道召开安全生产工作会议，部署近期工作。</description><pubDate>Tue, 09 Mar 2021 09:00:00 +0800</pubDate></item>
</channel></rss>"""


@pytest.fixture(scope="module")
def district_web():
    """One LoopbackSite for the module: the offices' hosts other than the demo's."""
    site = LoopbackSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def synced_district(tmp_path_factory, demo_server, district_web):
    """The district below after one ``xxgk district sync`` (the result kept for the tests)."""
    path = make_district(tmp_path_factory.mktemp("district"), demo_server, district_web)
    result = CliRunner().invoke(main, ["district", "--district", str(path), "sync"])
    return path, result


def make_district(tmp_path, demo_server, loopback_site):
    _qingshan_site(loopback_site)
    # 大屯: its Weibo feed answers, its website is gone (every page a 404)
    loopback_site.page("weibo.datun.gov.test/feed.xml", DATUN_FEED, "application/rss+xml; charset=utf-8")
    (tmp_path / "xhj").mkdir()
    _resolve_to(write_config(tmp_path / "xhj"), demo_server.address)
    for key, text in (("qs", qingshan.CONFIG), ("dt", GONE)):
        (tmp_path / key).mkdir()
        (tmp_path / key / "xxgk.toml").write_text(text, encoding="utf-8")
        _resolve_to(tmp_path / key / "xxgk.toml", loopback_site.address)
    # 大屯's config is written in the district file itself, as [offices.dt.<table>]
    inline = re.sub(r"^\[", "[offices.dt.", (tmp_path / "dt" / "xxgk.toml").read_text(encoding="utf-8"), flags=re.M)
    (tmp_path / "dt" / "xxgk.toml").unlink()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "xxgk.toml").write_text('[office]\nname = "坏配置"\n', encoding="utf-8")
    path = tmp_path / "district.toml"
    path.write_text("""[district]
name = "昌邑区"
site_url = "https://xxgk.cyq.gov.test/"
[offices.xhj]
config = "xhj/xxgk.toml"
[offices.qs]
config = "qs/xxgk.toml"
[offices.bad]
config = "bad/xxgk.toml"
[offices.ljz]
name = "两家子满族乡人民政府"
figures = "ljz"
""" + inline, encoding="utf-8")
    return path


def test_every_office_is_collected_and_one_failure_stops_no_other(synced_district):
    district, result = synced_district
    runner = CliRunner()
    assert result.exit_code == 1, result.output
    # what failed, in words for staff, then the detail (the office's own run says it so too)
    assert re.search(r"采集失败：news：[^。\n]+。详情：http://www\.datun\.gov\.test/", result.output), result.output
    d = load_district(district)
    xhj = d.office_config(d.entry("xhj"))
    with Store(xhj.database) as store:
        (items,) = store.db.execute("SELECT COUNT(*) FROM counted_items").fetchone()
        (waiting,) = store.db.execute("SELECT COUNT(*) FROM counted_items WHERE status = 'review'").fetchone()
    assert items > 150  # the demo office, whole
    qs = d.office_config(d.entry("qs"))
    with Store(qs.database) as store:
        (posts,) = store.db.execute("SELECT COUNT(*) FROM posts").fetchone()
    assert posts == qingshan.PAGES * qingshan.PER_PAGE + 2
    assert (d.output / "site" / "xhj" / "index.html").exists()  # each office's site in the district's docroot
    assert (d.output / "site" / "qs" / "feeds" / "all.rss.xml").exists()
    assert not (d.output / "xhj" / "site").exists()  # its own output folder, beside the docroot, keeps no site

    status = runner.invoke(main, ["district", "--district", str(district), "status", "--json"])
    assert status.exit_code == 1
    rows = {r["key"]: r for r in json.loads(status.output)["offices"]}
    assert [r["key"] for r in json.loads(status.output)["offices"]] == ["xhj", "qs", "bad", "ljz", "dt"]
    assert rows["xhj"]["status"] == "ok" and rows["qs"]["status"] == "ok"
    assert waiting and rows["xhj"]["waiting_for_review"] == waiting  # the clerk's backlog, per office
    assert rows["dt"]["status"] == "partial" and rows["dt"]["failed_sources"] == ["news"]
    assert rows["dt"]["items"] == 2  # its feed was collected all the same
    assert d.office_config(d.entry("dt")).database == district.parent / "dt" / "xxgk.db"  # inline: its own store
    assert rows["bad"]["status"] == "failed" and "bad/xxgk.toml：[office] site_url：缺少此键" in rows["bad"]["error"]
    assert rows["ljz"]["status"] == "figures"
    text = runner.invoke(main, ["district", "--district", str(district), "status"]).output
    assert "采集失败的来源：news" in text and "兴华街道办事处" in text
    assert "待审核" in text and re.search(rf"^xhj +正常 +{items} +{waiting} ", text, re.M), text


def test_offices_fetching_from_one_host_are_one_polite_client(district_web):
    """The clients of a district run share their per-host slots: the second office's request
    to a host waits for the first's interval; another host never waits (a fake clock)."""
    for key in ("a.test/1", "a.test/2", "b.test/1"):
        district_web.page(key, "ok", "text/plain")
    now, sleeps = [0.0], []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    def client(rate: float, slots) -> Fetcher:
        settings = FetchSettings(rate_per_host=rate, obey_robots=False, retries=0, shared_slots=slots,
                                 resolve={h: f"http://{district_web.address}" for h in ("a.test", "b.test")})
        return Fetcher(settings, {"a.test", "b.test"}, clock=lambda: now[0], sleep=sleep)

    shared = HostSlots()
    with client(2, shared) as first, client(1, shared) as second:
        first.get("http://a.test/1")
        second.get("http://a.test/2")  # waits the first office's 0.5 s
        first.get("http://b.test/1")  # another host: no wait
    assert sleeps == [0.5]
    sleeps.clear()
    with client(2, None) as alone, client(1, None) as other:
        alone.get("http://a.test/1")
        other.get("http://a.test/2")
    assert sleeps == []  # separate clients know nothing of each other


def test_adding_an_office_is_one_block_checked_before_it_is_kept(tmp_path):
    runner = CliRunner()
    district = tmp_path / "district.toml"
    district.write_text('[district]\nname = "昌邑区"\n[offices.ljz]\nname = "两家子满族乡"\nfigures = "ljz"\n',
                        encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "xxgk.toml").write_text('[office]\nname = "坏配置"\n', encoding="utf-8")
    (tmp_path / "new").mkdir()
    write_config(tmp_path / "new")
    before = district.read_text(encoding="utf-8")
    result = runner.invoke(main, ["district", "--district", str(district), "office", "add", "new",
                                  "--config", str(tmp_path / "new" / "xxgk.toml")])
    assert result.exit_code == 0, result.output
    assert district.read_text(encoding="utf-8") == before + '\n[offices.new]\nconfig = "new/xxgk.toml"\n'
    assert load_district(district).entry("new").config == (tmp_path / "new" / "xxgk.toml").resolve()
    again = runner.invoke(main, ["district", "--district", str(district), "office", "add", "new2",
                                 "--config", str(tmp_path / "bad" / "xxgk.toml")])
    assert again.exit_code == 2 and "bad/xxgk.toml：[office] site_url：缺少此键" in again.output
    assert "new2" not in district.read_text(encoding="utf-8")  # refused: the file is as it was


def test_the_portal_lists_every_office_with_its_latest_items(synced_district):
    district, _ = synced_district
    d = load_district(district)
    index = (d.site / "index.html").read_text(encoding="utf-8")
    xhj_feed = json.loads((d.site / "xhj" / "feeds" / "all.json").read_text(encoding="utf-8"))["items"]
    card = index.split('id="office-xhj"')[1].split('<li class="office"')[0]
    assert 'href="xhj/index.html"' in card and 'href="xhj/feeds/all.rss.xml"' in card
    for item in xhj_feed[:5]:
        assert html.escape(item["title"], quote=False) in card
    with Store(d.office_config(d.entry("xhj")).database) as store:
        (items,) = store.db.execute("SELECT COUNT(*) FROM counted_items WHERE withdrawn = 0").fetchone()
    assert f'<span class="count">{items}</span>' in card
    assert "未使用本系统" in index.split('id="office-ljz"')[1]
    assert "最近一次采集有失败" in index.split('id="office-dt"')[1].split('<li class="office"')[0]
    assert "配置或数据库有误" in index.split('id="office-bad"')[1].split('<li class="office"')[0]


def test_the_combined_feed_holds_every_office_newest_first(synced_district):
    district, _ = synced_district
    d = load_district(district)
    feed = json.loads((d.site / "feeds" / "all.json").read_text(encoding="utf-8"))
    offices = {tag for item in feed["items"] for tag in item["tags"]}
    assert {"兴华街道办事处", "青山街道办事处", "大屯街道办事处"} <= offices
    dates = [item["date_published"] for item in feed["items"]]
    assert dates == sorted(dates, reverse=True) and len(dates) <= 100
    assert feed["feed_url"] == "https://xxgk.cyq.gov.test/feeds/all.json"
    keys = {"兴华街道办事处": "xhj", "青山街道办事处": "qs", "大屯街道办事处": "dt"}
    for item in feed["items"]:  # each office's items where the district publishes its site
        assert item["url"].startswith(f"https://xxgk.cyq.gov.test/{keys[item['tags'][0]]}/item/"), item
    assert (d.site / "feeds" / "all.rss.xml").read_text(encoding="utf-8").count("<item>") == len(dates)


@pytest.fixture(scope="module")
def served_district(synced_district):
    district, _ = synced_district
    handler = functools.partial(Quiet, directory=str(load_district(district).site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("word, office", [("第5项工作", "qs"), ("垃圾分类宣传", "dt")])
def test_one_search_over_the_district(served_district, browser, word, office):
    page = browser.new_page()
    page.goto(served_district + "search.html")
    page.get_by_role("searchbox").fill(word)
    page.get_by_role("searchbox").press("Enter")
    page.locator("#search-status").filter(has_text="找到").wait_for(timeout=10_000)
    hits = page.locator("#search-results li")
    assert hits.count() >= 1
    for k in range(hits.count()):  # every hit holds the words, in its title or its snippet
        assert word in hits.nth(k).inner_text()
    link = hits.first.locator("a")
    assert link.get_attribute("href").startswith(f"{office}/item/")
    link.click()  # the office's own item page
    page.wait_for_load_state()
    assert f"/{office}/item/" in page.url and word in page.locator("body").inner_text()
    page.close()


def test_the_district_index_holds_every_offices_items_and_rebuilds_nothing_unchanged(synced_district):
    from datetime import date

    from pipeline.district.portal import build_portal
    from pipeline.publish.search import published_docs

    district, _ = synced_district
    d = load_district(district)
    offices = {key: {(f"{key}/{doc.item_id}", doc.title)
                     for doc in published_docs(d.office_output(key), d.office_site(key) / "search")}
               for key in ("xhj", "qs", "dt")}
    assert all(offices.values())
    merged = {(doc.item_id, doc.title) for doc in published_docs(d.output, d.site / "search")}
    assert merged == set().union(*offices.values())
    meta = (d.site / "search" / "meta.json").read_bytes()
    build_portal(d, date.today())  # nothing changed in any office: the index is left as it is
    assert (d.site / "search" / "meta.json").read_bytes() == meta


def test_the_stages_after_collecting_run_where_the_district_says(tmp_path, loopback_site):
    """run_sync collects, then hands merge, classify and build to its ``stages`` (a district's worker
    process); what they return is the job's result."""
    from pipeline.district.run import _stages_in, stage_workers
    from pipeline.nightly.job import process, run_sync

    loopback_site.page("weibo.datun.gov.test/feed.xml", DATUN_FEED, "application/rss+xml; charset=utf-8")
    path = tmp_path / "xxgk.toml"
    path.write_text(GONE.replace("[sources.news]\nkind = \"website\"\nurl = \"http://www.datun.gov.test/xwzx/\"\n", ""),
                    encoding="utf-8")
    config = config_mod.load(path).with_resolve(loopback_site.address)
    events: list[str] = []

    def stages(config, store, progress):
        events.append("stages")
        return process(config, store, progress)

    with Store(config.database) as store:
        here = run_sync(config, store, progress=lambda m: events.append(m.split()[0]) if m else None, stages=stages)
    assert events[0] == "collecting" and events.index("stages") < events.index("merging")
    assert events.count("stages") == 1 and here.dedupe["new_items"] > 0 and here.build.written
    with stage_workers(1) as workers, Store(config.database) as store:  # the same stages in a worker process
        there = run_sync(config, store, stages=_stages_in(workers))
    assert there.dedupe["new_items"] == 0 and there.classify == {**here.classify, "classified": 0, "auto": 0,
                                                                 "review": 0}
    assert (config.output / "site" / "feeds").is_dir() and there.build is not None


def _square(n: int) -> int:
    return n * n


def _die_once(marker: str) -> str:
    """Kills its worker process the first time (as the kernel's OOM killer would), works the next."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(9)
    return "done"


def _die() -> None:
    os._exit(9)


def test_a_stage_worker_that_dies_fails_no_other_office(tmp_path):
    """A dead worker breaks its whole pool: the pool is replaced and the offices that were waiting
    in it are tried again; an office whose stages kill every worker fails alone (an InternalError,
    recorded as its outcome by run_office), and the workers go on for the rest."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.district.run import stage_workers
    from pipeline.errors import InternalError

    with stage_workers(2) as workers:
        with ThreadPoolExecutor(4) as offices:
            others = [offices.submit(workers.call, _square, n) for n in range(6)]
            dying = offices.submit(workers.call, _die_once, str(tmp_path / "died"))
            assert [f.result() for f in others] == [n * n for n in range(6)]
            assert dying.result() == "done" and (tmp_path / "died").exists()
        with pytest.raises(InternalError, match="died"):
            workers.call(_die)
        assert workers.call(_square, 7) == 49


def _december_reports(config_path: str) -> None:
    """In a stage worker: an office's report files on 31 December 2026 (the holiday data lacks 2027)."""
    from datetime import date

    from pipeline.report.outputs import write_reports

    config = config_mod.load(config_path)
    with Store(config.database) as store:
        write_reports(store, config, {}, [], date(2026, 12, 31))


def test_the_holiday_data_warning_is_printed_once_per_district_run(tmp_path, caplog):
    """Three offices' reports written in stage workers, as a district run writes them: the warning that
    the holiday data lacks next year is about the installation, so the run prints it once; an office
    run on its own prints it once per run, as before."""
    from pipeline.district.run import stage_workers
    from pipeline.nightly import logs
    from pipeline.workdays import NOTICES

    from .builders import config_without_sources

    offices = []
    for n in range(3):
        (tmp_path / f"o{n}").mkdir()
        offices.append(str(config_without_sources(tmp_path / f"o{n}", name=f"第{n}街道办事处", org_code=f"O{n}",
                                                  site_url=f"https://xxgk.o{n}.gov.test/")))

    def printed() -> int:
        return sum("节假日数据缺少 2027 年" in r.getMessage() for r in caplog.records)

    caplog.set_level(logging.WARNING)
    with logs.once_per_run(NOTICES), stage_workers(2) as workers:
        for office in offices:
            workers.call(_december_reports, office)
    assert printed() == 1
    caplog.clear()
    for office in offices[:2]:  # two offices' own runs (xxgk sync), one after the other
        _december_reports(office)
    assert printed() == 2

"""One deployment, many offices: a district of offices served on 127.0.0.1 (the demo office's
TRS-style site, 青山街道's other CMS, an office whose site is gone, an office whose config is
broken, an office typed in from its tables) synced together; status shows every office."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline import config as config_mod
from pipeline.cli import main
from pipeline.district.config import load_district
from pipeline.district.run import lanes
from pipeline.store import Store

from . import test_sources_other_office as qingshan
from .conftest import write_config


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


@pytest.fixture
def district(tmp_path, demo_server, loopback_site):
    _qingshan_site(loopback_site)
    # 大屯: its Weibo feed answers, its website is gone (every page a 404)
    loopback_site.page("weibo.datun.gov.test/feed.xml", DATUN_FEED, "application/rss+xml; charset=utf-8")
    (tmp_path / "xhj").mkdir()
    _resolve_to(write_config(tmp_path / "xhj"), demo_server.address)
    for key, text in (("qs", qingshan.CONFIG), ("dt", GONE)):
        (tmp_path / key).mkdir()
        (tmp_path / key / "xxgk.toml").write_text(text, encoding="utf-8")
        _resolve_to(tmp_path / key / "xxgk.toml", loopback_site.address)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "xxgk.toml").write_text('[office]\nname = "坏配置"\n', encoding="utf-8")
    path = tmp_path / "district.toml"
    path.write_text("""[district]
name = "昌邑区"
[offices.xhj]
config = "xhj/xxgk.toml"
[offices.qs]
config = "qs/xxgk.toml"
[offices.dt]
config = "dt/xxgk.toml"
[offices.bad]
config = "bad/xxgk.toml"
[offices.ljz]
name = "两家子满族乡人民政府"
figures = "ljz"
""", encoding="utf-8")
    return path


def test_every_office_is_collected_and_one_failure_stops_no_other(district):
    runner = CliRunner()
    result = runner.invoke(main, ["district", "--district", str(district), "sync"])
    assert result.exit_code == 1, result.output
    d = load_district(district)
    xhj = d.office_config(d.entry("xhj"))
    with Store(xhj.database) as store:
        (items,) = store.db.execute("SELECT COUNT(*) FROM counted_items").fetchone()
    assert items > 150  # the demo office, whole
    qs = d.office_config(d.entry("qs"))
    with Store(qs.database) as store:
        (posts,) = store.db.execute("SELECT COUNT(*) FROM posts").fetchone()
    assert posts == qingshan.PAGES * qingshan.PER_PAGE + 2
    assert (d.output / "xhj" / "site" / "index.html").exists()  # each office's outputs in the district tree
    assert (d.output / "qs" / "feeds" / "all.rss.xml").exists()

    status = runner.invoke(main, ["district", "--district", str(district), "status", "--json"])
    assert status.exit_code == 1
    rows = {r["key"]: r for r in json.loads(status.output)["offices"]}
    assert set(rows) == {"xhj", "qs", "dt", "bad", "ljz"}
    assert rows["xhj"]["status"] == "ok" and rows["qs"]["status"] == "ok"
    assert rows["dt"]["status"] == "partial" and rows["dt"]["failed_sources"] == ["news"]
    assert rows["dt"]["items"] == 2  # its feed was collected all the same
    assert rows["bad"]["status"] == "failed" and "bad/xxgk.toml: office." in rows["bad"]["error"]
    assert rows["ljz"]["status"] == "figures"
    text = runner.invoke(main, ["district", "--district", str(district), "status"]).output
    assert "source failed: news" in text and "兴华街道办事处" in text


def test_offices_sharing_a_host_share_a_lane(tmp_path):
    def office(name: str, *urls: str):
        body = "\n".join(f'[sources.s{i}]\nkind = "feed"\nurl = "{u}"' for i, u in enumerate(urls))
        path = tmp_path / f"{name}.toml"
        path.write_text(f'[office]\nname = "{name}"\norg_code = "X"\nsite_url = "https://x.test/"\n{body}\n',
                        encoding="utf-8")
        return config_mod.load(path)

    configs = {"a": office("a", "http://a.test/f"), "b": office("b", "http://b.test/f", "http://shared.test/b"),
               "c": office("c", "http://shared.test/c"), "d": office("d", "http://d.test/f")}
    assert sorted(sorted(g) for g in lanes(configs)) == [["a"], ["b", "c"], ["d"]]


def test_adding_an_office_is_one_block_checked_before_it_is_kept(district, tmp_path):
    runner = CliRunner()
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
    assert again.exit_code == 2 and "bad/xxgk.toml: office." in again.output
    assert "new2" not in district.read_text(encoding="utf-8")  # refused: the file is as it was

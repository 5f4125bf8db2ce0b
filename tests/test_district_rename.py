"""An office renamed (same key, another name): the portal, the combined feed, the district's search and
`district status` show today's name; a roll-up of a past year names the office as its report did (a published
report keeps the name it was published under), with today's name beside it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pipeline.commands import main
from pipeline.district.config import load_district
from pipeline.district.rollup import district_rollup
from pipeline.district.rollup_render import render_json, render_text
from pipeline.publish.search import published_docs

from .builders import invoke
from .test_district_portal import MARCH_8, MARCH_9, district_of, office_feed
from .test_district_rollup import AFTER_DEADLINE, YEAR, district  # noqa: F401 (the fixture)

OLD, NEW = "甲街道办事处", "甲新街道办事处"


def run(path, *args):
    return CliRunner().invoke(main, ["district", "--district", str(path), *args])


def rename(path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_the_portal_feed_search_and_status_show_todays_name(tmp_path, loopback_site):
    office_feed(loopback_site, "a", "甲", [("甲街道召开安全生产会议", "甲街道召开安全生产工作会议。", MARCH_8)])
    office_feed(loopback_site, "b", "乙", [("乙街道开展垃圾分类宣传", "乙街道开展垃圾分类宣传活动。", MARCH_9)])
    path = district_of(tmp_path, loopback_site, {"a": OLD, "b": "乙街道办事处"})
    assert run(path, "sync", "-q").exit_code == 0
    rename(tmp_path / "a" / "xxgk.toml", OLD, NEW)
    assert run(path, "sync", "-q").exit_code == 0
    d = load_district(path)
    index = (d.site / "index.html").read_text(encoding="utf-8")
    feed = json.loads((d.site / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert NEW in index.split('id="office-a"')[1] and OLD not in index
    assert [item["tags"][0] for item in feed["items"] if "/a/" in item["url"]] == [NEW]
    assert all(item["title"].startswith(f"【{NEW}】") for item in feed["items"] if "/a/" in item["url"])
    categories = {doc.category.split(" · ")[0] for doc in published_docs(d.output, d.site / "search")}
    assert categories == {NEW, "乙街道办事处"}  # the district's search re-indexed the office's items
    status = json.loads(run(path, "status", "--json").output)
    assert [r["name"] for r in status["offices"]] == [NEW, "乙街道办事处"]


def test_a_past_years_rollup_names_the_office_as_its_report_did(district, tmp_path):  # noqa: F811
    d = load_district(district)
    config = d.office_config(d.entry("xhj"))
    assert invoke(str(config.path), "report", "publish", "--year", str(YEAR), "--by", "王静").exit_code == 0
    rename(config.path, "兴华街道办事处", "兴华新区街道办事处")  # renamed after its 2021 report was published
    rename(district, "两家子满族乡人民政府", "两家子街道办事处")  # typed in: the file gives the printed name
    ljz = tmp_path / "ljz" / f"{YEAR}.toml"
    ljz.write_text('office = "两家子满族乡人民政府"\n' + ljz.read_text(encoding="utf-8"), encoding="utf-8")
    roll = district_rollup(load_district(district), YEAR, AFTER_DEADLINE)
    named = {o.key: (o.name, o.now_named) for o in roll.offices}
    assert named["xhj"] == ("兴华街道办事处", "兴华新区街道办事处")
    assert named["ljz"] == ("两家子满族乡人民政府", "两家子街道办事处")
    assert named["djz"] == ("东局子街道办事处", "")  # not renamed: one name
    text = render_text(roll)
    assert "兴华街道办事处（现名兴华新区街道办事处）" in text and "两家子满族乡人民政府（现名两家子街道办事处）" in text
    offices = {o["key"]: o for o in json.loads(render_json(roll))["offices"]}
    assert (offices["xhj"]["name"], offices["xhj"]["now_named"]) == ("兴华街道办事处", "兴华新区街道办事处")
    this_year = district_rollup(load_district(district), YEAR + 1, AFTER_DEADLINE)  # a draft: today's name
    assert {o.key: o.name for o in this_year.offices}["xhj"] == "兴华新区街道办事处"

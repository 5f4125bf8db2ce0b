"""Inspection of every office: late items, overdue applications, silent sources, items
waiting for review too long — one page, one JSON."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from pipeline import config as config_mod
from pipeline.commands import main
from pipeline.district.config import load_district
from pipeline.district.inspect import inspect_district
from pipeline.registers import ledger
from pipeline.registers.records import Application
from pipeline.store import Store

from .builders import item_row, write_config

SH = ZoneInfo("Asia/Shanghai")
ON = date(2021, 6, 30)


def _item(store: Store, n: int, published: str, formed: str | None, status: str = "auto") -> None:
    item_row(store, n, published, id=f"i{n}", formed_on=formed, status=status)


def _classified(store: Store, n: int, at: str) -> None:
    store.db["classifications"].insert({"item_id": f"i{n}", "status": "review", "category": "gzdt",
                                        "at": datetime.fromisoformat(at + " 09:00").replace(tzinfo=SH).isoformat()})


def _runs(store: Store, source: str, news: list[int]) -> None:
    for new in news:
        run = store.start_run("sync")
        store.record_source_run(run, source, {"status": "ok", "new": new, "updated": 0, "unchanged": 3,
                                              "withdrawn": 0, "errors": 0, "requests": 1, "error": "", "warnings": []})


def test_every_finding_is_listed_per_office(tmp_path):
    (tmp_path / "a").mkdir()
    config = config_mod.load(write_config(tmp_path / "a"))
    with Store(config.database) as store:
        store.sync_sources([{"name": n, "kind": "feed", "channel": "weibo", "url": f"http://{n}.test/"}
                            for n in ("quiet", "busy")])
        _runs(store, "quiet", [5, 0, 0, 0])  # the last three runs brought nothing
        _runs(store, "busy", [0, 0, 2])
        _item(store, 1, "2021-03-01", "2021-01-04")  # 36 working days: late
        _item(store, 2, "2021-03-01", "2021-02-22")  # on time
        _item(store, 3, "2021-06-01", None, status="review")
        _classified(store, 3, "2021-06-01")  # 29 days waiting
        _item(store, 4, "2021-06-28", None, status="review")
        _classified(store, 4, "2021-06-28")  # 2 days: not yet
        ledger.add_application(store, Application(date(2021, 4, 1), "网站", "自然人"))  # due in May: overdue
        ledger.add_application(store, Application(date(2021, 6, 25), "网站", "自然人"))  # not yet due
    path = tmp_path / "district.toml"
    path.write_text('[district]\nname = "昌邑区"\n[offices.a]\nconfig = "a/xxgk.toml"\n'
                    '[offices.b]\nname = "乙乡"\nfigures = "b"\n', encoding="utf-8")

    a, b = inspect_district(load_district(path), ON, silent_nights=3, review_days=7)
    assert [x["id"] for x in a.late_items] == ["i1"] and a.late_items[0]["workdays"] > 20
    assert [x["received_on"] for x in a.overdue_applications] == ["2021-04-01"]
    assert [x["source"] for x in a.silent_sources] == ["quiet"]
    assert [(x["id"], x["days"]) for x in a.waiting_review] == [("i3", 29)]
    assert b.findings == 0

    args = ["district", "--district", str(path), "inspect", "--on", ON.isoformat(), "--silent-nights", "3"]
    data = json.loads(CliRunner().invoke(main, args + ["--format", "json"]).output)
    assert data["offices"][0]["findings"] == 4
    page = CliRunner().invoke(main, args + ["--format", "html"]).output
    assert "信息1" in page and "信息3" in page and "信息4" not in page
    text = CliRunner().invoke(main, args).output
    assert "来源 quiet 连续 3 次没有新信息" in text
    status = CliRunner().invoke(main, ["district", "--district", str(path), "status", "--json", "--on", ON.isoformat()])
    rows = json.loads(status.output)["offices"]
    assert rows[0]["inspection"]["key"] == "a" and rows[0]["inspection"]["late_items"][0]["id"] == "i1"


def test_an_office_that_cannot_be_inspected_fails_the_run(tmp_path):
    """inspect always exited 0, so a monitor never learnt that an office's config had broken."""
    (tmp_path / "a").mkdir()
    write_config(tmp_path / "a")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "xxgk.toml").write_text("[office]\nname = 3\n", encoding="utf-8")
    path = tmp_path / "district.toml"
    path.write_text('[district]\nname = "昌邑区"\n[offices.a]\nconfig = "a/xxgk.toml"\n'
                    '[offices.bad]\nconfig = "bad/xxgk.toml"\n', encoding="utf-8")
    args = ["district", "--district", str(path), "inspect", "--on", ON.isoformat()]
    broken = CliRunner().invoke(main, args)
    assert broken.exit_code == 1 and "无法检查" in broken.output and "Traceback" not in broken.output
    path.write_text('[district]\nname = "昌邑区"\n[offices.a]\nconfig = "a/xxgk.toml"\n', encoding="utf-8")
    assert CliRunner().invoke(main, args).exit_code == 0

"""An office whose clock is not Beijing's ([office] timezone = "Asia/Urumqi", UTC+6): the day and
year of every stored time are read on its clock (issue 17, one writer per rule: models.local_time).

One item published at 23:30 on 31 December 2025 in Urumqi, 01:30 on 1 January 2026 in Shanghai,
counts in 2025 and shows 2025-12-31 for the Urumqi office, in 2026 and 2026-01-01 for the same
store read as a Shanghai office."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from pipeline.store import Store

from .builders import cli, config_without_sources, published_item

SAVED_AT = datetime(2026, 1, 10, 2, 0, tzinfo=timezone.utc)
OFFICE = {"name": "青石街道办事处", "org_code": "11220202MB1234567X",
          "site_url": "https://xxgk.example.gov.cn/qsjd/"}


def office(folder: Path, zone: str) -> Path:
    config = config_without_sources(folder, **OFFICE, timezone=zone)
    with Store(folder / "xxgk.db") as store:
        # builders take Shanghai local times: 2026-01-01 01:30 there is 2025-12-31 23:30 in Urumqi
        published_item(store, "i0001", "11220202MB1234567X/2025-00001", "青石街道开展冬季消防安全检查", "gzdt",
                       [("website", "https://www.qingshi.gov.test/art/1.html", "2026-01-01 01:30")],
                       body="12月31日，青石街道组织开展冬季消防安全检查。", saved_at=SAVED_AT)
    return config


@pytest.mark.parametrize(("zone", "year", "day", "offset"), [
    ("Asia/Urumqi", 2025, "2025-12-31", "+06:00"),
    ("Asia/Shanghai", 2026, "2026-01-01", "+08:00"),
])
def test_an_item_counts_and_shows_in_the_offices_own_year_and_day(tmp_path, monkeypatch, zone, year, day, offset):
    monkeypatch.setenv("XXGK_TODAY", "2026-01-10")
    monkeypatch.delenv("XXGK_FIGURES", raising=False)
    config = office(tmp_path, zone)
    other = 2026 if year == 2025 else 2025
    counted = {y: json.loads(cli(config, "report", "--year", str(y), "--format", "json"))["proactive"]["total"]
               for y in (year, other)}
    assert counted == {year: 1, other: 0}

    cli(config, "build")
    site = tmp_path / "output" / "site"
    page = (site / "item" / "i0001.html").read_text(encoding="utf-8")
    assert f'<tr><th scope="row">发布日期</th><td>{day}</td></tr>' in page
    assert (site / "year" / f"{year}.html").is_file() and not (site / "year" / f"{other}.html").exists()
    feed = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))
    (entry,) = feed["items"]
    assert entry["date_published"] == f"{day}T{'23' if year == 2025 else '01'}:30:00{offset}"
    assert f",{year}:item:i0001" in entry["id"]
    atom = (site / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    assert f"<published>{entry['date_published']}</published>" in atom


@pytest.mark.parametrize(("zone", "year"), [("Asia/Urumqi", 2025), ("Asia/Shanghai", 2026)])
def test_the_review_queues_year_filter_takes_the_offices_year(tmp_path, zone, year):
    """Stored times are UTC text: the year's bounds are compared as UTC (not as +06:00/+08:00 text)."""
    from zoneinfo import ZoneInfo

    from pipeline.review.queries import Filters, queue_ids, years

    office(tmp_path, zone)
    with Store(tmp_path / "xxgk.db") as store:
        found = {y: queue_ids(store, Filters(status="all", year=y), ZoneInfo(zone)) for y in (2025, 2026)}
        offered = years(store, ZoneInfo(zone))  # the filter's choices
    assert found == {y: ["i0001"] if y == year else [] for y in (2025, 2026)}
    assert offered == [year]


def test_a_documents_validity_runs_from_the_day_the_office_published_it(tmp_path):
    """Published 2025-01-01 00:30 in Shanghai (2024-12-31 in UTC), valid one year: in force on
    2025-12-31 (it ends 2026-01-01), not expired a day early."""
    from pipeline.classify.signals import EXPIRED, IN_FORCE
    from pipeline.classify.stage import track_validity
    from pipeline.models import SHANGHAI

    config_without_sources(tmp_path, **OFFICE)
    with Store(tmp_path / "xxgk.db") as store:
        published_item(store, "i0002", "11220202MB1234567X/2025-00002", "青石街道物业管理办法", "gfxwj",
                       [("catalog", "http://xxgk.cyq.gov.test/qsjd/2.html", "2025-01-01 00:30")],
                       body="第一条 为规范物业管理，制定本办法。本办法有效期1年。", saved_at=SAVED_AT, normative=1)
        validity = {}
        for day in (date(2025, 12, 31), date(2026, 1, 1)):
            track_validity(store, day, "2026-01-10T02:00:00+00:00", SHANGHAI)
            validity[day] = store.db.execute("SELECT validity FROM items WHERE id = 'i0002'").fetchone()[0]
    assert validity == {date(2025, 12, 31): IN_FORCE, date(2026, 1, 1): EXPIRED}


@pytest.mark.parametrize(("zone", "day", "time"), [
    ("Asia/Urumqi", "2025-12-31", "2025-12-31 23:30"),
    ("Asia/Shanghai", "2026-01-01", "2026-01-01 01:30"),
])
def test_staff_read_when_a_register_entry_was_withdrawn_on_the_offices_clock(tmp_path, monkeypatch, zone, day, time):
    """Withdrawn (登记错误) at 17:30 UTC on 31 December 2025: 01:30 on 1 January in Shanghai. The
    messages and the change history show the office's day and time, not UTC's."""
    monkeypatch.setenv("XXGK_TODAY", "2026-01-10")
    config = config_without_sources(tmp_path, **OFFICE, timezone=zone)
    app_id = cli(config, "application", "add", "--received", "2025-12-20", "--channel", "网站",
                 "--applicant-type", "自然人", "--request", "2025年低保名单").split()[0]
    appeal_id = cli(config, "appeal", "add", "--kind", "行政复议", "--filed", "2025-12-22").split()[0]
    cli(config, "application", "withdraw", app_id, "--reason", "重复登记")
    cli(config, "appeal", "withdraw", appeal_id, "--reason", "登记错误")
    at = "2025-12-31T17:30:00+00:00"
    with Store(tmp_path / "xxgk.db") as store:
        store.db.execute("UPDATE applications SET withdrawn_at = ?", [at])
        store.db.execute("UPDATE appeals SET withdrawn_at = ?", [at])
        store.db.execute("UPDATE register_changes SET at = ?", [at])
    closing = cli(config, "application", "close", app_id, "--outcome", "予以公开", "--replied", "2026-01-05", code=2)
    assert f"申请 {app_id} 已于 {day} 撤销（重复登记）" in closing
    deciding = cli(config, "appeal", "decide", appeal_id, "--outcome", "结果维持", "--decided", "2026-01-05", code=2)
    assert f"{appeal_id} 已于 {day} 撤销（登记错误）" in deciding
    history = cli(config, "application", "history", app_id)
    assert f"{time}  " in history and "UTC" not in history

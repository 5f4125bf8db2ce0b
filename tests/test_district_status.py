"""`xxgk district status` as the district's staff read it: each office's last run on the district's clock (a
02:00 night run is not "yesterday 18:00" in UTC), and the holiday data's alert, every office's alike, said once."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from pipeline.commands import main

from .test_district_portal import MARCH_8, district_of, office_feed

OFFICES = {"a": "甲街道办事处", "b": "乙街道办事处"}
DECEMBER = "2098-12-31"  # a December whose next year no holiday data will know


def test_status_reads_on_the_districts_clock_and_says_the_installations_alert_once(tmp_path, loopback_site):
    for key in OFFICES:
        office_feed(loopback_site, key, key, [(f"{key}街道召开安全生产会议", "召开安全生产工作会议。", MARCH_8)])
    path = district_of(tmp_path, loopback_site, OFFICES)
    assert CliRunner().invoke(main, ["district", "--district", str(path), "sync", "-q"]).exit_code == 0
    args = ["district", "--district", str(path), "status", "--on", DECEMBER]
    rows = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)["offices"]
    text = CliRunner().invoke(main, args).output
    for row in rows:
        started = row["last_run"]["started_at"]
        shown = datetime.fromisoformat(started).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
        assert f"  {shown}  {row['name']}" in text and started not in text, text
    assert all(any(a["kind"] == "calendar" for a in row["alerts"]) for row in rows)  # each office has it …
    assert text.count("节假日日历缺少 2099 年数据") == 1, text  # … said once, as the district's
    assert "ALERT 昌邑区：节假日日历缺少 2099 年数据" in text

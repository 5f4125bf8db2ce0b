"""A district's December night when the holiday data lacks next year: the notice is about the installation, not
an office — a real `xxgk district sync` of three offices (the nightly job's clock set to December, as
tests/test_ops_quiet.py sets it) says it once, naming the district; the offices' own alerts still name theirs."""

from __future__ import annotations

from .test_district_portal import MARCH_8, district_of, office_feed
from .test_ops_quiet import DECEMBER, xxgk_in_december

OFFICES = {"a": "甲街道办事处", "b": "乙街道办事处", "c": "丙街道办事处"}


def test_the_holiday_data_alert_is_said_once_per_district_night(tmp_path, loopback_site):
    for key in ("a", "b"):
        office_feed(loopback_site, key, key, [(f"{key}街道召开安全生产会议", "召开安全生产工作会议。", MARCH_8)])
    path = district_of(tmp_path, loopback_site, OFFICES)  # c's feed is not served: its source fails
    notice = f"节假日日历缺少 {DECEMBER.year + 1} 年数据"
    for args in (("sync", "-q"), ("sync",)):
        night = xxgk_in_december("district", "--district", str(path), *args)
        assert night.returncode == 1, night.stderr  # c failed
        if args == ("sync", "-q"):
            assert night.stderr.count(notice) == 1, night.stderr  # said once, to the district …
            assert f"ALERT 昌邑区：{notice}" in night.stderr and not any(f"{name}：{notice}" in night.stderr
                                                                 for name in OFFICES.values())
        else:  # the next night: raised already; the log's notice (the report writer's) at most once, not per office
            assert night.stderr.count("节假日数据缺少") <= 1, night.stderr
            assert notice not in night.stderr
    assert "c" in night.stdout + night.stderr  # … while c's own failure names c

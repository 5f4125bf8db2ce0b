"""`sync -q` prints nothing unless something failed — also on December nights when the holiday data
lacks next year: that notice is an alert (printed and sent once, shown by `xxgk status`) and stays
in the log file, instead of a WARNING line that cron would mail every night of December."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from pipeline import config as config_mod
from pipeline.workdays import next_year_calendar_warning

ROOT = Path(__file__).resolve().parent.parent
DECEMBER = date(2098, 12, 31)  # a December whose next year no holiday data will know
# The real CLI, on the nightly job's clock set to DECEMBER (the one day the job and `status` read).
XXGK_ON_DECEMBER = (
    "import sys, datetime; import pipeline.nightly.job as job\n"
    f"job.local_today = lambda tz: datetime.date({DECEMBER.year}, {DECEMBER.month}, {DECEMBER.day})\n"
    "from pipeline.commands import main\nsys.argv[0] = 'xxgk'\nmain()")


def xxgk_in_december(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", XXGK_ON_DECEMBER, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_quiet_december_nights_say_the_holiday_notice_once_and_log_it_every_night(synced_copy):
    notice = next_year_calendar_warning(DECEMBER)
    assert notice  # the day chosen does lack next year's data
    log_file = config_mod.load(synced_copy.config).log_file

    first = xxgk_in_december("--config", synced_copy.config, "sync", "-q")
    assert first.returncode == 0, first.stderr
    assert "WARNING" not in first.stderr and notice not in first.stderr  # not the log line …
    assert f"ALERT 节假日日历缺少 {DECEMBER.year + 1} 年数据" in first.stderr  # … but the alert, once
    second = xxgk_in_december("--config", synced_copy.config, "sync", "-q")
    assert (second.returncode, second.stdout, second.stderr) == (0, "", "")  # cron mails nothing
    assert log_file.read_text(encoding="utf-8").count(notice) == 2  # the log keeps every night's

    status = xxgk_in_december("--config", synced_copy.config, "status", "--json")
    assert {"kind": "calendar", "subject": str(DECEMBER.year + 1)} in [
        {k: a[k] for k in ("kind", "subject")} for a in json.loads(status.stdout)["alerts"]]


def test_a_run_that_is_not_quiet_still_shows_the_notice(synced_copy):
    shown = xxgk_in_december("--config", synced_copy.config, "sync")
    assert shown.returncode == 0, shown.stderr
    assert next_year_calendar_warning(DECEMBER) in shown.stderr


def test_a_quiet_district_night_prints_nothing_either(tmp_path, synced_copy):
    district = tmp_path / "district.toml"
    district.write_text(f'[district]\nname = "昌邑区"\n[offices.xhj]\nconfig = "{synced_copy.config}"\n',
                        encoding="utf-8")
    nights = [xxgk_in_december("district", "--district", str(district), "sync", "-q") for _ in range(2)]
    assert [n.returncode for n in nights] == [0, 0], nights[0].stderr
    # a district's alert names whose it is (README, A whole district): the holiday data is the installation's
    assert "WARNING" not in nights[0].stderr and "ALERT 昌邑区：节假日日历缺少" in nights[0].stderr
    assert (nights[1].stdout, nights[1].stderr) == ("", "")

"""`xxgk schedule` as an operator's worst weeks meet it: clocks set back and forward, a sleeping
machine, a run that outlasts the night, another run holding the lock, failures, the machine's zone.

The scheduler is driven through a simulated machine: real time goes on, the wall clock can be set,
sleep stops the clock that counts time awake. Nothing sleeps for real."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.errors import OutputError
from pipeline.nightly.lock import run_lock
from pipeline.nightly.schedule import Reading, Started, decide, read_clocks, run_forever

from .builders import served_config

BJ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
XXGK = str(Path(sys.executable).parent / "xxgk")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def bj(text: str) -> datetime:
    """A moment in Beijing time, e.g. "12-05 02:30" (2026)."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=BJ)


@dataclass
class Machine:
    """The machine's clocks. `real` is the true time; the wall clock reads real + offset, in UTC as a
    server's would be (the scheduler must read it in the office's zone); `awake` stops while asleep."""

    real: datetime
    offset: timedelta = timedelta()
    awake: float = 1000.0
    since_boot: float = 1000.0
    events: list[tuple[datetime, Callable[[Machine], None]]] = field(default_factory=list)

    def __call__(self) -> Reading:
        return Reading((self.real + self.offset).astimezone(UTC).astimezone(BJ), self.awake, self.since_boot)

    def at(self, when: str, action: Callable[[Machine], None]) -> Machine:
        """At `when`, real Beijing time, something happens to the machine."""
        self.events.append((bj(when), action))
        self.events.sort(key=lambda e: e[0])
        return self

    def advance(self, seconds: float) -> None:
        end = self.real + timedelta(seconds=seconds)
        while self.events and self.events[0][0] <= end:
            when, action = self.events.pop(0)
            self._run(when - self.real)
            action(self)
            end = max(end, self.real)
        self._run(end - self.real)

    def _run(self, span: timedelta) -> None:
        self.real += span
        self.awake += span.total_seconds()
        self.since_boot += span.total_seconds()


def set_clock(by: timedelta) -> Callable[[Machine], None]:
    """An operator or NTP moves the wall clock; the clocks that count time do not move."""
    return lambda m: setattr(m, "offset", m.offset + by)


def suspend(span: timedelta) -> Callable[[Machine], None]:
    """The machine sleeps: time since boot counts it, time awake does not."""

    def sleep(m: Machine) -> None:
        m.real += span
        m.since_boot += span.total_seconds()

    return sleep


def pause_vm(span: timedelta) -> Callable[[Machine], None]:
    """A paused VM: no clock of the guest moves; on resume its wall clock is stepped to the true time."""
    return lambda m: setattr(m, "real", m.real + span)


@dataclass
class Night:
    wall: datetime  # what the machine's clock said when the run started
    real: datetime  # when it really started


def schedule_until(machine: Machine, until: str, *, stored: datetime | None = None,
                   job: Callable[[Machine, int], None] = lambda m, n: m.advance(600),
                   told: list[str] | None = None, times: tuple[str, ...] = ("02:30",),
                   hourly: Callable[[], object] | None = None) -> list[Night]:
    """Run the scheduler on the machine until `until` (real, Beijing); each run of the nightly job
    calls `job(machine, n)` (n counts from 1), which takes 10 minutes unless it says otherwise."""
    runs: list[Night] = []
    end = bj(until)

    def nightly() -> None:
        runs.append(Night(machine().wall, machine.real.astimezone(BJ)))
        job(machine, len(runs))

    def wait(seconds: float) -> bool:
        machine.advance(seconds)
        return machine.real >= end

    run_forever(times, BJ, nightly, lambda: stored, stop=threading.Event(), clock=machine, wait=wait,
                tell=(told if told is not None else []).append, hourly=hourly)
    return runs


def really(runs: list[Night]) -> list[str]:
    return [f"{r.real:%m-%d %H:%M}" for r in runs]


def test_a_clock_set_back_by_an_hour_repeats_no_night():
    """The clock ran an hour fast: the night ran at 01:30 real time; set right at 03:00 (clock), its
    02:30 comes again — and runs nothing."""
    machine = Machine(bj("12-04 20:00"), offset=HOUR).at("12-05 02:00", set_clock(-HOUR))
    runs = schedule_until(machine, "12-07 12:00", stored=bj("12-04 02:30"))
    assert really(runs) == ["12-05 01:30", "12-06 02:30", "12-07 02:30"]


def test_a_clock_set_back_by_a_day_skips_no_night():
    """A VM's clock a day ahead ran the night as 'Dec 6'; set right, its Dec 6 02:30 is tomorrow's night,
    really due: it runs (the `schedule` library waited for Dec 7 and skipped a night)."""
    machine = Machine(bj("12-04 20:00"), offset=DAY).at("12-05 10:00", set_clock(-DAY))
    runs = schedule_until(machine, "12-07 12:00", stored=bj("12-05 02:30"))
    assert [f"{r.wall:%m-%d %H:%M}" for r in runs][0] == "12-06 02:30"  # the night it ran for, by its clock
    assert really(runs) == ["12-05 02:30", "12-06 02:30", "12-07 02:30"]


def test_a_clock_set_back_across_midnight_repeats_no_night():
    """Three hours fast, the night ran at 23:30 real time; set back at 00:30 (clock 03:30), the date
    goes back a day too: neither that day's 02:30 nor the new one runs again."""
    machine = Machine(bj("12-04 20:00"), offset=3 * HOUR).at("12-05 00:30", set_clock(-3 * HOUR))
    runs = schedule_until(machine, "12-06 12:00", stored=bj("12-04 02:30"))
    assert really(runs) == ["12-04 23:30", "12-06 02:30"]


def test_a_clock_set_back_with_the_scheduler_restarted_repeats_no_night():
    """Set back an hour and the scheduler restarted: the store's start reads ahead of the clock."""
    machine = Machine(bj("12-05 02:00"))
    runs = schedule_until(machine, "12-06 12:00", stored=bj("12-05 02:45"))  # the clock read 02:45 at that run
    assert really(runs) == ["12-06 02:30"]


def test_a_clock_set_back_by_a_day_with_the_scheduler_restarted_skips_no_night():
    machine = Machine(bj("12-05 10:00"))
    runs = schedule_until(machine, "12-06 12:00", stored=bj("12-06 02:30"))  # the clock was a day ahead then
    assert really(runs) == ["12-06 02:30"]


def test_nights_slept_through_run_once_on_waking_and_the_log_says_why(caplog):
    machine = Machine(bj("12-04 20:00")).at("12-05 01:00", suspend(2 * DAY + 9 * HOUR))  # wakes 12-07 10:00
    with caplog.at_level(logging.WARNING, logger="xxgk.schedule"):
        runs = schedule_until(machine, "12-08 12:00", stored=bj("12-04 02:30"))
    assert really(runs) == ["12-07 10:00", "12-08 02:30"]
    late = [r.getMessage() for r in caplog.records if "晚了" in r.getMessage()]
    assert late == ["夜间任务（计划 2026-12-07 02:30）晚了 7 小时 30 分钟才开始（2026-12-07 10:00）："
                    "本机休眠（挂起）了 2 天 9 小时"]


def test_a_paused_vm_runs_the_missed_night_once_and_the_log_says_the_clock_jumped(caplog):
    machine = Machine(bj("12-04 20:00")).at("12-05 01:00", pause_vm(DAY + 9 * HOUR))  # resumes 12-06 10:00
    with caplog.at_level(logging.WARNING, logger="xxgk.schedule"):
        runs = schedule_until(machine, "12-07 12:00", stored=bj("12-04 02:30"))
    assert really(runs) == ["12-06 10:00", "12-07 02:30"]
    assert any("晚了 7 小时 30 分钟" in r.getMessage() and "系统时钟向前跳了 1 天 9 小时" in r.getMessage()
               for r in caplog.records)


def test_a_night_missed_while_the_scheduler_was_down_runs_once_at_start(caplog):
    with caplog.at_level(logging.WARNING, logger="xxgk.schedule"):
        runs = schedule_until(Machine(bj("12-07 09:00")), "12-07 12:00", stored=bj("12-04 02:30"))
    assert really(runs) == ["12-07 09:00"]
    assert any("没有运行" in r.getMessage() for r in caplog.records)


def test_a_run_still_going_at_the_next_run_time_is_not_started_twice_and_the_next_night_still_runs(caplog):
    """A first sync of 12 hours outlasts the next 02:30: that night runs once, as soon as it ends, and
    the next at its time (the `schedule` library counted the next run from the end and skipped one)."""

    def first_sync_is_long(machine: Machine, n: int) -> None:
        machine.advance(12 * 3600 if n == 1 else 600)

    with caplog.at_level(logging.WARNING, logger="xxgk.schedule"):
        runs = schedule_until(Machine(bj("12-04 20:00")), "12-07 12:00", stored=None, job=first_sync_is_long)
    assert really(runs) == ["12-04 20:00", "12-05 08:01", "12-06 02:30", "12-07 02:30"]
    assert any("上一次夜间任务（2026-12-04 20:00 开始）当时还在运行" in r.getMessage() for r in caplog.records)


def test_another_process_holding_the_lock_decides_and_the_night_runs_when_it_is_free(tmp_path, caplog):
    """A first sync by hand holds the run lock from 20:00 till 05:00: at 02:30 the scheduler does not
    start beside it (the lock says no), tries again, and runs the night once the lock is free."""
    db = tmp_path / "xxgk.db"
    other = run_lock(db)
    other.__enter__()  # the other process: a lock taken on its own open file, as flock sees another process
    machine = Machine(bj("12-04 20:00")).at("12-05 05:00", lambda m: other.__exit__(None, None, None))
    tries = []

    def locked_job(m: Machine, n: int) -> None:
        with run_lock(db):
            tries.append(m.real.astimezone(BJ))
            m.advance(600)

    with caplog.at_level(logging.WARNING, logger="xxgk.schedule"):
        runs = schedule_until(machine, "12-06 12:00", stored=bj("12-04 20:00"), job=locked_job)
    assert [f"{t:%m-%d %H:%M}" for t in tries] == ["12-05 05:00", "12-06 02:30"]
    assert len(runs) - len(tries) == 30  # 02:30 and every 5 minutes till 04:55, each refused by the lock
    assert [r.getMessage().split("：")[0] for r in caplog.records if "暂缓" in r.getMessage()] == [
        "夜间任务（计划 2026-12-05 02:30）暂缓"]  # said once, not every 5 minutes
    late = [r.getMessage() for r in caplog.records if "晚了" in r.getMessage()]
    assert len(late) == 1 and "晚了 2 小时 30 分钟" in late[0] and "占用运行锁（run pid" in late[0]


def test_a_sync_holding_the_lock_for_the_night_is_the_night(tmp_path):
    """cron's sync started at 02:30 and holds the lock: the scheduler finds its start in the store
    and does not run the night again when the lock is free."""
    db = tmp_path / "xxgk.db"
    other = run_lock(db)
    other.__enter__()
    machine = Machine(bj("12-05 02:00")).at("12-05 03:00", lambda m: other.__exit__(None, None, None))
    stored: list[datetime] = [bj("12-04 02:30")]
    machine.at("12-05 02:30", lambda m: stored.append(bj("12-05 02:30")))  # cron's sync starts
    tries = []

    def locked_job(m: Machine, n: int) -> None:
        with run_lock(db):
            tries.append(m.real.astimezone(BJ))

    def wait_until(end: str) -> list[Night]:
        runs: list[Night] = []

        def nightly() -> None:
            runs.append(Night(machine().wall, machine.real))
            locked_job(machine, len(runs))

        def wait(seconds: float) -> bool:
            machine.advance(seconds)
            return machine.real >= bj(end)

        run_forever(("02:30",), BJ, nightly, lambda: stored[-1], stop=threading.Event(), clock=machine, wait=wait)
        return runs

    wait_until("12-06 12:00")
    assert [f"{t:%m-%d %H:%M}" for t in tries] == ["12-06 02:30"]


def test_a_failed_run_is_tried_again_an_hour_later_three_times_at_most_and_said(caplog):
    told: list[str] = []

    def disk_full_this_night(machine: Machine, n: int) -> None:
        machine.advance(60)
        if n <= 3:
            raise OutputError("writing the outputs in /srv/xxgk/output failed: No space left on device")

    with caplog.at_level(logging.ERROR, logger="xxgk.schedule"):
        runs = schedule_until(Machine(bj("12-05 02:00")), "12-06 12:00", stored=bj("12-04 02:30"),
                              job=disk_full_this_night, told=told)
    assert really(runs) == ["12-05 02:30", "12-05 03:30", "12-05 04:30", "12-06 02:30"]
    assert told == [
        "夜间任务（计划 2026-12-05 02:30）第 1 次运行失败：writing the outputs in /srv/xxgk/output failed: "
        "No space left on device。将于 2026-12-05 03:30 重试",
        "夜间任务（计划 2026-12-05 02:30）第 2 次运行失败：writing the outputs in /srv/xxgk/output failed: "
        "No space left on device。将于 2026-12-05 04:30 重试",
        "夜间任务（计划 2026-12-05 02:30）第 3 次运行失败：writing the outputs in /srv/xxgk/output failed: "
        "No space left on device。已试 3 次，今晚不再重试；下次计划运行：2026-12-06 02:30"]
    assert [r.getMessage() for r in caplog.records] == told  # the log says it too, without a traceback


def test_a_run_that_succeeds_on_its_retry_is_not_tried_again():
    def fails_once(machine: Machine, n: int) -> None:
        machine.advance(60)
        if n == 1:
            raise RuntimeError("a bug")

    told: list[str] = []
    runs = schedule_until(Machine(bj("12-05 02:00")), "12-06 12:00", stored=bj("12-04 02:30"), job=fails_once,
                          told=told)
    assert really(runs) == ["12-05 02:30", "12-05 03:30", "12-06 02:30"]
    assert len(told) == 1 and "程序内部错误（请报告给维护人员，详情见日志）：RuntimeError: a bug" in told[0]


def test_the_hourly_job_runs_at_a_quarter_past_and_once_after_a_night_that_outlasted_it():
    machine = Machine(bj("12-05 01:00"))
    hours: list[str] = []

    def recheck() -> None:
        hours.append(f"{machine.real.astimezone(BJ):%H:%M}")
        machine.advance(120)
        raise RuntimeError("one hour's failure does not stop the loop")

    runs = schedule_until(machine, "12-05 05:00", stored=bj("12-04 02:30"), job=lambda m, n: m.advance(3600),
                          hourly=recheck)
    assert really(runs) == ["12-05 02:30"]
    assert hours == ["01:15", "02:15", "03:30", "04:15"]


@pytest.fixture
def machine_in_new_york(monkeypatch):
    """The machine's zone one with summer time (tests run in the machine's zone otherwise)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_run_time_is_beijing_time_whatever_the_machine_zone(machine_in_new_york):
    """New York leaves summer time on 1 November 2026: the nights stay at 02:30 Beijing time."""
    now = read_clocks(BJ)
    assert now.wall.utcoffset() == timedelta(hours=8)
    runs = schedule_until(Machine(bj("10-30 12:00")), "11-03 12:00", stored=bj("10-30 02:30"))
    assert really(runs) == ["10-31 02:30", "11-01 02:30", "11-02 02:30", "11-03 02:30"]
    assert [f"{r.wall.astimezone(UTC):%H:%M}" for r in runs] == ["18:30"] * 4


def test_decide_is_a_pure_function_of_the_last_run_and_the_clocks():
    at_0900 = Reading(bj("12-05 09:00"), 50.0, 50.0)
    assert decide(["02:30"], None, at_0900).moment == bj("12-05 02:30")
    assert decide(["02:30"], Started(bj("12-04 02:30"), 50.0 - 30.5 * 3600), at_0900).moment == bj("12-05 02:30")
    assert decide(["02:30"], Started(bj("12-05 02:31"), 50.0 - 6.5 * 3600), at_0900) is None
    at_1500 = Reading(bj("12-05 15:00"), 50.0 + 6 * 3600, 50.0 + 6 * 3600)
    assert decide(["02:30", "14:30"], Started(bj("12-05 02:31"), 50.0 - 6.5 * 3600), at_1500) is not None


class _Hook(BaseHTTPRequestHandler):
    """A JSON webhook: keeps what it is sent."""

    received: list = []

    def do_POST(self):
        type(self).received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_xxgk_schedule_sends_a_failed_night_as_an_alert_and_says_when_it_tries_again(tmp_path, demo_server):
    """The outputs cannot be written (the output folder is a file): the night fails, the scheduler goes
    on, and the office is told what failed and when it is tried again — no traceback."""
    web = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    path = served_config(tmp_path, demo_server.address,
                         '\n[alerts]\nwebhook_url = "http://hooks.test/robot"\nwebhook_kind = "json"\n')
    text = Path(path).read_text(encoding="utf-8").replace(
        "resolve = { ", f'resolve = {{ "hooks.test" = "127.0.0.1:{web.server_address[1]}", ', 1)
    Path(path).write_text(text, encoding="utf-8")
    (tmp_path / "output").write_text("not a folder", encoding="utf-8")
    proc = subprocess.Popen([XXGK, "--config", path, "schedule"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        while not _Hook.received and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        web.shutdown()
        web.server_close()
    assert proc.returncode == 0, err
    assert len(_Hook.received) == 1, err
    told = _Hook.received[0]["text"]
    assert "夜间任务（计划" in told and "第 1 次运行失败：writing the outputs in" in told and "将于" in told, told
    assert "Traceback" not in err and "第 1 次运行失败" in err  # the log says it too

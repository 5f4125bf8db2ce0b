"""`xxgk schedule`: the long-running scheduler for machines without cron.

What runs when is decided by one pure function, `decide(times, last, now)`, from the last run and
a reading of the clocks; `run_forever` only reads the clocks, asks, runs and waits. The rules, and
what the mature schedulers do:
- The run times ([schedule] times) are the office's ([office] timezone), whatever the machine's TZ
  (a systemd timer's `OnCalendar=… Asia/Shanghai`; plain cron counts in the machine's zone).
- One run per scheduled moment. A run counts for the moment it was started for, as the wall clock
  read then — unless the clock has been set back since by so much that the run really started
  nearer the moment before: then the moment it was started for is still to run. So a clock set back
  by an hour or across midnight repeats nothing, and one set back by a day skips no night. How long
  ago a run really started is read on the clock since boot, which a wall-clock change leaves alone
  (cron: repeats nothing after a set-back of under 3 hours, follows the new clock after a bigger one).
- A missed moment (the machine asleep, a VM paused, the clock moved forward, the scheduler down,
  the previous run still going) runs once as soon as it is seen, however many were missed, and the
  log says how late and why (systemd's Persistent=true, anacron; cron drops it).
- Another process holding the run lock (cron's sync, a first sync by hand) decides: nothing starts
  beside it. The scheduler tries again every LOCK_RETRY; when that run was a sync started for this
  night, the night is done, else the night runs once the lock is free.
- A run that failed (the job raised: the store, a full disk, a bug) is tried again RETRY_AFTER later,
  at most ATTEMPTS times for its night; each failure is logged and sent as an alert (cron mails the
  output and never retries; systemd only with Restart=on-failure). A source failing is no failure of
  the run: the next night collects again, and health alerts after [alerts] failing_nights.
SIGTERM / SIGINT end the loop cleanly between jobs.
"""

from __future__ import annotations

import logging
import signal
import threading
import time as clocks
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo

from ..errors import LockHeld, XxgkError

log = logging.getLogger("xxgk.schedule")

ATTEMPTS = 3  # tries of one night's run that failed (the first and two more)
RETRY_AFTER = timedelta(hours=1)  # between them: long enough for a full disk or a busy store to be seen to
LOCK_RETRY = timedelta(minutes=5)  # how often a run held off by another process's lock tries again
LATE = timedelta(minutes=5)  # a run this long after its moment is said to be late, with the reason
NOTICEABLE = 60.0  # seconds of sleep or of a clock jump worth naming as the reason a run is late
OWN_RECORD = timedelta(minutes=10)  # the store's record of a run this process started is this soon after its start
HOURLY_AT = 15  # the minute of every hour the hourly job starts (away from the nightly job's usual :00/:30)
HOURLY_TIMES = tuple(f"{hour:02d}:{HOURLY_AT:02d}" for hour in range(24))


@dataclass(frozen=True)
class Reading:
    """The clocks at one instant: the wall clock (in the office's zone), and two that no clock change
    moves — seconds awake (stops while the machine sleeps) and seconds since boot (counts sleep too)."""

    wall: datetime
    awake: float
    since_boot: float


def read_clocks(tz: tzinfo) -> Reading:
    since_boot = getattr(clocks, "CLOCK_BOOTTIME", None)  # Linux; elsewhere the monotonic clock stands in
    return Reading(datetime.now(tz), clocks.monotonic(),
                   clocks.clock_gettime(since_boot) if since_boot is not None else clocks.monotonic())


@dataclass(frozen=True)
class Started:
    """A run's start: on the wall clock of the time, and on the clock since boot (another process's
    run, known from the store by its wall time only: as late as it can have been, see `from_store`)."""

    wall: datetime
    since_boot: float
    attempt: int = 1  # the how-manieth try for its moment
    failed: bool = False


@dataclass(frozen=True)
class Due:
    moment: datetime  # the scheduled moment the run is for
    attempt: int = 1


def time_of(text: str) -> time:
    """ "HH:MM" as a time of day (config checked the form)."""
    hour, minute = map(int, text.split(":"))
    return time(hour, minute)


def moments_around(times: Sequence[str], when: datetime) -> list[datetime]:
    """The scheduled moments from the day before `when` to the day after, in order (in when's zone)."""
    days = [when.date() + timedelta(days=d) for d in (-1, 0, 1)]
    return sorted({datetime.combine(day, time_of(text), when.tzinfo) for day in days for text in times})


def last_due(times: Sequence[str], now: datetime) -> datetime:
    """The most recent scheduled moment at or before `now` (aware, in now's zone)."""
    return max(m for m in moments_around(times, now) if m <= now)


def moment_before(times: Sequence[str], moment: datetime) -> datetime:
    return max(m for m in moments_around(times, moment) if m < moment)


def next_moment(times: Sequence[str], now: datetime) -> datetime:
    return min(m for m in moments_around(times, now) if m > now)


def really_started(run: Started, now: Reading) -> datetime:
    """When a run started on the wall clock as it reads now: a clock moved since does not move it."""
    return now.wall - timedelta(seconds=now.since_boot - run.since_boot)


def from_store(wall: datetime, now: Reading) -> Started:
    """Another process's run, known by its wall time only, as seen at `now`: one that reads later
    than now started before now (the clock was set back since), taken as just now."""
    return Started(wall, now.since_boot - max(0.0, (now.wall - wall).total_seconds()))


def counts_for(times: Sequence[str], run: Started, moment: datetime, now: Reading) -> bool:
    """Whether a run counts for `moment`: it was started for it (or a later one, the clock then being
    fast) and did not really start nearer the moment before (a clock set back by a day since)."""
    before = moment_before(times, moment)
    return last_due(times, run.wall) >= moment and really_started(run, now) >= before + (moment - before) / 2


def decide(times: Sequence[str], last: Started | None, now: Reading) -> Due | None:
    """Pure: what to run now, given the last run (None: none ever did) — the latest scheduled moment
    when no run counts for it, a failed run's retry when its time came, else nothing."""
    moment = last_due(times, now.wall)
    if last is None or not counts_for(times, last, moment, now):
        return Due(moment)
    if last.failed and last.attempt < ATTEMPTS and really_started(last, now) + RETRY_AFTER <= now.wall:
        return Due(moment, last.attempt + 1)
    return None


def adopt_stored(stored: datetime | None, ours: Started | None, now: Reading) -> Started | None:
    """The last run, knowing the store's latest start of a nightly run: another process's when it
    is neither older than ours nor the store's record of ours (written as ours started)."""
    if stored is None or (ours is not None and stored <= ours.wall + OWN_RECORD):
        return ours
    return from_store(stored, now)


def say_duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return " ".join(f"{n} {unit}" for n, unit in ((days, "天"), (hours, "小时"), (minutes, "分钟")) if n) or "不到 1 分钟"


def say_moment(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def why_late(previous: Reading | None, now: Reading, busy: str = "") -> str:
    """Pure: why the loop, last awake at `previous`, saw a moment only at `now` — in words for the log."""
    if previous is None:
        return "当时 xxgk schedule 没有运行（刚刚启动）"
    reasons = []
    if busy:
        reasons.append(busy)
    asleep = (now.since_boot - previous.since_boot) - (now.awake - previous.awake)
    if asleep > NOTICEABLE:
        reasons.append(f"本机休眠（挂起）了 {say_duration(timedelta(seconds=asleep))}")
    jumped = (now.wall - previous.wall).total_seconds() - (now.since_boot - previous.since_boot)
    if jumped > NOTICEABLE:
        reasons.append(f"系统时钟向前跳了 {say_duration(timedelta(seconds=jumped))}"
                       "（NTP 校正、虚拟机暂停后恢复或手动调整）")
    return "；".join(reasons) or "原因不明"


def guarded(job: Callable[[], object]) -> Callable[[], None]:
    """A job that logs its exception instead of ending the scheduler's loop."""

    def run() -> None:
        try:
            job()
        except Exception:  # the loop must survive any one night's failure
            log.exception("scheduled job failed")

    return run


def failure_text(error: Exception) -> str:
    """A failed run's error in one line: ours as it says itself, anything else named as a bug."""
    if isinstance(error, XxgkError):
        return str(error)
    return f"程序内部错误（请报告给维护人员，详情见日志）：{type(error).__name__}: {error}"


def failure_message(times: Sequence[str], due: Due, error: Exception, now: datetime) -> str:
    """What staff and the log are told of a failed nightly run: the night, the try, the error, what comes next."""
    head = f"夜间任务（计划 {say_moment(due.moment)}）第 {due.attempt} 次运行失败：{failure_text(error)}"
    if due.attempt < ATTEMPTS:
        return f"{head}。将于 {say_moment(now + RETRY_AFTER)} 重试"
    return f"{head}。已试 {ATTEMPTS} 次，今晚不再重试；下次计划运行：{say_moment(next_moment(times, now))}"


class Loop:
    """The scheduler's state between readings: the last nightly and hourly runs, a lock it waits on."""

    def __init__(self, times: Sequence[str], job: Callable[[], object], stored_start: Callable[[], datetime | None],
                 tell: Callable[[str], None], hourly: Callable[[], object] | None, start: Reading) -> None:
        self.times, self.job, self.stored_start, self.tell = times, job, stored_start, tell
        self.hourly = guarded(hourly) if hourly is not None else None
        self.last = adopt_stored(stored_start(), None, start)
        self.last_hourly = Started(start.wall, start.since_boot)  # the hourly job starts at its next :15
        self.previous: Reading | None = None  # the reading the last step decided on
        self.busy = ""  # the job that step ran, in words (it may have outlasted a scheduled moment)
        self.lock_free_at = start.awake  # held off by another process's lock until then (seconds awake)
        self.held_by = ""  # that process, in words

    def step(self, now: Reading, clock: Callable[[], Reading]) -> None:
        """Run what is due at `now`, each job at most once."""
        previous, busy = self.previous, self.busy
        self.previous, self.busy = now, ""
        due = decide(self.times, self.last, now)
        if due is None:
            self.held_by = ""
        elif now.awake >= self.lock_free_at:
            late = due.attempt == 1 and now.wall - due.moment > LATE
            why = self.held_by or ("还没有运行过夜间任务" if self.last is None else why_late(previous, now, busy))
            self.nightly(due, now, why if late else "")
            now = clock()
        if self.hourly is not None and decide(HOURLY_TIMES, self.last_hourly, now) is not None:
            self.last_hourly = Started(now.wall, now.since_boot)
            self.hourly()
            self.busy = f"每小时复查（{say_moment(now.wall)} 开始）当时还在运行"

    def nightly(self, due: Due, now: Reading, late_because: str) -> None:
        """Run the nightly job for `due` (late: why, said once it started); a lock held by another
        process: try again later."""
        started = Started(now.wall, now.since_boot, due.attempt)
        self.busy = f"上一次夜间任务（{say_moment(now.wall)} 开始）当时还在运行"
        failure = None
        try:
            self.job()
        except LockHeld as held:
            self.wait_for(held, due, now)
            return
        except Exception as error:  # any failure is told and tried again; the loop goes on
            failure = error
        if late_because:
            log.warning("夜间任务（计划 %s）晚了 %s才开始（%s）：%s", say_moment(due.moment),
                        say_duration(now.wall - due.moment), say_moment(now.wall), late_because)
        if failure is not None:
            if not isinstance(failure, XxgkError):
                log.error("nightly job failed", exc_info=failure)
            message = failure_message(self.times, due, failure, now.wall)
            log.error("%s", message)
            guarded(lambda: self.tell(message))()
            started = replace(started, failed=True)
        self.held_by = ""
        self.last = started

    def wait_for(self, held: LockHeld, due: Due, now: Reading) -> None:
        """Another process holds the run lock: try again in a while; that run may be this night's sync."""
        self.lock_free_at = now.awake + LOCK_RETRY.total_seconds()
        self.busy = ""
        if not self.held_by:
            log.warning("夜间任务（计划 %s）暂缓：%s；每 %s再试一次", say_moment(due.moment), held,
                        say_duration(LOCK_RETRY))
        self.held_by = f"另一个 xxgk 运行占用运行锁（{held.holder or '另一个进程'}）"
        try:
            self.last = adopt_stored(self.stored_start(), self.last, now)
        except Exception as error:  # the store busy or broken: the lock is tried again all the same
            log.warning("读取上次运行时间失败：%s", error)


def seconds_to_wait(times: Sequence[str], now: datetime) -> float:
    """Until the next scheduled moment, but at least once a minute: the wall clock may be moved at any time."""
    return max(1.0, min(60.0, (next_moment(times, now) - now).total_seconds()))


def run_forever(times: Sequence[str], tz: tzinfo, job: Callable[[], object],
                last_started: Callable[[], datetime | None], stop: threading.Event | None = None,
                hourly: Callable[[], object] | None = None, tell: Callable[[str], None] = lambda message: None,
                clock: Callable[[], Reading] | None = None, wait: Callable[[float], bool] | None = None) -> None:
    """Run `job` at each time every day, in `tz` (and `hourly`, when given, every hour at :15) until
    SIGTERM/SIGINT (or `stop` is set), one job after another in this thread. `job` raises LockHeld when
    another process holds the run lock; `tell` sends a failed run's message (an alert). `clock` and
    `wait` (returns True to stop) are for tests."""
    stop = stop or threading.Event()
    clock = clock or (lambda: read_clocks(tz))
    wait = wait or (lambda seconds: stop.wait(timeout=seconds))
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    loop = Loop(times, job, last_started, tell, hourly, clock())
    try:
        while not stop.is_set():
            loop.step(clock(), clock)
            if wait(seconds_to_wait([*times, *(HOURLY_TIMES if hourly else ())], clock().wall)):
                break
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("scheduler stopped")

"""`xxgk schedule`: the long-running scheduler for machines without cron.

Runs the nightly job at the configured times ([schedule] times = ["02:30"]) with the
`schedule` library, and with [collect] recheck = "hourly" the re-check for edits every hour.
Its traps are handled here: a job that raises would stop the loop (every job is wrapped), and missed runs are forgotten (at start, a night missed
while the scheduler was down is caught up). SIGTERM / SIGINT end the loop cleanly
between jobs. The run lock still guards against a cron job running at the same time.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta, tzinfo

import schedule

from ..models import local_today

log = logging.getLogger("xxgk.schedule")


def last_due(times: Sequence[str], now: datetime) -> datetime:
    """The most recent scheduled moment at or before `now` (aware, in now's zone)."""
    moments = []
    for day in (now.date(), now.date() - timedelta(days=1)):
        for text in times:
            hour, minute = map(int, text.split(":"))
            moments.append(datetime.combine(day, time(hour, minute), now.tzinfo))
    return max(m for m in moments if m <= now)


def missed(times: Sequence[str], last_started: datetime | None, now: datetime) -> bool:
    """True when no run started since the last scheduled moment (e.g. the machine was off)."""
    return last_started is None or last_started < last_due(times, now)


def machine_local(text: str, tz: tzinfo) -> str:
    """An office-time "HH:MM" as the machine's local "HH:MM" (China has no DST)."""
    hour, minute = map(int, text.split(":"))
    moment = datetime.combine(local_today(tz), time(hour, minute), tz).astimezone()
    return moment.strftime("%H:%M")


def guarded(job: Callable[[], object]) -> Callable[[], None]:
    """A job that logs its exception instead of ending the scheduler's loop."""

    def run() -> None:
        try:
            job()
        except Exception:  # the loop must survive any one night's failure
            log.exception("scheduled job failed")

    return run


HOURLY_AT = ":15"  # the minute of every hour the hourly job starts (away from the nightly job's usual :00/:30)


def run_forever(times: Sequence[str], tz: tzinfo, job: Callable[[], object],
                last_started: Callable[[], datetime | None], stop: threading.Event | None = None,
                hourly: Callable[[], object] | None = None) -> None:
    """Run `job` at each time every day (and `hourly`, when given, every hour) until SIGTERM/SIGINT
    (or `stop` is set). The jobs run one after another in this thread, never side by side."""
    stop = stop or threading.Event()
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    scheduler = schedule.Scheduler()
    wrapped = guarded(job)
    for text in times:
        # `schedule` counts in the machine's local time (its tz support needs pytz).
        scheduler.every().day.at(machine_local(text, tz)).do(wrapped)
    if hourly is not None:
        scheduler.every().hour.at(HOURLY_AT).do(guarded(hourly))
    try:
        if missed(times, last_started(), datetime.now(tz)):
            log.warning("a scheduled run was missed: running now")
            wrapped()
        while not stop.is_set():
            scheduler.run_pending()
            idle = scheduler.idle_seconds
            stop.wait(timeout=max(1.0, min(60.0, idle if idle is not None else 60.0)))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("scheduler stopped")

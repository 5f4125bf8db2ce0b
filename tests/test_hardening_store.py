"""Issue 18, point 6: a damaged store or file system gives one line and exit 4 (store) or 1
(outputs), never a traceback; `status` works on a read-only store; the log falls back to standard
error when it cannot be written. Real files: a folder, garbage, a truncated copy of a real
database, an immutable folder (chattr), /dev/full for a disk that is full, /proc; a disk filling
up part-way through a real sync (SQLite's max_page_count, and a small tmpfs where mounting is allowed)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.commands import main
from pipeline.store import Store
from tests.builders import SEED_2020, served_config, write_config


def xxgk(config: Path | str, *args: str):
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert isinstance(result.exception, SystemExit) or result.exception is None, result.exc_info
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def fresh(tmp_path) -> Path:
    """A demo config whose database does not exist yet (nothing is fetched by these commands)."""
    return write_config(tmp_path)


def test_a_database_that_is_a_folder_or_garbage_exits_4(fresh):
    database = fresh.parent / "xxgk.db"
    database.mkdir()
    for command in (["status"], ["build"], ["sync", "-q"]):
        result = xxgk(fresh, *command)
        assert result.exit_code == 4 and "是文件夹" in result.output, (command, result.output)
    database.rmdir()
    database.write_bytes(b"not SQLite at all " * 100)
    result = xxgk(fresh, "status")
    assert result.exit_code == 4 and "不是 SQLite 数据库" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_truncated_database_exits_4(demo_office):
    database = Path(demo_office.database)
    for extra in ("-wal", "-shm"):
        Path(str(database) + extra).unlink(missing_ok=True)
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 3])
    result = xxgk(demo_office.path, "build")
    assert result.exit_code == 4 and "无法使用" in result.output, result.output


def test_a_full_disk_under_the_lock_exits_4(fresh):
    xxgk(fresh, "status")  # creates the database
    lock = fresh.parent / "xxgk.db.lock"
    lock.symlink_to("/dev/full")  # every write there fails (ENOSPC, or EINVAL on truncate)
    result = xxgk(fresh, "build")
    assert result.exit_code == 4 and "run lock" in result.output


def test_a_log_that_cannot_be_written_falls_back_to_stderr():
    # a process of its own: logging is process-wide, and what reaches stderr is the point
    script = ("import logging; from pathlib import Path; from pipeline.nightly import logs; logs.setup_terminal(False); "
              "logs.setup_file(Path('/dev/full')); log = logging.getLogger('xxgk.t'); "
              "log.info('first'); log.info('second'); log.warning('third')")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.count("无法写入日志文件 /dev/full（No space left on device）") == 1
    assert [line.rsplit(": ", 1)[-1] for line in run.stderr.splitlines()[1:]] == ["first", "second", "third"]


def test_config_mistakes_exit_2_not_a_traceback(fresh, tmp_path):
    assert xxgk(tmp_path, "status").exit_code == 2  # --config pointing at a folder
    text = fresh.read_text("utf-8")
    for bad in ("[publish]\nfeed_entries = 0\n", "[publish]\nfeed_entries = -3\n"):
        fresh.write_text(text + "\n" + bad, "utf-8")
        result = xxgk(fresh, "status")
        assert result.exit_code == 2 and "feed_entries" in result.output


def test_a_database_under_proc_exits_4(fresh):
    text = fresh.read_text("utf-8").replace('database = "xxgk.db"', 'database = "/proc/xxgk/xxgk.db"')
    fresh.write_text(text, "utf-8")
    result = xxgk(fresh, "status")
    assert result.exit_code == 4 and "/proc/xxgk/xxgk.db" in result.output


def _chattr(flag: str, *paths: Path) -> bool:
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True).returncode == 0


def test_status_works_on_a_read_only_store_and_writes_exit_4(demo_office):
    database = Path(demo_office.database)
    xxgk(demo_office.path, "status")  # a clean close: no -wal / -shm left beside it
    folder = database.parent
    if not _chattr("+i", database, folder):
        pytest.skip("chattr +i is not permitted here (needs CAP_LINUX_IMMUTABLE)")
    try:
        shown = xxgk(demo_office.path, "status")
        assert shown.exit_code in (0, 1) and "website" in shown.output  # the sources' last runs are shown
        for command in (["build"], ["sync", "-q"]):
            result = xxgk(demo_office.path, *command)
            assert result.exit_code == 4, (command, result.output)
    finally:
        _chattr("-i", database, folder)


def posts_in(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0]


def assert_full_disk_line(result) -> None:
    assert result.exit_code == 4, result.output
    assert len(result.output.strip().splitlines()) == 1 and "磁盘已满" in result.output, result.output


def assert_no_traceback_in(log: Path) -> None:
    assert "Traceback" not in (log.read_text("utf-8") if log.exists() else "")  # (only written when there is news)


def assert_a_rerun_with_space_succeeds(config: str, database: Path, before: int) -> None:
    again = xxgk(config, "sync", "-q")
    assert again.exit_code == 0, again.output
    assert posts_in(database) > before  # the first run stopped part-way; this one finished
    report = (Path(config).parent / "output/reports/2020.json").read_text("utf-8")
    assert {k: json.loads(report)["proactive"][k] for k in SEED_2020} == SEED_2020


ROOM = 200  # pages (4 KiB) the store may grow by: a whole demo sync needs about 500


def test_a_disk_filling_up_mid_sync_exits_4_and_the_store_recovers(tmp_path, demo_server, monkeypatch):
    """SQLite's own limit on the database's size gives the error a full disk gives (SQLITE_FULL),
    part-way through collecting: one line, exit 4, no traceback in the output or the log; the
    store is whole and the next run (with room) completes it."""
    config = served_config(tmp_path, demo_server.address)
    database = tmp_path / "xxgk.db"
    opened = Store.__init__

    def on_a_small_disk(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened(self, path, *args, **kwargs)
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {pages + ROOM}")

    monkeypatch.setattr(Store, "__init__", on_a_small_disk)
    assert_full_disk_line(xxgk(config, "sync", "-q"))
    monkeypatch.undo()
    stored = posts_in(database)
    assert stored > 0  # it failed part-way, after some batches were stored
    assert_no_traceback_in(database.with_suffix(".log"))
    assert_a_rerun_with_space_succeeds(config, database, stored)


@pytest.fixture
def small_disk(tmp_path):
    """A real file system of 1.5 MiB (tmpfs), grown afterwards; skipped where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_small_file_system_filling_up_mid_sync_exits_4_and_the_store_recovers(tmp_path, demo_server, small_disk):
    """The store alone on a real file system that fills up (ENOSPC from the kernel) part-way through a sync."""
    config = served_config(tmp_path, demo_server.address)
    database = small_disk / "xxgk.db"
    text = Path(config).read_text("utf-8").replace('database = "xxgk.db"', f'database = "{database}"\nlog = "{tmp_path / "xxgk.log"}"')
    Path(config).write_text(text, "utf-8")
    assert_full_disk_line(xxgk(config, "sync", "-q"))
    stored = posts_in(database)
    assert stored > 0  # part-way
    assert_no_traceback_in(tmp_path / "xxgk.log")
    grown = subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], capture_output=True)
    assert grown.returncode == 0, grown.stderr
    assert_a_rerun_with_space_succeeds(config, database, stored)

"""`xxgk status` tells the truth about the last run: one killed midway (kill -9, out of memory) is
`interrupted` at once — no process holds its run lock — while one in progress stays `running`;
`--json` holds real objects and lists, not JSON inside strings."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.commands import main
from pipeline.store import Store

from .builders import invoke as run

ROOT = Path(__file__).resolve().parent.parent
# A run as the nightly job starts one: the run lock taken, the run recorded, then work (a sleep).
RUN = ("import sys, time; from pathlib import Path; from pipeline.store import Store\n"
       "from pipeline.nightly.lock import run_lock\n"
       "with run_lock(Path(sys.argv[1])):\n"
       "    Store(Path(sys.argv[1])).start_run('sync'); print('started', flush=True); time.sleep(60)")


@pytest.fixture
def started_run():
    """Start a real run on a database in another process; yields (how to kill it, how to end it)."""
    runs: list[subprocess.Popen[str]] = []

    def start(database: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, "-c", RUN, str(database)], cwd=ROOT, stdout=subprocess.PIPE,
                                   text=True)
        runs.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "started"
        return process

    yield start
    for process in runs:
        process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()


def killed(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL


def test_a_run_in_progress_is_running_and_a_killed_one_interrupted_at_once(unsynced_office, started_run):
    database = unsynced_office.load().database
    process = started_run(database)

    in_progress = run(unsynced_office.config, "status", "--json")
    assert in_progress.exit_code == 0, in_progress.output
    assert json.loads(in_progress.output)["last_run"]["status"] == "running"

    killed(process)
    after = run(unsynced_office.config, "status", "--json")
    assert after.exit_code == 1, after.output  # as for a failed run: a monitor sees it
    last = json.loads(after.output)["last_run"]
    assert last["status"] == "interrupted" and last["finished_at"] is None
    text = run(unsynced_office.config, "status")
    assert text.exit_code == 1 and "→ 中断" in text.output and "运行中途被终止" in text.output
    with Store(database) as store:  # status only reads: the next run records it (store.start_run)
        assert store.last_run()["status"] == "running"


def test_a_finished_run_is_not_taken_for_a_killed_one(unsynced_office):
    database = unsynced_office.load().database
    with Store(database) as store:
        store.finish_run(store.start_run("sync"), "ok", {"sources": {}})
    result = run(unsynced_office.config, "status", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["last_run"]["status"] == "ok"
    assert not Path(str(database) + ".lock").exists()  # the probe creates no lock file


def test_district_status_shows_an_office_killed_midway(tmp_path, unsynced_office, started_run):
    district = tmp_path / "district.toml"
    district.write_text('[district]\nname = "昌邑区"\n[offices.xhj]\nconfig = "xxgk.toml"\n', encoding="utf-8")
    process = started_run(unsynced_office.load().database)

    def office() -> tuple[int, dict]:
        result = CliRunner().invoke(main, ["district", "--district", str(district), "status", "--json"])
        return result.exit_code, json.loads(result.output)["offices"][0]

    code, row = office()
    assert code == 0 and row["last_run"]["status"] == "running" and row["status"] == "ok"
    killed(process)
    code, row = office()
    assert code == 1 and row["last_run"]["status"] == "interrupted" and row["status"] == "interrupted"


def test_status_json_holds_objects_not_json_in_strings(synced_copy):
    data = json.loads(run(synced_copy.config, "status", "--json").output)
    summary = data["last_run"]["summary"]
    assert isinstance(summary, dict) and isinstance(summary["sources"], dict) and summary["sources"]
    assert data["sources"] and all(isinstance(row["warnings"], list) for row in data["sources"])
    assert all(isinstance(row["failure_kinds"], list) for row in data["sources"])


def waiting_in_store(database: Path) -> list[str]:
    """The items waiting for review, read from the store: status review, not merged into another."""
    with Store(database) as store:
        return [r[0] for r in store.db.execute(
            "SELECT id FROM items WHERE status = 'review' AND merged_into IS NULL ORDER BY id")]


def test_sync_says_how_many_items_wait_for_review_in_all(first_sync):
    folder, result = first_sync
    waiting = waiting_in_store(folder / "xxgk.db")
    assert waiting and f"待审核 {len(waiting)} 条" in result.output


def test_status_says_how_many_wait_for_review_and_a_merged_away_item_no_longer_waits(synced_copy):
    waiting = waiting_in_store(synced_copy.database)
    assert len(waiting) >= 2
    text = run(synced_copy.config, "status").output
    assert f"待审核 {len(waiting)} 条" in text and "最近一次运行 #" in text  # a line added, the others kept
    assert json.loads(run(synced_copy.config, "status", "--json").output)["waiting_for_review"] == len(waiting)

    merged = run(synced_copy.config, "merge", waiting[0], waiting[1], "--who", "wang")
    assert merged.exit_code == 0, merged.output
    assert f"待审核 {len(waiting) - 1} 条" in run(synced_copy.config, "status").output
    assert json.loads(run(synced_copy.config, "status", "--json").output)["waiting_for_review"] == len(waiting) - 1


def test_status_says_when_on_the_office_clock_in_chinese(synced_copy):
    """`status` printed its times as stored (UTC: a 02:00 night read as 18:00 the day before) under English
    headings; the morning check reads the office's clock, in Chinese."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    data = json.loads(run(synced_copy.config, "status", "--json").output)
    started = datetime.fromisoformat(data["last_run"]["started_at"])
    text = run(synced_copy.config, "status").output
    assert started.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") in text
    assert data["last_run"]["started_at"] not in text
    assert "来源" in text and "最近运行" in text and "last run" not in text and " ok " not in text

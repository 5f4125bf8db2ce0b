"""Unattended operation: the run lock, crashes, old and new databases, backups, alerts, the scheduler."""

from __future__ import annotations

import email
import email.policy
import json
import random
import signal
import socketserver
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from pipeline import config as config_mod
from pipeline.commands import main
from pipeline.errors import StoreError
from pipeline.nightly.lock import run_lock
from pipeline.nightly.schedule import Reading, Started, decide, guarded, last_due
from pipeline.store import Store

from .builders import SEED_2020, invoke as run, served_config

XXGK = str(Path(sys.executable).parent / "xxgk")


def item_counts(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db) as conn:
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        linked = conn.execute("SELECT COUNT(*), COUNT(DISTINCT post_id) FROM item_posts").fetchone()
        assert linked[0] == linked[1]  # no post in two items
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return items, linked[0], conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0]


def test_a_second_sync_exits_with_the_lock_message(synced_copy):
    path, folder = synced_copy
    with run_lock(folder / "xxgk.db"):
        result = run(path, "sync")
    assert result.exit_code == 3
    assert "another xxgk run holds" in result.output


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    db = tmp_path / "x.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from pipeline.nightly.lock import run_lock\n"
         f"with run_lock(Path({str(db)!r})):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Exception, match="another xxgk run holds"), run_lock(db):
            pass
        holder.kill()
        holder.wait()
        with run_lock(db):  # the kernel dropped the dead process's lock
            pass
    finally:
        holder.kill()
        holder.stdout.close()


def test_kill_9_at_random_points_loses_and_duplicates_nothing(tmp_path, synced_office, demo_server):
    reference = item_counts(synced_office / "xxgk.db")
    path = served_config(tmp_path, demo_server.address)
    rng = random.Random(20201231)
    for _ in range(3):
        proc = subprocess.Popen([XXGK, "--config", path, "sync", "-q"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if (tmp_path / "xxgk.db").exists():
            item_counts(tmp_path / "xxgk.db")  # integrity holds after every crash
    final = subprocess.run([XXGK, "--config", path, "sync", "-q"], capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert item_counts(tmp_path / "xxgk.db") == reference
    report = json.loads((tmp_path / "output" / "reports" / "2020.json").read_text(encoding="utf-8"))
    assert {k: report["proactive"][k] for k in SEED_2020} == SEED_2020
    assert not feedparser.parse((tmp_path / "output" / "site" / "feeds" / "all.atom.xml").read_bytes()).bozo


def test_an_unwritable_output_folder_keeps_the_previous_outputs(synced_copy):
    path, folder = synced_copy
    feeds = folder / "output" / "site" / "feeds"
    site = folder / "output" / "site"
    before = {p.name: p.read_bytes() for p in feeds.iterdir()}
    site_before = {p: p.read_bytes() for p in site.rglob("*.html")}
    with sqlite3.connect(folder / "xxgk.db") as conn:  # something new to publish
        conn.execute("UPDATE items SET title = title || '（更新）', updated_at = '2021-06-01T00:00:00+00:00' "
                     "WHERE id = (SELECT id FROM items ORDER BY published_at DESC LIMIT 1)")
    if subprocess.run(["chattr", "+i", str(feeds)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        result = run(path, "build")
    finally:
        subprocess.run(["chattr", "-i", str(feeds)], check=True)
    assert result.exit_code == 1
    assert "writing the outputs" in result.output and "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in feeds.iterdir()} == before
    # The pages rendered before the failure were staged, not put in place: the site is the old one.
    assert {p: p.read_bytes() for p in site.rglob("*.html")} == site_before
    assert not list(site.rglob(".*.tmp"))
    assert run(path, "build").exit_code == 0  # once writable again, the build completes
    assert {p: p.read_bytes() for p in site.rglob("*.html")} != site_before


def test_an_older_database_is_migrated_and_a_newer_one_refused(tmp_path):
    from pipeline.store import MIGRATIONS

    db = tmp_path / "old.db"
    first_name, first_script = MIGRATIONS[0]
    with sqlite3.connect(db) as conn:  # a database made by the first release
        conn.executescript(first_script)
        conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        conn.execute("INSERT INTO migrations (name) VALUES (?)", [first_name])
        conn.execute("INSERT INTO sources (name, kind) VALUES ('kept', 'website')")
    with Store(db) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert store.db.execute("SELECT name FROM sources").fetchall() == [("kept",)]
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO migrations (name) VALUES ('9999_from_the_future')")
    with pytest.raises(StoreError, match="更新版本的 xxgk"):
        Store(db)


def test_a_newer_database_gives_exit_code_4(synced_copy, tmp_path):
    path, folder = synced_copy
    copy = tmp_path / "copy.toml"
    copy.write_text(Path(path).read_text(encoding="utf-8").replace(
        'database = "xxgk.db"', f'database = "{tmp_path / "new.db"}"'), encoding="utf-8")
    Store(tmp_path / "new.db").close()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        conn.execute("INSERT INTO migrations (name) VALUES ('9999_from_the_future')")
    result = run(str(copy), "status")
    assert result.exit_code == 4 and "更新版本的 xxgk" in result.output


def test_backup_while_a_write_is_in_progress(synced_copy, tmp_path):
    path, folder = synced_copy
    writer = sqlite3.connect(folder / "xxgk.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO decisions (at, who, kind) VALUES ('now', 'test', 'uncommitted')")
    try:
        result = run(path, "backup", str(tmp_path / "backup.db"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    assert item_counts(tmp_path / "backup.db") == item_counts(folder / "xxgk.db")
    with sqlite3.connect(tmp_path / "backup.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions WHERE kind = 'uncommitted'").fetchone()[0] == 0


class _Webhook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode": 0}')

    def log_message(self, *args):
        pass


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message on 127.0.0.1."""

    messages: list = []

    def handle(self):
        self.wfile.write(b"220 test\r\n")
        data, in_data = [], False
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    type(self).messages.append("\n".join(data))
                    self.wfile.write(b"250 ok\r\n")
                else:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb == "DATA":
                in_data = True
                self.wfile.write(b"354 go\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb == "EHLO":
                self.wfile.write(b"250 test\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


def test_a_source_failing_n_nights_raises_one_alert_by_webhook_and_mail(tmp_path, demo_server):
    web = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    for server in (web, smtp):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        extra = (f'\n[alerts]\nfailing_nights = 2\nwebhook_url = "http://hooks.test/robot"\n'
                 f'email_to = ["office@example.gov.cn"]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.server_address[1]}\n'
                 '\n[sources.broken]\nkind = "feed"\nurl = "http://rss.bridge.test/weibo/missing.xml"\n')
        path = served_config(tmp_path, demo_server.address, extra)
        text = Path(path).read_text(encoding="utf-8").replace(
            "resolve = { ", f'resolve = {{ "hooks.test" = "127.0.0.1:{web.server_address[1]}", ', 1)
        Path(path).write_text(text, encoding="utf-8")
        def about_broken(messages):  # other alerts (e.g. December's calendar check) may come too
            return [m for m in messages if "broken" in json.dumps(m, ensure_ascii=False)]

        first = run(path, "sync")
        assert first.exit_code == 1 and not about_broken(_Webhook.received)  # one failure is not yet an alert
        second = run(path, "sync")
        assert second.exit_code == 1 and "ALERT" in second.output and "broken" in second.output
        assert len(about_broken(_Webhook.received)) == 1
        hook = about_broken(_Webhook.received)[0]
        assert hook["msgtype"] == "text" and "broken" in hook["text"]["content"]
        mails = [m for m in _SMTP.messages if "broken" in email.message_from_string(m, policy=email.policy.default).get_content()]
        assert len(mails) == 1 and "office@example.gov.cn" in mails[0]
        run(path, "sync")  # still failing: the alert is not sent again
        assert len(about_broken(_Webhook.received)) == 1
    finally:
        web.shutdown()
        smtp.shutdown()
        web.server_close()
        smtp.server_close()


class _RefusingRobot(BaseHTTPRequestHandler):
    """A WeCom robot: HTTP 200 always; errcode 93000 (a wrong key) until it is told to accept."""

    received: list = []
    accepts = False

    def do_POST(self):
        type(self).received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}' if type(self).accepts else
                         b'{"errcode": 93000, "errmsg": "invalid webhook url"}')

    def log_message(self, *args):
        pass


def test_an_alert_no_channel_delivered_is_sent_again_after_the_next_run(tmp_path, demo_server):
    """A robot answering HTTP 200 with an errcode did not deliver the alert: it is said so, and the
    alert goes out again after the next run (once delivered, not again while it stays active)."""
    web = ThreadingHTTPServer(("127.0.0.1", 0), _RefusingRobot)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        extra = ('\n[alerts]\nfailing_nights = 1\nwebhook_url = "http://hooks.test/robot"\n'
                 '\n[sources.broken]\nkind = "feed"\nurl = "http://rss.bridge.test/weibo/missing.xml"\n')
        path = served_config(tmp_path, demo_server.address, extra)
        text = Path(path).read_text(encoding="utf-8").replace(
            "resolve = { ", f'resolve = {{ "hooks.test" = "127.0.0.1:{web.server_address[1]}", ', 1)
        Path(path).write_text(text, encoding="utf-8")

        def about_broken():
            return [m for m in _RefusingRobot.received if "broken" in json.dumps(m, ensure_ascii=False)]

        refused = run(path, "sync")
        assert "errcode 93000" in refused.output and len(about_broken()) == 1
        _RefusingRobot.accepts = True
        run(path, "sync")
        assert len(about_broken()) == 2  # sent again, and this time delivered
        run(path, "sync")
        assert len(about_broken()) == 2  # delivered: not again while it stays active
    finally:
        web.shutdown()
        web.server_close()


def test_missed_nights_and_guarded_jobs():
    tz = timezone(timedelta(hours=8))
    now = datetime(2020, 5, 12, 9, 0, tzinfo=tz)
    assert last_due(["02:30"], now) == datetime(2020, 5, 12, 2, 30, tzinfo=tz)
    assert last_due(["23:00"], now) == datetime(2020, 5, 11, 23, 0, tzinfo=tz)
    reading = Reading(now, 0.0, 0.0)

    def run_at(hour: int, minute: int, day: int) -> Started:  # the clock not moved since
        start = datetime(2020, 5, day, hour, minute, tzinfo=tz)
        return Started(start, -(now - start).total_seconds())

    assert decide(["02:30"], None, reading)
    assert decide(["02:30"], run_at(2, 30, 11), reading)
    assert not decide(["02:30"], run_at(2, 31, 12), reading)
    calls = []
    guarded(lambda: calls.append(1) or 1 / 0)()  # does not raise
    assert calls == [1]


def test_the_scheduler_catches_up_and_stops_on_sigterm(tmp_path, demo_server):
    path = served_config(tmp_path, demo_server.address)
    proc = subprocess.Popen([XXGK, "--config", path, "schedule"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with sqlite3.connect(tmp_path / "xxgk.db") as conn:
                    done = conn.execute("SELECT COUNT(*) FROM runs WHERE finished_at IS NOT NULL").fetchone()[0]
            except sqlite3.OperationalError:  # not created or not migrated yet
                done = 0
            if done:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the missed night was not caught up")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "scheduling the nightly job" in out
    assert (tmp_path / "output" / "reports" / "2020.json").exists()


def test_status_json_lists_sources_and_alerts(synced_copy):
    path = synced_copy.config
    data = json.loads(run(path, "status", "--json").output)
    assert data["last_run"]["status"] in ("ok", "partial")
    assert isinstance(data["alerts"], list)


def test_config_errors_keep_the_run_from_starting(tmp_path):
    path = tmp_path / "xxgk.toml"
    path.write_text('[office]\nname = "x"\norg_code = "y"\nsite_url = "https://', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(path), "sync"])
    assert result.exit_code == 2 and f"{path}：不是有效的 TOML：文件末尾" in result.output
    assert not (tmp_path / "xxgk.db").exists()
    with pytest.raises(config_mod.ConfigError):
        config_mod.load(path)


def test_no_secret_in_the_log_file(tmp_path, demo_server):
    extra = '\n[sources.api]\nkind = "feed"\nurl = "http://rss.bridge.test/x.xml?appid=wx123&secret=TOPSECRET"\n'
    path = served_config(tmp_path, demo_server.address, extra)
    run(path, "sync")
    log = (tmp_path / "xxgk.log").read_text(encoding="utf-8")
    assert "api" in log and "TOPSECRET" not in log
    assert "TOPSECRET" not in run(path, "status").output


def test_an_overdue_application_is_an_alert_in_status(tmp_path, demo_server):
    path = served_config(tmp_path, demo_server.address)
    added = run(path, "application", "add", "--received", "2021-03-01", "--channel", "信函",
                "--applicant-type", "自然人", "--request", "2020年低保审批名单")
    assert added.exit_code == 0, added.output
    data = json.loads(run(path, "status", "--json").output)
    overdue = [a for a in data["alerts"] if a["kind"] == "overdue"]
    assert len(overdue) == 1 and "已逾期" in overdue[0]["message"]
    assert "ALERT" in run(path, "status").output


def test_health_alerts_from_the_run_history(tmp_path):
    """Alerts come from the kinds a run recorded (pipeline.collect), never from a message's words:
    "quoted" failed with a message that names errcode 40125 and HTTP 500, but of kind "other"."""
    from pipeline.nightly.health import source_alerts

    with Store(tmp_path / "h.db") as store:
        store.sync_sources([{"name": n, "kind": "feed", "channel": "weibo", "url": "http://x.test/"}
                            for n in ("flaky", "down", "wechat", "quiet", "quoted")])
        history = {
            "flaky": ["failed", "ok"],  # newest first: failed once only
            "down": ["failed", "failed", "failed"],
            "wechat": ["failed"],
            "quiet": ["ok"],
            "quoted": ["failed"],
        }
        for source, statuses in history.items():
            for age, status in enumerate(statuses):
                run_id = 100 - age
                error, kinds = (("cgi-bin/stable_token: the key was not accepted", ["credential"]) if source == "wechat"
                                else ("a page said: errcode 40125, HTTP 500", ["other"]) if source == "quoted"
                                else ("the server answered 500", ["HTTP 500"]) if status == "failed" else ("", []))
                empty = "the source listed nothing this run" if source == "quiet" else None
                store.record_source_run(run_id, source, {"status": status, "error": error, "failure_kinds": kinds,
                                                         "warnings": [empty] if empty else [], "empty_warning": empty})
        found = source_alerts(store, failing_nights=3)
        alerts = {(a.kind, a.subject) for a in found}
    failing = next(a for a in found if a.kind == "failing")
    assert "服务器返回错误状态码" in failing.message and "the server answered 500" in failing.message
    assert alerts == {("failing", "down"), ("credential", "wechat"), ("empty", "quiet")}

"""Issue 18, point 8 (the smaller ones): a killed run does not stay `running`; staff publishing
does not make the nightly job exit 3 (it waits its turn, another nightly run does not); control
and bidi-override characters are cleaned and long titles capped where published (the store
keeps the whole title)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from html import escape

import pytest
from lxml import html as lxml_html

from pipeline import config as config_mod
from pipeline.errors import LockHeld
from pipeline.nightly.job import run_sync
from pipeline.nightly.lock import STAFF_PUBLISH, run_lock
from pipeline.store import Store
from pipeline.views import TITLE_CHARS


def test_a_killed_run_is_marked_interrupted_by_the_next(tmp_path):
    database = tmp_path / "xxgk.db"
    script = ("import os, signal, sys; from pipeline.store import Store; from pipeline.nightly.lock import run_lock\n"
              f"with run_lock({str(database)!r}):\n"
              f"    Store({str(database)!r}).start_run('sync'); os.kill(os.getpid(), signal.SIGKILL)")
    killed = subprocess.run([sys.executable, "-c", script], cwd=os.path.dirname(os.path.dirname(__file__)))
    assert killed.returncode == -signal.SIGKILL
    with Store(database) as store:
        assert store.last_run()["status"] == "running"
        with run_lock(database):  # the kernel dropped the dead run's lock
            store.start_run("sync")
        statuses = [row[0] for row in store.db.execute("SELECT status FROM runs ORDER BY id")]
    assert statuses == ["interrupted", "running"]


def test_the_nightly_job_waits_for_a_staff_publish_but_not_for_another_run(tmp_path):
    database = tmp_path / "xxgk.db"
    took_it = threading.Event()
    release = threading.Event()
    with run_lock(database, purpose=STAFF_PUBLISH):
        def nightly() -> None:
            with run_lock(database, wait_for_staff=60):
                took_it.set()
                release.wait(30)

        waiter = threading.Thread(target=nightly)
        waiter.start()
        assert not took_it.wait(1.5)  # still waiting while staff publish; no exit 3
        assert STAFF_PUBLISH in (tmp_path / "xxgk.db.lock").read_text()
    assert took_it.wait(30)  # its turn came when publishing ended
    with pytest.raises(LockHeld), run_lock(database, wait_for_staff=60):  # … and a second nightly run is refused at once, as before
        pass
    release.set()
    waiter.join()


CONFIG = """
[office]
name = "某街道办事处"
org_code = "MJ"
site_url = "https://xxgk.mj.gov.test/"

[fetch]
rate_per_host = 0
retries = 0

[sources.news]
kind = "website"
url = "http://www.mj.gov.test/news/index.html"
[sources.news.selectors]
list_item = "ul.list li"
title = "h1.title"
date = "p.date"
content = "div.body"
"""
LONG_TITLE = "\u202e关于\x07做好工作的通知" + "很长" * 5000
BODY = "<p>正文\u202egpj.exe\u2066内容\x1b。</p>"


def test_controls_are_cleaned_and_long_titles_capped_where_published(tmp_path, loopback_site):
    loopback_site.page("www.mj.gov.test/news/index.html",
                       '<html><body><ul class="list"><li><a href="/news/1.html">通知</a><span>2021-03-01</span>'
                       "</li></ul></body></html>")
    loopback_site.page("www.mj.gov.test/news/1.html",
                       f'<html><body><h1 class="title">{escape(LONG_TITLE)}</h1><p class="date">2021年3月1日</p>'
                       f'<div class="body">{BODY}</div></body></html>')
    path = tmp_path / "xxgk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = config_mod.load(path).with_resolve(loopback_site.address)
    with Store(config.database) as store:
        run_sync(config, store)
        title, body_html, body_text = store.db.execute(
            "SELECT title, body_html, body_text FROM post_versions").fetchone()
        (item_title,) = store.db.execute("SELECT title FROM items").fetchone()
    bad = ("\u202e", "\u2066", "\x07", "\x1b")
    for text in (title, body_html, body_text, item_title):
        assert not any(c in text for c in bad), repr(text[:40])
    assert title.startswith("关于做好工作的通知") and len(title) == len("关于做好工作的通知") + 10000  # kept whole
    items = json.loads((config.output / "site/feeds/all.json").read_text("utf-8"))["items"]
    assert len(items) == 1 and len(items[0]["title"]) == TITLE_CHARS and items[0]["title"].endswith("…")
    (page,) = (config.output / "site/item").glob("*.html")
    h1 = lxml_html.parse(str(page)).getroot().xpath("//h1")[0].text_content().strip()
    assert h1 == items[0]["title"]
    published = "".join(p.read_text("utf-8", errors="replace") for p in config.output.rglob("*.html"))
    assert not any(c in published for c in bad)

"""sources.parsing: article pages parsed in worker processes give what parsing here gives.

Real worker processes (spawned), real pages from the corpus, and a real collect run of the
demo office with and without workers.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.errors import HttpStatusError
from pipeline.fetch.client import Response
from pipeline.models import SHANGHAI, Post
from sources import website
from sources.parsing import PageParser, ParseProblem

FIXTURES = Path(__file__).parent / "fixtures"


def _source():
    from pipeline.config import Source

    return Source(name="site", kind="website", channel="website", url="http://www.example.gov.cn/")


def _ok(url: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> Response:
    return Response(url=url, status=200, headers={"content-type": content_type}, content=body,
                    not_modified=False, etag=None, last_modified=None)


def _fetched() -> list[tuple[str, object]]:
    """Corpus article pages, with a 404, a 304 and two bad pages among them, in a fixed order."""
    pages = sorted((FIXTURES / "gov_article").glob("*.html"))
    assert len(pages) >= 3
    fetched: list[tuple[str, object]] = []
    for i, page in enumerate(pages * 3):  # enough pages for several batches
        url = f"http://www.example.gov.cn/art/{i}.html"
        fetched.append((url, _ok(url, page.read_bytes())))
        if i == 2:
            fetched.append(("http://www.example.gov.cn/gone.html", HttpStatusError("http://www.example.gov.cn/gone.html", 404)))
            fetched.append(("http://www.example.gov.cn/same.html", replace(_ok("http://www.example.gov.cn/same.html", b""),
                                                                           status=304, not_modified=True)))
            fetched.append(("http://www.example.gov.cn/empty.html", _ok("http://www.example.gov.cn/empty.html", b"<p></p>")))
            fetched.append(("http://www.example.gov.cn/junk.html", _ok("http://www.example.gov.cn/junk.html",
                                                                       bytes(range(256)) * 8)))
    return fetched


def _parse_all(parser: PageParser, parse=website.parse_page) -> list[tuple[str, object]]:
    """(url, outcome) with errors as (type, message): two runs build equal but distinct exceptions."""
    with parser:
        outcomes = parser.parsed(iter(_fetched()), parse, _source(), website.DEFAULTS, SHANGHAI)
        return [(url, (type(o).__name__, str(o)) if isinstance(o, Exception) else o) for url, o in outcomes]


def test_workers_give_the_same_events_in_the_same_order() -> None:
    here = _parse_all(PageParser(workers=0))
    there = _parse_all(PageParser(workers=1, inline_pages=0))
    assert [url for url, _ in there] == [url for url, _ in _fetched()]
    assert there == here
    posts = [o for _, o in there if isinstance(o, Post)]
    assert len(posts) >= 9 and all(p.title for p in posts) and sum(bool(p.body_text) for p in posts) >= 9
    outcomes = dict(there)
    assert outcomes["http://www.example.gov.cn/gone.html"] == ("HttpStatusError", "http://www.example.gov.cn/gone.html: HTTP 404")
    assert outcomes["http://www.example.gov.cn/same.html"].not_modified
    assert isinstance(outcomes["http://www.example.gov.cn/empty.html"], ParseProblem)
    assert "no title" in outcomes["http://www.example.gov.cn/empty.html"].message
    assert "could not decode" in outcomes["http://www.example.gov.cn/junk.html"].message


def test_a_batch_sent_early_takes_no_more_pages() -> None:
    """A page waiting behind a window's worth of 304s is sent in a part-filled batch; the pages
    after it start a new batch."""
    page = (FIXTURES / "gov_article").glob("*.html").__next__().read_bytes()
    unchanged = replace(_ok("http://www.example.gov.cn/same.html", b""), status=304, not_modified=True)
    fetched = [("http://www.example.gov.cn/first.html", _ok("http://www.example.gov.cn/first.html", page))]
    fetched += [(f"http://www.example.gov.cn/same-{i}.html", unchanged) for i in range(300)]
    fetched += [(f"http://www.example.gov.cn/later-{i}.html", _ok(f"http://www.example.gov.cn/later-{i}.html", page))
                for i in range(3)]
    with PageParser(workers=1, inline_pages=0) as parser:
        got = list(parser.parsed(iter(fetched), website.parse_page, _source(), website.DEFAULTS, SHANGHAI))
    assert [url for url, _ in got] == [url for url, _ in fetched]
    posts = [(url, o) for url, o in got if isinstance(o, Post)]
    assert [url for url, _ in posts] == [fetched[0][0]] + [url for url, _ in fetched[-3:]]
    assert all(post.url == url for url, post in posts)


def test_the_first_pages_of_a_run_are_parsed_here() -> None:
    parser = PageParser(workers=1, inline_pages=1000)
    _parse_all(parser)
    assert parser._pool is None  # a small run never starts a worker process


def _dies_in_a_worker(page, *args):
    if multiprocessing.parent_process() is not None:  # in a worker: die as a crash would
        os._exit(3)
    return website.parse_page(page, *args)


def test_a_dead_worker_loses_nothing(caplog: pytest.LogCaptureFixture) -> None:
    parser = PageParser(workers=1, inline_pages=0)
    got = _parse_all(parser, _dies_in_a_worker)
    expected = _parse_all(PageParser(workers=0))
    assert got == expected  # every page parsed, here, after the worker died
    assert parser.workers == 0
    assert any("parsing the rest in this process" in r.getMessage() for r in caplog.records)


def test_collecting_with_workers_stores_what_collecting_without_does(tmp_path: Path, demo_server) -> None:
    from pipeline import config
    from pipeline.collect import collect_all
    from pipeline.store import Store
    from tests.builders import write_config

    stored = {}
    for workers in (0, 1):
        folder = tmp_path / f"workers-{workers}"
        folder.mkdir()
        cfg = replace(config.load(write_config(folder)).with_resolve(demo_server.address), parse_workers=workers)
        with Store(cfg.database) as store:
            outcomes = collect_all(cfg, store, store.start_run("test"))
            assert all(o.status == "ok" for o in outcomes), [o.error for o in outcomes]
            stored[workers] = sorted(store.db.execute(
                "SELECT p.id, p.content_hash, v.body_html, v.meta FROM posts p JOIN post_versions v ON v.post_id = p.id"
            ).fetchall())
    assert len(stored[0]) > 150  # more than a run parses before it starts a worker
    assert stored[1] == stored[0]


def test_a_killed_run_leaves_no_worker_behind() -> None:
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import os, signal\n"
        "from pipeline.models import SHANGHAI\n"
        "from sources import website\n"
        "from sources.parsing import PageParser\n"
        "from tests.test_collect_parsing import _fetched, _source\n"
        "parser = PageParser(workers=1, inline_pages=0)\n"
        "list(parser.parsed(iter(_fetched()), website.parse_page, _source(), website.DEFAULTS, SHANGHAI))\n"
        "print(*parser._pool._processes, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)  # as cron's timeout or the OOM killer would\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent.parent, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr
    worker = int(run.stdout.split()[0])
    for _ in range(100):  # the worker notices its parent is gone and exits
        if not Path(f"/proc/{worker}").exists() or "zombie" in _state(worker):
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{worker}").exists() or "zombie" in _state(worker)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (FileNotFoundError, IndexError):
        return "gone"


def test_a_parsing_worker_does_not_load_the_http_transport() -> None:
    # A worker imports the collectors to parse pages but never fetches: libcurl and OpenSSL
    # would only add to its memory (about 10 MB) and start-up time.
    code = ("import sys, sources, sources.parsing; "
            "print(sorted(m for m in ('pycurl', 'pipeline.fetch.client') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"

"""Edits within a week, re-checked hourly ([collect] recheck = "hourly"): `xxgk recheck` takes a share of
the stored articles every hour (no list read), the night then re-checks none of them, and when the hourly
runs stop the night takes its share again. The demo office (a private copy of its world on 127.0.0.1),
hours and nights simulated with the clock injected; requests counted at the server.
"""

from __future__ import annotations

import math
import re
import shlex
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from pipeline import config as config_mod
from pipeline.collect import collect_all, hourly_share, recheck_run
from pipeline.commands import main
from pipeline.errors import ConfigError
from pipeline.nightly.health import recheck_alerts
from pipeline.store import Store, parse_iso, post_id

from .builders import REPO, write_config
from .test_collect_recheck import LISTED, stored_articles
from .test_district_run import _qingshan_site, _resolve_to

T0 = parse_iso("2026-06-01T00:00:00+00:00")  # nothing in the demo world is recent then
HOURLY_CYCLE = 3  # recheck_cycle of the tests that go round every article: 24 hourly runs


def hourly(config, cycle: int | None = None):
    """The config with hourly re-checks; only the listed sources (their posts are article pages)."""
    sources = tuple(replace(s, recheck_cycle=cycle or s.recheck_cycle) for s in config.sources if s.name in LISTED)
    return replace(config, recheck="hourly", sources=sources)


def night(config, store, now: datetime) -> dict:
    return {o.source: o for o in collect_all(config, store, store.start_run("sync"), now=now, only=LISTED)}


def hours(config, store, start: datetime, n: int) -> list[dict]:
    return [{o.source: o for o in recheck_run(config, store, now=start + timedelta(hours=h))} for h in range(1, n + 1)]


def edit(world, url: str, words: str) -> None:
    page = world / url.removeprefix("http://")
    raw = page.read_bytes()
    encoding = "gb18030" if b"charset=gbk" in raw.lower() else "utf-8"
    text = raw.decode(encoding)
    edited = re.sub(r"(<div class=\"TRS_Editor\">.*?<p[^>]*>)", r"\1" + words, text, count=1, flags=re.S)
    assert edited != text
    page.write_bytes(edited.encode(encoding))


def test_hourly_rechecks_catch_an_old_edit_within_the_cycle_and_read_no_list(served_office):
    world, server, config, store = served_office
    config = hourly(config, HOURLY_CYCLE)
    night(config, store, T0)  # the first crawl
    articles = stored_articles(store)
    url = "http://www.xinghua.gov.test/xwzx/tzgg/202011/t20201125_12116.html"
    pid = post_id("website", url)
    edit(world, url, "（2026年更正）")
    server.reset_counts()
    runs = hours(config, store, T0, (HOURLY_CYCLE - 2) * 24)  # the runs that go round every article once
    fetched = Counter(path for path in server.paths.elements() if not path.endswith("/robots.txt"))
    assert set(fetched) == set(articles)  # every stored article re-checked by the hourly runs …
    assert all(run[name].rechecked < len(articles) / 10 for run in runs for name in run)  # … a share each hour
    caught = [n for n, run in enumerate(runs, 1) if run["website-tzgg"].updated]
    assert len(caught) == 1
    versions = store.db.execute("SELECT version, body_text, fetched_at FROM post_versions WHERE post_id = ? "
                                "ORDER BY version", [pid]).fetchall()
    assert [v for v, _, _ in versions] == [1, 2] and "（2026年更正）" in versions[1][1]
    assert parse_iso(versions[1][2]) == T0 + timedelta(hours=caught[0])  # stored as of that hour
    recorded = store.db.execute("SELECT COUNT(*) FROM runs WHERE command = 'recheck' AND status = 'ok'").fetchone()
    assert recorded[0] == len(runs)
    (source_runs,) = store.db.execute("SELECT COUNT(*) FROM run_sources").fetchone()
    assert source_runs == len(LISTED)  # the nights' record (and their re-check cycle) is the night's alone


def test_a_night_after_a_day_of_hourly_rechecks_makes_no_weekly_recheck_request(served_office):
    world, server, config, store = served_office
    config = hourly(config)
    night(config, store, T0)
    articles = stored_articles(store)
    server.reset_counts()
    hours(config, store, T0, 24)
    by_day = [p for p in server.paths.elements() if p in articles]
    expected = sum(math.ceil(len(store.active_posts(s.name)) / ((s.recheck_cycle - 2) * 24)) for s in config.sources)
    assert len(by_day) == 24 * expected  # each hour its share, computed from the store
    server.reset_counts()
    outcomes = night(config, store, T0 + timedelta(days=1, hours=1))
    assert all(o.status == "ok" and o.new == o.updated == 0 for o in outcomes.values())
    assert [p for p in server.paths if p in articles] == []  # the night re-checked no stored article
    assert sum(server.paths.values()) > 0  # … but it did read its lists


def test_without_hourly_rechecks_the_night_takes_its_share_and_status_warns(served_office):
    world, server, config, store = served_office
    config = hourly(config)
    night(config, store, T0)
    articles = stored_articles(store)
    hours(config, store, T0, 24)  # a day of hourly re-checks, then the cron line is lost
    last_hour = T0 + timedelta(hours=24)
    assert recheck_alerts(config, store, last_hour + timedelta(hours=20)) == []
    warned = recheck_alerts(config, store, last_hour + timedelta(days=1, hours=1))
    assert [a.kind for a in warned] == ["recheck"] and "每小时复查" in warned[0].message
    fetched: Counter[str] = Counter()
    for n in range(1, 8):
        server.reset_counts()
        night(config, store, T0 + timedelta(days=n, hours=2))
        tonight = [p for p in server.paths if p in articles]
        if n >= 2:  # a day after the last hourly run: the night's own share again
            assert 0 < len(tonight) < len(articles) / 3
        fetched.update(tonight)
    rechecked_by_hours = {re.sub(r"^https?://", "", url) for (url,) in store.db.execute(
        "SELECT url FROM posts WHERE rechecked_at > ? AND rechecked_at <= ?",
        [T0.isoformat(), last_hour.isoformat()])}
    assert set(fetched) | rechecked_by_hours == set(articles)  # nothing waited out of the week


def test_the_nightly_mode_is_as_before(served_office):
    """Default [collect] recheck = "nightly": a night re-checks its seventh whatever the stamps say."""
    world, server, config, store = served_office
    assert config.recheck == "nightly"
    night(config, store, T0)
    articles = stored_articles(store)
    server.reset_counts()
    night(config, store, T0 + timedelta(hours=1))
    assert 0 < len([p for p in server.paths if p in articles]) < len(articles) / 3


def test_the_hourly_share_goes_round_the_longest_unchecked_first():
    queue = [(f"p{n}", f"http://x.test/{n}.html") for n in range(250)]
    assert hourly_share(queue, 7) == tuple(url for _, url in queue[:3])  # ceil(250 / 120)
    assert hourly_share(queue, 3) == tuple(url for _, url in queue[:11])  # ceil(250 / 24)
    assert hourly_share([], 7) == ()


@pytest.mark.parametrize("value", ['"weekly"', "1", "true"])
def test_a_bad_recheck_value_is_refused_in_chinese(tmp_path, value):
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("[collect]\n", f"[collect]\nrecheck = {value}\n"),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f'{path}：[collect] recheck = {value}：应为 "nightly"（')):
        config_mod.load(path)
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert result.exit_code == 2 and '应为 "nightly"' in result.output and "Traceback" not in result.output


def test_recheck_on_a_nightly_office_says_so_in_chinese(tmp_path):
    result = CliRunner().invoke(main, ["--config", str(write_config(tmp_path)), "recheck"])
    assert result.exit_code == 2 and "夜间任务" in result.output and 'recheck = "hourly"' in result.output


def test_a_district_recheck_covers_every_office(tmp_path, demo_server, loopback_site):
    """Two offices re-checked hourly (the demo's TRS-style site, 青山街道's other CMS) and one left nightly:
    one `xxgk district recheck` re-checks each hourly office's share, and skips the nightly one."""
    _qingshan_site(loopback_site)
    from . import test_sources_other_office as qingshan

    offices = {"xhj": (write_config, demo_server.address), "qs": (None, loopback_site.address),
               "night": (write_config, demo_server.address)}
    for key, (writer, address) in offices.items():
        (tmp_path / key).mkdir()
        if writer is None:
            (tmp_path / key / "xxgk.toml").write_text(qingshan.CONFIG, encoding="utf-8")
        else:
            writer(tmp_path / key)
        path = tmp_path / key / "xxgk.toml"
        text = path.read_text(encoding="utf-8")
        if key != "night":
            text = (text.replace("[collect]\n", '[collect]\nrecheck = "hourly"\n') if "[collect]\n" in text
                    else text + '\n[collect]\nrecheck = "hourly"\n')
        path.write_text(text, encoding="utf-8")
        _resolve_to(path, address)
        config = config_mod.load(path)
        with Store(config.database) as store:  # the first sync's collect stage, a while ago (stamps are to the second)
            assert all(o.status == "ok" for o in collect_all(config, store, store.start_run("sync"), now=T0))
    district = tmp_path / "district.toml"
    district.write_text('[district]\nname = "昌邑区"\n' + "".join(
        f'[offices.{key}]\nconfig = "{key}/xxgk.toml"\n' for key in offices), encoding="utf-8")
    before = {key: _stamps(tmp_path / key / "xxgk.toml") for key in offices}

    result = CliRunner().invoke(main, ["district", "--district", str(district), "recheck"])
    assert result.exit_code == 0, result.output
    for key in offices:
        config = config_mod.load(tmp_path / key / "xxgk.toml")
        after = _stamps(tmp_path / key / "xxgk.toml")
        newer = sum(1 for pid, when in after.items() if when != before[key][pid])
        with Store(config.database) as store:
            runs = store.db.execute("SELECT status FROM runs WHERE command = 'recheck'").fetchall()
            shares = sum(math.ceil(len(store.active_posts(s.name)) / ((s.recheck_cycle - 2) * 24))
                         for s in config.sources if s.kind in ("website", "catalog", "wechat_feed"))
        if key == "night":
            assert runs == [] and newer == 0 and re.search(r"night\s+skipped", result.output)
        else:
            assert runs == [("ok",)] and newer == shares > 0  # its share of every hourly source, re-checked


def _stamps(path) -> dict[str, str | None]:
    config = config_mod.load(path)
    with Store(config.database) as store:
        return dict(store.db.execute("SELECT id, rechecked_at FROM posts WHERE withdrawn_at IS NULL").fetchall())


def test_the_cron_lines_are_commands_that_exist():
    """cron/xxgk.crontab's lines (the hourly one commented out) name real commands and options."""
    lines = (REPO / "cron" / "xxgk.crontab").read_text(encoding="utf-8").splitlines()
    commands = [shlex.split(line.split(".venv/bin/xxgk ", 1)[1]) for line in lines if ".venv/bin/xxgk " in line]
    assert [args[-2:] for args in commands] == [["sync", "-q"], ["recheck", "-q"]]
    for args in commands:
        where = args.index("--config")
        result = CliRunner().invoke(main, args[:where] + args[where + 2:] + ["--help"])
        assert result.exit_code == 0, result.output


def test_status_warns_when_the_hourly_recheck_never_ran(tmp_path):
    """An office set to hourly re-checks whose cron line was never added: after a day, `xxgk status` says so."""
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("[collect]\n", '[collect]\nrecheck = "hourly"\n'),
                    encoding="utf-8")
    config = config_mod.load(path)
    with Store(config.database) as store:
        store.sync_sources([{"name": s.name, "kind": s.kind, "channel": s.channel, "url": s.url} for s in config.sources])
        run = store.start_run("sync")
        store.finish_run(run, "ok", {})
        runner = CliRunner()
        assert "每小时复查" not in runner.invoke(main, ["--config", str(path), "status"]).output  # just set up
        store.db.execute("UPDATE runs SET started_at = ?", [(datetime.now(T0.tzinfo) - timedelta(days=2)).isoformat()])
        store.db.conn.commit()
    shown = runner.invoke(main, ["--config", str(path), "status"]).output
    assert re.search(r"ALERT 每小时复查（xxgk recheck）已超过一天没有完成：.*website-gzdt", shown)


def test_hourly_rechecks_reuse_robots_txt_for_a_day(served_office):
    """RFC 9309 §2.4: robots.txt is kept in the store and reused for up to 24 hours. The night fetches
    every host's afresh (and keeps it); the hourly runs within a day ask for none; the first hourly run
    past the day asks each host once more, and the next hour again none."""
    world, server, config, store = served_office
    config = hourly(config)

    def robots_asked() -> Counter[str]:
        return Counter({path: n for path, n in server.paths.items() if path.endswith("/robots.txt")})

    night(config, store, T0)
    hosts = set(robots_asked())
    assert hosts and all(n == 1 for n in robots_asked().values())  # one per host in the night
    server.reset_counts()
    hours(config, store, T0, 3)
    assert robots_asked() == Counter()
    server.reset_counts()
    hours(config, store, T0 + timedelta(hours=24), 2)  # at T0 + 25 h (the night's copy is too old), T0 + 26 h
    assert robots_asked() == Counter({host: 1 for host in hosts})
    kept = dict(store.db.execute("SELECT url, fetched_at FROM robots_txt").fetchall())
    assert {parse_iso(at) for at in kept.values()} == {T0 + timedelta(hours=25)}

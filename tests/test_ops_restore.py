"""The operator's worst days: a store restored from a backup as README says, a store upgraded by
two processes at once, a store made by every older release. Real files, the real CLI, real processes."""

from __future__ import annotations

import json
import multiprocessing
import re
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from demo.server import serve
from pipeline.merge.identifiers import is_minted, shown_numbers
from pipeline.store import Store, post_id
from pipeline.store.migrations import MIGRATIONS, statements
from tests.builders import cli, config_without_sources, make_post, published_item, save_posts, served_config
from tests.docroot import DocRoot, crawl

SAVED = datetime(2020, 7, 1, tzinfo=timezone.utc)


def add_item(database: Path, n: int, day: str, title: str) -> None:
    """An item as the merge stage leaves it (one website copy), as a night's collecting would add it."""
    with Store(database) as store, store.transaction():
        published_item(store, f"i{n:04d}", f"X/2020-{n:05d}", title, "gzdt",
                       [("website", f"http://www.xinghua.gov.test/xwzx/gzdt/{n}.html", day)],
                       body=f"{title}。兴华街道办事处发布。", saved_at=SAVED)


def restore(backup: Path, database: Path) -> None:
    """README, Backup and restore: the backup copied over the database, its -wal / -shm files removed."""
    for extra in ("-wal", "-shm"):
        Path(str(database) + extra).unlink(missing_ok=True)
    shutil.copyfile(backup, database)


def site_text(site: Path) -> str:
    """Every page, feed and search document a reader can reach now (the search index's version before
    the current one stays for readers still on it: not read here)."""
    current = site / "search" / str(json.loads((site / "search" / "meta.json").read_text())["version"])
    return "".join(p.read_text(encoding="utf-8") for p in site.rglob("*") if p.suffix in (".html", ".xml", ".json")
                   and (not p.is_relative_to(site / "search") or p.is_relative_to(current)))


def test_a_day_old_backup_restored_publishes_what_the_store_holds(tmp_path):
    config = config_without_sources(tmp_path, name="兴华街道办事处", org_code="11220000MB1234567X", site_url="https://xxgk.example.gov.cn/")
    database, site = tmp_path / "xxgk.db", tmp_path / "output" / "site"
    for n in (1, 2, 3):
        add_item(database, n, f"2020-05-0{n} 09:00", f"兴华街道五月工作动态第{n}期")
    cli(config, "build")
    cli(config, "backup", str(tmp_path / "backup" / "xxgk.db"))
    add_item(database, 10, "2020-06-01 09:00", "兴华街道备份之后一天的信息")  # the day the backup lacks
    cli(config, "build")
    assert "兴华街道备份之后一天的信息" in site_text(site)

    restore(tmp_path / "backup" / "xxgk.db", database)
    cli(config, "status")
    add_item(database, 11, "2020-06-02 09:00", "兴华街道恢复之后的新信息")  # the next night's
    cli(config, "build")

    text = site_text(site)
    # The site is the restored store's: its new item shown, the item it no longer holds gone (the
    # next collecting finds it again, under the number and at the page the site showed).
    assert "兴华街道恢复之后的新信息" in text
    assert "兴华街道备份之后一天的信息" not in text
    root = DocRoot(site)
    try:
        seen, _ = crawl(root.base, root.base)
    finally:
        root.close()
    assert {url: code for url, code in seen.items() if code != 200} == {}


def test_outputs_copied_without_their_store_are_rebuilt_from_the_store(tmp_path):
    """Moving to a new machine with output/ copied but the store taken from elsewhere (another copy)."""
    config = config_without_sources(tmp_path, name="兴华街道办事处", org_code="11220000MB1234567X", site_url="https://xxgk.example.gov.cn/")
    database, site = tmp_path / "xxgk.db", tmp_path / "output" / "site"
    add_item(database, 1, "2020-05-01 09:00", "兴华街道五月工作动态第1期")
    cli(config, "build")
    shutil.copyfile(database, tmp_path / "other.db")  # the store as another machine kept it
    add_item(database, 2, "2020-05-02 09:00", "兴华街道只在旧机器上的信息")
    cli(config, "build")
    restore(tmp_path / "other.db", database)
    add_item(database, 3, "2020-05-03 09:00", "兴华街道新机器上的信息")
    cli(config, "build")
    text = site_text(site)
    assert "兴华街道新机器上的信息" in text and "兴华街道只在旧机器上的信息" not in text


def old_store(database: Path, applied: int) -> None:
    """A store made by the release that knew only the first ``applied`` migrations."""
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for name, script in MIGRATIONS[:applied]:
            for statement in statements(script):
                conn.execute(statement)
            conn.execute("INSERT INTO migrations (name) VALUES (?)", [name])


def open_store(database: str, start: multiprocessing.synchronize.Barrier, answers: multiprocessing.Queue) -> None:
    start.wait()
    try:
        Store(database).close()
        answers.put("ok")
    except Exception as e:  # the answer the test reads
        answers.put(f"{type(e).__name__}: {e}")


@pytest.mark.parametrize("applied", [0, 1, len(MIGRATIONS) // 2])
def test_two_processes_upgrading_one_store_at_once_both_open_it(tmp_path, applied):
    """Cron's sync and `xxgk serve` started together on a store an older release made (or none yet):
    each applies what it finds missing, and neither may fail on what the other applied meanwhile."""
    context = multiprocessing.get_context("spawn")
    for trial in range(3):
        database = tmp_path / f"store{trial}.db"
        if applied:
            old_store(database, applied)
        start, answers = context.Barrier(2), context.Queue()
        workers = [context.Process(target=open_store, args=(str(database), start, answers)) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert [answers.get(), answers.get()] == ["ok", "ok"]
        with Store(database) as store:
            assert store.applied_migrations() == [name for name, _ in MIGRATIONS]


@pytest.mark.parametrize("applied", range(1, len(MIGRATIONS)))
def test_a_store_of_every_older_release_is_upgraded_and_publishes_its_items(tmp_path, applied):
    database = tmp_path / "xxgk.db"
    old_store(database, applied)
    with sqlite3.connect(database) as conn:  # an item, its copy and the link, in the columns every release had
        conn.execute("INSERT INTO posts (id, source, channel, url, title, published_at, content_hash, version, "
                     "first_seen, last_seen) VALUES ('p1', 'website', 'website', 'http://www.xinghua.gov.test/1.html', "
                     "'兴华街道升级前的信息', '2020-05-01T01:00:00+00:00', 'h', 1, '2020-05-01T02:00:00+00:00', "
                     "'2020-05-01T02:00:00+00:00')")
        conn.execute("INSERT INTO post_versions (post_id, version, content_hash, fetched_at, title, published_at, "
                     "body_html, body_text, attachments, images, meta) VALUES ('p1', 1, 'h', '2020-05-01T02:00:00+00:00', "
                     "'兴华街道升级前的信息', '2020-05-01T01:00:00+00:00', '<p>升级前的正文。</p>', '升级前的正文。', "
                     "'[]', '[]', '{}')")
        conn.execute("INSERT INTO items (id, index_number, title, published_at, updated_at, first_channel, category, "
                     "confidence, reason, status, primary_post, created_at, dirty) VALUES ('i1', 'X/2020-00001', "
                     "'兴华街道升级前的信息', '2020-05-01T01:00:00+00:00', '2020-05-01T01:00:00+00:00', 'website', 'gzdt', "
                     "1.0, 'staff', 'confirmed', 'p1', '2020-05-01T02:00:00+00:00', 0)")
        conn.execute("INSERT INTO item_posts (post_id, item_id, rule, score) VALUES ('p1', 'i1', 'staff', 1.0)")
    config = config_without_sources(tmp_path, name="兴华街道办事处", org_code="11220000MB1234567X", site_url="https://xxgk.example.gov.cn/")
    cli(config, "dedupe")
    cli(config, "build")
    with Store(database) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert store.db.execute("SELECT id, index_number, category, status FROM items").fetchall() == [
            ("i1", "X/2020-00001", "gzdt", "confirmed")]
    assert "兴华街道升级前的信息" in site_text(tmp_path / "output" / "site")


def published_files(site: Path) -> dict[str, bytes]:
    """The docroot's files a reader gets now (the search index by its current version only)."""
    version = json.loads((site / "search" / "meta.json").read_text())["version"]
    out = {}
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and not (rel.startswith("search/") and rel != "search/meta.json"
                                   and not rel.startswith(f"search/{version}/")):
            out[rel.replace(f"search/{version}/", "search/current/")] = path.read_bytes()
    return out


def test_a_new_machine_given_the_store_and_config_but_no_outputs_builds_the_whole_site(tmp_path, synced_office):
    """Moving to a new machine: xxgk.toml and the store copied, output/ not. The first build makes every
    page the old machine had, and the served site has no broken link."""
    folder = tmp_path / "new-machine"
    folder.mkdir()
    for name in ("xxgk.toml", "xxgk.db"):
        shutil.copyfile(synced_office / name, folder / name)
    cli(folder / "xxgk.toml", "build")
    old, new = published_files(synced_office / "output" / "site"), published_files(folder / "output" / "site")
    assert sorted(new) == sorted(old)
    pages = [rel for rel in old if rel.endswith(".html")]
    assert [rel for rel in pages if new[rel] != old[rel]] == []
    root = DocRoot(folder / "output" / "site")
    try:
        seen, _ = crawl(root.base + "index.html", root.base)
    finally:
        root.close()
    assert {url: code for url, code in seen.items() if code != 200} == {}


def minted(database: Path) -> dict[str, str]:
    """Title → the 索引号 its item shows."""
    with Store(database) as store:
        return dict(store.db.execute("SELECT title, index_number FROM items WHERE merged_into IS NULL"))


def lost_day(tmp_path: Path, first_copies: tuple[str, ...] = ("website",)) -> tuple[Path, Path, str]:
    """An office whose lost day (after the backup) minted a number the site showed, restored: (config,
    store, that number). Its first item, in the backup, has a copy on each of `first_copies`."""
    config = config_without_sources(tmp_path, name="兴华街道办事处", org_code="11220000MB1234567X",
                                    site_url="https://xxgk.example.gov.cn/")
    database = tmp_path / "xxgk.db"
    with Store(database) as store:
        save_posts(store, *(make_post("first", channel, title="兴华街道召开安全生产工作会议", body="会议部署了安全生产工作。" * 8)
                            for channel in first_copies))
    cli(config, "sync", "-q")
    cli(config, "backup", str(tmp_path / "backup" / "xxgk.db"))
    with Store(database) as store:
        save_posts(store, make_post("lost", "website", days=20))
    cli(config, "sync", "-q")
    shown = minted(database)["兴华街道组织开展防汛应急演练"]
    assert shown in site_text(tmp_path / "output" / "site")
    restore(tmp_path / "backup" / "xxgk.db", database)
    return config, database, shown


@pytest.mark.parametrize("first", [("sync", "-q"), ("build",)])
def test_a_restored_store_never_mints_a_number_the_site_already_showed(tmp_path, first):
    """The day the backup lacks minted a 索引号 and the site showed it; after the restore the next night
    mints for other items: none of them may get that number (a legal identifier, never reused) — also
    when the operator runs `xxgk build` by hand first, before any night."""
    config, database, shown = lost_day(tmp_path)
    cli(config, *first)
    with Store(database) as store:  # the next night: another item first, then the lost day's post found again
        save_posts(store, make_post("next", "website", title="兴华街道开展垃圾分类宣传活动", body="社区志愿者宣传垃圾分类。" * 8,
                                    days=21))
    cli(config, "sync", "-q")
    numbers = minted(database)
    assert numbers["兴华街道开展垃圾分类宣传活动"] != shown
    assert len(set(numbers.values())) == len(numbers)


WEIBO_FEED = Path("rss.bridge.test") / "weibo" / "xinghua.xml"


def shown_for(database: Path, channel: str, url: str) -> tuple[str, str]:
    """The (item id, 索引号) the item holding this copy shows."""
    with Store(database) as store:
        return store.db.execute("SELECT i.id, i.index_number FROM items i JOIN item_posts ip ON ip.item_id = i.id "
                                "WHERE ip.post_id = ?", [post_id(channel, url)]).fetchone()


def test_an_item_of_the_lost_day_collected_again_keeps_the_number_and_page_the_site_showed(tmp_path, demo_world,
                                                                                           caplog):
    """The office's Weibo feed, served on 127.0.0.1: a post first collected on the day the backup lacks was
    shown under a minted 索引号; after the restore the next night collects it again. Citizens cite that
    number and link that page: the item comes back under both. That night's log says what the restore
    lost: the items the site showed that the store no longer has, and the staff decisions since the backup."""
    world, office = tmp_path / "world", tmp_path / "office"
    shutil.copytree(demo_world, world)
    office.mkdir()
    feed = world / WEIBO_FEED
    whole = feed.read_text(encoding="utf-8")
    newest = re.search(r"<item>.*?</item>\s*", whole, re.S)
    assert newest is not None
    url = re.search(r"<link>(.*?)</link>", newest.group()).group(1)
    feed.write_text(whole.replace(newest.group(), "", 1), encoding="utf-8")  # not posted yet
    database, site = office / "xxgk.db", office / "output" / "site"
    with serve(world) as server:
        config = served_config(office, server.address)
        cli(config, "sync", "-q", "--source", "weibo")
        cli(config, "backup", str(tmp_path / "backup" / "xxgk.db"))
        feed.write_text(whole, encoding="utf-8")  # posted the next day
        cli(config, "sync", "-q", "--source", "weibo")
        item_id, number = shown_for(database, "weibo", url)
        assert is_minted(number) and number in (site / "item" / f"{item_id}.html").read_text(encoding="utf-8")

        restore(tmp_path / "backup" / "xxgk.db", database)
        caplog.clear()
        cli(config, "sync", "-q", "--source", "weibo")
        told = [r.getMessage() for r in caplog.records if r.name == "xxgk.restore"]
        caplog.clear()
        cli(config, "sync", "-q", "--source", "weibo")
        assert [r for r in caplog.records if r.name == "xxgk.restore"] == []  # said once, the night after the restore
    assert len(told) == 1 and "网站上显示过的 1 条信息在数据库中已没有" in told[0] and "员工所做的决定" in told[0]
    assert shown_for(database, "weibo", url) == (item_id, number)
    assert number in (site / "item" / f"{item_id}.html").read_text(encoding="utf-8")
    numbers = minted(database)
    assert len(set(numbers.values())) == len(numbers)
    with Store(database) as store:
        assert shown_numbers(store) == {}  # given back: nothing waits any more


@pytest.mark.parametrize("again", ["website", "wechat"])
def test_any_copy_the_number_was_shown_for_brings_it_back(tmp_path, again):
    """The lost day's item had two copies (the office's site and WeChat); after the restore either one,
    collected again alone, brings back the number the site showed."""
    config = config_without_sources(tmp_path, name="兴华街道办事处", org_code="11220000MB1234567X",
                                    site_url="https://xxgk.example.gov.cn/")
    database = tmp_path / "xxgk.db"
    with Store(database) as store:
        save_posts(store, make_post("first", "website", title="兴华街道召开安全生产工作会议", body="会议部署了安全生产工作。" * 8))
    cli(config, "sync", "-q")
    cli(config, "backup", str(tmp_path / "backup" / "xxgk.db"))
    with Store(database) as store:
        save_posts(store, make_post("lost", "website", days=20), make_post("lost", "wechat", days=20))
    cli(config, "sync", "-q")
    numbers = minted(database)
    assert len(numbers) == 2  # the two copies are one item
    restore(tmp_path / "backup" / "xxgk.db", database)
    with Store(database) as store:
        save_posts(store, make_post("lost", again, days=20))
    cli(config, "sync", "-q")
    assert minted(database) == numbers


def test_a_copy_of_the_lost_day_carrying_its_own_number_shows_that_one(tmp_path):
    """The number kept for a copy is a minted one: when the copy collected again now carries an official
    索引号 (the office filled in its metadata table), the item shows the official number, and the minted one
    is handed to no other item."""
    config, database, shown = lost_day(tmp_path)
    official = "11220000MB1234567X/2020-00031"
    with Store(database) as store:
        save_posts(store, make_post("lost", "website", days=20, meta={"index_number": official}),
                   make_post("next", "website", title="兴华街道开展垃圾分类宣传活动", body="社区志愿者宣传垃圾分类。" * 8, days=21))
    cli(config, "sync", "-q")
    numbers = minted(database)
    assert numbers["兴华街道组织开展防汛应急演练"] == official
    assert shown not in numbers.values()


def test_a_night_records_only_the_numbers_of_items_that_changed(tmp_path):
    """What the outputs showed is kept cheaply: a night adds the lines of its new or changed items, it does
    not write every item's number again."""
    config = config_without_sources(tmp_path, name="兴华街道办事处", org_code="11220000MB1234567X",
                                    site_url="https://xxgk.example.gov.cn/")
    database, kept = tmp_path / "xxgk.db", tmp_path / "output" / ".shown-numbers"
    with Store(database) as store:
        save_posts(store, make_post("first", "website", title="兴华街道召开安全生产工作会议", body="会议部署了安全生产工作。" * 8),
                   make_post("drill", "website", days=20))
    cli(config, "sync", "-q")
    before = kept.read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)[0] for line in before) == sorted(minted(database).values())
    with Store(database) as store:
        save_posts(store, make_post("next", "website", title="兴华街道开展垃圾分类宣传活动", body="社区志愿者宣传垃圾分类。" * 8,
                                    days=21))
    cli(config, "sync", "-q")
    added = kept.read_text(encoding="utf-8").splitlines()[len(before):]
    assert [json.loads(line)[0] for line in added] == [minted(database)["兴华街道开展垃圾分类宣传活动"]]


def test_dedupe_run_by_hand_first_after_a_restore_gives_the_shown_number_back(tmp_path):
    """The operator restores, then runs `xxgk dedupe` by hand before any sync or build: it mints 索引号
    too, so it first takes back what the site showed, as a night does — the lost day's item gets its
    number back, and the post merged before it (published earlier) does not take it."""
    config, database, shown = lost_day(tmp_path)
    with Store(database) as store:
        save_posts(store, make_post("new", "website", title="兴华街道开展垃圾分类宣传活动", body="社区志愿者宣传垃圾分类。" * 8,
                                    days=5),
                   make_post("lost", "website", days=20))
    cli(config, "dedupe")
    numbers = minted(database)
    assert numbers["兴华街道组织开展防汛应急演练"] == shown
    assert numbers["兴华街道开展垃圾分类宣传活动"] != shown


@pytest.mark.parametrize("where", ["command", "review page"])
def test_a_split_made_first_after_a_restore_never_mints_a_shown_number(tmp_path, where):
    """A clerk splits an item after the restore, before any night — by `xxgk split`, or on the review page
    (`xxgk serve` kept running across the restore): the item split out gets a new number, never the one
    the lost day's item showed on the site."""
    config, database, shown = lost_day(tmp_path, first_copies=("website", "wechat"))
    with Store(database) as store:
        (item_id, wechat), = store.db.execute(
            "SELECT ip.item_id, p.id FROM item_posts ip JOIN posts p ON p.id = ip.post_id WHERE p.channel = 'wechat'")
    if where == "command":
        cli(config, "split", item_id, wechat, "--who", "王静")
    else:
        from pipeline import config as config_mod
        from pipeline.review import auth, create_app
        from tests.builders import PASSWORD, log_in

        with Store(database) as store:
            auth.add_user(store, "wang", PASSWORD)
        client = create_app(config_mod.load(config)).test_client()
        assert log_in(client).status_code == 302
        page = client.get(f"/item/{item_id}").get_data(as_text=True)
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        assert client.post("/split", data={"csrf": token, "item": item_id, "post": wechat}).status_code == 302
    with Store(database) as store:
        every = [r[0] for r in store.db.execute("SELECT index_number FROM items")]
    assert len(every) == 2 and shown not in every, (shown, every)

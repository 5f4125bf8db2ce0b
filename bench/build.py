"""`make bench` section: the publish build (pages + feeds) at 10,000 and 100,000 items.

Items come from a real SQLite store filled synthetically through the store's own
schema (posts, post versions, items, their copies), so the timings include reading
the store through pipeline.views.StoreSource exactly as the nightly job does. The
filled store is cached in .cache/bench/ and copied for each run; the output goes to
.cache/bench/build-out-N. Each build runs in a fresh process (its peak memory is its
own). The search index is timed by bench/search.py.

The last run's output is set aside and deleted only after every build is timed: ext4
(without a journal, as here) passes over inodes freed in the last minutes when it
creates a file, so deleting 100,000 files just before a build would bill their
deletion to the build's file creation (several times its sys time).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import CACHE, in_subprocess, peak_mb, stopwatch

SIZES = (10_000, 100_000)
CATEGORIES = [  # a township catalog: (id, name, parent, position)
    ("jgzn", "机构职能", None, 1), ("ldxx", "领导信息", "jgzn", 1), ("nsjg", "内设机构", "jgzn", 2),
    ("zcwj", "政策文件", None, 2), ("gfxwj", "规范性文件", "zcwj", 1), ("qtwj", "其他文件", "zcwj", 2),
    ("gzdt", "工作动态", None, 3), ("tzgg", "通知公告", None, 4), ("czzj", "财政资金", None, 5),
    ("ysjs", "预算决算", "czzj", 1), ("shjz", "社会救助", None, 6), ("dbjz", "低保救助", "shjz", 1),
    ("tkjz", "特困供养", "shjz", 2), ("ggfw", "公共服务", None, 7), ("yjgl", "应急管理", None, 8),
]
LEAVES = ["ldxx", "nsjg", "gfxwj", "qtwj", "gzdt", "tzgg", "ysjs", "dbjz", "tkjz", "ggfw", "yjgl"]
T0 = datetime.fromisoformat("2015-01-05T09:00:00+08:00")
PARAGRAPH = ("为进一步做好辖区垃圾分类和人居环境整治工作，街道办事处组织各社区开展专项检查，"
             "对发现的问题逐一登记、限期整改，并将整改情况纳入年度考核。")


def _store_path(n: int) -> Path:
    return CACHE / f"build-store-{n}.db"


def _rows(n: int, start: int = 0) -> Iterator[tuple[tuple, ...]]:
    """(items row, [posts rows], version row, [item_posts rows]) for items start..start+n-1."""
    for k in range(start, start + n):
        when = (T0 + timedelta(minutes=47 * k)).isoformat()
        item_id = f"i{k:07d}"
        title = f"关于第{k}期辖区人居环境整治工作的通知（{LEAVES[k % len(LEAVES)]}）"
        site_post, wx_post = f"pw{k:07d}", f"px{k:07d}"
        body = "".join(f"<p>{PARAGRAPH}（{k}-{i}）</p>" for i in range(8))
        body += f'<p><a href="/xhj/files/{k}.pdf">附件下载</a> <img src="/xhj/img/{k}.png" alt="现场照片"></p>'
        meta = json.dumps({"publisher": "兴华街道办事处", "doc_number": f"兴街发〔{when[:4]}〕{k % 300 + 1}号",
                           "topic": "综合政务\\政务公开"}, ensure_ascii=False)
        attachments = json.dumps([{"url": f"/xhj/files/{k}.pdf", "name": f"附件{k}.pdf"}], ensure_ascii=False)
        yield (
            (item_id, f"11220202MB0000000X/{when[:4]}-{k:06d}", title, when, "website", when[:10], when,
             LEAVES[k % len(LEAVES)], "有效", 0, site_post),
            ((site_post, "website", f"https://www.example.gov.cn/xhj/art/{k}.html", title, when),
             (wx_post, "wechat", f"https://mp.weixin.qq.com/s/bench{k}", title, when)),
            (site_post, body, PARAGRAPH * 8, attachments, meta),
            ((site_post, item_id), (wx_post, item_id)),
        )


def fill(store, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Insert items start..start+n-1 (two copies each) straight into the store's tables."""
    items, posts, versions, links = [], [], [], []
    for item, post_rows, version, link_rows in _rows(n, start):
        items.append(item)
        posts.extend(post_rows)
        versions.append(version)
        links.extend(link_rows)
    with store.transaction():
        db = store.db.conn
        db.executemany("""INSERT INTO posts (id, channel, url, title, published_at, version, first_seen, last_seen,
                          source, content_hash) VALUES (?, ?, ?, ?, ?, 1, ?5, ?5, 'bench', '')""", posts)
        db.executemany("""INSERT INTO post_versions (post_id, version, body_html, body_text, attachments, meta)
                          VALUES (?, 1, ?, ?, ?, ?)""", versions)
        db.executemany("""INSERT INTO items (id, index_number, title, published_at, first_channel, formed_on,
                          updated_at, category, validity, withdrawn, primary_post) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
                       items)
        db.executemany("INSERT INTO item_posts (post_id, item_id) VALUES (?, ?)", links)


def _prepared_store(n: int) -> Path:
    from pipeline.store import Store

    path = _store_path(n)
    if not path.exists():
        tmp = path.with_suffix(".tmp.db")
        _remove_db(tmp)
        store = Store(tmp)
        fill(store, n)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.db.conn.close()
        tmp.rename(path)
    return path


def _site():  # type: ignore[no-untyped-def]
    from pipeline.models import SHANGHAI
    from pipeline.publish import SiteInfo

    return SiteInfo(office_name="兴华街道办事处", site_url="https://xxgk.example.gov.cn/xhj/",
                    feed_url="https://xxgk.example.gov.cn/xhj/feeds/", site_id_code="2202020001",
                    timezone=SHANGHAI)


def _build(store_path: str, out: str) -> dict:
    from pipeline.models import Category
    from pipeline.publish import build
    from pipeline.store import Store
    from pipeline.views import item_views

    store = Store(store_path)
    cats = [Category(*c) for c in CATEGORIES]
    with stopwatch() as t:
        stats = build(item_views(store, _site().timezone), cats, _site(), Path(out), search=False)
    result = {"seconds": t["seconds"], "written": len(stats.written), "peak": peak_mb(),
              "pages": sum(1 for p in stats.written if p.endswith(".html"))}
    return result


def _add_one(store_path: str, n: int) -> None:
    from pipeline.store import Store

    fill(Store(store_path), 1, start=n)


TRASH = CACHE / "build-trash"  # earlier outputs, deleted once the timings are done


def run() -> Iterator[str]:
    try:
        yield from _run()
    finally:
        shutil.rmtree(TRASH, ignore_errors=True)


def _run() -> Iterator[str]:
    for n in SIZES:
        work = CACHE / f"build-work-{n}.db"
        out = CACHE / f"build-out-{n}"
        _remove_db(work)  # with its -wal: a stale WAL would be replayed into the fresh copy
        shutil.copyfile(_prepared_store(n), work)
        if out.exists():
            TRASH.mkdir(exist_ok=True)
            out.rename(TRASH / f"{out.name}-{time.time_ns()}")
        os.sync()  # earlier runs' writes are flushed before the clock starts, not charged to this build
        full = in_subprocess(_build, str(work), str(out))
        files = full["written"]
        yield (f"build full: {n} items, {files / full['seconds']:.0f} pages/s, {full['seconds']:.1f} s, "
               f"peak {full['peak']:.0f} MB ({files} files: {full['pages']} pages + feeds, sitemap; "
               f"store read included)")
        in_subprocess(_add_one, str(work), n)
        os.sync()
        again = in_subprocess(_build, str(work), str(out))
        yield (f"build incremental: 1 new item, {again['written']} files written, {again['seconds']:.2f} s "
               f"at {n} items")
        _remove_db(work)


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

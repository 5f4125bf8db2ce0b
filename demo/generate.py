"""Write the demo office's web world to a folder, one sub-folder per virtual host.

    python -m demo.generate --out DIR [--items N] [--seed S]

The default world is 兴华街道 2020 (counts as in the seed annual report); ``--items N``
gives the same kind of world with N items over 2016–2025. The same arguments give
byte-identical files. Besides the host folders, ``_headers.json`` (per-file response
headers the server must send) and ``truth.json`` (the known answer) are written;
neither is served.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import sys
import threading
import zlib
from html import escape
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from demo import render
from demo.content import CATEGORIES, make_body
from demo.world import (BRIDGE, CATALOG, CATALOG_ROOT, WEBSITE, WECHAT, Copy, Item, assign_addresses,
                        default_world, scaled_world)

HOSTS = (WEBSITE, CATALOG, WECHAT, BRIDGE)
PER_PAGE = 20
WECHAT_FEED = f"{BRIDGE}/wechat/xinghua.atom"
WEIBO_FEED = f"{BRIDGE}/weibo/xinghua.xml"

# 1×1 PNG and a tiny one-page PDF: placeholders for images and attachments
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5b5e7c30000000049454e44ae426082"
)
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
ATTACHMENT_NAMES = ("报名登记表", "申请表", "名单", "明细表", "工作方案", "情况统计表")


def _write_file(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


class Writer:
    """Writes files under the output folder and counts them; remembers header overrides.

    File creation is slow on some disks, so writes go to background threads (the
    system calls release the GIL) while the main thread renders the next pages.
    Content never depends on write order, so the output stays deterministic.
    """

    THREADS = 3

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dirs: set[str] = set()
        self.files: Counter[str] = Counter()
        self.headers: dict[str, dict[str, str]] = {}
        self.gbk = 0
        self.queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=2000)
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._drain, daemon=True) for _ in range(self.THREADS)]
        for t in self.threads:
            t.start()

    def _drain(self) -> None:
        while (job := self.queue.get()) is not None:
            try:
                _write_file(*job)
            except BaseException as exc:  # reported by close()
                self.errors.append(exc)

    def close(self) -> None:
        """Wait for every queued file to be written; raise the first write error."""
        for _ in self.threads:
            self.queue.put(None)
        for t in self.threads:
            t.join()
        if self.errors:
            raise self.errors[0]

    def write(self, rel: str, data: bytes) -> None:
        path = f"{self.root}/{rel}"
        parent = path.rsplit("/", 1)[0]
        if parent not in self.dirs:
            os.makedirs(parent, exist_ok=True)
            self.dirs.add(parent)
        self.queue.put((path, data))
        self.files[rel.split("/", 1)[0]] += 1

    def html(self, rel: str, make: Callable[[str], str], may_gbk: bool = False) -> None:
        """Write a page; a quarter of ``may_gbk`` pages go out in GBK (half with a charset header)."""
        h = zlib.crc32(rel.encode())
        if may_gbk and h % 4 == 0:
            try:
                data = make(render.GBK_META).encode("gbk")
            except UnicodeEncodeError:
                data = None
            if data is not None:
                self.write(rel, data)
                self.gbk += 1
                ctype = "text/html; charset=GBK" if (h >> 8) & 1 else "text/html"
                self.headers[rel] = {"Content-Type": ctype}
                return
        self.write(rel, make(render.UTF8_META).encode("utf-8"))


def _clean(out: Path) -> None:
    """Remove an earlier generation; refuse to touch a folder that is not one."""
    if not out.exists():
        return
    entries = list(out.iterdir())
    if entries and not (out / "truth.json").exists():
        raise SystemExit(f"{out} is not empty and holds no earlier demo world; refusing to overwrite it")
    for name in HOSTS:
        shutil.rmtree(out / name, ignore_errors=True)
    for name in ("truth.json", "_headers.json"):
        (out / name).unlink(missing_ok=True)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


class World:
    """Renders items one at a time, keeping only what list pages and feeds need."""

    def __init__(self, w: Writer, seed: int) -> None:
        self.w = w
        self.rng = random.Random(seed + 1)
        self.columns: dict[str, list[tuple[datetime, int, str, str]]] = {"gzdt": [], "tzgg": []}
        self.catalog: list[tuple[datetime, int, str, str]] = []
        self.wechat: list[tuple[datetime, str, str, str]] = []
        self.weibo: list[tuple[datetime, str, str, str]] = []
        self.seq: Counter[tuple[str, str]] = Counter()

    def _files(self, folder: str, day: str, kind: str, n: int) -> list[str]:
        names = []
        for _ in range(n):
            self.seq[(folder, day + kind)] += 1
            ext = "pdf" if kind == "P" else "png"
            name = f"{kind}0{day}_{self.seq[(folder, day + kind)]:03d}.{ext}"
            self.w.write(f"{folder}/{name}", PDF if kind == "P" else PNG)
            names.append(f"./{name}")
        return names

    def _attachments(self, item: Item, folder: str, day: str) -> list[tuple[str, str]]:
        kind = CATEGORIES[item.category].kind
        if kind == "news" or self.rng.random() > 0.4:
            return []
        n = self.rng.randint(1, 2)
        hrefs = self._files(folder, day, "P", n)
        if item.category in ("czyjs", "sgjf"):
            names = [f"{item.title}公开表.pdf"] + [f"附件{k}：{item.title}说明.pdf" for k in range(2, n + 1)]
        else:
            names = [f"附件{k}：{self.rng.choice(ATTACHMENT_NAMES)}.pdf" for k in range(1, n + 1)]
        return list(zip(hrefs, names))

    def item(self, item: Item) -> dict[str, Any]:
        rng = self.rng
        plain = make_body(item.category, item.title, rng, item.first.published)
        summary = "".join(plain)[:60]
        paras = [escape(p) for p in plain]
        cat = CATEGORIES[item.category]
        wx_images = [f"https://mmbiz.qpic.cn/mmbiz_jpg/{rng.getrandbits(160):040x}/640?wx_fmt=jpeg"
                     for _ in range(rng.randint(1, 3))]
        copies = []
        for c in item.copies:
            later = c is not item.first
            p = c.published
            if c.channel == "website":
                folder, name = c.path.rsplit("/", 1)
                day = f"{p:%Y%m%d}"
                images = self._files(folder, day, "W", rng.randint(1, 2)) if cat.kind == "news" and rng.random() < 0.4 else []
                atts = self._attachments(item, folder, day)
                body = paras + ["来源：兴华街道办事处"] if later else paras
                style = rng.randrange(3)
                def article(meta: str, c: Copy = c, body: list[str] = body, images: list[str] = images,
                            atts: list[tuple[str, str]] = atts, style: int = style) -> str:
                    return render.website_article(column=c.column, title=c.title, url=c.url, published=c.published,
                                                  paras=body, images=images, attachments=atts, date_style=style,
                                                  charset_meta=meta, hostile=item.hostile)

                self.w.html(c.path, article, may_gbk=True)
                rel = "./" + c.path.split(f"/xwzx/{c.column}/", 1)[1]
                self.columns[c.column].append((p, int(c.ids["id"]), rel, c.title))
            elif c.channel == "catalog":
                folder = c.path.rsplit("/", 1)[0]
                atts = self._attachments(item, folder, f"{p:%Y%m%d}")
                self.w.write(c.path, render.catalog_detail(title=c.title, ids=c.ids, topic=cat.topic, published=p,
                                                           paras=paras, attachments=atts).encode("utf-8"))
                rel = "./" + c.path.split(f"/{CATALOG_ROOT}/", 1)[1]
                self.catalog.append((p, int(c.ids["id"]), rel, c.title))
            elif c.channel == "wechat":
                self.w.write(c.path, render.wechat_article(title=c.title, ids=c.ids, published=p, paras=paras,
                                                           images=wx_images, summary=summary).encode("utf-8"))
                self.wechat.append((p, c.title, c.url, summary))
            else:  # weibo: the bridge feed carries the whole post
                c.title = f"【{item.title}】{plain[0]}"
                img = f'<img src="https://wx{rng.randint(1, 4)}.sinaimg.cn/large/{rng.getrandbits(96):024x}.jpg" referrerpolicy="no-referrer"><br>'
                desc = f"【{escape(item.title)}】{paras[0]}<br><br>#兴华街道# <br><br>{img}"
                self.weibo.append((p, c.title, c.url, desc))
            copies.append({"channel": c.channel, "url": c.url, "title": c.title, "published": _iso(p)})
        out = {
            "key": item.key, "title": item.title, "category": item.category,
            "first_channel": item.first.channel, "first_published": _iso(item.first.published),
            "normative": item.normative, "copies": copies,
        }
        if item.hostile:
            out["hostile_html"] = True
        if item.first.channel == "catalog" or any(c.channel == "catalog" for c in item.copies):
            cc = next(c for c in item.copies if c.channel == "catalog")
            out["index_number"] = cc.ids["index_number"]
            out["doc_number"] = cc.ids["doc_number"]
        return out

    def lists(self) -> None:
        for col, rows in self.columns.items():
            rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
            pages = max(1, -(-len(rows) // PER_PAGE))
            for pg in range(pages):
                chunk = [(h, t, f"{p:%Y-%m-%d}") for p, _, h, t in rows[pg * PER_PAGE:(pg + 1) * PER_PAGE]]
                name = "index.html" if pg == 0 else f"index_{pg}.html"
                self.w.html(f"{WEBSITE}/xwzx/{col}/{name}", partial(render.website_list, col, chunk, pg, pages),
                            may_gbk=True)
        latest = {col: [(f"/xwzx/{col}/{h[2:]}", t, f"{p:%Y-%m-%d}") for p, _, h, t in rows[:7]]
                  for col, rows in self.columns.items()}
        self.w.html(f"{WEBSITE}/index.html", lambda meta: render.website_home(latest, meta))

        rows = sorted(self.catalog, key=lambda r: (r[0], r[1]), reverse=True)
        pages = max(1, -(-len(rows) // PER_PAGE))
        for pg in range(pages):
            chunk = [(h, t, f"{p:%Y-%m-%d}") for p, _, h, t in rows[pg * PER_PAGE:(pg + 1) * PER_PAGE]]
            name = "index.html" if pg == 0 else f"index_{pg}.html"
            self.w.write(f"{CATALOG}/{CATALOG_ROOT}/{name}",
                         render.catalog_list(chunk, pg, pages, pg * PER_PAGE + 1).encode("utf-8"))

    def feeds(self) -> None:
        self.wechat.sort(key=lambda e: e[0], reverse=True)
        self.weibo.sort(key=lambda e: e[0], reverse=True)
        self.w.write(WECHAT_FEED, render.wechat_atom(self.wechat).encode("utf-8"))
        self.w.write(WEIBO_FEED, render.weibo_rss(self.weibo).encode("utf-8"))

    def statics(self) -> None:
        allow = b"User-agent: *\nDisallow:\n"
        self.w.write(f"{WEBSITE}/robots.txt", b"User-agent: *\nDisallow: /admin/\n")
        for host in (CATALOG, WECHAT, BRIDGE):
            self.w.write(f"{host}/robots.txt", allow)
        self.w.write(f"{WEBSITE}/images/style.css", b"body{margin:0;font:14px/1.8 \"Microsoft YaHei\",SimSun;}\n.list-ul li{overflow:hidden}\n")
        self.w.write(f"{WEBSITE}/images/jquery.min.js", b"/* jQuery placeholder for the demo site */\n")
        self.w.write(f"{WEBSITE}/counter.js", b"document.write('1024');\n")
        self.w.write(f"{WEBSITE}/images/logo.png", PNG)
        self.w.write(f"{WEBSITE}/images/banner.png", PNG)
        self.w.write(f"{CATALOG}/css/xxgk.css", b".xxgk-meta th{width:12%}\n")
        self.w.write(f"{CATALOG}/index.html", (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>昌邑区人民政府信息公开</title></head>\n'
            '<body><h1>昌邑区人民政府信息公开</h1><ul><li><a href="/qtdw/xhj/gkml/">兴华街道</a></li></ul></body></html>\n'
        ).encode())


def generate(out_dir: Path, items: int | None = None, seed: int = 2020) -> dict[str, Any]:
    """Write the demo world to ``out_dir``; return a summary of what was written."""
    out_dir = Path(out_dir)
    _clean(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = default_world(seed) if items is None else scaled_world(items, seed)
    assign_addresses(plan, seed)
    w = Writer(out_dir)
    try:
        summary = _write_world(w, plan, seed, items, out_dir)
    finally:
        w.close()
    return summary


def _write_world(w: Writer, plan: list[Item], seed: int, items: int | None, out_dir: Path) -> dict[str, Any]:
    world = World(w, seed)
    firsts: Counter[str] = Counter()
    copies: Counter[str] = Counter()
    in_2020 = 0
    with open(out_dir / "truth.json", "w", encoding="utf-8") as truth:
        truth.write('{"office": "兴华街道办事处", "seed": %d, "items_requested": %s,\n' % (seed, json.dumps(items)))
        truth.write(' "feeds": {"wechat": "http://%s", "weibo": "http://%s"},\n "items": [\n' % (WECHAT_FEED, WEIBO_FEED))
        for i, item in enumerate(plan):
            rec = world.item(item)
            truth.write((",\n" if i else "") + json.dumps(rec, ensure_ascii=False))
            firsts[item.first.channel] += 1
            in_2020 += item.first.published.year == 2020
            for c in item.copies:
                copies[c.channel] += 1
        truth.write("\n]}\n")
    world.lists()
    world.feeds()
    world.statics()
    (out_dir / "_headers.json").write_text(
        json.dumps(dict(sorted(w.headers.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    pages = sum(copies[ch] for ch in ("website", "catalog", "wechat"))
    return {
        "out": str(out_dir),
        "items": len(plan),
        "items_first_in_2020": in_2020,
        "first_channel": dict(sorted(firsts.items())),
        "copies": dict(sorted(copies.items())),
        "article_pages": pages,
        "list_pages": sum(max(1, -(-len(rows) // PER_PAGE))
                          for rows in (world.columns["gzdt"], world.columns["tzgg"], world.catalog)),
        "gbk_pages": w.gbk,
        "files": dict(sorted(w.files.items())),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m demo.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output folder (created; an earlier world there is replaced)")
    ap.add_argument("--items", type=int, default=None, help="scaled world with N items over 2016–2025 (default: the 2020 world)")
    ap.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
    args = ap.parse_args(argv)
    if args.items is not None and args.items < 1:
        ap.error("--items must be at least 1")
    summary = generate(args.out, args.items, args.seed)
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

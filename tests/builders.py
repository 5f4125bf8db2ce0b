"""Builders the test files share: configs, the CLI, the review page's log-in, store rows and posts,
publish inputs (ItemViews, the hostile corpus), the static search run by Node.js.

Plain functions and constants; the pytest fixtures built from them are in conftest.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner, Result

from pipeline import config as config_mod
from pipeline.commands import main
from pipeline.config import Config
from pipeline.models import SHANGHAI, Attachment, Category, ChannelCopy, ItemView, Post
from pipeline.htmltools import clean_html
from pipeline.publish import SiteInfo
from pipeline.store import Store, post_id

REPO = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO / "demo" / "xxgk.toml"


# --- configs ---------------------------------------------------------------------------------


def write_config(folder: Path, text: str | None = None) -> Path:
    """A copy of the demo config whose database and output live in `folder`."""
    text = text if text is not None else DEMO_CONFIG.read_text(encoding="utf-8")
    text = text.replace('database = "../output/xxgk-demo.db"', 'database = "xxgk.db"')
    text = text.replace('output = "../output"', 'output = "output"')
    path = folder / "xxgk.toml"
    path.write_text(text, encoding="utf-8")
    return path


DEMO_HOSTS = ["www.xinghua.gov.test", "xxgk.cyq.gov.test", "rss.bridge.test", "mp.weixin.qq.com"]


def served_config(folder: Path, address: str, extra: str = "") -> str:
    """The demo config in `folder` (plus ``extra`` TOML), its hosts sent to the demo server at ``address``."""
    path = write_config(folder)
    text = path.read_text(encoding="utf-8") + extra + "\n"
    # [fetch.resolve] must sit inside [fetch]: an inline table right after its header.
    text = text.replace("[fetch]\n", "[fetch]\nresolve = { " + ", ".join(f'"{h}" = "http://{address}"' for h in DEMO_HOSTS)
                        + " }\n", 1)
    path.write_text(text, encoding="utf-8")
    return str(path)


def config_without_sources(folder: Path, **office: object) -> Path:
    """xxgk.toml in ``folder`` for an office without sources (it keeps only its registers, or the test
    puts its items in the store): [office] from ``office`` (name, org_code, site_url …), store and
    output in ``folder``."""
    keys = "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in office.items())
    path = folder / "xxgk.toml"
    path.write_text(f'[office]\n{keys}\n[paths]\ndatabase = "xxgk.db"\noutput = "output"\n\n'
                    '[fetch]\nuser_agent = "xxgk-test/0.1"\ncontact = "mailto:it@example.gov.cn"\n', encoding="utf-8")
    return path


class OfficeFiles(NamedTuple):
    """An office's config file (as the CLI takes it) and its folder (store, figures, output)."""

    config: str
    folder: Path

    @property
    def database(self) -> Path:
        return self.folder / "xxgk.db"

    def load(self) -> Config:
        return config_mod.load(self.config)


# The seed report (兴华街道 2020): 156 items proactively published, 57 through 政务微博、微信,
# 99 through other channels, 0 normative documents.
SEED_2020 = {"total": 156, "wechat_weibo": 57, "other": 99, "normative_documents": 0}


# --- the CLI ---------------------------------------------------------------------------------


def invoke(config: Path | str, *args: str, **kw: object) -> Result:
    """`xxgk --config CONFIG ARGS…` through click, exceptions raised (not turned into exit codes)."""
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False, **kw)


def cli(config: Path | str, *args: str, code: int = 0) -> str:
    """`xxgk --config CONFIG ARGS…`: its output, once its exit code is ``code`` and it shows no traceback."""
    result = invoke(config, *args)
    assert result.exit_code == code, (args, result.output)
    assert "Traceback" not in result.output
    return result.output


def report_json(config: Path | str, year: int, *extra: str) -> dict:
    """`xxgk report --year YEAR --format json`, parsed."""
    return json.loads(cli(config, "report", "--year", str(year), "--format", "json", *extra))


def add_application(config: Path | str, received: str, who: str = "自然人", *extra: str, channel: str = "网站",
                    request: str = "申请公开……", code: int = 0) -> str:
    """`xxgk application add`: its output (the new application's id first)."""
    return cli(config, "application", "add", "--received", received, "--channel", channel,
               "--applicant-type", who, "--request", request, *extra, code=code)


def nonzero(table: dict) -> dict:
    """A report table's non-zero cells, by (row, column)."""
    return {(r, c): n for r, cols in table.items() for c, n in cols.items() if n}


# --- the review page -----------------------------------------------------------------------

PASSWORD = "correct horse battery"  # of "wang", the staff account of the review_office fixture


def login_form_token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def log_in(client, name: str = "wang", password: str = PASSWORD):
    return client.post("/login", data={"csrf": login_form_token(client), "name": name, "password": password})


def browser_log_in(page, site: str, password: str = PASSWORD):
    page.goto(site + "/login")
    page.fill("input[name=name]", "wang")
    page.fill("input[name=password]", password)
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    return answer.value


# --- the store -------------------------------------------------------------------------------


def local_time(published: str) -> datetime:
    """Asia/Shanghai time from "YYYY-MM-DD[ HH:MM]" (10:00 when no time is given)."""
    return datetime.fromisoformat(published if " " in published else published + " 10:00").replace(tzinfo=SHANGHAI)


def utc_iso(published: str) -> str:
    """The store's form of a local time: UTC, ISO 8601 to the second."""
    return local_time(published).astimezone(timezone.utc).isoformat(timespec="seconds")


def published_item(store: Store, item_id: str, index_number: str, title: str, category: str,
                   copies: list[tuple[str, str, str]], *, body: str, saved_at: datetime,
                   attachments: tuple[Attachment, ...] = (), **columns: object) -> None:
    """An item as the merge stage leaves it, its category confirmed by staff (so no classifier
    change can move it): its copies saved as posts (channel, url, local time; the first is the
    item's primary post), linked to it. ``columns``: other items columns (doc_number, normative …)."""
    pids = []
    for channel, url, published in copies:
        store.save_post(Post(source=channel, channel=channel, url=url, title=title, published_at=local_time(published),
                             body_html=f"<p>{body}</p>", body_text=body, attachments=attachments), now=saved_at)
        pids.append(post_id(channel, url))
    first_channel, _, first_published = copies[0]
    store.db["items"].insert({
        "id": item_id, "index_number": index_number, "minted_index": None, "title": title,
        "published_at": utc_iso(first_published), "updated_at": utc_iso(first_published),
        "first_channel": first_channel, "count_channel": first_channel, "category": category,
        "confidence": 1.0, "reason": "staff", "status": "confirmed", "primary_post": pids[0],
        "created_at": saved_at.isoformat(timespec="seconds"), "dirty": 0, **columns})
    for pid in pids:
        store.db["item_posts"].insert({"post_id": pid, "item_id": item_id, "rule": "staff", "score": 1.0})


def item_row(store: Store, n: int, published: str, *, title: str | None = None, channel: str = "website",
             category: str = "gzdt", **columns: object) -> None:
    """An item row alone (no posts: enough for the report and the district's checks), id i000n,
    first published at local time ``published`` (YYYY-MM-DD[ HH:MM])."""
    at = local_time(published)
    store.db["items"].insert({"id": f"i{n:04d}", "index_number": f"X/{at.year}-{n:05d}", "title": title or f"信息{n}",
                              "published_at": utc_iso(published), "first_channel": channel, "category": category,
                              **columns})


# A real-looking news post (a flood drill) on any channel, for the merge stage.
DRILL_BODY = (
    "5月12日上午，兴华街道在松江社区组织开展防汛应急演练，街道班子成员、各科室负责人及社区工作人员六十余人参加。\n"
    "演练模拟了强降雨导致低洼小区积水、居民被困的情景，检验了预警发布、人员转移、物资调配等环节。\n"
    "演练结束后，街道党工委书记进行了点评，要求各社区进一步完善应急预案，加强防汛物资储备和队伍建设。\n"
    "下一步，兴华街道将持续开展隐患排查，确保辖区居民安全度汛。"
)
DRILL_AT = datetime(2020, 5, 12, 9, 30, tzinfo=SHANGHAI)
POST_URLS = {"wechat": "https://mp.weixin.qq.com/s/{}", "website": "http://www.xinghua.gov.test/xwzx/gzdt/{}.html",
             "catalog": "http://xxgk.cyq.gov.test/gkml/{}.html", "weibo": "https://weibo.com/7412589630/{}"}


def make_post(slug: str, channel: str = "wechat", *, title: str = "兴华街道组织开展防汛应急演练", body: str = DRILL_BODY,
              days: float = 0, meta: dict | None = None) -> Post:
    """The drill as one channel's copy, ``days`` after DRILL_AT (override title, body, meta)."""
    return Post(source=channel, channel=channel, url=POST_URLS[channel].format(slug), title=title,
                published_at=DRILL_AT + timedelta(days=days), body_text=body, body_html=f"<p>{body}</p>", meta=meta or {})


def save_posts(store: Store, *posts: Post, now: datetime | None = None) -> None:
    """Store posts as a collect run would (one transaction)."""
    with store.transaction():
        for p in posts:
            store.save_post(p, now=now)


def items_of(store: Store) -> dict[str, set[str]]:
    """item id → titles of its posts."""
    out: dict[str, set[str]] = {}
    for item_id, title in store.db.execute(
            "SELECT ip.item_id, p.title FROM item_posts ip JOIN posts p ON p.id = ip.post_id"):
        out.setdefault(item_id, set()).add(title)
    return out


# --- publish inputs (ItemViews, no store) ------------------------------------------------------

T0 = datetime(2020, 3, 1, 9, 0, tzinfo=SHANGHAI)
SITE = SiteInfo(
    office_name="兴华街道办事处",
    site_url="https://xxgk.example.gov.cn/xhj/",
    feed_url="https://xxgk.example.gov.cn/xhj/feeds/",
    site_id_code="2202020001",
    address="兴华路1号",
    phone="0432-12345678",
    fax="0432-12345679",
    email="xhj@example.gov.cn",
    office_hours="工作日 8:30-17:00",
    feed_entries=5,
    timezone=SHANGHAI,
)
CATEGORIES = [
    Category("gzdt", "工作动态", None, 1),
    Category("tzgg", "通知公告", None, 2),
    Category("zcwj", "政策文件", None, 3),
    Category("gfxwj", "规范性文件", "zcwj", 1),
    Category("qtwj", "其他文件", "zcwj", 2),
    Category("empty", "空栏目", None, 4),
]
REPORTS = {
    2020: {
        "year": 2020,
        "proactive": {"total": 156, "wechat_weibo": 57, "other": 99, "normative_documents": 0,
                      "by_category": {"gzdt": 80, "tzgg": 76}},
        "applications": {"received": 2, "results": {"granted": 1, "partly": 1}},
        "appeals": {"review": 0, "litigation": 0},
    }
}


def make_item(n: int = 1, **overrides: object) -> ItemView:
    """A plausible published item; ``n`` spaces items 7 hours apart."""
    when = T0 + timedelta(hours=7 * n)
    fields: dict[str, object] = dict(
        id=f"item{n:04d}",
        index_number=f"11220202MB0000000X/2020-{n:05d}",
        title=f"关于第{n}期社区工作的通知",
        body_html=f'<p>第{n}期。<a href="files/{n}.pdf">下载</a> <img src="/img/{n}.png" alt=""></p>',
        summary=f"第{n}期社区工作安排。",
        published_at=when,
        updated_at=when,
        first_channel="website",
        category=("gzdt", "tzgg", "gfxwj", "qtwj")[n % 4],
        formed_on=date(2020, 3, 1),
        publisher="兴华街道办事处",
        doc_number=f"兴街发〔2020〕{n}号",
        topic="综合政务\\政务公开",
        validity="有效",
        copies=(
            ChannelCopy("website", f"https://www.example.gov.cn/xhj/art/2020/{n}.html", when),
            ChannelCopy("wechat", f"https://mp.weixin.qq.com/s/abc{n}", when + timedelta(minutes=5)),
        ),
        attachments=(Attachment(f"/files/{n}.docx", f"附件{n}.docx"),),
    )
    fields.update(overrides)
    return ItemView(**fields)  # type: ignore[arg-type]


# The hostile corpus (tests/fixtures/hostile/payloads.json): script, markup and URL payloads.
PAYLOADS = json.loads((REPO / "tests/fixtures/hostile/payloads.json").read_text("utf-8"))


def hostile_items() -> list:
    """Every payload in titles, bodies (through the real sanitiser), attachments, metadata, copy URLs."""
    out = []
    texts, bodies, urls = PAYLOADS["text"], PAYLOADS["bodies"], PAYLOADS["urls"]
    for n, text in enumerate(texts):
        base = f"https://www.example.gov.cn/xhj/art/h{n}.html"
        out.append(make_item(
            500 + n, id=f"hostile{n:02d}", title=text, summary=text, index_number=f"{text}/{n}",
            publisher=text, doc_number=text, topic=text, validity=text,
            body_html=clean_html(bodies[n % len(bodies)] + f"<p>{text}</p>", base),
            attachments=tuple(Attachment(u, text) for u in urls) + (Attachment("/f/ok.pdf", text),),
            copies=(ChannelCopy("website", base, T0), ChannelCopy("wechat", urls[n % len(urls)], T0),
                    ChannelCopy("weibo", urls[(n + 1) % len(urls)], T0, withdrawn_at=T0)),
        ))
    return out


# --- the static search, run by Node.js as the search page runs it --------------------------------

SEARCH_CORE = REPO / "pipeline/publish/static/search-core.js"
SEARCH_RUNNER = REPO / "bench/search_node.js"


def ask_search(search_dir: Path, queries: list) -> dict:
    """{query: (error, [[item id, in title], …])} from the search script (a query given as
    [query, n] is asked for n results at a time, as the search page does)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("the search tests need Node.js (Debian package nodejs) to run static/search-core.js")
    done = subprocess.run([node, str(SEARCH_RUNNER), str(SEARCH_CORE), str(search_dir)], capture_output=True,
                          text=True, input="".join(json.dumps(q) + "\n" for q in queries), check=True, timeout=120)
    return {(q if isinstance(q, str) else tuple(q)): (err, hits) for q, err, hits in map(json.loads, done.stdout.splitlines())}


# An office with no sources yet: a test appends the [sources.…] it serves on 127.0.0.1 (no pause
# between requests, no retries).
XINGAN_OFFICE = """
[office]
name = "兴安街道办事处"
org_code = "11220202MB0X99999Y"
site_url = "https://xxgk.xingan.gov.test/"

[fetch]
rate_per_host = 0
retries = 0
"""

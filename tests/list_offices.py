"""Two test offices whose lists are not in their HTML, served on 127.0.0.1 by a LoopbackSite.

青松镇 runs Hanweb (大汉) JCMS: its column page embeds the first 45 records in a
`<script type="text/xml"><datastore>` block and pages through
`/module/web/jpage/dataproxy.jsp` by POST (tests/fixtures/hanweb/PROVENANCE.md says where
each piece of markup comes from). 松山街道's column page is an empty shell whose script
loads a JSON list API. Articles are the real Hanweb article page
(tests/fixtures/gov_article/jiangsu_hanweb_clone.html) with their own title, date and body;
every fifth Hanweb article is a 信息公开 page with a `.main-txt` body and a metadata table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline import config as config_mod
from pipeline.collect import SourceOutcome, collect_all
from pipeline.config import Config
from pipeline.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
HANWEB_HOST = "www.qingsong.gov.test"
API_HOST = "www.songshan.gov.test"
COLUMN_ID, UNIT_ID, WEB_ID = 1229, "4567", 12
PER_PAGE, GROUP_SIZE = 15, 3
SERVER_CAP = 100  # records the dataproxy answers at most per request, as busy servers limit it
WEBNAME = "青松镇人民政府"
FIRST_DAY = date(2021, 1, 4)

# The real article page and the values it holds, replaced per article.
_ARTICLE = (FIXTURES / "gov_article" / "jiangsu_hanweb_clone.html").read_text(encoding="utf-8")
_REAL_TITLE = "“奋进新征程——庆祝中华人民共和国成立75周年江苏省美术书法展”开幕"
_REAL_PATH = "/art/2024/10/14/art_60085_11394426.html"
_REAL_TIME = "2024-10-14 10:17"
_REAL_SOURCE = "省文化和旅游厅办公室"
_BODY_START, _BODY_END = "<!--ZJEG_RSS.content.begin-->", "<!--ZJEG_RSS.content.end-->"


def answer(handler, content_type: str, text: str) -> None:
    """A 200 answer from a LoopbackSite route function."""
    body = text.encode("utf-8")
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def collected(folder: Path, site, config_text: str) -> Iterator[tuple[Config, Store, SourceOutcome]]:
    """An office's config in folder, its hosts sent to site, its store after one collect run."""
    path = folder / "xxgk.toml"
    path.write_text(config_text, encoding="utf-8")
    config = config_mod.load(path).with_resolve(site.address)
    with Store(config.database) as store:
        yield config, store, collect_all(config, store, store.start_run("collect"))[0]


@dataclass
class Record:
    n: int  # 1 = the oldest
    title: str
    day: date
    path: str

    @property
    def body(self) -> str:
        return f"<p>　　各村（社区）：现将第{self.n}项工作安排通知如下。</p><p>特此通知。</p>"


def hanweb_record(n: int) -> Record:
    day = FIRST_DAY + timedelta(days=2 * n)
    return Record(n, f"青松镇关于做好第{n}项重点工作的通知", day,
                  f"/art/{day.year}/{day.month}/{day.day}/art_{COLUMN_ID}_{70000 + n}.html")


def record_cdata(record: Record) -> str:
    """One list row as the column's template writes it (single-quoted attributes, date in a span)."""
    short = record.title if len(record.title) <= 16 else record.title[:16] + "…"
    return (f"<li><a href='{record.path}' title='{record.title}' target='_blank'>{short}</a>"
            f"<span>{record.day.isoformat()}</span></li>")


def datastore(records: list[Record], total: int, *, with_total: bool) -> str:
    rows = "\n".join(f"<record><![CDATA[\n{record_cdata(r)}\n]]></record>" for r in records)
    counts = f"<totalrecord>{total}</totalrecord><totalpage>{-(-total // PER_PAGE)}</totalpage>" if with_total else ""
    return (f"<datastore>\n<nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid={WEB_ID}"
            f"&path=/&columnid={COLUMN_ID}&unitid={UNIT_ID}&webname={WEBNAME}&permissiontype=0\"></a>]]></nextgroup>\n"
            f"{counts}<recordset>\n{rows}\n</recordset>\n</datastore>")


def column_page(newest_first: list[Record]) -> str:
    """A Hanweb column page: chrome, a sidebar list with dates (not the column's list), the datastore
    with the first group of records, the jpage parameters and call."""
    first = newest_first[:PER_PAGE * GROUP_SIZE]
    sidebar = "".join(f"<li><a href='/art/2020/12/{d}/art_1001_{d}.html'>镇领导活动{d}</a><span>2020-12-{d:02d}</span></li>"
                      for d in (1, 2, 3))
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{WEBNAME} 通知公告</title>
<meta name="SiteName" content="{WEBNAME}"><meta name="ColumnName" content="通知公告">
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
</head><body>
<div class="nav"><a href="/index.html">首页</a> &gt; <a href="/col/col{COLUMN_ID}/index.html">通知公告</a></div>
<div class="left"><h3>热点关注</h3><ul class="hot">{sidebar}</ul></div>
<div class="right"><div class="bt-list">
<div id="{UNIT_ID}"><script type="text/xml">{datastore(first, len(newest_first), with_total=False)}</script></div>
<script>var param_{UNIT_ID} = {{col:1,appid:1,webid:{WEB_ID},path:'/',columnid:{COLUMN_ID},sourceContentType:1,unitid:'{UNIT_ID}',webname:'{WEBNAME}',permissiontype:0}};</script>
<script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script language="javascript">
$(document).ready(function(){{
  $('#{UNIT_ID}').jpage({{barPosition:'bottom',dataBefore:'<ul class="list">',dataAfter:'</ul>',
    totalRecord:{len(newest_first)},perPage:{PER_PAGE},groupSize:{GROUP_SIZE},
    proxyUrl:'/module/web/jpage/dataproxy.jsp',ajaxParam:param_{UNIT_ID},showMode:'full'}});
}});
</script></div></div></body></html>"""


def hanweb_article(record: Record) -> str:
    """The real Hanweb article page with this record's title, time, source and body."""
    when = f"{record.day.isoformat()} 09:30"
    page = (_ARTICLE.replace(_REAL_TITLE, record.title).replace(_REAL_PATH, record.path)
            .replace(_REAL_TIME, when).replace(_REAL_SOURCE, "青松镇党政办"))
    head, rest = page.split(_BODY_START, 1)
    _, tail = rest.split(_BODY_END, 1)
    return f"{head}{_BODY_START}{record.body}{_BODY_END}{tail}"


def xxgk_article(record: Record) -> str:
    """A Hanweb 信息公开 article: a metadata table and a `.main-txt` body."""
    return f"""<html><head><meta charset="utf-8"><title>{record.title}</title>
<meta name="ArticleTitle" content="{record.title}"><meta name="PubDate" content="{record.day.isoformat()} 09:30">
</head><body><div class="xxgk-info"><table class="xxgk_table">
<tr><td>索引号：</td><td>QS/2021-{record.n:05d}</td><td>发布机构：</td><td>青松镇人民政府</td></tr>
<tr><td>文号：</td><td>青政发〔2021〕{record.n}号</td><td>成文日期：</td><td>{record.day.isoformat()}</td></tr>
</table></div><div class="main-title"><h1>{record.title}</h1></div>
<div class="main-txt">{record.body}</div></body></html>"""


@dataclass
class HanwebOffice:
    """The Hanweb office's list (newest first) and what its server saw."""

    records: list[Record] = field(default_factory=list)
    posted: list[dict[str, list[str]]] = field(default_factory=list)  # form fields of each dataproxy POST
    cap: int = SERVER_CAP

    def newest_first(self) -> list[Record]:
        return sorted(self.records, key=lambda r: r.n, reverse=True)

    def install(self, site) -> None:
        """Serve the column page, the dataproxy and the articles on a LoopbackSite."""
        self.site = site
        site.page(f"{HANWEB_HOST}/col/col{COLUMN_ID}/index.html", column_page(self.newest_first()))
        site.routes[f"{HANWEB_HOST}/module/web/jpage/dataproxy.jsp"] = self._dataproxy
        for record in self.records:
            page = xxgk_article(record) if record.n % 5 == 0 else hanweb_article(record)
            site.page(f"{HANWEB_HOST}{record.path}", page)

    def _dataproxy(self, handler) -> None:
        """startrecord … endrecord of the list (plus the next one, as the real server sends), only
        to a POST carrying the column's fields; anything else gets an empty recordset."""
        query = parse_qs(urlsplit(handler.path).query)
        # LoopbackSite has read the POST body already (one request at a time to this host)
        form = parse_qs(self.site.bodies[-1][1].decode("utf-8")) if handler.command == "POST" else {}
        self.posted.append(form)
        listed = self.newest_first()
        records: list[Record] = []
        if form.get("columnid") == [str(COLUMN_ID)] and form.get("unitid") == [UNIT_ID]:
            start, end = int(query["startrecord"][0]), int(query["endrecord"][0])
            end = min(end, start + self.cap - 1)
            records = listed[start - 1:end + 1]
        answer(handler, "text/xml;charset=UTF-8",
               '<?xml version="1.0" encoding="UTF-8"?>\n' + datastore(records, len(listed), with_total=True))


def office_head(name: str, code: str, site: str) -> str:
    """[office] and [fetch] of a test office (loopback: many requests at once, each answer waits
    ~40 ms on delayed ACKs)."""
    return (f'[office]\nname = "{name}"\norg_code = "{code}"\nsite_url = "{site}"\n\n'
            "[fetch]\nrate_per_host = 0\nconcurrency = 8\nper_host_concurrency = 8\n\n")


HANWEB_CONFIG = office_head(WEBNAME, "QS", "https://xxgk.qingsong.gov.test/") + f"""[sources.tzgg]
kind = "website"
url = "http://{HANWEB_HOST}/col/col{COLUMN_ID}/index.html"
"""

# -- the JSON-API office ------------------------------------------------------------------

API_PAGE_SIZE = 10


def api_record(n: int) -> dict:
    day = FIRST_DAY + timedelta(days=3 * n)
    return {"id": 5000 + n, "docTitle": f"松山街道第{n}期工作动态", "docUrl": f"/content/{5000 + n}.html",
            "pubDate": f"{day.isoformat()} 10:00:00", "n": n}


def api_article(record: dict) -> str:
    rec = Record(record["n"], record["docTitle"], date.fromisoformat(record["pubDate"][:10]),
                 f"/content/{record['id']}.html")
    return hanweb_article(rec)


@dataclass
class ApiOffice:
    """A column page whose script loads its list from a JSON API (paging fields in an object literal
    after the endpoint); a subclass changes the page, the endpoint, the channel and the answer's shape."""

    records: list[dict] = field(default_factory=list)
    asked: list[dict[str, list[str]]] = field(default_factory=list)
    column, heading, endpoint, channel = "gzdt", "工作动态", "/api/article/list", "gzdt"
    script = "loadList('/api/article/list', {pageNo: 1, pageSize: 10, channelId: 'gzdt'});"

    def install(self, site) -> None:
        shell = (f"<html><head><meta charset='utf-8'><title>{self.heading}</title></head><body>"
                 "<ul id='list'></ul><script src='/js/list.js'></script>"
                 f"<script>{self.script}</script></body></html>")
        site.page(f"{API_HOST}/{self.column}/index.html", shell)
        site.routes[f"{API_HOST}{self.endpoint}"] = self._api
        for record in self.records:
            site.page(f"{API_HOST}/content/{record['id']}.html", api_article(record))

    def _api(self, handler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        self.asked.append(query)
        listed = sorted(self.records, key=lambda r: r["n"], reverse=True)
        page, size = int(query.get("pageNo", ["1"])[0]), int(query.get("pageSize", ["10"])[0])
        rows = listed[(page - 1) * size:page * size] if query.get("channelId") == [self.channel] else []
        shown = [{k: v for k, v in r.items() if k != "n"} for r in rows]
        answer(handler, "application/json;charset=UTF-8", json.dumps(self.answer(shown, len(listed)), ensure_ascii=False))

    def answer(self, rows: list[dict], total: int) -> dict:
        return {"code": 200, "data": {"total": total, "list": rows}}


API_CONFIG = office_head("松山街道办事处", "SS", "https://xxgk.songshan.gov.test/") + f"""[sources.gzdt]
kind = "website"
url = "http://{API_HOST}/gzdt/index.html"
[sources.gzdt.list_api]
url = "/api/article/list"
query = {{ pageNo = "{{page}}", pageSize = "{{size}}", channelId = "gzdt" }}
page_size = {API_PAGE_SIZE}
records = "data.list"
title = "docTitle"
link = "id"
link_template = "/content/{{}}.html"
date = "pubDate"
total = "data.total"
"""

"""The bundled demo office: the generated world matches the seed report, and the server serves it."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import socket
from collections import Counter
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest

from demo.generate import generate
from demo.server import serve

WEBSITE = "www.xinghua.gov.test"
CATALOG = "xxgk.cyq.gov.test"
WECHAT = "mp.weixin.qq.com"
BRIDGE = "rss.bridge.test"


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def truth(demo_world) -> dict:
    return json.loads((demo_world / "truth.json").read_text(encoding="utf-8"))


def _get(srv, host: str, path: str, method: str = "GET", **headers: str) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        conn.request(method, path, headers={"Host": host, **headers})
        resp = conn.getresponse()
        return resp, resp.read()
    finally:
        conn.close()


def _t(s: str) -> datetime:
    return datetime.fromisoformat(s)


# ---- the generator --------------------------------------------------------

def test_generation_is_deterministic(demo_world, tmp_path):
    again = tmp_path / "again"
    generate(again)
    assert _hashes(again) == _hashes(demo_world)


def test_a_different_seed_gives_a_different_world_with_the_same_counts(tmp_path):
    summary = generate(tmp_path / "w", seed=7)
    assert summary["items_first_in_2020"] == 156
    other = json.loads((tmp_path / "w" / "truth.json").read_text(encoding="utf-8"))
    assert sum(it["first_channel"] in ("wechat", "weibo") for it in other["items"]
               if it["first_published"].startswith("2020")) == 57


def test_generate_refuses_a_folder_that_is_not_a_demo_world(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(SystemExit):
        generate(tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_counts_match_the_seed_report(truth):
    in_2020 = [it for it in truth["items"] if _t(it["first_published"]).year == 2020]
    assert len(in_2020) == 156
    assert sum(it["first_channel"] in ("wechat", "weibo") for it in in_2020) == 57
    assert sum(it["first_channel"] in ("website", "catalog") for it in in_2020) == 99
    assert not any(it["normative"] for it in truth["items"])
    years = Counter(_t(it["first_published"]).year for it in truth["items"])
    assert years[2019] >= 3 and years[2021] >= 3
    multi = [it for it in in_2020 if len({c["channel"] for c in it["copies"]}) > 1]
    assert len(multi) >= 60
    assert {it["category"] for it in in_2020} >= {
        "jggk", "ldxx", "qtwj", "zcjd", "gzjh", "czyjs", "sgjf", "rsrm", "zkzp", "gzdt", "tzgg", "shjz",
        "ylfw", "jy", "shbx", "aqsc", "spyp", "sthj", "ggflfw", "wsjk", "ggwhfw", "xxgknb", "xxgkzd"}
    assert Counter(it["category"] for it in in_2020).most_common(1)[0][0] == "gzdt"


def test_year_is_counted_in_shanghai_time(truth):
    """Items near new year sit in different years in UTC: a UTC count would not give 156."""
    utc_2020 = sum(_t(it["first_published"]).astimezone(timezone.utc).year == 2020 for it in truth["items"])
    assert utc_2020 != 156


def test_copies_are_consistent(truth):
    urls = Counter()
    for it in truth["items"]:
        first = _t(it["first_published"])
        times = [_t(c["published"]) for c in it["copies"]]
        assert times == sorted(times) and times[0] == first
        assert it["copies"][0]["channel"] == it["first_channel"]
        assert all(timedelta(0) <= t - first <= timedelta(days=7) for t in times)
        for c in it["copies"]:
            urls[c["url"]] += 1
            if c["channel"] == "catalog":
                assert c["title"] == it["title"]
    assert max(urls.values()) == 1


def test_look_alikes_stay_separate_items(truth):
    titles = Counter(it["title"] for it in truth["items"])
    twins = [t for t, n in titles.items() if n > 1]
    assert len(twins) >= 2
    for title in twins:
        times = sorted(_t(c["published"]) for it in truth["items"] if it["title"] == title for c in it["copies"])
        groups = [it for it in truth["items"] if it["title"] == title]
        a, b = groups[0], groups[1]
        gap = min(abs(_t(x["published"]) - _t(y["published"])) for x in a["copies"] for y in b["copies"])
        assert gap > timedelta(days=30), (title, times)
    monthly = [it for it in truth["items"] if re.fullmatch(r"兴华街道召开2020年\d+月份安全生产例会", it["title"])]
    assert len(monthly) >= 6
    march, april = (next(it for it in monthly if f"年{m}月份" in it["title"]) for m in (3, 4))
    assert abs(_t(march["first_published"]) - _t(april["first_published"])) <= timedelta(days=7)


def test_website_copies_of_social_posts_are_retyped(truth):
    retyped = [c for it in truth["items"] if it["first_channel"] == "wechat"
               for c in it["copies"] if c["channel"] == "website" and c["title"] != it["title"]]
    assert len(retyped) >= 10
    assert any(c["title"].startswith("【") for c in retyped)


def test_no_normative_documents_anywhere(demo_world, truth):
    assert all("规" not in it.get("doc_number", "") for it in truth["items"])
    for p in (demo_world / CATALOG).rglob("*.html"):
        text = p.read_text(encoding="utf-8")
        assert "规范性文件" not in text
        for num in re.findall(r"<th>文　　号：</th><td>([^<]*)</td>", text):
            assert "规" not in num


def test_gbk_pages_are_real_gbk_and_declared(demo_world):
    headers = json.loads((demo_world / "_headers.json").read_text(encoding="utf-8"))
    site_pages = list((demo_world / WEBSITE).rglob("*.html"))
    gbk = [p for p in site_pages if b'charset=gb2312' in p.read_bytes()[:2000]]
    assert 0.15 < len(gbk) / len(site_pages) < 0.35
    kinds = Counter()
    for p in gbk:
        data = p.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert "兴华街道" in data.decode("gb18030")
        key = p.relative_to(demo_world).as_posix()
        kinds[headers[key]["Content-Type"]] += 1
    assert set(kinds) == {"text/html; charset=GBK", "text/html"}
    assert len(headers) == len(gbk)
    assert any(p.name.startswith("index") for p in gbk) and any(p.name.startswith("t20") for p in gbk)


def test_catalog_index_numbers_grow_within_each_year(demo_world, truth):
    per_year: dict[str, list[tuple[str, int]]] = {}
    for it in truth["items"]:
        for c in it["copies"]:
            if c["channel"] == "catalog":
                text = (demo_world / c["url"].removeprefix("http://")).read_text(encoding="utf-8")
                number = re.search(r"<th>索 引 号：</th><td>([^<]+)</td>", text).group(1)
                year, serial = number.rsplit("/", 1)[1].split("-")
                per_year.setdefault(year, []).append((c["published"], int(serial)))
                assert "<th>生成日期：</th>" in text and '<div id="zoom">' in text
    for rows in per_year.values():
        serials = [s for _, s in sorted(rows)]
        assert serials == sorted(serials) and len(set(serials)) == len(serials)


def test_hostile_html_is_present_for_the_sanitiser(demo_world, truth):
    hostile = [it for it in truth["items"] if it.get("hostile_html")]
    assert len(hostile) == 1
    page = hostile[0]["copies"][0]["url"].removeprefix("http://")
    data = (demo_world / page).read_bytes()
    text = data.decode("gb18030") if b"gb2312" in data[:2000] else data.decode("utf-8")
    assert "<script>alert(1)</script>" in text and 'onerror="alert(2)"' in text and "javascript:alert(3)" in text


def test_wechat_pages_carry_title_and_timestamp(demo_world, truth):
    for it in truth["items"]:
        for c in it["copies"]:
            if c["channel"] == "wechat":
                text = (demo_world / WECHAT / c["url"].rsplit("/s/", 1)[1].join(("s/", ""))).read_text(encoding="utf-8")
                assert f'var ct = "{int(_t(c["published"]).timestamp())}";' in text
                assert f'<meta property="og:title" content="{c["title"]}">' in text
                assert 'id="js_content" style="visibility: hidden;"' in text and "data-src=" in text


@pytest.mark.parametrize("columns", [("gzdt", "tzgg")])
def test_list_pages_chain_through_all_website_copies(demo_world, truth, columns):
    expected = {c["url"] for it in truth["items"] for c in it["copies"] if c["channel"] == "website"}
    seen = []
    for col in columns:
        name, pages = "index.html", 0
        while name:
            raw = (demo_world / WEBSITE / "xwzx" / col / name).read_bytes()
            text = raw.decode("gb18030") if b"gb2312" in raw[:2000] else raw.decode("utf-8")
            ul = text.split('<ul class="list-ul">', 1)[1].split("</ul>", 1)[0]
            links = re.findall(r'<a href="\./([^"]+)"', ul)
            dates = re.findall(r'<span class="date">([\d-]+)</span>', ul)
            assert len(links) <= 20 and dates == sorted(dates, reverse=True)
            seen += [f"http://{WEBSITE}/xwzx/{col}/{h}" for h in links]
            nxt = re.search(r'<a class="next" href="([^"]+)">下一页</a>', text)
            name = nxt.group(1) if nxt else None
            pages += 1
        assert pages >= (2 if col == "gzdt" else 1)
    assert len(seen) == len(set(seen)) and set(seen) == expected


# ---- feeds ----------------------------------------------------------------

def test_feeds_parse_and_list_every_social_copy(demo_server, truth):
    resp, body = _get(demo_server, BRIDGE, "/wechat/xinghua.atom")
    assert resp.status == 200 and resp.getheader("Content-Type") == "application/atom+xml"
    atom = feedparser.parse(body)
    assert not atom.bozo and atom.feed.title == "兴华街道"
    wechat = sorted((c for it in truth["items"] for c in it["copies"] if c["channel"] == "wechat"),
                    key=lambda c: c["published"], reverse=True)
    assert [e.link for e in atom.entries] == [c["url"] for c in wechat]
    assert all(len(e.summary) <= 60 and e.published.endswith("+08:00") for e in atom.entries)

    resp, body = _get(demo_server, BRIDGE, "/weibo/xinghua.xml")
    assert resp.getheader("Content-Type") == "application/rss+xml"
    rss = feedparser.parse(body)
    assert not rss.bozo
    weibo = [c for it in truth["items"] for c in it["copies"] if c["channel"] == "weibo"]
    assert len(rss.entries) == len(weibo) >= 7
    assert all(e.published.endswith("+0800") and e.link.startswith("https://weibo.com/") for e in rss.entries)
    assert all(e.title.startswith("【") and "<br" in e.description for e in rss.entries)


# ---- the server -----------------------------------------------------------

def test_virtual_hosts_and_404(demo_server):
    site, _ = _get(demo_server, WEBSITE, "/robots.txt")
    cat, cat_body = _get(demo_server, CATALOG + ":8080", "/robots.txt")
    assert site.status == cat.status == 200
    assert site.getheader("Content-Type") == "text/plain"
    assert b"/admin/" not in cat_body
    assert _get(demo_server, WEBSITE, "/xwzx/gzdt/")[0].status == 200
    assert _get(demo_server, WEBSITE, "/xwzx/gzdt")[0].status == 301
    assert _get(demo_server, WEBSITE, "/nope.html")[0].status == 404
    assert _get(demo_server, "unknown.test", "/robots.txt")[0].status == 404
    for evil in ("/../truth.json", "/%2e%2e/_headers.json", "/..%2ftruth.json", "/xwzx/../../truth.json"):
        assert _get(demo_server, WEBSITE, evil)[0].status == 404, evil
    assert _get(demo_server, "..", "/truth.json")[0].status == 404


def test_conditional_requests(demo_server):
    first, body = _get(demo_server, WEBSITE, "/index.html")
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert etag and modified and body
    again, body2 = _get(demo_server, WEBSITE, "/index.html", **{"If-None-Match": etag})
    assert again.status == 304 and body2 == b"" and again.getheader("ETag") == etag
    assert _get(demo_server, WEBSITE, "/index.html", **{"If-None-Match": '"other"'})[0].status == 200
    assert _get(demo_server, WEBSITE, "/index.html", **{"If-Modified-Since": modified})[0].status == 304
    head, hbody = _get(demo_server, WEBSITE, "/index.html", method="HEAD")
    assert head.status == 200 and hbody == b"" and head.getheader("Content-Length") == str(len(body))


def test_content_types_follow_headers_json(demo_server, demo_world):
    headers = json.loads((demo_world / "_headers.json").read_text(encoding="utf-8"))
    for key, want in list(headers.items())[:6]:
        host, path = key.split("/", 1)
        resp, _ = _get(demo_server, host, "/" + path)
        assert resp.getheader("Content-Type") == want["Content-Type"]
    wx = next((demo_world / WECHAT / "s").iterdir())
    resp, _ = _get(demo_server, WECHAT, f"/s/{wx.name}")
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"


def test_server_counts_requests(demo_server):
    before = demo_server.requests
    for _ in range(3):
        _get(demo_server, CATALOG, "/qtdw/xhj/gkml/")
    assert demo_server.requests - before == 3
    assert demo_server.paths[f"{CATALOG}/qtdw/xhj/gkml/index.html"] >= 3


def test_absolute_form_and_head_answer_like_origin_form(demo_server):
    plain, body = _get(demo_server, WEBSITE, "/xwzx/gzdt/")
    absolute, absolute_body = _get(demo_server, "ignored.test", f"http://{WEBSITE}/xwzx/gzdt/")
    assert absolute.status == 200 and absolute_body == body
    assert absolute.getheader("ETag") == plain.getheader("ETag")
    assert _get(demo_server, "ignored.test", f"http://{WEBSITE}/xwzx/gzdt?page=2")[0].getheader("Location") == "/xwzx/gzdt/"
    missing, missing_body = _get(demo_server, WEBSITE, "/nope.html", method="HEAD")
    assert missing.status == 404 and missing_body == b"" and missing.getheader("Content-Length") == "14"


def test_pipelined_and_split_requests_are_answered_in_order(demo_server):
    with socket.create_connection(("127.0.0.1", demo_server.port), timeout=5) as sock:
        first = f"GET /robots.txt HTTP/1.1\r\nHost: {WEBSITE}\r\n\r\n"
        second = f"HEAD /nope.html HTTP/1.1\r\nHost: {WEBSITE}\r\n\r\n"
        last = f"GET /index.html HTTP/1.1\r\nHost: {WEBSITE}\r\nConnection: close\r\n\r\n"
        sock.sendall((first + second + last[:20]).encode())
        time.sleep(0.05)  # the last head arrives in two reads
        sock.sendall(last[20:].encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    statuses = [line.split(b"\r\n", 1)[0] for line in received.split(b"HTTP/1.1 ")[1:]]
    assert statuses == [b"200 OK", b"404 Not Found", b"200 OK"]


def test_a_changed_file_is_served_anew(tmp_path):
    page = tmp_path / "a.test" / "page.html"
    page.parent.mkdir()
    page.write_bytes(b"<p>first</p>")
    with serve(tmp_path) as srv:
        first, body = _get(srv, "a.test", "/page.html")
        page.write_bytes(b"<p>second, longer</p>")
        again, body2 = _get(srv, "a.test", "/page.html", **{"If-None-Match": first.getheader("ETag")})
    assert body == b"<p>first</p>" and again.status == 200 and body2 == b"<p>second, longer</p>"
    assert again.getheader("ETag") != first.getheader("ETag")


def test_server_keeps_the_connection_alive(demo_server):
    # The crawl benchmark depends on keep-alive: many requests, one connection, none refused.
    conn = http.client.HTTPConnection("127.0.0.1", demo_server.port, timeout=5)
    before = demo_server.paths[f"{WEBSITE}/robots.txt"]
    sockets = []  # the objects themselves: a closed socket's id could be reused
    for _ in range(50):
        conn.request("GET", "/robots.txt", headers={"Host": WEBSITE})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200
        sockets.append(conn.sock)
    conn.close()
    assert all(sock is sockets[0] for sock in sockets)
    assert demo_server.paths[f"{WEBSITE}/robots.txt"] - before == 50


# ---- a scaled demo_world -------------------------------------------------------

def test_scaled_world(tmp_path):
    summary = generate(tmp_path, items=2000, seed=11)
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    items = truth["items"]
    assert summary["items"] == len(items) == len({it["key"] for it in items}) == 2000
    years = Counter(_t(it["first_published"]).year for it in items)
    assert min(years) == 2016 and max(years) == 2025
    social = sum(it["first_channel"] in ("wechat", "weibo") for it in items) / 2000
    multi = sum(len(it["copies"]) > 1 for it in items) / 2000
    assert 0.32 < social < 0.42 and 0.33 < multi < 0.47
    pages = summary["article_pages"] + summary["list_pages"]
    assert 1.3 < pages / 2000 < 1.6

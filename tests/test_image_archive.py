"""[collect] archive_images: the images of what the office published are kept, and the site shows the copies
when the channel's image host no longer answers. A WeChat bridge feed and its article on one loopback server,
the article's images on another (another port): a PNG, a JPEG, a GIF given by a relative URL, an "image" whose
bytes are HTML, an SVG, one over the 5 MB cap, a redirect to a host not allowed. Collected and published through
the CLI, the site served as the README says, the image server stopped, then looked at in Chromium."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from pipeline.collect.images import IMAGE_MAX_BYTES, image_hosts
from pipeline.fetch.politeness import AllowList
from pipeline.commands import main
from pipeline.config import Source
from pipeline.publish.images import image_sources, on_https
from pipeline.models import ArchivedImage

from .conftest import LoopbackSite
from .docroot import DocRoot

SITE_URL = "https://xxgk.mj.gov.test/"
SIZES = {"a.png": (7, 5), "b.jpg": (9, 4), "c.gif": (3, 6)}


def _image(name: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", SIZES[name], (200, 30, 30)).save(out, {"png": "PNG", "jpg": "JPEG", "gif": "GIF"}[name[-3:]])
    return out.getvalue()


@pytest.fixture
def image_site():
    """The channel's image host: good images, and the ones that must be refused."""
    site = LoopbackSite()
    host = "127.0.0.1"
    site.page(f"{host}/img/a.png", _image("a.png"), "image/png")
    site.page(f"{host}/img/b.jpg", _image("b.jpg"), "image/jpeg")
    site.page(f"{host}/img/html.png", "<html><body>未经允许不可引用</body></html>", "image/png")
    site.page(f"{host}/img/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
              "image/svg+xml")
    site.page(f"{host}/img/big.png", b"\x89PNG\r\n\x1a\n" + bytes(IMAGE_MAX_BYTES), "image/png")
    port = site.address.rsplit(":", 1)[1]
    site.routes[f"{host}/img/moved.png"] = (302, {"Location": f"http://localhost:{port}/img/a.png"}, b"")
    yield site
    site.close()


GOOD = ("img/a.png", "img/b.jpg")
REFUSED = ("img/html.png", "img/logo.svg", "img/big.png", "img/moved.png")


def _office(tmp_path: Path, feed_site: LoopbackSite, image_site: LoopbackSite, archive: bool,
            images: tuple[str, ...] = GOOD + REFUSED) -> tuple[str, dict[str, str]]:
    """A WeChat bridge source (feed on 127.0.0.1, article on mp.weixin.qq.com → the feed server) whose one
    article shows ``images`` from the image server and a GIF by a relative URL: (config, original URLs)."""
    originals = {path: f"http://{image_site.address}/{path}" for path in images}
    originals["c.gif"] = "https://mp.weixin.qq.com/s/c.gif"
    tags = "".join(f'<p><img data-src="{url}"></p>' for path, url in originals.items() if path != "c.gif")
    feed_site.page("127.0.0.1/wechat.xml",
                   '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>某街道</title>'
                   "<link>http://x/</link><item><title>社区开展志愿服务活动</title>"
                   "<link>https://mp.weixin.qq.com/s/art1</link><description>摘要</description>"
                   "<pubDate>Tue, 01 Jun 2021 08:30:00 +0800</pubDate></item></channel></rss>", "application/rss+xml")
    feed_site.page("mp.weixin.qq.com/s/art1",
                   '<html><body><h1 id="activity-name">社区开展志愿服务活动</h1><em id="publish_time">2021-06-01</em>'
                   f'<div id="js_content"><p>社区开展志愿服务活动，居民踊跃参加。</p>{tags}'
                   '<p><img src="c.gif"></p></div></body></html>')
    feed_site.page("mp.weixin.qq.com/s/c.gif", _image("c.gif"), "image/gif")
    path = tmp_path / "xxgk.toml"
    path.write_text(f"""
[office]
name = "某街道办事处"
org_code = "MJ"
site_url = "{SITE_URL}"

[paths]
database = "xxgk.db"
output = "output"

[fetch]
rate_per_host = 0
retries = 0
backoff = 0
[fetch.resolve]
"mp.weixin.qq.com" = "http://{feed_site.address}"

[collect]
archive_images = {"true" if archive else "false"}

[sources.wechat]
kind = "wechat_feed"
url = "http://{feed_site.address}/wechat.xml"
""", encoding="utf-8")
    return str(path), originals


def _sync(config: str) -> None:
    result = CliRunner().invoke(main, ["--config", config, "sync", "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _image_hits(site: LoopbackSite) -> int:
    return sum(n for key, n in site.hits.items() if "/img/" in key or key.endswith(".gif"))


def _rows(database: Path) -> dict[str, tuple]:
    with sqlite3.connect(database) as db:
        return {url: rest for url, *rest in db.execute("SELECT url, sha256, type, size, failures, given_up FROM images")}


def test_archived_images_show_when_their_host_is_gone(tmp_path, loopback_site, image_site, page) -> None:
    config, originals = _office(tmp_path, loopback_site, image_site, archive=True)
    _sync(config)
    hits = _image_hits(image_site) + loopback_site.hits["mp.weixin.qq.com/s/c.gif"]
    assert hits >= len(GOOD) + 1  # each good image fetched (the refused ones, as far as they got)

    rows = _rows(tmp_path / "xxgk.db")
    kept = {}
    for path in (*GOOD, "c.gif"):
        sha, mime, size, failures, given_up = rows[originals[path]]
        data = _image(Path(path).name)
        assert (sha, size, failures, given_up) == (hashlib.sha256(data).hexdigest(), len(data), 0, 0)
        copy = tmp_path / "xxgk.images" / sha[:2] / f"{sha}.{path.rsplit('.', 1)[1]}"
        assert copy.read_bytes() == data  # content-addressed, beside the database
        kept[originals[path]] = copy.name
    for path in REFUSED:
        sha, mime, size, failures, given_up = rows[originals[path]]
        assert sha is None and given_up == 1  # refused at once: never tried again
    with sqlite3.connect(tmp_path / "xxgk.db") as db:
        errors = dict(db.execute("SELECT url, error FROM images WHERE sha256 IS NULL"))
    assert errors[originals["img/html.png"]] == "Content-Type image/png but the bytes are not one"
    assert errors[originals["img/logo.svg"]] == "not an image we keep (Content-Type 'image/svg+xml')"
    assert "over the 5 MiB cap" in errors[originals["img/big.png"]]
    assert "redirected to http://localhost:" in errors[originals["img/moved.png"]]
    assert "not in the allow-list" in errors[originals["img/moved.png"]]

    # A second night: nothing new, so no image is fetched again.
    _sync(config)
    assert _image_hits(image_site) + loopback_site.hits["mp.weixin.qq.com/s/c.gif"] == hits

    site = tmp_path / "output" / "site"
    (item,) = sorted((site / "item").glob("*.html"))
    for name in kept.values():
        assert (site / "img" / name).is_file()
    feed = json.loads((site / "feeds/all.json").read_text("utf-8"))["items"][0]["content_html"]
    for url, name in kept.items():
        assert f'src="{SITE_URL}img/{name}"' in feed and url not in feed  # absolute under site_url
    for path in REFUSED:
        assert f'src="{originals[path]}"' in feed

    image_site.close()  # the channel's image host is gone (the article deleted, the CDN's policy changed)
    loopback_site.routes.pop("mp.weixin.qq.com/s/c.gif")
    host = DocRoot(site)
    try:
        page.goto(f"{host.base}item/{item.name}")
        page.wait_for_load_state("load")
        shown = dict(page.evaluate("""() => [...document.querySelectorAll('section.body img')]
            .map(i => [i.getAttribute('src'), i.naturalWidth])"""))
    finally:
        host.close()
    for name in kept.values():
        assert shown[f"../img/{name}"] > 0  # the copy shows
    for path in REFUSED:
        assert shown[originals[path]] == 0  # not archived: the original URL, and its host is gone
    assert len(shown) == len(kept) + len(REFUSED)


def test_a_failing_image_is_tried_again_then_given_up(tmp_path, loopback_site, image_site) -> None:
    image_site.routes["127.0.0.1/img/busy.png"] = (503, {"Content-Type": "text/plain"}, b"busy")
    config, originals = _office(tmp_path, loopback_site, image_site, archive=True, images=("img/a.png", "img/busy.png"))
    tries = []
    for _night in range(4):
        _sync(config)
        tries.append(image_site.hits["127.0.0.1/img/busy.png"])
        assert image_site.hits["127.0.0.1/img/a.png"] == 1  # archived the first night, never fetched again
    assert tries == [1, 2, 3, 3]  # three nights, then given up
    sha, _, _, failures, given_up = _rows(tmp_path / "xxgk.db")[originals["img/busy.png"]]
    assert (sha, failures, given_up) == (None, 3, 1)
    with sqlite3.connect(tmp_path / "xxgk.db") as db:
        assert "HTTP 503" in db.execute("SELECT error FROM images WHERE url = ?", [originals["img/busy.png"]]).fetchone()[0]


def test_an_image_kept_on_a_later_night_is_published_then(tmp_path, loopback_site, image_site) -> None:
    """The build stays incremental: a night that keeps nothing new rewrites no page; the night an image
    is kept at last, its item's page and feed entry show the copy."""
    image_site.routes["127.0.0.1/img/late.png"] = (503, {"Content-Type": "text/plain"}, b"busy")
    config, originals = _office(tmp_path, loopback_site, image_site, archive=True, images=("img/late.png",))
    _sync(config)
    (item,) = (tmp_path / "output/site/item").glob("*.html")
    before = item.stat().st_mtime_ns
    assert f'src="{originals["img/late.png"]}"' in item.read_text("utf-8")
    _sync(config)  # still failing: nothing to show differently
    assert item.stat().st_mtime_ns == before
    image_site.page("127.0.0.1/img/late.png", _image("a.png"), "image/png")
    _sync(config)
    name = f"{hashlib.sha256(_image('a.png')).hexdigest()}.png"
    assert f'src="../img/{name}"' in item.read_text("utf-8")
    assert (tmp_path / "output/site/img" / name).read_bytes() == _image("a.png")
    feed = (tmp_path / "output/site/feeds/all.json").read_text("utf-8")
    assert f"{SITE_URL}img/{name}" in feed


def test_archive_images_off_fetches_none(tmp_path, loopback_site, image_site) -> None:
    config, originals = _office(tmp_path, loopback_site, image_site, archive=False)
    _sync(config)
    assert _image_hits(image_site) == 0 and loopback_site.hits["mp.weixin.qq.com/s/c.gif"] == 0
    assert _rows(tmp_path / "xxgk.db") == {}
    assert not (tmp_path / "xxgk.images").exists()
    body = (next((tmp_path / "output/site/item").glob("*.html"))).read_text("utf-8")
    assert f'src="{originals["img/a.png"]}"' in body and 'src="../img/' not in body


def test_a_bad_setting_is_refused_in_chinese(tmp_path, loopback_site, image_site) -> None:
    config, _ = _office(tmp_path, loopback_site, image_site, archive=True)
    Path(config).write_text(Path(config).read_text("utf-8").replace("archive_images = true", 'archive_images = "yes"'),
                            encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", config, "config", "check"])
    assert result.exit_code == 2
    assert "[collect] archive_images = \"yes\"：应为 true" in result.output and "Traceback" not in result.output


def test_each_channel_has_its_image_hosts() -> None:
    wechat = Source(name="wx", kind="wechat_feed", url="http://rss.example.test/wx.xml", channel="wechat")
    weibo = Source(name="wb", kind="feed", url="http://rss.example.test/wb.xml", channel="weibo")
    assert AllowList(image_hosts(wechat)).admits_url("https://mmbiz.qpic.cn/mmbiz_png/x/640")
    assert AllowList(image_hosts(wechat)).admits_url("http://rss.example.test/a.png")  # the source's own host
    assert not AllowList(image_hosts(wechat)).admits_url("https://wx1.sinaimg.cn/large/x.jpg")
    assert AllowList(image_hosts(weibo)).admits_url("https://wx1.sinaimg.cn/large/x.jpg")
    assert not AllowList(image_hosts(weibo)).admits_url("https://sinaimg.cn.evil.test/x.jpg")
    assert not AllowList(image_hosts(weibo)).admits_url("https://mmbiz.qpic.cn/x")


def test_images_without_a_copy_go_https_on_hosts_that_serve_it() -> None:
    assert on_https("http://mmbiz.qpic.cn/mmbiz_jpg/x/640?wx_fmt=jpeg") == "https://mmbiz.qpic.cn/mmbiz_jpg/x/640?wx_fmt=jpeg"
    assert on_https("http://wx3.sinaimg.cn/large/x.jpg") == "https://wx3.sinaimg.cn/large/x.jpg"
    assert on_https("http://www.example.gov.cn/a.png") == "http://www.example.gov.cn/a.png"
    kept = ArchivedImage("http://mmbiz.qpic.cn/a?x=1&y=2", "ab.png", "/nowhere/ab.png")
    body = ('<p><img src="http://mmbiz.qpic.cn/a?x=1&amp;y=2" alt="图片"></p>'
            '<p><img src="http://mmbiz.qpic.cn/b"><img src="http://www.example.gov.cn/c.png"></p>')
    assert image_sources(body, [kept], "../") == (
        '<p><img src="../img/ab.png" alt="图片"></p>'
        '<p><img src="https://mmbiz.qpic.cn/b"><img src="http://www.example.gov.cn/c.png"></p>')


def _answer(content_type: str, content: bytes):
    from urllib3 import HTTPHeaderDict

    from pipeline.fetch.client import Response

    return Response("https://mmbiz.qpic.cn/x", 200, HTTPHeaderDict({"Content-Type": content_type}), content,
                    False, None, None)


@pytest.mark.parametrize(("content_type", "content", "kept"), [
    ("image/webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
    ("image/jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    ("image/gif; charset=binary", b"GIF89a\x01\x00", "image/gif"),
    ("image/jpeg", b"\x89PNG\r\n\x1a\n", None),  # the type and the bytes disagree
    ("application/octet-stream", b"\x89PNG\r\n\x1a\n", None),  # the bytes alone are not enough
    ("image/svg+xml", b"<svg/>", None),
    ("", b"GIF89a", None),
])
def test_an_image_is_kept_only_when_its_type_and_bytes_agree(content_type, content, kept) -> None:
    from pipeline.collect.images import image_type
    from pipeline.errors import NotAnImage

    if kept:
        assert image_type(_answer(content_type, content)) == kept
    else:
        with pytest.raises(NotAnImage):
            image_type(_answer(content_type, content))


def test_a_backup_carries_the_kept_images_once(tmp_path, loopback_site, image_site) -> None:
    """`xxgk backup PATH` copies the database and, beside it, the copies it names (backup.db →
    backup.images/); a second backup copies none again (each is named by its content)."""
    config, _ = _office(tmp_path, loopback_site, image_site, archive=True)
    _sync(config)
    kept = {p.relative_to(tmp_path / "xxgk.images"): p.read_bytes() for p in (tmp_path / "xxgk.images").rglob("*.*")}
    assert len(kept) == len(GOOD) + 1
    target = tmp_path / "backups" / "night.db"
    first = CliRunner().invoke(main, ["--config", config, "backup", str(target)], catch_exceptions=False)
    assert first.exit_code == 0 and f"{len(kept)} new image copies" in first.output, first.output
    copied = {p.relative_to(tmp_path / "backups" / "night.images"): p.read_bytes()
              for p in (tmp_path / "backups" / "night.images").rglob("*.*")}
    assert copied == kept
    again = CliRunner().invoke(main, ["--config", config, "backup", str(target)], catch_exceptions=False)
    assert again.exit_code == 0 and "image copies" not in again.output, again.output


def test_status_says_what_the_image_archive_holds(tmp_path, loopback_site, image_site) -> None:
    config, _ = _office(tmp_path, loopback_site, image_site, archive=True)
    _sync(config)
    got = json.loads(CliRunner().invoke(main, ["--config", config, "status", "--json"]).output)["images"]
    size = sum(p.stat().st_size for p in (tmp_path / "xxgk.images").rglob("*.*"))
    assert got == {"kept": len(GOOD) + 1, "bytes": size, "waiting": 0, "given_up": len(REFUSED)}
    text = CliRunner().invoke(main, ["--config", config, "status"]).output
    assert f"保存的图片：{len(GOOD) + 1} 张" in text and f"已放弃 {len(REFUSED)} 张" in text
    (tmp_path / "off").mkdir()
    off, _ = _office(tmp_path / "off", loopback_site, image_site, archive=False)
    assert json.loads(CliRunner().invoke(main, ["--config", off, "status", "--json"]).output)["images"] is None


def test_turned_on_later_the_history_is_archived_within_the_nights_budget(tmp_path, loopback_site, image_site) -> None:
    """Posts collected while the setting was off are archived once it is on; a night whose time budget
    is spent leaves the rest for the next night, none of them counted as failed."""
    from dataclasses import replace

    from pipeline import config as config_mod
    from pipeline.collect.images import archive_images
    from pipeline.store import Store, utcnow

    path, _ = _office(tmp_path, loopback_site, image_site, archive=False)
    _sync(path)
    config = replace(config_mod.load(Path(path)), archive_images=True)
    spent = replace(config, fetch=replace(config.fetch, source_budget=1e-9))
    with Store(config.database) as store:
        assert archive_images(spent, store, utcnow()) == {"posts left for the next night": 1}
        assert _rows(tmp_path / "xxgk.db") == {}
        tally = archive_images(config, store, utcnow())
    assert tally["archived"] == len(GOOD) + 1 and "posts left for the next night" not in tally

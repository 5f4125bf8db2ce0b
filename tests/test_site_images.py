"""WeChat's images on the published site: their CDN (mmbiz.qpic.cn) refuses a request whose Referer
is another site, so the item pages (and the feeds) fetch a body's images without one. Played here
by an image server on 127.0.0.1 that answers 403 to any request with a Referer, another origin than
the static host serving the built site."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from pipeline.htmltools import clean_html
from pipeline.publish import build
from tests.builders import CATEGORIES, SITE, make_item
from tests.docroot import DocRoot

IMAGE_PATH = "/mmbiz_png/abc123/640"
WIDTH, HEIGHT = 7, 5


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def image_host(loopback_site):
    """An image CDN that, like WeChat's, refuses a request naming a Referer; records each Referer."""
    png, referers = _png(), []

    def answer(handler) -> None:
        referer = handler.headers.get("Referer")
        referers.append(referer)
        status, body = (403, "未经允许不可引用".encode()) if referer else (200, png)
        handler.send_response(status)
        handler.send_header("Content-Type", "image/png" if status == 200 else "text/plain; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Cache-Control", "no-store")
        handler.end_headers()
        handler.wfile.write(body)

    loopback_site.routes[f"127.0.0.1{IMAGE_PATH}"] = answer
    return f"http://{loopback_site.address}{IMAGE_PATH}?wx_fmt=png", referers


@pytest.fixture
def wechat_site(tmp_path: Path, image_host):
    """A built site whose item body is a WeChat article's, through the sanitiser as collected; served."""
    image_url, _ = image_host
    article = "https://mp.weixin.qq.com/s/abc1"
    body = clean_html(f'<p>社区开展志愿服务活动。</p><p><img src="{image_url}"></p>'
                      f'<p><a href="https://www.example.gov.cn/x.html" target="_blank">相关链接</a></p>', article)
    item = dataclasses.replace(make_item(1), id="wx0001", body_html=body, first_channel="wechat",
                               copies=(dataclasses.replace(make_item(1).copies[1], url=article),))
    build([item], CATEGORIES, SITE, tmp_path)
    host = DocRoot(tmp_path / "site")
    yield tmp_path / "site", host.base
    host.close()


def test_a_wechat_image_loads_on_the_published_page(wechat_site, image_host, page) -> None:
    folder, base = wechat_site
    image_url, referers = image_host
    page.goto(f"{base}item/wx0001.html")
    page.wait_for_load_state("load")
    shown = page.evaluate("""() => [...document.querySelectorAll('section.body img')]
        .map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight])""")
    assert shown == [[image_url, True, WIDTH, HEIGHT]]
    assert referers and all(r is None for r in referers)  # fetched, and without a Referer

    # The same image as the page's other requests go (the browser's default policy) is refused:
    # the server does what the test says it does.
    control = page.evaluate("""(src) => new Promise(done => {
        const img = new Image();
        img.onload = () => done(['loaded', img.naturalWidth]);
        img.onerror = () => done(['refused', img.naturalWidth]);
        img.src = src + '&control=1';
        document.body.append(img);
    })""", image_url)
    assert control == ["refused", 0]
    assert referers[-1] == base  # it named the site (its origin) and was refused


def test_links_keep_their_rel_and_the_site_its_default_policy(wechat_site) -> None:
    folder, _ = wechat_site
    html = (folder / "item/wx0001.html").read_text("utf-8")
    assert 'rel="noopener noreferrer nofollow"' in html  # the body's link, as the sanitiser left it
    assert '<meta name="referrer"' not in html  # only the images go without a Referer


def test_the_feeds_carry_the_images_without_a_referer(wechat_site, image_host) -> None:
    folder, _ = wechat_site
    image_url, _ = image_host
    (entry,) = json.loads((folder / "feeds/all.json").read_text("utf-8"))["items"]
    assert f'src="{image_url}"' in entry["content_html"]
    assert 'referrerpolicy="no-referrer"' in entry["content_html"]
    assert 'rel="noopener noreferrer nofollow"' in entry["content_html"]

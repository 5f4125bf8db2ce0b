"""One docroot: output/site/ published as the README says — at a host's root or under a
sub-path — and every link and asset of every page, feed and report resolves there; no
link leaves the site except to the office's own channels."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import pytest

from pipeline.nightly.job import build
from pipeline.store import Store

from .builders import invoke
from .docroot import DocRoot, crawl

# The office's WeChat and Weibo posts, and the images in them (WeChat's and Weibo's image hosts).
OWN_CHANNELS = ("mp.weixin.qq.com", "mmbiz.qpic.cn", "weibo.com", "weibo.cn", "sinaimg.cn")


@pytest.mark.parametrize("prefix", ["/", "/xhj/"])
def test_every_link_resolves_on_a_static_host(demo_office, prefix: str) -> None:
    site = demo_office.output / "site"
    site.mkdir(parents=True)
    # 2020's report published, as a clerk does (figures filled in, then frozen): its files are linked
    figures = demo_office.path.parent / "figures"
    figures.mkdir(exist_ok=True)
    (figures / "2020.toml").write_text(invoke(str(demo_office.path), "report", "--year", "2020",
                                              "--figures-template").output, encoding="utf-8")
    assert invoke(str(demo_office.path), "report", "publish", "--year", "2020", "--by", "王静").exit_code == 0
    host = DocRoot(site, prefix)
    try:
        office = dataclasses.replace(demo_office.office, site_url=host.base, feed_url=host.base + "feeds/")
        config = dataclasses.replace(demo_office, office=office)
        with Store(config.database) as store:
            build(config, store)
        seen, outside = crawl(host.base + "index.html", host.base)
        starts = [host.base + "feeds/index.opml", host.base + "sitemap.xml"]
        for start in starts:  # the feeds' entries and the sitemap's pages, reached from outside the pages too
            more, out = crawl(start, host.base)
            seen.update(more)
            for k, v in out.items():
                outside.setdefault(k, set()).update(v)
    finally:
        host.close()
    assert [u for u, status in seen.items() if status != 200] == []
    kinds = {urlsplit(u).path.rsplit(".", 1)[-1] for u in seen}
    assert {"html", "xml", "json", "css", "js", "docx", "md", "csv", "opml"} <= kinds, kinds
    published = sum(1 for u in seen if "/item/" in u)
    assert published >= 150  # every item page of the demo office
    own = (*config.allowed_hosts, *OWN_CHANNELS)
    strangers = {u: sorted(p)[:2] for u, p in outside.items()
                 if not any(urlsplit(u).hostname == h or urlsplit(u).hostname.endswith("." + h) for h in own)}
    assert strangers == {}

"""Issue 18, point 5: a source whose every article fails is failing — exit 1, `status` not ok, and
after [alerts] failing_nights an alert that says what failed (not "check its selectors").
The WeChat bridge feed is served on 127.0.0.1; the article host points at a closed port."""

from __future__ import annotations

import json
import socket

from click.testing import CliRunner

from pipeline.commands import main

ARTICLES = 6


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the with ends: connections are refused


def _config(tmp_path, feed_address: str, article_address: str) -> str:
    path = tmp_path / "xxgk.toml"
    path.write_text(f"""
[office]
name = "某街道办事处"
org_code = "MJ"
site_url = "https://xxgk.mj.gov.test/"

[fetch]
rate_per_host = 0
retries = 1
backoff = 0
per_host_concurrency = 4
[fetch.resolve]
"rss.mj.test" = "http://{feed_address}"
"mp.weixin.qq.com" = "http://{article_address}"

[alerts]
failing_nights = 2

[sources.wechat]
kind = "wechat_feed"
url = "http://rss.mj.test/wechat.xml"
""", encoding="utf-8")
    return str(path)


def _feed(site) -> None:
    items = "".join(f"<item><title>第{n}期社区通知</title><link>https://mp.weixin.qq.com/s/art{n}</link>"
                    f"<description>摘要</description><pubDate>Tue, 0{n} Jun 2021 08:30:00 +0800</pubDate></item>"
                    for n in range(1, ARTICLES + 1))
    site.page("rss.mj.test/wechat.xml", f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                                         f"<title>某街道</title><link>http://x/</link>{items}</channel></rss>",
              "application/rss+xml")


def test_a_source_whose_every_article_fails_is_failing_with_the_right_alert(tmp_path, loopback_site):
    _feed(loopback_site)
    config = _config(tmp_path, loopback_site.address, f"127.0.0.1:{_closed_port()}")
    runner = CliRunner()
    for night in (1, 2):
        synced = runner.invoke(main, ["--config", config, "sync", "-q"])
        assert synced.exit_code == 1, (night, synced.output)
    shown = runner.invoke(main, ["--config", config, "status", "--json"])
    assert shown.exit_code == 1
    data = json.loads(shown.output)
    (row,) = data["sources"]
    assert row["status"] == "failed" and row["errors"] == ARTICLES and row["new"] == 0
    assert f"{ARTICLES} 个页面中 {ARTICLES} 个无法获取（unreachable host ×{ARTICLES}）" in row["error"]
    assert row["failure_kinds"] == ["unreachable host"] and row["failure_words"] == "无法连接主机（域名解析或连接失败）"
    alerts = {a["kind"]: a["message"] for a in data["alerts"]}
    assert "failing" in alerts and "无法连接主机" in alerts["failing"]
    assert "empty" not in alerts and "选择器" not in alerts["failing"]  # no guess about selectors
    text = runner.invoke(main, ["--config", config, "status"]).output
    assert (f"    采集失败：无法连接主机（域名解析或连接失败）。详情：没有新信息，{ARTICLES} 个页面中 {ARTICLES} "
            f"个无法获取") in text
    assert "error:" not in text


def test_a_few_failed_articles_among_good_ones_stay_ok(tmp_path, loopback_site):
    _feed(loopback_site)
    article = ('<html><body><h1 id="activity-name">第{n}期社区通知</h1><em id="publish_time">2021-06-0{n}</em>'
               '<div id="js_content"><p>正文第{n}期，内容足够长。</p></div></body></html>')
    for n in range(1, ARTICLES):  # the last article answers 503
        loopback_site.page(f"mp.weixin.qq.com/s/art{n}", article.format(n=n))
    loopback_site.routes[f"mp.weixin.qq.com/s/art{ARTICLES}"] = (503, {}, b"busy")
    config = _config(tmp_path, loopback_site.address, loopback_site.address)
    synced = CliRunner().invoke(main, ["--config", config, "sync", "-q"])
    assert synced.exit_code == 0, synced.output
    (row,) = json.loads(CliRunner().invoke(main, ["--config", config, "status", "--json"]).output)["sources"]
    assert row["status"] == "ok" and row["errors"] == 1 and row["new"] == ARTICLES - 1


def test_an_unreachable_feed_host_alerts_with_what_failed(tmp_path):
    closed = f"127.0.0.1:{_closed_port()}"
    config = _config(tmp_path, closed, closed)
    for _ in range(2):
        assert CliRunner().invoke(main, ["--config", config, "sync", "-q"]).exit_code == 1
    data = json.loads(CliRunner().invoke(main, ["--config", config, "status", "--json"]).output)
    alerts = {a["kind"]: a["message"] for a in data["alerts"]}
    assert "无法连接主机" in alerts["failing"] and "could not connect" in alerts["failing"]


def test_a_failing_list_is_shown_in_words_then_its_detail(tmp_path, loopback_site):
    """The run's summary and `status` say what failed in Chinese, then the URL and status as recorded."""
    loopback_site.routes["rss.mj.test/wechat.xml"] = (503, {"Content-Type": "text/plain"}, b"busy")
    config = _config(tmp_path, loopback_site.address, loopback_site.address)
    runner = CliRunner()
    synced = runner.invoke(main, ["--config", config, "sync"])
    assert synced.exit_code == 1
    said = "服务器返回错误状态码。详情：http://rss.mj.test/wechat.xml: HTTP 503"
    assert f"采集失败：{said}" in synced.output  # under the source's line
    assert f"采集失败 wechat：{said}" in synced.output  # the run's last lines
    shown = runner.invoke(main, ["--config", config, "status"])
    assert shown.exit_code == 1 and f"    采集失败：{said}" in shown.output
    (row,) = json.loads(runner.invoke(main, ["--config", config, "status", "--json"]).output)["sources"]
    assert row["error"].startswith("http://rss.mj.test/wechat.xml: HTTP 503")  # the recorded detail, as before
    assert (row["failure_kinds"], row["failure_words"]) == (["HTTP 503"], "服务器返回错误状态码")


def test_every_kind_of_failure_has_words_for_staff():
    """Each kind pipeline.errors.failure_kind (and a collector's Problem) can record is said in Chinese."""
    from pipeline import errors
    from pipeline.nightly.health import FAILURE_WORDS, failure_words

    url = "http://x.test/a"
    raised = [errors.HttpStatusError(url, 503), errors.TooLarge(url, "big"), errors.RobotsDisallowed(url, "no"),
              errors.HostNotAllowed(url, "no"), errors.DecodeError(url, "?"), errors.CredentialRefused("40001"),
              errors.SourceError("not a feed"), errors.ArticleDeleted("gone"), errors.XxgkError("odd"),
              ValueError("bug"), *(errors.TransportError(url, "x", kind) for kind in errors.TRANSPORT_KINDS)]
    kinds = {errors.failure_kind(e) for e in raised} | {"unparseable page", "unusable feed entry", "malformed feed"}
    assert sorted(k for k in kinds if not failure_words(k)) == []
    assert kinds == {*FAILURE_WORDS, "HTTP 503"}  # and no words for a kind nothing records
    assert failure_words("no such kind") == ""

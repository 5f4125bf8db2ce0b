"""The official publishing API collector against a loopback server speaking the same JSON protocol."""

from __future__ import annotations

import json
import logging

import pytest

from pipeline import config as config_mod
from pipeline.collect import collect_all
from pipeline.nightly.health import source_alerts
from pipeline.store import Store

APPID, SECRET = "wxAPPIDSEKRIT", "SECRETSEKRIT123"
CONFIG = """
[office]
name = "测试街道办事处"
org_code = "TEST"
site_url = "https://xxgk.example.test/"

[fetch]
rate_per_host = 0
retries = 0
timeout = 5

[sources.wx-api]
kind = "wechat_api"
appid_env = "TEST_WX_APPID"
secret_env = "TEST_WX_SECRET"
{extra}
"""


def news(n: int, deleted: bool = False) -> dict:
    return {
        "title": f"推文第{n}篇", "author": "测试街道", "digest": "摘要",
        "content": f'<p>第{n}篇正文。</p><img data-src="https://mmbiz.qpic.cn/{n}.png"><script>alert(1)</script>',
        "content_source_url": "", "is_deleted": deleted,
        "url": f"http://mp.weixin.qq.com/s?__biz=MzTEST==&mid={1000 + n}&idx=1&sn=abc{n}&chksm=zz#rd",
    }


class FakeWeChat:
    """freepublish/batchget over `published` (newest first); scripted errcodes per call."""

    def __init__(self, site, published: list[dict]) -> None:
        self.published, self.tokens, self.batch_errors, self.token_calls = published, 0, [], 0
        site.routes["api.weixin.qq.com/cgi-bin/stable_token"] = self.stable_token
        site.routes["api.weixin.qq.com/cgi-bin/freepublish/batchget"] = self.batchget
        self.site = site

    def answer(self, h, data: dict) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def stable_token(self, h) -> None:
        request = json.loads(self.site.bodies[-1][1])
        self.token_calls += 1
        if (request.get("appid"), request.get("secret")) != (APPID, SECRET):
            self.answer(h, {"errcode": 40125, "errmsg": "invalid appsecret"})
            return
        self.tokens += 1
        self.answer(h, {"access_token": f"TOKEN{self.tokens}", "expires_in": 7200})

    def batchget(self, h) -> None:
        if self.batch_errors:
            self.answer(h, {"errcode": self.batch_errors.pop(0), "errmsg": "scripted"})
            return
        if f"access_token=TOKEN{self.tokens}" not in h.path:
            self.answer(h, {"errcode": 40001, "errmsg": "invalid credential"})
            return
        request = json.loads(self.site.bodies[-1][1])
        page = self.published[request["offset"]: request["offset"] + request["count"]]
        self.answer(h, {"total_count": len(self.published), "item_count": len(page), "item": [
            {"article_id": f"A{i}", "update_time": 1614567600 + i,
             "content": {"news_item": [item], "create_time": 1614567600 + i, "update_time": 1614567600 + i}}
            for i, item in enumerate(page)]})


@pytest.fixture
def wechat_api_config(tmp_path, loopback_site, monkeypatch):
    """make(extra TOML, env=credentials in the environment) → the config of an office on the WeChat API, hosts on the site."""
    def make(extra: str = "", env: bool = True):
        if env:
            monkeypatch.setenv("TEST_WX_APPID", APPID)
            monkeypatch.setenv("TEST_WX_SECRET", SECRET)
        path = tmp_path / "xxgk.toml"
        path.write_text(CONFIG.format(extra=extra), encoding="utf-8")
        return config_mod.load(path).with_resolve(loopback_site.address)
    return make


def collect(config, **options):
    with Store(config.database) as store:
        outcome = collect_all(config, store, store.start_run("collect"), **options)[0]
        posts = store.db.execute("SELECT url, title, withdrawn_at FROM posts ORDER BY url").fetchall()
    return outcome, posts


def test_pages_through_everything_and_marks_deleted(wechat_api_config, loopback_site, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    api = FakeWeChat(loopback_site, [news(n, deleted=(n == 7)) for n in range(25, 0, -1)])
    config = wechat_api_config()
    outcome, posts = collect(config)
    assert outcome.status == "ok", outcome.error
    assert outcome.new == 24 and len(posts) == 24  # 25 published, one deleted
    assert all(url.startswith("https://mp.weixin.qq.com/s?__biz=") and "chksm" not in url for url, _, _ in posts)
    assert loopback_site.hits["api.weixin.qq.com/cgi-bin/freepublish/batchget"] == 2  # offsets 0 and 20
    assert any("(gone before it was ever collected)" in w for w in outcome.warnings)
    # The credentials and the token never reach the store, the logs or the outcome.
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("xxgk.db*"))
    shown = "\n".join(r.getMessage() for r in caplog.records) + repr(outcome)
    for secret in (APPID, SECRET, "TOKEN1"):
        assert secret.encode() not in stored and secret not in shown
    # A quiet night: one token, one page, nothing new; then the article is deleted upstream.
    loopback_site.hits.clear()
    quiet, _ = collect(config)
    assert quiet.new == 0 and quiet.unchanged == 19 and loopback_site.hits["api.weixin.qq.com/cgi-bin/freepublish/batchget"] == 1
    api.published[0] = news(25, deleted=True)
    later, posts = collect(config)
    assert later.withdrawn == 1 and [t for _, t, w in posts if w] == ["推文第25篇"]


def test_body_is_sanitised_with_lazy_images(wechat_api_config, loopback_site):
    FakeWeChat(loopback_site, [news(1)])
    config = wechat_api_config()
    collect(config)
    with Store(config.database) as store:
        body, images = store.db.execute("SELECT body_html, images FROM post_versions").fetchone()
    assert "<script" not in body and 'src="https://mmbiz.qpic.cn/1.png"' in body
    assert json.loads(images) == ["https://mmbiz.qpic.cn/1.png"]


def test_expired_token_is_refreshed_once(wechat_api_config, loopback_site):
    api = FakeWeChat(loopback_site, [news(1), news(2)])
    api.batch_errors = [40001]
    outcome, posts = collect(wechat_api_config())
    assert outcome.status == "ok" and len(posts) == 2 and api.token_calls == 2
    api.batch_errors = [40001, 40001]
    again, _ = collect(wechat_api_config())
    assert again.status == "failed" and "refused again after a refresh" in again.error


@pytest.mark.parametrize("code, words", [(45009, "quota"), (48001, "not authorised")])
def test_quota_and_unauthorised_are_clear_errors(wechat_api_config, loopback_site, code, words):
    api = FakeWeChat(loopback_site, [news(1)])
    api.batch_errors = [code]
    outcome, posts = collect(wechat_api_config())
    assert outcome.status == "failed" and words in outcome.error and str(code) in outcome.error
    assert posts == [] and SECRET not in outcome.error
    assert outcome.failure_kinds == ["unusable source"]  # not a credential: no credential alert


def test_credentials_from_a_secrets_file_or_a_clear_error(wechat_api_config, loopback_site, tmp_path):
    FakeWeChat(loopback_site, [news(1)])
    missing, _ = collect(wechat_api_config(env=False))
    assert missing.status == "failed" and "$TEST_WX_APPID" in missing.error and "$TEST_WX_SECRET" in missing.error
    (tmp_path / "wechat.secrets.toml").write_text(f'appid = "{APPID}"\nsecret = "{SECRET}"\n', encoding="utf-8")
    outcome, posts = collect(wechat_api_config('secrets_file = "wechat.secrets.toml"', env=False))
    assert outcome.status == "ok" and len(posts) == 1
    (tmp_path / "wechat.secrets.toml").write_text('appid = "wrong"\nsecret = "wrong"\n', encoding="utf-8")
    rejected, _ = collect(wechat_api_config('secrets_file = "wechat.secrets.toml"', env=False))
    assert rejected.status == "failed" and "40125" in rejected.error and "wrong" not in rejected.error
    assert missing.failure_kinds == rejected.failure_kinds == ["credential"]  # recorded: health alerts by it
    with Store(wechat_api_config().database) as store:
        assert [(a.kind, a.subject) for a in source_alerts(store, failing_nights=3)] == [("credential", "wx-api")]


def test_an_old_article_edited_is_caught_within_a_cycle_by_one_whole_walk(wechat_api_config, loopback_site):
    api = FakeWeChat(loopback_site, [news(n) for n in range(45, 0, -1)])  # 3 pages of 20
    config = wechat_api_config()
    first, _ = collect(config)
    assert first.new == 45
    api.published[40] = {**api.published[40], "content": "<p>第5篇正文（更正）。</p>"}  # an old one, on page 3
    pages, caught_on = [], None
    for night in range(1, 8):
        loopback_site.hits.clear()
        outcome, _ = collect(config)
        pages.append(loopback_site.hits["api.weixin.qq.com/cgi-bin/freepublish/batchget"])
        if outcome.updated:
            caught_on = night
            break
    assert caught_on is not None, pages
    assert pages[-1] == 3 and all(p == 1 for p in pages[:-1])  # one whole walk a cycle, one page otherwise


def test_an_account_the_api_lists_nothing_of_is_told_why(wechat_api_config, loopback_site):
    """batchget lists only articles 发布 (published without a notification); articles 群发 (mass-sent, how
    most government accounts publish) are not in it, as WeChat's open community answers, and an account
    with only those gets the answer reported there: {"item":[],"total_count":0,"item_count":0}. The
    office must be told why nothing comes, not get an ok night with nothing in it."""
    FakeWeChat(loopback_site, [])
    outcome, posts = collect(wechat_api_config())
    assert outcome.status == "ok" and posts == []
    assert any("群发" in w and "wechat_feed" in w for w in outcome.warnings), outcome.warnings

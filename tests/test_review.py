"""The review page: accounts, sessions, CSRF, throttling (HTTP level), and the staff flow in
headless Chromium — log in, accept, change a category and see it in the rebuilt page and feed."""

from __future__ import annotations

import re
import sqlite3

from click.testing import CliRunner

from pipeline.commands import main
from pipeline.review import auth
from pipeline.store import Store

from .builders import PASSWORD, browser_log_in, log_in, login_form_token

# -- HTTP level ------------------------------------------------------------------------------
def test_user_add_stores_an_argon2_hash_from_stdin(demo_office):
    result = CliRunner().invoke(main, ["--config", str(demo_office.path), "user", "add", "li"],
                                input="s3cret-passphrase\n")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(demo_office.database) as conn:
        stored = conn.execute("SELECT password_hash FROM users WHERE name = 'li'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "s3cret" not in stored
    short = CliRunner().invoke(main, ["--config", str(demo_office.path), "user", "add", "li"], input="short\n")
    assert short.exit_code != 0 and "密码：至少需要 8 个字符" in short.output
    odd = CliRunner().invoke(main, ["--config", str(demo_office.path), "user", "add", "li wei"], input="s3cret-passphrase\n")
    assert odd.exit_code == 2 and '用户名 "li wei"：只能用 1–64 个英文字母、数字' in odd.output


def test_serve_and_user_have_help_with_an_example():
    for args in (["serve", "--help"], ["user", "add", "--help"]):
        out = CliRunner().invoke(main, args).output
        assert "Example:" in out and "xxgk " in out


def test_everything_but_login_needs_a_session(review_client):
    for path in ("/", "/history", "/item/whatever"):
        response = review_client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert review_client.post("/decide", data={"one": "x"}).status_code == 403
    assert review_client.post("/publish").status_code == 403
    assert review_client.get("/login").status_code == 200


def test_session_cookie_is_httponly_and_samesite(review_client):
    response = log_in(review_client)
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("xxgk_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_needs_its_form_token(review_client):
    login_form_token(review_client)
    response = review_client.post("/login", data={"csrf": "forged", "name": "wang", "password": PASSWORD})
    assert response.status_code == 400 and "xxgk_session=" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_no_open_redirect_after_login(review_client):
    token = login_form_token(review_client)
    response = review_client.post("/login", data={"csrf": token, "name": "wang", "password": PASSWORD,
                                           "next": "//evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_five_wrong_passwords_lock_the_name_even_for_the_right_one(review_client, review_office):
    for _ in range(auth.MAX_FAILURES):
        assert log_in(review_client, password="wrong-password").status_code == 401
    refused = log_in(review_client)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "尝试次数过多" in refused.get_data(as_text=True)
    with Store(review_office.database) as store:
        assert store.db.execute("SELECT COUNT(*) FROM login_attempts WHERE ok = 0").fetchone()[0] == 5
        assert store.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_logout_ends_the_session(review_client):
    log_in(review_client)
    page = review_client.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert review_client.post("/logout", data={"csrf": csrf}).status_code == 302
    assert review_client.get("/").status_code == 302


# -- in the browser ----------------------------------------------------------------------------
def test_an_anonymous_visitor_is_sent_to_login(page, review_site):
    page.goto(review_site + "/history")
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == "工作人员登录"


def test_staff_accept_change_and_see_it_published(page, review_site, review_office):
    assert browser_log_in(page, review_site).status == 302
    page.wait_for_selector(".queue .row")
    # least confident first (by tenths; tests/test_review_queue.py checks the order in full)
    shown = [int(float(c.get_attribute("data-confidence")) * 10) for c in page.locator(".confidence").all()]
    assert shown == sorted(shown)
    first = page.locator(".queue .row").first
    accepted_id = first.get_attribute("id").removeprefix("row-")
    first.locator("button.accept").click()
    assert "已接受" in page.locator(".message").inner_text()
    assert page.locator(f"#row-{accepted_id}").count() == 0  # it left the review queue

    # change the category of a 工作动态 item to 财政预决算
    page.goto(review_site + "/?status=all&category=gzdt")
    row = page.locator(".queue .row").first
    changed_id = row.get_attribute("id").removeprefix("row-")
    row.locator("select").select_option("czyjs")
    row.locator("button[name=change]").click()
    assert "已修改分类" in page.locator(".message").inner_text()

    # history shows who did what, from → to
    page.goto(review_site + "/history")
    history = page.locator("table.decisions").inner_text()
    assert "wang" in history and "工作动态 → 财政预决算" in history and "接受" in history

    # the next build publishes the decision (here: the page's own publish button)
    page.click("text=完成审核并发布")
    assert "已重新训练" in page.locator(".message").inner_text()
    item_page = (review_office.output / "site" / "item" / f"{changed_id}.html").read_text(encoding="utf-8")
    assert "../category/czyjs.html" in item_page
    feed = (review_office.output / "site" / "feeds" / "czxx.atom.xml").read_text(encoding="utf-8")
    assert changed_id in feed and 'term="czyjs"' in feed
    with Store(review_office.database) as store:
        assert store.db.execute("SELECT status FROM items WHERE id = ?", [accepted_id]).fetchone()[0] == "confirmed"
        kinds = [r[0] for r in store.db.execute("SELECT kind FROM decisions WHERE who = 'wang' ORDER BY id")]
        assert kinds == ["accept", "category"]


def test_accept_many_without_javascript(browser, review_site, review_office):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        browser_log_in(page, review_site)
        boxes = page.locator(".queue .row input[type=checkbox]")
        ids = [boxes.nth(i).get_attribute("value") for i in range(3)]
        for i in range(3):
            boxes.nth(i).check()
        # usable on a phone: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.locator("button[name=accept]").first.click()
        assert "已接受" in page.locator(".message").inner_text()
    finally:
        context.close()
    with Store(review_office.database) as store:
        statuses = {r[0] for r in store.db.execute(
            f"SELECT status FROM items WHERE id IN ({','.join('?' * 3)})", ids)}
        assert statuses == {"confirmed"}


def test_a_post_without_a_valid_csrf_token_is_refused(page, review_site, review_office):
    browser_log_in(page, review_site)
    item_id = page.locator(".queue .row").first.get_attribute("id").removeprefix("row-")
    # the browser sends the session cookie, but not the form's token
    for form in ({"one": item_id}, {"one": item_id, "csrf": "guessed"}):
        response = page.request.post(review_site + "/decide", form=form, max_redirects=0)
        assert response.status == 400
    with Store(review_office.database) as store:
        assert store.db.execute("SELECT status FROM items WHERE id = ?", [item_id]).fetchone()[0] != "confirmed"
        assert store.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0


def test_five_wrong_passwords_are_slowed_down_in_the_browser(page, review_site):
    for _ in range(5):
        assert browser_log_in(page, review_site, password="nope-nope").status == 401
        assert "用户名或密码错误" in page.locator(".error").inner_text()
    answer = browser_log_in(page, review_site)  # even the right password now waits
    assert answer.status == 429 and answer.headers["retry-after"]
    assert "尝试次数过多" in page.locator(".error").inner_text()
    assert "/login" in page.url


def test_an_item_shows_its_posts_versions_and_history(page, review_site, review_office):
    browser_log_in(page, review_site)
    with Store(review_office.database) as store:
        item_id = store.db.execute(
            "SELECT item_id FROM item_posts GROUP BY item_id HAVING COUNT(*) > 1 LIMIT 1").fetchone()[0]
    page.goto(f"{review_site}/item/{item_id}")
    assert page.locator(".posts > li").count() > 1
    assert "第 1 版" in page.locator(".posts").text_content()  # inside a closed <details>
    assert "自动分类记录" in page.content()
    page.click("button.accept")
    assert "wang" in page.locator("table.decisions").inner_text()


def test_split_a_wrong_merge_and_merge_it_back(page, review_site, review_office):
    browser_log_in(page, review_site)
    with Store(review_office.database) as store:
        item_id = store.db.execute(
            "SELECT item_id FROM item_posts GROUP BY item_id HAVING COUNT(*) > 1 ORDER BY item_id LIMIT 1"
        ).fetchone()[0]
        posts_before = store.db.execute("SELECT COUNT(*) FROM item_posts WHERE item_id = ?", [item_id]).fetchone()[0]
    page.goto(f"{review_site}/item/{item_id}")
    page.locator(".posts > li").nth(1).locator("text=拆分为独立条目").click()
    assert "已拆分" in page.locator(".message").inner_text()
    with Store(review_office.database) as store:
        new_id = store.db.execute("SELECT item_id FROM decisions WHERE kind = 'split from'").fetchone()[0]
        assert store.db.execute("SELECT category FROM items WHERE id = ?", [new_id]).fetchone()[0]  # refiled
        assert store.db.execute("SELECT COUNT(*) FROM item_posts WHERE item_id = ?", [item_id]).fetchone()[0] \
            == posts_before - 1
    with Store(review_office.database) as store:
        new_title = store.db.execute("SELECT title FROM items WHERE id = ?", [new_id]).fetchone()[0]
    page.fill("input[name=find]", new_title)
    page.click("text=查找")
    page.locator("ul.found li", has_text=new_title).first.locator("text=合并到本条目").click()
    assert "已合并" in page.locator(".message").inner_text()
    assert page.locator(".posts > li").count() == posts_before
    page.goto(review_site + "/history")
    assert "拆分" in page.locator("table.decisions").inner_text() and "合并" in page.locator("table.decisions").inner_text()


def test_staff_filing_into_a_custom_catalogs_normative_leaf_makes_it_normative(review_office, tmp_path):
    """A catalog whose normative leaf is not called gfxwj (issue 14, point 4): staff filing an item
    there marks it a normative document (the report counts it; its page offers the validity form),
    and filing it elsewhere takes that back."""
    from dataclasses import replace

    from importlib import resources

    from pipeline.review import create_app

    default = resources.files("pipeline.catalog").joinpath("default.toml").read_text(encoding="utf-8")
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(default.replace('"gfxwj"', '"guifan"'), encoding="utf-8")
    client = create_app(replace(review_office, catalog_file=catalog)).test_client()
    assert log_in(client).status_code == 302
    with Store(review_office.database) as store:
        item_id = store.db.execute("SELECT id FROM items WHERE category = 'gzdt' AND normative = 0 LIMIT 1").fetchone()[0]

    def file_under(leaf: str) -> str:
        page = client.get(f"/item/{item_id}").get_data(as_text=True)
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        assert client.post(f"/item/{item_id}/category", data={"csrf": token, "category": leaf}).status_code == 302
        with Store(review_office.database) as store:
            assert store.db.execute("SELECT category FROM items WHERE id = ?", [item_id]).fetchone()[0] == leaf
            normative = store.db.execute("SELECT normative FROM items WHERE id = ?", [item_id]).fetchone()[0]
        return normative, client.get(f"/item/{item_id}").get_data(as_text=True)

    normative, page = file_under("guifan")
    assert normative == 1 and 'name="validity"' in page
    normative, page = file_under("gzdt")
    assert normative == 0 and 'name="validity"' not in page


def test_without_a_normative_leaf_a_change_of_subject_keeps_a_document_normative(review_office):
    """A catalog with no role = "normative" leaf files a normative document by its subject (its 文号
    still makes it one, and the report counts it): a clerk refiling it does not undo that."""
    from pipeline.classify.tree import load_tree
    from pipeline.review import actions

    tree = load_tree(changes={"remove": ["gfxwj"]})
    assert tree.role("normative") is None
    with Store(review_office.database) as store:
        item_id = store.db.execute("SELECT id FROM items WHERE category = 'gzdt' LIMIT 1").fetchone()[0]
        store.db.execute("UPDATE items SET normative = 1 WHERE id = ?", [item_id])
        actions.change_category(store, tree, [item_id], "tzgg", "wang")
        assert store.db.execute("SELECT normative, category FROM items WHERE id = ?", [item_id]).fetchone() == (1, "tzgg")


def test_serve_says_how_to_add_an_account_while_there_is_none(tmp_path):
    """A first `xxgk serve` showed a login form nobody could pass, and said nothing."""
    import subprocess
    import sys

    from .builders import write_config

    config = write_config(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--config", str(config), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()  # "review page on …": it is serving, and has said what it says at start
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    assert "还没有工作人员账号" in err and "xxgk user add" in err

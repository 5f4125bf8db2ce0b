"""Clean HTML on the staff's side too: the Nu HTML checker finds no error on any kind of review
page, each filled as a clerk meets it (a queue with 同类标题 links, a group of one kind, an item
with its copies and a merge search, a normative document with its validity form, the history, an
application and an appeal with their forms, a form sent back with errors, the login and error pages:
refused, expired, missing, the wrong method)."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

from pipeline.store import Store

from .builders import log_in
from .office_tools import tool
from .test_site_html import VNU


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_the_nu_checker_finds_no_error_on_the_review_pages(review_client, review_office, tmp_path: Path) -> None:
    java = tool("java")
    assert VNU.is_file(), f"{VNU} is missing: run `npm ci` (package.json: vnu-jar)"
    client = review_client
    pages = {"login": client.get("/login")}
    assert log_in(client).status_code == 302
    queue = client.get("/")
    alike = unquote(re.search(r'class="chip alike" href="([^"]+)"', queue.get_data(as_text=True)).group(1))
    with Store(review_office.database) as store:
        item, normative = [r[0] for r in store.db.execute("SELECT id FROM items WHERE status = 'review' LIMIT 2")]
    client.post(f"/item/{normative}/category", data={"csrf": csrf(client, "/"), "category": "gfxwj"})
    on = datetime.now(review_office.office.timezone).date().isoformat()
    client.post("/applications", data={"csrf": csrf(client, "/applications"), "received_on": on, "channel": "网站",
                                       "applicant_type": "自然人", "request": "2020年低保名单<b>", "applicant": "张三"})
    application = re.search(r'href="/applications/([^"]+)"', client.get("/applications").get_data(as_text=True)).group(1)
    client.post("/appeals", data={"csrf": csrf(client, "/appeals"), "kind": "行政复议", "filed_on": on,
                                  "application_id": application})
    appeal = re.search(r'href="/appeals/([^"]+)"', client.get("/appeals").get_data(as_text=True)).group(1)
    pages |= {
        "queue": queue, "one kind": client.get(alike.replace("&amp;", "&")),
        "all": client.get("/?status=all&page=2"), "item": client.get(f"/item/{item}?find=兴华"),
        "normative": client.get(f"/item/{normative}"), "history": client.get("/history"),
        "applications": client.get("/applications"), "application": client.get(f"/applications/{application}"),
        "appeals": client.get("/appeals"), "appeal": client.get(f"/appeals/{appeal}"),
        "form with errors": client.post("/applications", data={"csrf": csrf(client, "/applications"),
                                                               "received_on": "昨天", "channel": "?"}),
        "refused": client.post("/decide", data={"csrf": csrf(client, "/"), "change_ticked": "1", "item": item}),
        "missing": client.get("/item/nothing"),
        "expired": client.post("/applications", data={"csrf": "from-an-earlier-session"}),
        "wrong method": client.get("/decide"),
        "refused reopen": client.post(f"/applications/{application}/withdraw", data={
            "csrf": csrf(client, "/applications"), "reason": "\u3000"}),
        # the queue after a decision that left an item changed since (listed) and offers 撤销
        "decided": client.get(f"/?msg=accepted&done={normative}&left={item}"),
        "session ended": review_client.application.test_client().post(
            f"/item/{item}/category", data={"category": "gfxwj", "note": "依据<b>"}),
    }
    statuses = {name: response.status_code for name, response in pages.items()}
    refusals = ("form with errors", "refused", "expired", "refused reopen")
    assert {statuses[name] for name in refusals} == {400} and statuses["missing"] == 404
    decided = pages["decided"].get_data(as_text=True)
    assert statuses["session ended"] == 403 and "撤销" in decided and "以下 1 条" in decided
    assert statuses["wrong method"] == 405
    assert all(code == 200 for name, code in statuses.items()
               if name not in (*refusals, "missing", "wrong method", "session ended"))
    files = []
    for name, response in pages.items():
        files.append(tmp_path / f"{name.replace(' ', '-')}.html")
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
    done = subprocess.run([java, "-Xss8m", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    errors = [f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in json.loads(done.stderr)["messages"] if m["type"] == "error" or m.get("subType") == "fatal"]
    assert errors == [], "\n".join(errors)

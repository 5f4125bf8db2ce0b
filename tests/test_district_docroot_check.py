"""The operator who kept publishing output/ after the docroot moved to output/site/: the district's night and
its inspection ask the public host (a real static host on 127.0.0.1) for one office's private file and for the
portal's first page, and say in Chinese, as an ALERT, that the drafts are public and which folder to publish;
served right, nothing of it is said under -q; no host, no site_url: a note, never a failed night."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner

from pipeline.commands import main
from pipeline.district.config import load_district
from pipeline.district.exposure import check_docroot

from .docroot import DocRoot
from .test_district_portal import MARCH_8, district_of, office_feed

OFFICES = {"a": "甲街道办事处", "b": "乙街道办事处"}


class CountingDocRoot(DocRoot):
    """The house static host, counting the paths asked of it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.asked: list[str] = []
        handler = self.server.RequestHandlerClass
        asked = self.asked

        def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
            request = handler(*args, **kwargs)
            asked.append(request.path)
            return request

        self.server.RequestHandlerClass = counting  # type: ignore[assignment]


def district(tmp_path: Path, loopback_site, site_url: str) -> Path:
    for key in OFFICES:
        office_feed(loopback_site, key, key, [(f"{key}街道召开安全生产会议", "召开安全生产工作会议。", MARCH_8)])
    return district_of(tmp_path, loopback_site, OFFICES, site_url=site_url)


def run(path: Path, *args: str):
    return CliRunner().invoke(main, ["district", "--district", str(path), *args])


def test_a_host_publishing_output_is_an_alert_naming_the_docroot_fix(tmp_path, loopback_site):
    output = tmp_path / "output"
    output.mkdir()
    host = CountingDocRoot(output)  # the web server's root left at output/ after the upgrade
    try:
        path = district(tmp_path, loopback_site, host.base)
        night = run(path, "sync", "-q")
        asked_at_night = list(host.asked)
        inspected = run(path, "inspect", "--format", "json")
        text = run(path, "inspect")
    finally:
        host.close()
    assert night.exit_code == 0, night.output  # the offices ran: the night did not fail for it
    assert (output / "a" / "reports" / "2021.json").is_file()  # the draft the host serves
    draft_url = f"{host.base}a/reports/2021.json"
    assert f"ALERT 昌邑区：发布目录有误：内部文件 {draft_url} 可以公开访问（HTTP 200）" in night.output, night.output
    assert f"请把网站服务器的发布目录改为 {output / 'site'}/" in night.output
    assert f"门户首页 {host.base}index.html 无法访问（HTTP 404" not in night.output  # -q: the alert only
    assert len(asked_at_night) <= 3 and "/a/reports/2021.json" in asked_at_night  # polite: no crawl
    found = json.loads(inspected.output)["docroot"]
    assert inspected.exit_code == 0 and found["exposed"] and found["private"] == {"url": draft_url, "status": 200}
    assert found["public"]["status"] == 404  # the portal's page is at …/site/index.html there
    assert text.output.splitlines()[1].startswith("ALERT 发布目录有误") and "门户首页" in text.output


def test_a_host_publishing_the_docroot_says_nothing_under_q(tmp_path, loopback_site):
    host = CountingDocRoot(tmp_path / "output" / "site")
    try:
        path = district(tmp_path, loopback_site, host.base)
        night = run(path, "sync", "-q")
        asked = list(host.asked)
        text = run(path, "inspect")
    finally:
        host.close()
    assert night.exit_code == 0 and "发布目录" not in night.output, night.output  # (December: the holiday alert)
    assert "/a/reports/2021.json" in asked and "/index.html" in asked and len(asked) <= 3
    assert f"发布目录正确：内部文件 {host.base}a/reports/2021.json 不能公开访问（HTTP 404）" in text.output


def test_no_host_or_no_site_url_is_a_note_never_a_failure(tmp_path, loopback_site):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = district(tmp_path, loopback_site, f"http://127.0.0.1:{port}/")
    quiet = run(path, "sync", "-q")
    assert quiet.exit_code == 0 and "发布目录" not in quiet.output, quiet.output
    loud = run(path, "sync")
    assert loud.exit_code == 0 and f"未检查发布目录：http://127.0.0.1:{port}/a/reports/2021.json 未能访问" in loud.output
    path.write_text(path.read_text(encoding="utf-8").replace(f'site_url = "http://127.0.0.1:{port}/"\n', ""),
                    encoding="utf-8")
    inspected = run(path, "inspect")
    assert inspected.exit_code == 0 and "未检查发布目录：[district] site_url 未设置" in inspected.output


class AnswersEverything(BaseHTTPRequestHandler):
    """A host answering every path with the same page (a catch-all rule): no sign of output/ published."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = "<html><body>门户</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_host_answering_every_path_with_its_page_is_no_alert(tmp_path, loopback_site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), AnswersEverything)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = district(tmp_path, loopback_site, f"http://127.0.0.1:{server.server_address[1]}/")
        (tmp_path / "output" / "a").mkdir(parents=True)
        (tmp_path / "output" / "a" / ".build-manifest").write_text("{}", encoding="utf-8")  # an office built
        found = check_docroot(load_district(path))
    finally:
        server.shutdown()
        server.server_close()
    assert found.checked and not found.alert and found.private is not None and found.private.status == 200

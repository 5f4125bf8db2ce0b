"""An office that only keeps its registers (no website, no feeds) is a valid configuration:
sync and build succeed on it, the empty site builds, and the annual report comes from the
registers alone."""

from __future__ import annotations

import json

from .builders import cli as run, config_without_sources


def test_no_sources_sync_and_build(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_TODAY", "2022-01-20")
    config = config_without_sources(tmp_path, name="某某街道办事处", org_code="11220202MB0000000X",
                                    site_url="https://xxgk.example.gov.cn/x/")
    run(config, "application", "add", "--received", "2021-03-01", "--channel", "当面",
        "--applicant-type", "自然人", "--request", "低保名单")
    run(config, "sync", "-q")
    out = tmp_path / "output"
    assert (out / "site" / "index.html").is_file() and (out / "site" / "feeds" / "all.json").is_file()
    assert not list((out / "site").glob("item/*.html"))
    report = json.loads((out / "reports" / "2021.json").read_text(encoding="utf-8"))
    assert report["applications"]["received"] == 1 and report["proactive"]["total"] == 0
    assert "written" in run(config, "build")
    run(config, "build")  # again: nothing to index, nothing fails

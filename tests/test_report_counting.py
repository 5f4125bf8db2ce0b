"""The year-end figures count each item once: staff merges and the channel rule are honoured."""

from __future__ import annotations


from click.testing import CliRunner

from pipeline.commands import main
from pipeline.store import Store

from .builders import report_json


def report(config_path: str, *extra: str) -> dict:
    return report_json(config_path, 2020, *extra)


def two_2020_items(config, social: bool) -> list[str]:
    with Store(config.database) as store:
        marks = "IN" if social else "NOT IN"
        return [r[0] for r in store.db.execute(
            f"SELECT id FROM items WHERE published_at >= '2020-01-01' AND published_at < '2020-12-31' "
            f"AND first_channel {marks} ('wechat', 'weibo') ORDER BY published_at LIMIT 2")]


def test_an_item_merged_by_staff_is_counted_once(demo_office):
    path = str(demo_office.path)
    before = report(path)["proactive"]
    keep, other = two_2020_items(demo_office, social=False)
    merged = CliRunner().invoke(main, ["--config", path, "merge", keep, other, "--who", "王静"])
    assert merged.exit_code == 0, merged.output
    after = report(path)["proactive"]
    assert after["total"] == before["total"] - 1
    assert after["other"] == before["other"] - 1 and after["wechat_weibo"] == before["wechat_weibo"]


def test_the_counted_channel_follows_the_item(demo_office):
    with Store(demo_office.database) as store:
        social = store.db.execute(
            "SELECT COUNT(*) FROM counted_items WHERE channel IN ('wechat', 'weibo') "
            "AND published_at >= '2019-12-31T16:00:00+00:00' AND published_at < '2020-12-31T16:00:00+00:00'"
        ).fetchone()[0]
    assert report(str(demo_office.path))["proactive"]["wechat_weibo"] == social == 57

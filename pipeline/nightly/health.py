"""Source health: what someone should be told after a run, computed from the run history.

Alerts (each shown by `xxgk status`, and sent when [alerts] configures a channel):
  failing      a source failed on its last N runs in a row ([alerts] failing_nights)
  empty        a source that used to return posts returned none (its collector warns)
  capped       the office's max_pages cut a source's list: older posts were not collected
  credential   a credential was refused (e.g. the WeChat API's 40001 / 42001 / 40125)
  overdue      an application (依申请公开) is past its deadline (条例第三十三条)
  due_soon     … or due within a few working days (shown, never sent)
  calendar     the holiday calendar lacks next year's data (checked in December)
  recheck      [collect] recheck = "hourly", but `xxgk recheck` has not re-checked a source for over a day
               (the night then takes its share again: slower nights, nothing missed)
An alert is sent once when it first appears; while it stays active it is not re-sent.
A source's alerts come from what its runs recorded (pipeline/collect/stage.py): its status, the kinds
of what failed (pipeline.errors.failure_kind) and the warnings of a cut or empty list — never
from the words of a message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from ..config import Config
from ..errors import CREDENTIAL, INTERNAL
from ..collect import hourly_sources
from ..store import Store, iso, parse_iso, utcnow

# What failed (pipeline.errors.failure_kind, recorded with a failed source) in words for staff:
# the alerts, the run's summary and `xxgk status` say it with these, then the technical detail.
FAILURE_WORDS = {"unreachable host": "无法连接主机（域名解析或连接失败）", "TLS": "TLS 握手或证书验证失败",
                 "timeout": "连接或下载超时", "broken connection": "连接中断或响应不完整",
                 "too large": "页面超过大小上限", "robots.txt": "robots.txt 禁止抓取",
                 "host not allowed": "主机不在配置的信息源之内（含跳转）", "undecodable page": "页面编码无法识别",
                 "unparseable page": "页面无法解析（请检查选择器）", "unusable feed entry": "订阅源条目无法使用",
                 "malformed feed": "订阅源格式有误（已尽量读取，后面的条目可能缺失）",
                 "redirects": "网站的跳转设置有误（循环跳转或跳转次数过多）",
                 CREDENTIAL: "凭据被拒绝", "unusable source": "信息源无法使用（请检查地址和设置）",
                 INTERNAL: "程序内部错误（请报告给维护人员）", "other": "其他错误（见详情）"}
HTTP_STATUS_WORDS = "服务器返回错误状态码"  # for every kind "HTTP <status>"
ALERT_KINDS_SENT = {"failing", "empty", "capped", "credential", "overdue", "calendar", "recheck"}
RECHECK_SILENT = timedelta(days=1)  # an hourly re-check silent this long is a warning


@dataclass(frozen=True)
class Alert:
    kind: str
    subject: str  # the source, application … it is about
    message: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"


def source_alerts(store: Store, failing_nights: int) -> list[Alert]:
    alerts: list[Alert] = []
    for (name,) in store.db.execute("SELECT name FROM sources ORDER BY name").fetchall():
        recent = store.db.execute(
            "SELECT status, error, failure_kinds, capped_warning, empty_warning FROM run_sources "
            "WHERE source = ? ORDER BY run_id DESC LIMIT ?",
            [name, max(failing_nights, 1)],
        ).fetchall()
        if not recent:
            continue
        status, error, kinds, capped, empty = recent[0]
        kinds = json.loads(kinds or "[]")
        if len(recent) >= failing_nights and all(r[0] == "failed" for r in recent):
            what = failures_in_words(kinds)
            alerts.append(Alert("failing", name, f"{name} 连续 {len(recent)} 次采集失败"
                                                 f"{f'（{what}）' if what else ''}：{error}"))
        if CREDENTIAL in kinds:
            alerts.append(Alert("credential", name, f"{name} 的凭据被拒绝（请更新 AppID/AppSecret）：{error}"))
        if capped:
            alerts.append(Alert("capped", name, capped_line(name, capped)))
        if empty:
            alerts.append(Alert("empty", name, f"{name} 本次未返回任何信息，而以前有：{empty}"))
    return alerts


def failure_words(kind: str) -> str:
    """A recorded kind of failure in words for staff ("" for one that has none)."""
    return FAILURE_WORDS.get(kind) or (HTTP_STATUS_WORDS if kind.startswith("HTTP ") else "")


def waiting_for_review(store: Store) -> int:
    """How many items wait for a person's review in all (status 'review'; one merged into another no
    longer counts): the clerk's question after a night, answered by `xxgk sync` and `xxgk status`."""
    return int(store.db.execute("SELECT COUNT(*) FROM counted_items WHERE status = 'review'").fetchone()[0])


def waiting_line(waiting: int) -> str:
    """The review backlog as `xxgk sync` and `xxgk status` say it."""
    return f"待审核 {waiting} 条（累计，在审核页面 xxgk serve 中确认或更正分类）"


def failures_in_words(kinds: Iterable[str]) -> str:
    """The recorded kinds of what failed in words for staff, each once, in the order recorded
    (a failing source's most frequent first)."""
    return "、".join(dict.fromkeys(filter(None, map(failure_words, kinds))))


def failure_line(kinds: Iterable[str], error: str) -> str:
    """What failed in words for staff, then the technical detail as recorded (URL, status …): how the
    run's summary and `xxgk status` show a failed source."""
    what = failures_in_words(kinds)
    return f"{what}。详情：{error}" if what and error else what or error


def capped_line(name: str, warning: str) -> str:
    """A list cut by max_pages, in words for staff, then the warning as recorded: the alert, the run's
    summary and `xxgk status` say it so."""
    return f"{name} 的列表被 max_pages 截断，更早的信息没有采集（请调大或删除 [sources.{name}] max_pages）：{warning}"


class DueApplication(Protocol):
    """What an alert needs of an open application and its deadline (pipeline.report.ledger's)."""

    @property
    def state(self) -> str: ...  # overdue | due_soon | open

    @property
    def label(self) -> str: ...  # 已逾期 …

    @property
    def application(self) -> Any: ...  # its id and received_on

    @property
    def deadline(self) -> Any: ...  # its final_due


def application_alerts(due_applications: Iterable[DueApplication]) -> list[Alert]:
    """Overdue applications alert; due-soon ones are shown too (not sent: see ALERT_KINDS_SENT)."""
    alerts = []
    for due in due_applications:
        if due.state == "open":
            continue
        app = due.application
        kind = "overdue" if due.state == "overdue" else "due_soon"
        alerts.append(Alert(kind, app.id, f"依申请公开 {app.id}（{app.received_on} 收到）{due.label}："
                                          f"答复期限 {due.deadline.final_due}"))
    return alerts


def calendar_alerts(today: date) -> list[Alert]:
    from ..workdays import calendar_covers

    if today.month == 12 and not calendar_covers(today.year + 1):
        return [Alert("calendar", str(today.year + 1),
                      f"节假日日历缺少 {today.year + 1} 年数据：请升级 chinesecalendar，否则工作日按周一至周五计算")]
    return []


def recheck_alerts(config: Config, store: Store, now: datetime) -> list[Alert]:
    """With hourly re-checks: the sources `xxgk recheck` has not re-checked (successfully) for over a day
    — counted from the office's first run when it never did (the cron line was never added)."""
    names = hourly_sources(config)
    (first,) = store.db.execute("SELECT MIN(started_at) FROM runs").fetchone()
    if not names or first is None:
        return []
    since = parse_iso(first) or now
    silent = [name for name in names if now - (store.hourly_recheck_at(name) or since) > RECHECK_SILENT]
    if not silent:
        return []
    return [Alert("recheck", "hourly", f"每小时复查（xxgk recheck）已超过一天没有完成：{'、'.join(silent)}。"
                                       f"夜间任务会补做到期的复查（较慢，不会漏查）；请检查 cron 中每小时运行 "
                                       f"xxgk recheck 的一行（或 xxgk schedule）是否还在运行")]


def current_alerts(config: Config, store: Store, today: date,
                   due_applications: Iterable[DueApplication]) -> list[Alert]:
    """Every active alert; the open applications with their deadlines on ``today`` are passed in
    (pipeline.nightly.job.office_alerts reads them from the registers)."""
    return (source_alerts(store, config.alerts.failing_nights) + application_alerts(due_applications)
            + calendar_alerts(today) + recheck_alerts(config, store, utcnow()))


def new_alerts(store: Store, alerts: list[Alert]) -> list[Alert]:
    """The active alerts not delivered before (resolved ones are forgotten, so one that comes back
    is sent again). They count as sent only once `mark_sent` records their delivery."""
    with store.transaction():
        known = {row[0] for row in store.db.execute("SELECT key FROM alerts_sent")}
        active = {a.key for a in alerts}
        for key in known - active:  # resolved: forget it, so it is sent again if it comes back
            store.db.execute("DELETE FROM alerts_sent WHERE key = ?", [key])
    return [a for a in alerts if a.key not in known and a.kind in ALERT_KINDS_SENT]


def mark_sent(store: Store, alerts: list[Alert]) -> None:
    """Record alerts as delivered: not sent again while they stay active."""
    with store.transaction():
        for alert in alerts:
            store.db.execute("INSERT OR REPLACE INTO alerts_sent (key, sent_at, message) VALUES (?, ?, ?)",
                             [alert.key, iso(utcnow()), alert.message])

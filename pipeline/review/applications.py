"""依申请公开 in the review page: the open applications most urgent first, a form to register
one and a form to close one with its 表三 outcome.

The register itself is pipeline.report.ledger (the same calls as ``xxgk application``); this
module only reads forms, says in Chinese what is wrong with them, and records each action in
`decisions` (who, when) in the same transaction as the register write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import Flask, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..config import Config
from ..models import local_today
from ..registers import ledger
from ..registers.errors import RegisterError
from ..registers.formats import APPLICANT_TYPES, ReportFormat, format_for_year
from ..registers.records import CHANNELS, Application, length_problem, outcome_label, parse_day as parse_register_day
from ..store import Store, iso, utcnow
from . import repeats

ADD_FIELDS = ("received_on", "channel", "applicant_type", "request", "applicant", "note")
MESSAGES = {"app_added": "已登记申请 {id}。", "app_closed": "已记录申请 {id} 的办理结果。",
            "app_again": "这件申请刚才已登记为 {id}，相同的内容没有再登记一次。如确是另一件相同的申请，请在备注中注明后再登记。",
            "app_withdrawn": "已撤销申请 {id}（保留在更改记录中，不再计数）。"}
RECENTLY_ANSWERED = 30  # answered applications listed under the open ones (to reach and correct them)


@dataclass(frozen=True)
class Outcome:
    """One choice of the close form: a 表三 row of the current format, its label verbatim."""

    key: str
    label: str
    group: str  # the label-only parent row (（三）不予公开 …), "" for a top-level result


def outcome_choices(fmt: ReportFormat) -> list[Outcome]:
    out = []
    for key in fmt.outcome_keys:
        row = fmt.row(key)
        parent = fmt.row(row.parent) if row.parent else None
        out.append(Outcome(key, row.label, parent.label if parent and not parent.has_data and
                           parent.key != "results" else ""))
    return out


def grouped(choices: list[Outcome]) -> list[tuple[str, list[Outcome]]]:
    """Consecutive choices under the same parent row, in the format's order (for <optgroup>)."""
    out: list[tuple[str, list[Outcome]]] = []
    for o in choices:
        if not out or out[-1][0] != o.group:
            out.append((o.group, []))
        out[-1][1].append(o)
    return out


def today(config: Config) -> date:
    return local_today(config.office.timezone)


def parse_day(value: str, label: str, errors: dict[str, str], field: str) -> date | None:
    value = value.strip()
    if not value:
        errors[field] = f"请填写{label}。"
        return None
    try:
        return parse_register_day(value)  # full-width digits and 2021年3月1日 too, as on the command line
    except RegisterError as e:  # no such format, no such day, or a year before the 条例
        errors[field] = f"{label}{e}。"
        return None


def date_value(value: object) -> str:
    """Pure: what a date input may hold of a typed day (2021年3月1日 → 2021-03-01); "" for what is no
    day — the form's message then quotes it (an <input type=date> holds ISO days only)."""
    if isinstance(value, date):
        return value.isoformat()
    try:
        return parse_register_day(str(value or "").strip()).isoformat()
    except RegisterError:
        return ""


def parse_new(form: Mapping[str, str], on: date) -> tuple[Application | None, dict[str, str]]:
    """A new application from the register form, or the Chinese message for each bad field."""
    errors: dict[str, str] = {}
    received = parse_day(form.get("received_on", ""), "收到申请日期", errors, "received_on")
    if received and received > on:
        errors["received_on"] = "收到申请日期不能晚于今天。"
    channel, kind = form.get("channel", ""), form.get("applicant_type", "")
    if channel not in CHANNELS:
        errors["channel"] = "请选择申请渠道：" + "、".join(CHANNELS) + "。"
    if kind not in APPLICANT_TYPES:
        errors["applicant_type"] = "请选择申请人类型：" + "、".join(APPLICANT_TYPES) + "。"
    text = form.get("request", "").strip()
    if not text:
        errors["request"] = "请填写申请内容。"
    for name in ("request", "applicant", "note"):  # refused, never cut: the form keeps the text
        problem = length_problem(name, form.get(name, "").strip())
        if problem:
            errors[name] = problem + "。"
    if errors or received is None:
        return None, errors
    try:  # the register's own checks (registers.Application) have the last word
        return Application(received_on=received, channel=channel, applicant_type=kind, request=text,
                           applicant=form.get("applicant", "").strip(), note=form.get("note", "").strip()), {}
    except RegisterError as e:
        return None, {"form": f"无法登记：{e}"}


def parse_close(form: Mapping[str, str], app: Application, fmt: ReportFormat,
                on: date) -> tuple[tuple[str, date] | None, dict[str, str]]:
    errors: dict[str, str] = {}
    outcome = form.get("outcome", "")
    if outcome not in fmt.outcome_keys:
        errors["outcome"] = "请选择办理结果（表三“三、本年度办理结果”中的一项）。"
    replied = parse_day(form.get("replied_on", ""), "答复日期", errors, "replied_on")
    if replied and replied < app.received_on:
        errors["replied_on"] = f"答复日期不能早于收到申请日期（{app.received_on}）。"
    elif replied and replied > on:
        errors["replied_on"] = "答复日期不能晚于今天。"
    return (None if errors or replied is None else (outcome, replied)), errors


def overdue_count(store: Store, on: date) -> int:
    """How many open applications are past their reply deadline (the queue page's banner)."""
    return len(ledger.overdue_applications(store, on))


def register_routes(app: Flask, config: Config) -> None:
    """Add /applications (GET: the list and forms; POST: register) and /applications/<id>/close;
    one application's page and its corrections are in ``application_entry``."""

    def page(form: Mapping[str, str] | None = None, errors: dict[str, str] | None = None,
             close_form: Mapping[str, str] | None = None, close_id: str = "",
             close_errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
        on = today(config)
        fmt = format_for_year(on.year)
        due = ledger.due_applications(g.store, on)
        notice = MESSAGES.get(request.args.get("msg", ""), "")
        return render_template(
            "applications.html", due=due, today=on, fmt=fmt, outcomes=grouped(outcome_choices(fmt)),
            channels=CHANNELS, applicant_types=APPLICANT_TYPES, form=form or {"received_on": on.isoformat()},
            errors=errors or {}, close_form=close_form or {}, close_id=close_id, close_errors=close_errors or {},
            notice=notice.format(id=request.args.get("id", "")) if notice else "",
            answered=[a for a in reversed(ledger.list_applications(g.store)) if a.outcome][:RECENTLY_ANSWERED],
            outcome_label=outcome_label,
            gaps=sorted({gap.message for d in due for gap in d.deadline.gaps})), status

    @app.get("/applications")
    def applications_page() -> tuple[str, int]:
        return page()

    @app.post("/applications")
    def application_add() -> ResponseReturnValue:
        form = {k: request.form.get(k, "") for k in ADD_FIELDS}
        new, errors = parse_new(form, today(config))
        if new is None:
            return page(form=form, errors=errors, status=400)
        try:
            with g.store.transaction():
                again = repeats.registered_just_now(g.store, new, g.session.user)
                if again:  # the same form sent twice: registered once, counted once
                    return redirect(url_for("applications_page", msg="app_again", id=again))
                added = ledger.add_application(g.store, new, g.session.user)
                g.store.record_decision(iso(utcnow()), g.session.user, added.id, "application", None,
                                        f"收到 {added.received_on}（{added.channel}）", added.request[:200])
        except RegisterError as e:  # the register's own checks (received before the opening balance's year …)
            return page(form=form, errors={"form": str(e)}, status=400)
        return redirect(url_for("applications_page", msg="app_added", id=added.id))

    @app.post("/applications/<app_id>/close")
    def application_close(app_id: str) -> ResponseReturnValue:
        found = ledger.get_application_or_none(g.store, app_id)
        if found is None:
            abort(404)
        if found.outcome is not None:
            abort(400, f"申请 {app_id} 已于 {found.replied_on} 答复")
        on = today(config)
        fmt = format_for_year(on.year)
        form = {k: request.form.get(k, "") for k in ("outcome", "replied_on")}
        parsed, errors = parse_close(form, found, fmt, on)
        if parsed is None:
            return page(close_form=form, close_id=app_id, close_errors=errors, status=400)
        outcome, replied = parsed
        with g.store.transaction():
            closed = ledger.close_application(g.store, app_id, outcome, replied, g.session.user)
            late = replied > closed.deadline().final_due
            g.store.record_decision(iso(utcnow()), g.session.user, app_id, "application close", None,
                                    fmt.row(outcome).label, f"答复 {replied}" + ("（超过答复期限）" if late else ""))
        return redirect(url_for("applications_page", msg="app_closed", id=app_id))

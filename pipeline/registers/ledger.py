"""The office's registers in the store: 依申请公开 applications and the appeals
(行政复议 / 行政诉讼) about them — what 表三 and 表四 of the annual report count.

Records go in and out as ``records.Application`` / ``records.Appeal`` (their
checks apply on every write). Ids are readable and never reused:
``2021-003`` is the third application received in 2021, ``F2021-001`` the first
appeal filed in 2021. Every write is one transaction and leaves a row in
``register_changes`` (who, when, what before and after, why); corrections
(edit, reopen, withdraw, amend) are in ``corrections``. A withdrawn entry (登记错误)
stays in the store with its reason but is no longer listed or counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from ..models import staff_day
from ..store import Store, iso, utcnow
from .errors import RegisterError
from ..workdays import Consultation, Deadline, workdays_between
from .records import FIELD_LABELS, Appeal, Application, outcome_label, resolve_outcome

DUE_SOON_WORKDAYS = 5  # "due soon": the final deadline is at most this many working days away

_APP_COLUMNS = ("id", "received_on", "channel", "applicant_type", "applicant", "request", "outcome",
                "replied_on", "corrected_on", "extension_workdays", "note")


# --- applications -------------------------------------------------------------


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def next_id(store: Store, table: str, prefix: str) -> str:
    """``prefix-NNN``, one more than the highest number in use (numerically: 999 < 1000)."""
    (last,) = store.db.execute(
        f"SELECT MAX(CAST(substr(id, ?) AS INTEGER)) FROM {table} WHERE id LIKE ?",
        [len(prefix) + 2, f"{prefix}-%"]).fetchone()
    return f"{prefix}-{(last or 0) + 1:03d}"


def add_application(store: Store, app: Application, who: str = "", import_key: str | None = None,
                    action: str = "登记") -> Application:
    """Register a received application; returns it with its new id (e.g. 2021-003)."""
    with store.transaction():
        check_opening(store, app)
        app = replace(app, id=app.id or next_id(store, "applications", str(app.received_on.year)))
        if store.db.execute("SELECT 1 FROM applications WHERE id = ?", [app.id]).fetchone():
            raise RegisterError(f"申请 {app.id} 已存在")
        row = {k: getattr(app, k) for k in _APP_COLUMNS}
        row.update({k: iso_d(row[k]) for k in ("received_on", "replied_on", "corrected_on")})
        now = iso(utcnow())
        store.db.table("applications").insert({**row, "created_at": now, "updated_at": now,
                                         "import_key": import_key})
        _write_consultations(store, app)
        audit(store, who, "application", app.id, action, None, application_fields(app))
    return app


def register_opened(store: Store) -> int | None:
    """The year an opening balance (期初结转) starts the register in (the latest, if several), or None."""
    (year,) = store.db.execute("SELECT MAX(year) FROM opening_balances").fetchone()
    return int(year) if year is not None else None


def check_opening(store: Store, app: Application, old: Application | None = None) -> None:
    """An application received before the opening-balance year is not registered case by case: one
    still open on 1 January is among the counted cases, and would be counted twice in 二、上年结转.
    (An entry made before the balance was set is corrected as it stands, unless it reopens there.)"""
    year = register_opened(store)
    if year is None or app.received_on.year >= year:
        return
    end = date(year - 1, 12, 31)
    if old is None or old.received_on.year >= year or (app.is_open_on(end) and not old.is_open_on(end)):
        raise RegisterError(before_opening(year, f"收到申请日期 {app.received_on} 早于{year}年"))


def before_opening(year: int, what: str) -> str:
    """Pure: why a case received before ``year``, the opening-balance year, is not registered."""
    return (f"{what}：登记簿从{year}年的期初结转开始，{year}年1月1日仍在办理的申请已按件数计入{year}年的"
            f"上年结转，再逐件登记会重复计算；其办理结果用 xxgk application close-opening --year {year} 记录")


# --- the audit trail ---------------------------------------------------------------


def audit(store: Store, who: str, register: str, entry_id: str, action: str,
          before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, reason: str = "") -> None:
    """One row of ``register_changes``: who did what to which entry, when and why."""
    store.db.execute(
        "INSERT INTO register_changes (at, who, register, entry_id, action, before, after, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [iso(utcnow()), who or "未署名", register, entry_id, action, _json(before), _json(after), reason])


def _json(fields: Mapping[str, Any] | None) -> str | None:
    return None if fields is None else json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)


def application_fields(app: Application) -> dict[str, Any]:
    """An application as the audit trail keeps it (dates as text, outcome as its label)."""
    return {"received_on": str(app.received_on), "channel": app.channel,
            "applicant_type": app.applicant_type, "applicant": app.applicant, "request": app.request,
            "outcome": outcome_label(app.outcome) if app.outcome else None,
            "replied_on": iso_d(app.replied_on), "corrected_on": iso_d(app.corrected_on),
            "extension_workdays": app.extension_workdays, "note": app.note,
            "consultations": [[str(c.sent_on), iso_d(c.answered_on)] for c in app.consultations]}


def appeal_fields(a: Appeal) -> dict[str, Any]:
    return {"kind": a.kind, "filed_on": str(a.filed_on), "result": a.outcome,
            "decided_on": iso_d(a.decided_on), "application_id": a.application_id, "note": a.note}


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, both sides (what the trail shows)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


EMPTY = "（空）"  # how a register field with nothing in it reads in a change history


def shown_value(key: str, value: Any) -> str:
    """Pure: one field of the audit trail as a clerk reads it — （空） for nothing, consultations
    as their days (``[["2021-06-03", None]]`` → 2021-06-03 发出，未答复)."""
    if value is None or value == "" or value == []:
        return EMPTY
    if key == "consultations" and isinstance(value, list):
        return "；".join(f"{sent} 发出，" + (f"{answered} 答复" if answered else "未答复") for sent, answered in value)
    return str(value)


def change_lines(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """Pure: each field a history row changed, as ``申请人 （空） → 张三`` (the CLI's and the
    review page's one wording); nothing for a row that only adds or withdraws an entry."""
    if not before or not after:
        return []
    return [f"{FIELD_LABELS.get(k, k)} {shown_value(k, before.get(k))} → {shown_value(k, v)}"
            for k, v in after.items()]


def history(store: Store, register: str, entry_id: str) -> list[dict[str, Any]]:
    """Every recorded change of one entry, oldest first."""
    return [dict(r, before=json.loads(r["before"]) if r["before"] else None,
                 after=json.loads(r["after"]) if r["after"] else None)
            for r in store.db.query("SELECT at, who, action, before, after, reason FROM register_changes "
                                    "WHERE register = ? AND entry_id = ? ORDER BY id", [register, entry_id])]


def iso_d(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _write_consultations(store: Store, app: Application) -> None:
    store.db.execute("DELETE FROM application_consultations WHERE application_id = ?", [app.id])
    for c in app.consultations:
        store.db.table("application_consultations").insert(
            {"application_id": app.id, "sent_on": c.sent_on.isoformat(),
             "answered_on": iso_d(c.answered_on)})


def get_application_or_none(store: Store, app_id: str) -> Application | None:
    rows = list(store.db.query("SELECT * FROM applications WHERE id = ? AND withdrawn_at IS NULL", [app_id]))
    return _application(store, rows[0]) if rows else None


def withdrawn(store: Store, table: str, entry_id: str) -> tuple[str, str] | None:
    """(the office's day, why) an entry was withdrawn, or None."""
    row = store.db.execute(f"SELECT withdrawn_at, withdrawn_reason FROM {table} WHERE id = ?",
                           [entry_id]).fetchone()
    return (staff_day(row[0], store.tz), row[1] or "") if row and row[0] else None


def get_application(store: Store, app_id: str) -> Application:
    app = get_application_or_none(store, app_id)
    gone = withdrawn(store, "applications", app_id) if app is None else None
    if gone:
        raise RegisterError(f"申请 {app_id} 已于 {gone[0]} 撤销（{gone[1]}），不能再更改")
    if app is None:
        raise RegisterError(f"没有编号为 {app_id} 的政府信息公开申请（xxgk application list 可查看）")
    return app


def _application(store: Store, row: dict[str, Any]) -> Application:
    consultations = tuple(
        Consultation(date.fromisoformat(sent), _date(answered))
        for sent, answered in store.db.execute(
            "SELECT sent_on, answered_on FROM application_consultations WHERE application_id = ? "
            "ORDER BY sent_on", [row["id"]]))
    return Application(
        received_on=date.fromisoformat(row["received_on"]), channel=row["channel"],
        applicant_type=row["applicant_type"], request=row["request"] or "",
        outcome=row["outcome"], replied_on=_date(row["replied_on"]), id=row["id"],
        corrected_on=_date(row["corrected_on"]), consultations=consultations,
        extension_workdays=row["extension_workdays"] or 0, applicant=row["applicant"] or "",
        note=row["note"] or "")


def list_applications(store: Store, *, open_only: bool = False,
                      received_before: date | None = None) -> list[Application]:
    """Applications in order of receipt (indexed by received_on)."""
    sql, args = "SELECT * FROM applications WHERE withdrawn_at IS NULL", []
    if open_only:
        sql += " AND replied_on IS NULL"
    if received_before is not None:
        sql += " AND received_on < ?"
        args.append(received_before.isoformat())
    return [_application(store, r) for r in store.db.query(sql + " ORDER BY received_on, id", args)]


def withdrawn_applications(store: Store) -> list[Application]:
    """The applications taken out of the register (登记错误), as they were when withdrawn."""
    return [_application(store, r) for r in store.db.query(
        "SELECT * FROM applications WHERE withdrawn_at IS NOT NULL ORDER BY received_on, id")]


def applications_for_year(store: Store, year: int) -> list[Application]:
    """Every application that can appear in ``year``'s 表三: received by its end and
    not answered before it began."""
    rows = store.db.query(
        """SELECT * FROM applications WHERE received_on <= ? AND withdrawn_at IS NULL
           AND (replied_on IS NULL OR replied_on >= ?) ORDER BY received_on, id""",
        [f"{year}-12-31", f"{year}-01-01"])
    return [_application(store, r) for r in rows]


def update_application(store: Store, app_id: str, who: str = "", action: str = "办理",
                       reason: str = "", **changes: Any) -> Application:
    """Change fields of a registered application (checked as a whole before saving)."""
    with store.transaction():
        old = get_application(store, app_id)
        app = replace(old, **changes)  # Application checks itself
        app.deadline()  # 补正 before receipt and the like raise here
        check_opening(store, app, old)
        if app.received_on != old.received_on:
            for case in appeals_about(store, app_id):
                if case.filed_on < app.received_on:
                    raise RegisterError(f"收到申请日期（{app.received_on}）不能晚于复议诉讼 {case.id} 的提起日期"
                                        f"（{case.filed_on}）：复议、诉讼在收到申请之后才能提起，请检查日期")
        row = {k: getattr(app, k) for k in _APP_COLUMNS if k != "id"}
        row.update({k: iso_d(row[k]) for k in ("received_on", "replied_on", "corrected_on")})
        store.db.table("applications").update(app_id, {**row, "updated_at": iso(utcnow())})
        _write_consultations(store, app)
        before, after = changed(application_fields(old), application_fields(app))
        if after:
            audit(store, who, "application", app_id, action, before, after, reason)
    return app


def close_application(store: Store, app_id: str, outcome: str, replied_on: date,
                      who: str = "") -> Application:
    """Record the reply: the outcome is a 表三 row (key or label, e.g. 予以公开)."""
    app = get_application(store, app_id)
    if app.outcome is not None:
        raise RegisterError(f"申请 {app_id} 已于 {app.replied_on} 答复（{outcome_label(app.outcome)}）；"
                            f"要更正请用 xxgk application reopen 或 edit，并说明理由")
    return update_application(store, app_id, who, "答复", outcome=resolve_outcome(outcome),
                              replied_on=replied_on)


def consult(store: Store, app_id: str, sent_on: date, who: str = "") -> Application:
    """A written consultation of a third party or another agency (第三十二、三十四条)."""
    app = get_application(store, app_id)
    return update_application(store, app_id, who, "征求意见",
                              consultations=app.consultations + (Consultation(sent_on),))


def consultation_answered(store: Store, app_id: str, answered_on: date, who: str = "") -> Application:
    """The latest open consultation was answered: the clock runs again."""
    app = get_application(store, app_id)
    pending = [i for i, c in enumerate(app.consultations) if c.answered_on is None]
    if not pending:
        raise RegisterError(f"申请 {app_id} 没有尚未答复的征求意见")
    cs = list(app.consultations)
    cs[pending[-1]] = replace(cs[pending[-1]], answered_on=answered_on)
    return update_application(store, app_id, who, "征求意见答复", consultations=tuple(cs))


# --- deadlines ------------------------------------------------------------------


@dataclass(frozen=True)
class DueApplication:
    """An open application and where it stands against its deadline on ``today``."""

    application: Application
    deadline: Deadline
    workdays_left: int  # working days from today to the final deadline; negative when overdue

    @property
    def state(self) -> str:
        if self.workdays_left < 0:
            return "overdue"
        return "due_soon" if self.workdays_left <= DUE_SOON_WORKDAYS else "open"

    @property
    def label(self) -> str:
        return {"overdue": "已逾期", "due_soon": "即将到期", "open": "办理中"}[self.state]


def due_applications(store: Store, today: date,
                     soon_workdays: int = DUE_SOON_WORKDAYS) -> list[DueApplication]:
    """Open applications with their deadlines, most urgent first."""
    out = []
    for app in list_applications(store, open_only=True):
        d = app.deadline()
        left = workdays_between(today, d.final_due)
        if today > d.final_due and left == 0:
            left = -1  # past the deadline on a day off still counts as overdue
        out.append(DueApplication(app, d, left))
    return sorted(out, key=lambda x: (x.workdays_left, x.application.id))


def overdue_applications(store: Store, today: date) -> list[DueApplication]:
    """Open applications past their reply deadline on ``today`` (for ``xxgk status``)."""
    return [d for d in due_applications(store, today) if d.state == "overdue"]


# --- appeals ----------------------------------------------------------------------


def add_appeal(store: Store, appeal: Appeal, who: str = "", import_key: str | None = None,
               action: str = "登记") -> Appeal:
    with store.transaction():
        check_case_dates(store, appeal)
        appeal = replace(appeal, id=appeal.id or next_id(store, "appeals", f"F{appeal.filed_on.year}"))
        now = iso(utcnow())
        store.db.table("appeals").insert({
            "id": appeal.id, "kind": appeal.kind, "filed_on": appeal.filed_on.isoformat(),
            "outcome": appeal.outcome, "decided_on": iso_d(appeal.decided_on),
            "application_id": appeal.application_id, "note": appeal.note,
            "created_at": now, "updated_at": now, "import_key": import_key})
        audit(store, who, "appeal", appeal.id, action, None, appeal_fields(appeal))
    return appeal


def _appeal(row: dict[str, Any]) -> Appeal:
    return Appeal(kind=row["kind"], filed_on=date.fromisoformat(row["filed_on"]),
                  outcome=row["outcome"], decided_on=_date(row["decided_on"]),
                  application_id=row["application_id"] or "", id=row["id"], note=row["note"] or "")


def list_appeals(store: Store) -> list[Appeal]:
    return [_appeal(r) for r in store.db.query(
        "SELECT * FROM appeals WHERE withdrawn_at IS NULL ORDER BY filed_on, id")]


def withdrawn_appeals(store: Store) -> list[Appeal]:
    """The appeals taken out of the register (entered by mistake)."""
    return [_appeal(r) for r in store.db.query(
        "SELECT * FROM appeals WHERE withdrawn_at IS NOT NULL ORDER BY filed_on, id")]


def appeals_about(store: Store, app_id: str) -> list[Appeal]:
    """The cases (not withdrawn) about one application."""
    return [_appeal(r) for r in store.db.query(
        "SELECT * FROM appeals WHERE application_id = ? AND withdrawn_at IS NULL ORDER BY filed_on, id", [app_id])]


def check_case_dates(store: Store, appeal: Appeal) -> None:
    """A case about an application is filed after the application was received: in January the
    year typed by habit is last year's, and the case would be counted in that year's 表四."""
    app = get_application_or_none(store, appeal.application_id) if appeal.application_id else None
    if app is not None and appeal.filed_on < app.received_on:
        raise RegisterError(case_too_early(appeal.filed_on, app))


def case_too_early(filed_on: date, app: Application) -> str:
    """Pure: why a case filed on ``filed_on`` cannot be about ``app``, in words ("" when it can)."""
    if filed_on >= app.received_on:
        return ""
    return (f"提起日期（{filed_on}）不能早于所涉申请 {app.id} 的收到申请日期（{app.received_on}）："
            f"复议、诉讼在收到申请之后才能提起，请检查年份")


def get_appeal(store: Store, appeal_id: str) -> Appeal:
    rows = list(store.db.query("SELECT * FROM appeals WHERE id = ? AND withdrawn_at IS NULL", [appeal_id]))
    if not rows:
        gone = withdrawn(store, "appeals", appeal_id)
        if gone:
            raise RegisterError(f"{appeal_id} 已于 {gone[0]} 撤销（{gone[1]}），不能再更改")
        raise RegisterError(f"没有编号为 {appeal_id} 的行政复议或行政诉讼（xxgk appeal list 可查看）")
    return _appeal(rows[0])


def save_appeal(store: Store, appeal: Appeal, who: str, action: str, reason: str = "") -> Appeal:
    """Write a changed appeal over the stored one, with its audit row."""
    with store.transaction():
        old = get_appeal(store, appeal.id)
        if (appeal.filed_on, appeal.application_id) != (old.filed_on, old.application_id):
            check_case_dates(store, appeal)
        store.db.table("appeals").update(appeal.id, {
            "kind": appeal.kind, "filed_on": appeal.filed_on.isoformat(), "outcome": appeal.outcome,
            "decided_on": iso_d(appeal.decided_on), "application_id": appeal.application_id,
            "note": appeal.note, "updated_at": iso(utcnow())})
        before, after = changed(appeal_fields(old), appeal_fields(appeal))
        if after:
            audit(store, who, "appeal", appeal.id, action, before, after, reason)
    return appeal


def decide_appeal(store: Store, appeal_id: str, outcome: str, decided_on: date, who: str = "",
                  amend: bool = False, reason: str = "") -> Appeal:
    """Record the result: 结果维持, 结果纠正 or 其他结果. A decided appeal keeps its result
    unless ``amend`` is given with a reason (the old result stays in the trail)."""
    old = get_appeal(store, appeal_id)
    if old.decided_on is not None and not amend:
        raise RegisterError(f"{appeal_id} 已于 {old.decided_on} 审结（{old.outcome}）；"
                            f"确需更改请加 --amend 并用 --reason 说明理由")
    if amend and not reason.strip():
        raise RegisterError("更改已审结的结果须说明理由（--reason）")
    return save_appeal(store, replace(old, outcome=outcome, decided_on=decided_on), who,
                       "更改审结结果" if old.decided_on else "审结", reason.strip())


def appeals_for_year(store: Store, year: int) -> list[Appeal]:
    """The cases 表四 of ``year`` counts: filed in the year (see records.table3_cell)."""
    rows = store.db.query(
        "SELECT * FROM appeals WHERE filed_on BETWEEN ? AND ? AND withdrawn_at IS NULL "
        "ORDER BY filed_on, id", [f"{year}-01-01", f"{year}-12-31"])
    return [_appeal(r) for r in rows]


def register_years(store: Store) -> set[int]:
    """Years with an application received or an appeal filed (they get a report too),
    and the years opening balances were recorded for."""
    rows: Iterable[tuple[Any, ...]] = store.db.execute(
        "SELECT DISTINCT substr(received_on, 1, 4) FROM applications WHERE withdrawn_at IS NULL "
        "UNION SELECT DISTINCT substr(filed_on, 1, 4) FROM appeals WHERE withdrawn_at IS NULL "
        "UNION SELECT DISTINCT CAST(year AS TEXT) FROM opening_balances")
    return {int(y) for (y,) in rows if y}


def register_kept_from(store: Store) -> int | None:
    """The first year the office keeps its registers in xxgk: the earliest year with an entry or an
    opening balance (None: nothing registered yet). Years before it were not registered case by case."""
    years = register_years(store)
    return min(years) if years else None

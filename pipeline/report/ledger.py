"""The office's registers in the store: 依申请公开 applications and the appeals
(行政复议 / 行政诉讼) about them — what 表三 and 表四 of the annual report count.

Records go in and out as ``registers.Application`` / ``registers.Appeal`` (their
checks apply on every write). Ids are readable and never reused:
``2021-003`` is the third application received in 2021, ``F2021-001`` the first
appeal filed in 2021. Every write is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from ..store import Store, iso, utcnow
from .errors import RegisterError
from ..workdays import Consultation, Deadline, workdays_between
from .registers import Appeal, Application, resolve_outcome

DUE_SOON_WORKDAYS = 5  # "due soon": the final deadline is at most this many working days away

_APP_COLUMNS = ("id", "received_on", "channel", "applicant_type", "applicant", "request", "outcome",
                "replied_on", "corrected_on", "extension_workdays", "note")


# --- applications -------------------------------------------------------------


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _next_id(store: Store, table: str, prefix: str) -> str:
    """``prefix-NNN``, one more than the highest number in use (numerically: 999 < 1000)."""
    (last,) = store.db.execute(
        f"SELECT MAX(CAST(substr(id, ?) AS INTEGER)) FROM {table} WHERE id LIKE ?",
        [len(prefix) + 2, f"{prefix}-%"]).fetchone()
    return f"{prefix}-{(last or 0) + 1:03d}"


def add_application(store: Store, app: Application) -> Application:
    """Register a received application; returns it with its new id (e.g. 2021-003)."""
    with store.transaction():
        app = replace(app, id=app.id or _next_id(store, "applications", str(app.received_on.year)))
        if get_application_or_none(store, app.id) is not None:
            raise RegisterError(f"申请 {app.id} 已存在")
        row = {k: getattr(app, k) for k in _APP_COLUMNS}
        row.update({k: iso_d(row[k]) for k in ("received_on", "replied_on", "corrected_on")})
        now = iso(utcnow())
        store.db["applications"].insert({**row, "created_at": now, "updated_at": now})
        _write_consultations(store, app)
    return app


def iso_d(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _write_consultations(store: Store, app: Application) -> None:
    store.db.execute("DELETE FROM application_consultations WHERE application_id = ?", [app.id])
    for c in app.consultations:
        store.db["application_consultations"].insert(
            {"application_id": app.id, "sent_on": c.sent_on.isoformat(),
             "answered_on": iso_d(c.answered_on)})


def get_application_or_none(store: Store, app_id: str) -> Application | None:
    rows = list(store.db.query("SELECT * FROM applications WHERE id = ?", [app_id]))
    return _application(store, rows[0]) if rows else None


def get_application(store: Store, app_id: str) -> Application:
    app = get_application_or_none(store, app_id)
    if app is None:
        raise RegisterError(f"没有编号为 {app_id} 的政府信息公开申请（xxgk application list 可查看）")
    return app


def _application(store: Store, row: dict) -> Application:
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
    sql, args = "SELECT * FROM applications WHERE 1 = 1", []
    if open_only:
        sql += " AND replied_on IS NULL"
    if received_before is not None:
        sql += " AND received_on < ?"
        args.append(received_before.isoformat())
    return [_application(store, r) for r in store.db.query(sql + " ORDER BY received_on, id", args)]


def applications_for_year(store: Store, year: int) -> list[Application]:
    """Every application that can appear in ``year``'s 表三: received by its end and
    not answered before it began."""
    rows = store.db.query(
        """SELECT * FROM applications WHERE received_on <= ?
           AND (replied_on IS NULL OR replied_on >= ?) ORDER BY received_on, id""",
        [f"{year}-12-31", f"{year}-01-01"])
    return [_application(store, r) for r in rows]


def update_application(store: Store, app_id: str, **changes: object) -> Application:
    """Change fields of a registered application (checked as a whole before saving)."""
    with store.transaction():
        app = replace(get_application(store, app_id), **changes)  # Application checks itself
        app.deadline()  # an extension over 20, or 补正 before receipt, raises here
        row = {k: getattr(app, k) for k in _APP_COLUMNS if k != "id"}
        row.update({k: iso_d(row[k]) for k in ("received_on", "replied_on", "corrected_on")})
        store.db["applications"].update(app_id, {**row, "updated_at": iso(utcnow())})
        _write_consultations(store, app)
    return app


def close_application(store: Store, app_id: str, outcome: str, replied_on: date) -> Application:
    """Record the reply: the outcome is a 表三 row (key or label, e.g. 予以公开)."""
    app = get_application(store, app_id)
    if app.outcome is not None:
        raise RegisterError(f"申请 {app_id} 已于 {app.replied_on} 答复（{app.outcome}）")
    return update_application(store, app_id, outcome=resolve_outcome(outcome), replied_on=replied_on)


def consult(store: Store, app_id: str, sent_on: date) -> Application:
    """A written consultation of a third party or another agency (第三十二、三十四条)."""
    app = get_application(store, app_id)
    return update_application(store, app_id,
                              consultations=app.consultations + (Consultation(sent_on),))


def consultation_answered(store: Store, app_id: str, answered_on: date) -> Application:
    """The latest open consultation was answered: the clock runs again."""
    app = get_application(store, app_id)
    pending = [i for i, c in enumerate(app.consultations) if c.answered_on is None]
    if not pending:
        raise RegisterError(f"申请 {app_id} 没有尚未答复的征求意见")
    cs = list(app.consultations)
    cs[pending[-1]] = replace(cs[pending[-1]], answered_on=answered_on)
    return update_application(store, app_id, consultations=tuple(cs))


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


def add_appeal(store: Store, appeal: Appeal) -> Appeal:
    with store.transaction():
        appeal = replace(appeal, id=appeal.id or _next_id(store, "appeals", f"F{appeal.filed_on.year}"))
        now = iso(utcnow())
        store.db["appeals"].insert({
            "id": appeal.id, "kind": appeal.kind, "filed_on": appeal.filed_on.isoformat(),
            "outcome": appeal.outcome, "decided_on": iso_d(appeal.decided_on),
            "application_id": appeal.application_id, "note": appeal.note,
            "created_at": now, "updated_at": now})
    return appeal


def _appeal(row: dict) -> Appeal:
    return Appeal(kind=row["kind"], filed_on=date.fromisoformat(row["filed_on"]),
                  outcome=row["outcome"], decided_on=_date(row["decided_on"]),
                  application_id=row["application_id"] or "", id=row["id"], note=row["note"] or "")


def list_appeals(store: Store) -> list[Appeal]:
    return [_appeal(r) for r in store.db.query("SELECT * FROM appeals ORDER BY filed_on, id")]


def get_appeal(store: Store, appeal_id: str) -> Appeal:
    rows = list(store.db.query("SELECT * FROM appeals WHERE id = ?", [appeal_id]))
    if not rows:
        raise RegisterError(f"没有编号为 {appeal_id} 的行政复议或行政诉讼（xxgk appeal list 可查看）")
    return _appeal(rows[0])


def decide_appeal(store: Store, appeal_id: str, outcome: str, decided_on: date) -> Appeal:
    """Record the result: 结果维持, 结果纠正 or 其他结果."""
    with store.transaction():
        appeal = replace(get_appeal(store, appeal_id), outcome=outcome, decided_on=decided_on)
        store.db["appeals"].update(appeal_id, {"outcome": outcome, "decided_on": decided_on.isoformat(),
                                               "updated_at": iso(utcnow())})
    return appeal


def appeals_for_year(store: Store, year: int) -> list[Appeal]:
    rows = store.db.query(
        "SELECT * FROM appeals WHERE filed_on <= ? AND (decided_on IS NULL OR decided_on >= ?) "
        "ORDER BY filed_on, id", [f"{year}-12-31", f"{year}-01-01"])
    return [_appeal(r) for r in rows]


def register_years(store: Store) -> set[int]:
    """Years with an application received or an appeal filed (they get a report too)."""
    rows: Iterable[tuple] = store.db.execute(
        "SELECT DISTINCT substr(received_on, 1, 4) FROM applications "
        "UNION SELECT DISTINCT substr(filed_on, 1, 4) FROM appeals")
    return {int(y) for (y,) in rows if y}

"""One application in the review page (/applications/<id>): its fields, its history, and the
corrections of the register — edit, reopen, withdraw — each with a required reason, through
``pipeline.report.corrections`` (the same calls as ``xxgk application edit/reopen/withdraw``),
so the audit trail records who, when and why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..config import Config
from ..errors import InputError
from ..registers import corrections, ledger
from ..registers.formats import APPLICANT_TYPES, format_for_year
from ..registers.records import CHANNELS, FIELD_LABELS, outcome_label
from .applications import grouped, outcome_choices, parse_day, today

EDIT_FIELDS = ("received_on", "channel", "applicant_type", "applicant", "request", "outcome", "replied_on",
               "note")
MESSAGES = {"edited": "已更正。", "reopened": "已改为办理中。"}


def parse_edit(form: Mapping[str, str], current: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields the form changes (as the register takes them), or a Chinese message per bad field."""
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    value: object
    for name in EDIT_FIELDS:
        raw = form.get(name, "").strip()
        if name.endswith("_on"):
            if not raw and current.get(name) is None:
                continue
            value = parse_day(raw, FIELD_LABELS[name], errors, name)
        else:
            value = raw or (None if name == "outcome" else "")
        if name not in errors and value != current.get(name):
            changes[name] = value
    if not form.get("reason", "").strip():
        errors["reason"] = "请写明更正的理由（记入更改记录）。"
    return changes, errors


def register_entry_routes(app: Flask, config: Config) -> None:
    """GET /applications/<id>; POST …/edit, …/reopen, …/withdraw."""

    def page(app_id: str, form: Mapping[str, str] | None = None, errors: dict[str, str] | None = None,
             status: int = 200) -> tuple[str, int]:
        found = ledger.get_application_or_none(g.store, app_id)
        if found is None:
            abort(404)
        fmt = format_for_year(today(config).year)
        return render_template(
            "application.html", a=found, outcome=outcome_label(found.outcome),
            outcomes=grouped(outcome_choices(fmt)), channels=CHANNELS, applicant_types=APPLICANT_TYPES,
            history=ledger.history(g.store, "application", app_id), labels=FIELD_LABELS,
            form=form or {}, errors=errors or {},
            notice=MESSAGES.get(request.args.get("msg", ""), "")), status

    @app.get("/applications/<app_id>")
    def application_page(app_id: str) -> tuple[str, int]:
        return page(app_id)

    @app.post("/applications/<app_id>/edit")
    def application_edit(app_id: str) -> ResponseReturnValue:
        found = ledger.get_application_or_none(g.store, app_id)
        if found is None:
            abort(404)
        form = {k: request.form.get(k, "") for k in (*EDIT_FIELDS, "reason")}
        current = {k: getattr(found, k) for k in EDIT_FIELDS}
        changes, errors = parse_edit(form, current)
        if not errors and not changes:
            errors["form"] = "没有要更改的内容。"
        if errors:
            return page(app_id, form, errors, 400)
        return _apply(app_id, form, lambda: corrections.edit_application(
            g.store, app_id, g.session.user, form["reason"], today(config), **changes), "edited")

    @app.post("/applications/<app_id>/reopen")
    def application_reopen(app_id: str) -> ResponseReturnValue:
        reason = request.form.get("reason", "")
        return _apply(app_id, {"reason": reason}, lambda: corrections.reopen_application(
            g.store, app_id, g.session.user, reason), "reopened")

    @app.post("/applications/<app_id>/withdraw")
    def application_withdraw(app_id: str) -> ResponseReturnValue:
        reason = request.form.get("reason", "")
        try:
            corrections.withdraw_application(g.store, app_id, g.session.user, reason)
        except InputError as e:
            return page(app_id, {"reason": reason}, {"form": str(e)}, 400)
        return redirect(url_for("applications_page", msg="app_withdrawn", id=app_id))

    def _apply(app_id: str, form: Mapping[str, str], action: Callable[[], object], msg: str) -> ResponseReturnValue:
        if ledger.get_application_or_none(g.store, app_id) is None:
            abort(404)
        try:
            action()
        except InputError as e:  # the register's own checks, in Chinese
            return page(app_id, form, {"form": str(e)}, 400)
        return redirect(url_for("application_page", app_id=app_id, msg=msg))

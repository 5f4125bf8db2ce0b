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
from ..registers.records import CHANNELS, FIELD_LABELS, TEXT_LIMITS, Application, length_problem, outcome_label
from .applications import grouped, outcome_choices, parse_day, today

EDIT_FIELDS = ("received_on", "channel", "applicant_type", "applicant", "request", "outcome", "replied_on",
               "note")
MESSAGES = {"edited": "已更正。", "reopened": "已改为办理中。"}


def parse_edit(form: Mapping[str, str], current: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields the form changes (as the register takes them), or a Chinese message per bad field.
    A field the form does not carry is left as it is (never emptied)."""
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    value: object
    for name in (n for n in EDIT_FIELDS if n in form):
        raw = form[name].strip()
        if name.endswith("_on"):
            if not raw and current.get(name) is None:
                continue
            value = parse_day(raw, FIELD_LABELS[name], errors, name)
        else:
            value = raw or (None if name == "outcome" else "")
            problem = length_problem(name, raw) if name in TEXT_LIMITS else ""
            if problem:
                errors[name] = problem + "。"
        if name not in errors and value != current.get(name):
            changes[name] = value
    reason_problem = check_reason(form.get("reason", ""))
    if reason_problem:
        errors["reason"] = reason_problem
    return changes, errors


def check_reason(reason: str) -> str:
    """Pure: what is wrong with the reason of a correction (the web's words), or ""."""
    reason = reason.strip()
    if not reason:
        return "请填写理由（记入更改记录）。"
    problem = length_problem("reason", reason)
    return problem + "。" if problem else ""


def stored_form(app: Application) -> dict[str, str]:
    """Pure: the 更正登记 form filled from the register entry as stored."""
    return {k: "" if getattr(app, k) is None else str(getattr(app, k)) for k in EDIT_FIELDS}


def register_entry_routes(app: Flask, config: Config) -> None:
    """GET /applications/<id>; POST …/edit, …/reopen, …/withdraw."""

    def page(app_id: str, posted: str = "", typed: Mapping[str, str] | None = None,
             errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
        """The entry's page; after a refused form (``posted``: edit, reopen or withdraw) that form
        shows what was typed and every other form what is stored."""
        found = ledger.get_application_or_none(g.store, app_id)
        if found is None:
            abort(404)
        fmt = format_for_year(today(config).year)
        typed = typed or {}
        return render_template(
            "application.html", a=found, outcome=outcome_label(found.outcome),
            outcomes=grouped(outcome_choices(fmt)), channels=CHANNELS, applicant_types=APPLICANT_TYPES,
            history=ledger.history(g.store, "application", app_id), labels=FIELD_LABELS,
            edit={**stored_form(found), **typed} if posted == "edit" else stored_form(found),
            reasons={posted: typed.get("reason", "")}, errors=errors or {},
            notice=MESSAGES.get(request.args.get("msg", ""), "")), status

    @app.get("/applications/<app_id>")
    def application_page(app_id: str) -> tuple[str, int]:
        return page(app_id)

    @app.post("/applications/<app_id>/edit")
    def application_edit(app_id: str) -> ResponseReturnValue:
        found = ledger.get_application_or_none(g.store, app_id)
        if found is None:
            abort(404)
        form = {k: request.form[k] for k in (*EDIT_FIELDS, "reason") if k in request.form}
        current = {k: getattr(found, k) for k in EDIT_FIELDS}
        changes, errors = parse_edit(form, current)
        if not errors and not changes:
            errors["form"] = "没有要更改的内容。"
        if errors:
            return page(app_id, "edit", form, errors, 400)
        return _apply(app_id, "edit", form, lambda: corrections.edit_application(
            g.store, app_id, g.session.user, form["reason"], today(config), **changes), "edited")

    @app.post("/applications/<app_id>/reopen")
    def application_reopen(app_id: str) -> ResponseReturnValue:
        reason = request.form.get("reason", "")
        return _apply(app_id, "reopen", {"reason": reason}, lambda: corrections.reopen_application(
            g.store, app_id, g.session.user, reason), "reopened")

    @app.post("/applications/<app_id>/withdraw")
    def application_withdraw(app_id: str) -> ResponseReturnValue:
        reason = request.form.get("reason", "")
        refused = _refused(app_id, "withdraw", {"reason": reason},
                           lambda: corrections.withdraw_application(g.store, app_id, g.session.user, reason))
        return refused or redirect(url_for("applications_page", msg="app_withdrawn", id=app_id))

    def _apply(app_id: str, posted: str, form: Mapping[str, str], action: Callable[[], object],
               msg: str) -> ResponseReturnValue:
        refused = _refused(app_id, posted, form, action)
        return refused or redirect(url_for("application_page", app_id=app_id, msg=msg))

    def _refused(app_id: str, posted: str, form: Mapping[str, str],
                 action: Callable[[], object]) -> ResponseReturnValue | None:
        """Run ``action``; None when done, else the page again with the refusal and what was typed."""
        if ledger.get_application_or_none(g.store, app_id) is None:
            abort(404)
        problem = check_reason(form.get("reason", ""))
        if problem:
            return page(app_id, posted, form, {"form": problem}, 400)
        try:
            action()
        except InputError as e:  # the register's own checks, in Chinese
            return page(app_id, posted, form, {"form": str(e)}, 400)
        return None

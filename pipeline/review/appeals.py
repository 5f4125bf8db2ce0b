"""行政复议、行政诉讼 in the review page (/appeals): the register behind 表四, one appeal's page
with its history, and its corrections — decide (a decided one only with 更改 and a reason),
edit, withdraw — through ``pipeline.report`` (the same calls as ``xxgk appeal …``), so the
audit trail records who, when and why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask import Flask, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..config import Config
from ..errors import InputError
from ..registers import corrections, ledger
from ..registers.errors import RegisterError
from ..registers.formats import T3_RESULTS
from ..registers.records import APPEAL_KINDS, FIELD_LABELS, Appeal, check_entry_dates, length_problem
from .application_entry import check_reason
from . import repeats
from .applications import parse_day, today

MESSAGES = {"added": "已登记 {id}。",
            "again": "刚才已登记为 {id}，相同的内容没有再登记一次。如确是另一件，请在备注中注明后再登记。",
            "decided": "已记录 {id} 的结果。", "edited": "已更正 {id}。",
            "withdrawn": "已撤销 {id}（保留在更改记录中，不再计数）。"}


def parse_appeal(form: Mapping[str, str], on: date) -> tuple[dict[str, Any], dict[str, str]]:
    """kind, filed_on, application_id, note from a form, or a Chinese message per bad field."""
    errors: dict[str, str] = {}
    kind = form.get("kind", "")
    if kind not in APPEAL_KINDS:
        errors["kind"] = "请选择类型：" + "、".join(APPEAL_KINDS) + "。"
    filed = parse_day(form.get("filed_on", ""), "提起日期", errors, "filed_on")
    if filed and filed > on:
        errors["filed_on"] = "提起日期不能晚于今天。"
    app_id = form.get("application_id", "").strip()
    if app_id and ledger.get_application_or_none(g.store, app_id) is None:
        errors["application_id"] = f"没有编号为 {app_id} 的申请。"
    note = form.get("note", "").strip()
    if length_problem("note", note):
        errors["note"] = length_problem("note", note) + "。"
    return {"kind": kind, "filed_on": filed, "application_id": app_id, "note": note}, errors


def register_appeal_routes(app: Flask, config: Config) -> None:
    """GET/POST /appeals; GET /appeals/<id>; POST …/decide, …/edit, …/withdraw."""

    def list_page(form: Mapping[str, str] | None = None, errors: dict[str, str] | None = None,
                  status: int = 200) -> tuple[str, int]:
        notice = MESSAGES.get(request.args.get("msg", ""), "")
        return render_template("appeals.html", appeals=ledger.list_appeals(g.store), kinds=tuple(APPEAL_KINDS),
                               form=form or {"filed_on": today(config).isoformat()}, errors=errors or {},
                               notice=notice.format(id=request.args.get("id", "")) if notice else ""), status

    def entry_page(appeal_id: str, errors: dict[str, str] | None = None, status: int = 200,
                   posted: str = "", typed: Mapping[str, str] | None = None) -> tuple[str, int]:
        """One appeal's page; after a refused form (``posted``: decide, edit or withdraw) that form
        shows what was typed, the others what is stored."""
        try:
            found = ledger.get_appeal(g.store, appeal_id)
        except RegisterError:
            abort(404)
        notice = MESSAGES.get(request.args.get("msg", ""), "")
        stored = {"kind": found.kind, "filed_on": str(found.filed_on), "application_id": found.application_id,
                  "note": found.note}
        typed = typed or {}
        return render_template("appeal.html", a=found, kinds=tuple(APPEAL_KINDS), results=T3_RESULTS[:3],
                               history=ledger.history(g.store, "appeal", appeal_id), labels=FIELD_LABELS,
                               edit={**stored, **typed} if posted == "edit" else stored,
                               decide=typed if posted == "decide" else {},
                               withdraw_reason=typed.get("reason", "") if posted == "withdraw" else "",
                               errors=errors or {}, notice=notice.format(id=appeal_id) if notice else ""), status

    @app.get("/appeals")
    def appeals_page() -> tuple[str, int]:
        return list_page()

    @app.post("/appeals")
    def appeal_add() -> ResponseReturnValue:
        form = {k: request.form.get(k, "") for k in ("kind", "filed_on", "application_id", "note")}
        fields, errors = parse_appeal(form, today(config))
        if errors:
            return list_page(form, errors, 400)
        try:
            with g.store.transaction():
                again = repeats.registered_just_now(g.store, Appeal(**fields), g.session.user)
                if again:  # the same form sent twice: registered once, counted once
                    return redirect(url_for("appeals_page", msg="again", id=again))
                added = ledger.add_appeal(g.store, Appeal(**fields), g.session.user)
        except RegisterError as e:  # the register's own checks (a case filed before its application …)
            return list_page(form, {"form": str(e)}, 400)
        return redirect(url_for("appeals_page", msg="added", id=added.id))

    @app.get("/appeals/<appeal_id>")
    def appeal_page(appeal_id: str) -> tuple[str, int]:
        return entry_page(appeal_id)

    @app.post("/appeals/<appeal_id>/decide")
    def appeal_decide(appeal_id: str) -> ResponseReturnValue:
        entry_page(appeal_id)  # 404 for an unknown or withdrawn appeal
        errors: dict[str, str] = {}
        typed = {k: request.form.get(k, "") for k in ("outcome", "decided_on", "reason")}
        outcome = typed["outcome"]
        if outcome not in T3_RESULTS[:3]:
            errors["outcome"] = "请选择结果：" + "、".join(T3_RESULTS[:3]) + "。"
        decided = parse_day(typed["decided_on"], "审结日期", errors, "decided_on")
        amend = bool(request.form.get("amend"))
        if amend and check_reason(typed["reason"]):
            errors["reason"] = check_reason(typed["reason"])
        decided_before = ledger.get_appeal(g.store, appeal_id)
        if decided_before.decided_on and not amend:  # a form from before it was decided (the CLI says --amend)
            errors["form"] = (f"{appeal_id} 已于 {decided_before.decided_on} 审结（{decided_before.outcome}）；"
                              "要更改结果，请在本页“更改审结结果”中写明理由后提交。")
        if errors:
            return entry_page(appeal_id, errors, 400, "decide", typed)
        assert decided is not None  # else parse_day gave an error

        def decide() -> None:
            check_entry_dates(today(config), decided_on=decided)
            ledger.decide_appeal(g.store, appeal_id, outcome, decided, g.session.user,
                                 amend=amend, reason=typed["reason"])

        return _apply(appeal_id, "decided", decide, "decide", typed)

    @app.post("/appeals/<appeal_id>/edit")
    def appeal_edit(appeal_id: str) -> ResponseReturnValue:
        entry_page(appeal_id)
        typed = {k: request.form.get(k, "") for k in ("kind", "filed_on", "application_id", "note", "reason")}
        fields, errors = parse_appeal(typed, today(config))
        if check_reason(typed["reason"]):
            errors["reason"] = check_reason(typed["reason"])
        if errors:
            return entry_page(appeal_id, errors, 400, "edit", typed)
        current = ledger.get_appeal(g.store, appeal_id)
        changes = {k: v for k, v in fields.items() if getattr(current, k) != v}
        return _apply(appeal_id, "edited", lambda: corrections.edit_appeal(
            g.store, appeal_id, g.session.user, typed["reason"], today(config), **changes), "edit", typed)

    @app.post("/appeals/<appeal_id>/withdraw")
    def appeal_withdraw(appeal_id: str) -> ResponseReturnValue:
        entry_page(appeal_id)
        typed = {"reason": request.form.get("reason", "")}
        problem = check_reason(typed["reason"])
        if problem:
            return entry_page(appeal_id, {"form": problem}, 400, "withdraw", typed)
        try:
            corrections.withdraw_appeal(g.store, appeal_id, g.session.user, typed["reason"])
        except InputError as e:
            return entry_page(appeal_id, {"form": str(e)}, 400, "withdraw", typed)
        return redirect(url_for("appeals_page", msg="withdrawn", id=appeal_id))

    def _apply(appeal_id: str, msg: str, action: Callable[[], object], posted: str,
               typed: Mapping[str, str]) -> ResponseReturnValue:
        try:
            action()
        except InputError as e:  # the register's own checks, in Chinese
            return entry_page(appeal_id, {"form": str(e)}, 400, posted, typed)
        return redirect(url_for("appeal_page", appeal_id=appeal_id, msg=msg))

"""Correcting the registers: edit, reopen and withdraw an application or appeal.

Every correction needs a reason and leaves a row in ``register_changes`` with who,
when, the fields before and after, and why (``ledger.history`` reads it back).
A withdrawn entry (登记错误) is kept with its reason but no longer counted; its id
is never given again. A decided appeal is changed only through
``ledger.decide_appeal(..., amend=True, reason=…)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from ..store import Store, iso, utcnow
from .errors import RegisterError
from .ledger import (
    appeal_fields, appeals_about, application_fields, audit, get_appeal, get_application, save_appeal,
    update_application,
)
from .records import Appeal, Application, check_entry_dates, check_length, check_request, resolve_outcome

APPLICATION_FIELDS = ("received_on", "channel", "applicant_type", "applicant", "request", "outcome",
                      "replied_on", "corrected_on", "extension_workdays", "note")
APPEAL_FIELDS = ("kind", "filed_on", "application_id", "note")


def _reason(reason: str) -> str:
    """The reason of a correction (the review page asks for it in its own words before this)."""
    reason = (reason or "").strip()
    if not reason:
        raise RegisterError("更正登记簿须说明理由（--reason）：理由会记入更改记录")
    return check_length("reason", reason)


def _checked(reason: str, changes: dict[str, Any], allowed: tuple[str, ...], today: date) -> str:
    """The reason, once the changes name fields that may change and no date after today."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise RegisterError(f"不能更改的项：{'、'.join(sorted(unknown))}（审结结果请用 appeal decide --amend）")
    if not changes:
        raise RegisterError("没有要更改的内容")
    check_entry_dates(today, **{k: v for k, v in changes.items() if k.endswith("_on")})
    return _reason(reason)


def edit_application(store: Store, app_id: str, who: str, reason: str, today: date,
                     **changes: object) -> Application:
    """Correct fields of an application entered wrongly (a date, the applicant type …)."""
    reason = _checked(reason, changes, APPLICATION_FIELDS, today)
    if "outcome" in changes and changes["outcome"] is not None:
        changes["outcome"] = resolve_outcome(str(changes["outcome"]))
    if "request" in changes:
        changes["request"] = check_request(str(changes["request"]))
    for name in ("applicant", "note"):  # the same limits as the register's forms, never silently cut
        if isinstance(changes.get(name), str):
            changes[name] = check_length(name, str(changes[name]))
    return update_application(store, app_id, who, "更正", reason, **changes)


def reopen_application(store: Store, app_id: str, who: str, reason: str) -> Application:
    """An answered application is open again (the reply was recorded by mistake)."""
    reason = _reason(reason)
    app = get_application(store, app_id)
    if app.outcome is None:
        raise RegisterError(f"申请 {app_id} 尚未答复，无需重新办理")
    return update_application(store, app_id, who, "重新办理", reason, outcome=None, replied_on=None)


# A reason that says the applicant (or the appellant) withdrew: the case happened and is counted;
# withdrawing takes out only what was entered by mistake.
_APPLICANT_WITHDREW = re.compile(r"申请人.{0,8}(撤回|撤销|放弃)|(主动|自行)(撤回|放弃)|撤回.{0,4}申请$|撤回(其|本)?(政府信息公开)?申请")
_APPELLANT_WITHDREW = re.compile(r"撤诉|撤回.{0,4}(复议|起诉|诉讼)|(申请人|原告).{0,8}(撤回|撤销|放弃)")


def withdraw_application(store: Store, app_id: str, who: str, reason: str) -> None:
    """Take an application out of the register (登记错误, 重复登记): kept, not counted."""
    if _APPLICANT_WITHDREW.search(reason or ""):
        raise RegisterError(
            f"申请人撤回的申请仍是收到的申请，表三照样计入（新收，以及办理结果）：请用 xxgk application close "
            f"{app_id} --outcome 其他 --replied 撤回之日（计入“（六）其他处理”）；撤销（withdraw）只用于登记错误，"
            f"如重复登记")
    cases = appeals_about(store, app_id)
    if cases:  # the case proves the application was received; a duplicate's case moves to the one kept
        names = "、".join(c.id for c in cases)
        raise RegisterError(
            f"申请 {app_id} 是复议诉讼 {names} 所涉的申请，不能作为登记错误撤销：被提起复议或诉讼的申请确已收到。"
            f"如是重复登记，先用 xxgk appeal edit {cases[0].id} --application 保留的一件的编号 --reason 理由 "
            f"改为关联保留的一件，再撤销这一件")
    _withdraw(store, "application", app_id, who, reason,
              lambda: application_fields(get_application(store, app_id)))


def edit_appeal(store: Store, appeal_id: str, who: str, reason: str, today: date,
                **changes: Any) -> Appeal:
    """Correct the kind, filing date, application or note of an appeal (its result: ``decide --amend``)."""
    reason = _checked(reason, changes, APPEAL_FIELDS, today)
    appeal = replace(get_appeal(store, appeal_id), **changes)  # Appeal checks itself
    return save_appeal(store, appeal, who, "更正", reason)


def withdraw_appeal(store: Store, appeal_id: str, who: str, reason: str) -> None:
    """Take an appeal out of the register (entered by mistake): kept, not counted."""
    if _APPELLANT_WITHDREW.search(reason or ""):
        raise RegisterError(
            f"撤回的复议申请、撤诉的案件仍是本年被提起的复议或诉讼，表四照样计入：请用 xxgk appeal decide "
            f"{appeal_id} --outcome 其他结果 --decided 撤回之日；撤销（withdraw）只用于登记错误")
    _withdraw(store, "appeal", appeal_id, who, reason, lambda: appeal_fields(get_appeal(store, appeal_id)))


# A reason that says what was entered by mistake. Withdrawing takes an entry out of the counts, so a
# reason that says nothing of a mistake ("申请人来电不再需要": the applicant withdrew, a counted case)
# is refused rather than guessed at: the clerk states the mistake, or closes the case.
_ENTERED_BY_MISTAKE = re.compile(r"登记错|录入错|填错|录错|错登|误登|误录|重复|多登|测试|作废|无效|"
                                 r"(并非|不是|不属于|非)(本机关|本单位|政府信息公开|依申请|复议|诉讼|申请)")


def _withdraw(store: Store, register: str, entry_id: str, who: str, reason: str,
              fields: Callable[[], dict[str, Any]]) -> None:
    """Mark the entry withdrawn (``fields`` reads it, raising when it is unknown) and say why."""
    reason = _reason(reason)
    if not _ENTERED_BY_MISTAKE.search(reason):
        closing = (f"xxgk application close {entry_id} --outcome 其他" if register == "application"
                   else f"xxgk appeal decide {entry_id} --outcome 其他结果")
        raise RegisterError(
            f"撤销（withdraw）只用于登记错误，撤销后不计入年报；理由“{reason}”没有说明登记错在哪里。"
            f"如确属登记错误，请在理由中写明（如“重复登记”“录入错误”“并非政府信息公开申请”）；"
            f"如是申请人撤回、不再需要等已收到的案件，请用 {closing} 办结，照样计入年报")
    with store.transaction():
        before = fields()
        store.db.table(f"{register}s").update(entry_id, {"withdrawn_at": iso(utcnow()), "withdrawn_reason": reason})
        audit(store, who, register, entry_id, "撤销", before, None, reason)

"""Opening balances: an office that starts keeping its register in xxgk mid-stream.

``xxgk application opening --year Y`` records how many applications, by applicant
type, were still open on 1 January of Y (表三 "二、上年结转" of Y). No application is
invented: the cases exist only as counts, and as they are answered
(``close-opening``) their outcomes are counted by type. Year Y−1 gets no report
from them. In the report they are plain ``Application`` records, received the day
before Y, that never leave this module's counting (``carried_cases``).
"""

from __future__ import annotations

from datetime import date

from ..store import Store
from .errors import RegisterError
from .formats import APPLICANT_TYPES
from .ledger import audit
from .records import Application, outcome_label, resolve_outcome

OPENING_CHANNEL = "其他"  # the channel of a counted case is not known; it is never printed


def set_opening(store: Store, year: int, counts: dict[str, int], who: str, reason: str = "") -> None:
    """Record (or replace) the cases carried into ``year`` by applicant type."""
    for kind, n in counts.items():
        if kind not in APPLICANT_TYPES:
            raise RegisterError(f"申请人类型“{kind}”无效，应为：{'、'.join(APPLICANT_TYPES)}")
        if n < 0:
            raise RegisterError(f"{kind}的上年结转件数不能为负数：{n}")
    registered = [r[0] for r in store.db.execute(
        "SELECT id FROM applications WHERE withdrawn_at IS NULL AND received_on < ? "
        "AND (replied_on IS NULL OR replied_on >= ?) ORDER BY id", [f"{year}-01-01", f"{year}-01-01"])]
    if registered:  # they are carried into the year already: counting them again would double 二
        raise RegisterError(f"已逐件登记 {len(registered)} 件{year}年之前收到、{year}年1月1日仍在办理的申请"
                            f"（{'、'.join(registered[:5])}{' 等' if len(registered) > 5 else ''}），它们已计入"
                            f"{year}年的上年结转；期初结转只记没有逐件登记的申请")
    closed = closures_by_type(store, year)
    with store.transaction():
        for kind, n in counts.items():
            if n < closed.get(kind, 0):
                raise RegisterError(f"{year}年{kind}的期初结转已办结 {closed[kind]} 件，不能改为 {n} 件")
            before = opening_counts(store, year).get(kind)
            store.db.execute("INSERT INTO opening_balances (year, applicant_type, count) VALUES (?, ?, ?) "
                             "ON CONFLICT(year, applicant_type) DO UPDATE SET count = excluded.count",
                             [year, kind, n])
            audit(store, who, "opening", f"{year}-{kind}", "期初结转",
                  None if before is None else {"count": before}, {"count": n}, reason)


def opening_counts(store: Store, year: int | None = None) -> dict[str, int]:
    sql, args = "SELECT applicant_type, count FROM opening_balances", []
    if year is not None:
        sql, args = sql + " WHERE year = ?", [year]
    return {k: n for k, n in store.db.execute(sql, args)}


def closures_by_type(store: Store, year: int) -> dict[str, int]:
    return {k: n for k, n in store.db.execute(
        "SELECT applicant_type, COUNT(*) FROM opening_closures WHERE year = ? GROUP BY applicant_type", [year])}


def close_opening(store: Store, year: int, applicant_type: str, outcome: str, replied_on: date,
                  who: str) -> str:
    """One carried case of ``year``'s opening balance was answered; returns the outcome key."""
    key = resolve_outcome(outcome)
    if replied_on < date(year, 1, 1):
        raise RegisterError(f"答复日期（{replied_on}）不能早于期初结转所在年度（{year}年1月1日）")
    opened = opening_counts(store, year).get(applicant_type, 0)
    done = closures_by_type(store, year).get(applicant_type, 0)
    if done >= opened:
        raise RegisterError(f"{year}年期初结转的{applicant_type}申请共 {opened} 件，已全部办结")
    with store.transaction():
        cur = store.db.execute("INSERT INTO opening_closures (year, applicant_type, outcome, replied_on) "
                               "VALUES (?, ?, ?, ?)", [year, applicant_type, key, replied_on.isoformat()])
        audit(store, who, "opening", f"{year}-{applicant_type}", "期初结转答复", None,
              {"outcome": outcome_label(key), "replied_on": str(replied_on), "id": cur.lastrowid})
    return key


def carried_cases(store: Store, up_to_year: int) -> list[Application]:
    """The opening-balance cases as records for counting years ≥ their opening year
    (received on 31 December before it, answered as recorded or still open)."""
    out: list[Application] = []
    for year, kind, n in store.db.execute(
            "SELECT year, applicant_type, count FROM opening_balances WHERE year <= ? ORDER BY year, applicant_type",
            [up_to_year]).fetchall():
        received = date(year - 1, 12, 31)
        closures = store.db.execute(
            "SELECT id, outcome, replied_on FROM opening_closures WHERE year = ? AND applicant_type = ? "
            "ORDER BY id", [year, kind]).fetchall()
        for i in range(n):
            if i < len(closures):
                cid, outcome, replied = closures[i]
                out.append(Application(received, OPENING_CHANNEL, kind, outcome=outcome,
                                       replied_on=date.fromisoformat(replied), id=f"期初{year}-{cid}"))
            else:
                out.append(Application(received, OPENING_CHANNEL, kind, id=f"期初{year}-未结{i + 1}"))
    return out

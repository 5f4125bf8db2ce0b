"""Every office's state in one place: its last run, its sources, its alerts (``xxgk district status``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..errors import XxgkError
from ..store import Store
from .config import District, OfficeEntry


def office_status(district: District, entry: OfficeEntry, today: date) -> dict[str, Any]:
    """One office's last run and health, as plain data; a broken config or store is reported, not raised."""
    from ..nightly.health import waiting_for_review
    from ..nightly.job import last_run, office_alerts

    row: dict[str, Any] = {"key": entry.key, "name": entry.name or entry.key, "uses_xxgk": entry.uses_xxgk}
    if not entry.uses_xxgk:
        return {**row, "status": "figures", "error": ""}
    try:
        config = district.office_config(entry)
        row["name"] = entry.name or config.office.name
        if not config.database.exists():
            return {**row, "status": "never run", "error": ""}
        with Store(config.database) as store:
            last = last_run(store, config.database)  # killed midway: `interrupted`
            sources = store.last_source_runs()
            alerts = office_alerts(config, store, today)
            (items,) = store.db.execute("SELECT COUNT(*) FROM counted_items WHERE withdrawn = 0").fetchone()
            waiting = waiting_for_review(store)
    except XxgkError as e:
        return {**row, "status": "failed", "error": str(e)}
    failed = [s["source"] for s in sources if s["status"] == "failed"]
    status = ("never run" if not last else last["status"] if last["status"] in ("failed", "interrupted")
              else "partial" if failed else "ok")
    return {**row, "status": status, "error": "", "last_run": last, "items": items, "waiting_for_review": waiting,
            "failed_sources": failed,
            "sources": sources,
            "alerts": [{"kind": a.kind, "subject": a.subject, "message": a.message} for a in alerts]}


def district_status(district: District, today: date) -> list[dict[str, Any]]:
    return [office_status(district, entry, today) for entry in district.offices]

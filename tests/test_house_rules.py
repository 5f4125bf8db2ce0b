"""One writer per rule (issue 17): a rule the code states is stated in one place, found by
reading the code of pipeline/ and sources/ as text."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "sources")


def code_files() -> dict[str, str]:
    """Every module of the packages: path relative to the repository → its text."""
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def places(pattern: str) -> list[str]:
    """file:line of every match of a regular expression in the code."""
    found = []
    for name, text in code_files().items():
        for match in re.finditer(pattern, text):
            found.append(f"{name}:{text.count(chr(10), 0, match.start()) + 1}")
    return found


def test_the_code_is_read():
    assert len(code_files()) > 50  # the walk finds the packages (a wrong ROOT would pass every test below)


def test_one_writer_of_decisions():
    """Staff and system decisions are appended by Store.record_decision alone."""
    found = places(r"INSERT\s+INTO\s+decisions\b")
    assert len(found) == 1 and found[0].startswith("pipeline/store.py:"), found


def test_one_today_in_a_time_zone():
    """"Today in the office's time zone" is pipeline.models.local_today, written once."""
    found = places(r"\.now\([^()]*\)\.date\(\)")
    assert len(found) == 1 and found[0].startswith("pipeline/models.py:"), found
    assert not places(r"\bdate\.today\(\)"), "the machine's day is not the office's: use models.local_today"


def test_one_table_of_exit_codes():
    assert len(places(r"\bEXIT_CODES\s*=")) == 1
    numbers = places(r"\bEXIT_[A-Z_]+\s*(,\s*EXIT_[A-Z_]+\s*)*=\s*\d")
    assert len(numbers) == 1 and numbers[0].startswith("pipeline/commands/base.py:"), numbers


def test_health_does_not_reach_up_into_the_report():
    """pipeline.health is told the registers' deadlines (pipeline.job.office_alerts passes them in)."""
    import ast

    tree = ast.parse((ROOT / "pipeline" / "health.py").read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert imported and not [m for m in imported if m.startswith(("report", "pipeline.report"))], imported


def test_commands_and_routes_hold_no_store_logic():
    """The commands and the review page's routes call the layers below: no SQL, no run bookkeeping,
    no lock-and-rebuild of their own (the store, pipeline.collect and pipeline.job hold those)."""
    thin = {name: text for name, text in code_files().items()
            if name.startswith("pipeline/commands/") or name == "pipeline/review/app.py"}
    assert "pipeline/commands/nightly.py" in thin and "pipeline/review/app.py" in thin
    for name, text in thin.items():
        for needle in (".db.execute(", ".db.query(", "start_run(", "finish_run(", "new_alerts(", "notify.send("):
            assert needle not in text, f"{name} holds {needle}"
    assert "run_lock" not in thin["pipeline/review/app.py"]


def test_the_report_summary_is_written_once():
    """`xxgk report` and `xxgk demo` print part 二's figures from one function (report/summary.py)."""
    found = places(r"主动公开政府信息数量 \{")
    assert len(found) == 1 and found[0].startswith("pipeline/report/summary.py:"), found

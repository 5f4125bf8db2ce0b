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
    assert len(found) == 1 and found[0].startswith("pipeline/store"), found


def test_one_today_in_a_time_zone():
    """"Today in the office's time zone" is pipeline.models.local_today, written once."""
    found = places(r"\.now\([^()]*\)\.date\(\)")
    assert len(found) == 1 and found[0].startswith("pipeline/models"), found
    assert not places(r"\bdate\.today\(\)"), "the machine's day is not the office's: use models.local_today"


def test_one_table_of_exit_codes():
    assert len(places(r"\bEXIT_CODES\s*=")) == 1
    numbers = places(r"\bEXIT_[A-Z_]+\s*(,\s*EXIT_[A-Z_]+\s*)*=\s*\d")
    assert len(numbers) == 1 and numbers[0].startswith("pipeline/commands/base.py:"), numbers


def test_health_does_not_reach_up_into_the_report():
    """pipeline.nightly.health is told the registers' deadlines (pipeline.nightly.job.office_alerts passes them in)."""
    import ast

    import importlib.util

    tree = ast.parse(Path(importlib.util.find_spec("pipeline.nightly.health").origin).read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert imported and not [m for m in imported if m.startswith(("report", "pipeline.report"))], imported


def test_commands_and_routes_hold_no_store_logic():
    """The commands and the review page's routes call the layers below: no SQL, no run bookkeeping,
    no lock-and-rebuild of their own (the store, pipeline.collect and pipeline.nightly.job hold those)."""
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
    assert len(found) == 1 and found[0].startswith("pipeline/report/"), found


# --- one exception tree ----------------------------------------------------------------

# Raised outside the tree on purpose, and why:
EDGE_OK = {
    "SystemExit": "the CLI's documented exit code (pipeline/commands), after its message is printed",
    "AssertionError": "marks code that cannot run (fetch's retry loop always returns or raises first)",
}


def module_names() -> list[str]:
    return [".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
            if path.stem != "__main__"]  # running it would start the CLI


def raised_names(tree) -> list[tuple[int, str]]:
    """(line, dotted name) of each `raise X(…)`, `raise X` and `raise (A if … else B)(…)`;
    a raise of a local variable (`raise exc`) is a re-raise and yields nothing."""
    import ast

    def names(node) -> list[str]:
        if isinstance(node, ast.Call):
            return names(node.func)
        if isinstance(node, ast.IfExp):
            return names(node.body) + names(node.orelse)
        if isinstance(node, ast.Name):
            return [node.id]
        if isinstance(node, ast.Attribute):
            return [ast.unparse(node)]
        return []

    return [(node.lineno, name) for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.exc is not None
            for name in names(node.exc)]


def test_every_raised_project_exception_is_in_the_tree():
    """Every `raise` in pipeline/ and sources/ raises an XxgkError (pipeline/errors.py), or is
    the CLI's edge: a click exception or one of EDGE_OK."""
    import ast
    import builtins
    import importlib

    import click

    from pipeline.errors import XxgkError

    modules = {name: importlib.import_module(name) for name in module_names()}
    classes = {cls.__name__: cls for module in modules.values() for cls in vars(module).values()
               if isinstance(cls, type) and issubclass(cls, BaseException)}
    wrong, checked = [], 0
    for name, module in modules.items():
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for line, raised in raised_names(tree):
            head, _, attr = raised.rpartition(".")
            target = getattr(module, raised, None) if not head else getattr(getattr(module, head, None), attr, None)
            if target is None:
                target = classes.get(attr) or getattr(builtins, attr, None)  # imported inside a function
            if not isinstance(target, type):
                continue  # a function that builds the exception (`raise t.fail(…)`), or a re-raise
            checked += 1
            if issubclass(target, (XxgkError, click.ClickException)) or target.__name__ in EDGE_OK:
                continue
            wrong.append(f"{name}:{line} raises {raised} ({target.__module__}.{target.__qualname__})")
    assert checked > 100, checked  # the walk finds the raises
    assert not wrong, "\n".join(wrong)


def test_every_exception_class_of_the_project_is_in_the_tree():
    import importlib

    import click

    from pipeline.errors import XxgkError

    defined = [cls for name in module_names() for cls in vars(importlib.import_module(name)).values()
               if isinstance(cls, type) and issubclass(cls, BaseException) and cls.__module__ == name]
    assert len(defined) > 20
    outside = [f"{cls.__module__}.{cls.__qualname__}" for cls in defined
               if not issubclass(cls, XxgkError) and not issubclass(cls, click.ClickException)]
    assert not outside, outside


def test_the_names_used_today_still_import():
    """Moved into pipeline/errors.py, each class stays importable where callers found it."""
    from pipeline import errors
    from pipeline.config.keys import UndeclaredKey
    from pipeline.nightly.notify import NotifyError
    from pipeline.publish import UnsafePathError
    from pipeline.review.actions import DecisionError
    from pipeline.workdays import CalendarGapError
    from sources.protocol import SourceError
    from sources.wechat import ArticleBlocked, ArticleDeleted

    for cls in (UndeclaredKey, NotifyError, UnsafePathError, DecisionError, CalendarGapError, SourceError,
                ArticleBlocked, ArticleDeleted):
        assert getattr(errors, cls.__name__) is cls and issubclass(cls, errors.XxgkError)


def test_one_rule_for_who_signs_a_change():
    """--by / --who, else $XXGK_USER, else the login name: pipeline.commands.base.who, for the
    registers and the staff merges alike."""
    found = places(r"getpass\.getuser\(")
    assert len(found) == 1 and found[0].startswith("pipeline/commands/base.py:"), found


def test_who_signs_a_change(monkeypatch):
    from pipeline.commands.base import who

    monkeypatch.setenv("XXGK_USER", "王会计")
    assert who(" 李明 ") == "李明" and who() == who(None) == "王会计"
    monkeypatch.delenv("XXGK_USER")
    assert who() and who() != "王会计"  # the login name (or "staff" where the system knows none)


def test_one_reading_of_a_stored_time_on_the_offices_clock():
    """The day, year and shown time of a stored instant are models.local_time (and its
    local_date / local_year / local_iso) in the office's zone, never a fixed Asia/Shanghai."""
    assert not [p for p in places(r"\.astimezone\(SHANGHAI\)") if not p.startswith("pipeline/models.py")]
    # any zone: only UTC (the store's form) and the machine's clock (the cron line) are read elsewhere
    others = places(r"\.astimezone\((?!timezone\.utc\)|\))")
    assert others and all(p.startswith("pipeline/models.py:") for p in others), others
    # SHANGHAI is a default only: of the config (models) and of a district's clock
    assert {p.split(":")[0] for p in places(r"\bSHANGHAI\b")} == {"pipeline/models.py", "pipeline/district/config.py"}

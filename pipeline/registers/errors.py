"""Errors of the annual-report package.

    XxgkError                  (pipeline.errors, the project's base)
     └── ReportError
          ├── ReportInconsistent   the tables break an identity of the format
          ├── FiguresInvalid       the office's figures file has a bad value
          └── RegisterError        a register entry is unknown, or a change to it is not allowed
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pipeline.errors import InputError


class Violation(Protocol):
    """What the message needs of a broken identity (pipeline.registers.checks.Violation)."""

    @property
    def message(self) -> str: ...


class ReportError(InputError):
    """Something is wrong with the annual report's data."""


class ReportInconsistent(ReportError):
    """The tables break the format's identities; ``violations`` says where."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = list(violations)
        lines = "\n".join(f"- {v.message}" for v in self.violations)
        super().__init__(f"年度报告表格数据不一致（{len(self.violations)}处）：\n{lines}")


class FiguresInvalid(ReportError):
    """A value in the figures the office fills in is not a usable number."""


class RegisterError(ReportError):
    """An application or appeal is unknown, or the change asked for is not allowed."""

"""How content mistakes are reported: every problem names its file, entry and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    entry_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.entry_id is not None:
            where.append(f"entry '{self.entry_id}'")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class ContentError(Exception):
    """The content did not load; `problems` lists every mistake found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [f"{len(self.problems)} content problem(s):"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


class FieldRuleError(ValueError):
    """Raised by cross-field model rules so the loader can name the offending field.

    Pydantic reports model-level errors without a field; it keeps the original exception
    in the error context, which is where the loader finds `field` and `entry_id`.
    """

    def __init__(self, field: str, message: str, entry_id: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.entry_id = entry_id

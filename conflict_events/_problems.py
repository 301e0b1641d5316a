"""Problems found in the data.

Every check in the package reports a :class:`Problem` with the id of a rule
of the catalogue (:mod:`conflict_events._catalogue`), which gives each rule
its meaning and a hint on how to fix it; ``validation/gallery/`` holds one
failing example per rule.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from conflict_events._errors import ConflictEventsError


def rule_ids() -> dict[str, object]:
    """The rule catalogue (imported on first use, so that the CLI starts without it)."""
    from conflict_events._catalogue import RULES

    return RULES


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows.

    ``line`` is the physical line of a text file (1-based) or the row number
    of a Parquet file or an in-memory frame (1-based, header not counted);
    ``None`` when the problem concerns the whole file, or for a PySpark
    frame, which has no row order: there ``key`` gives the row's primary key.
    """

    file: str
    line: int | None
    field: str | None
    rule: str
    message: str
    value: Any = None
    hint: str | None = None
    key: dict[str, Any] | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self) -> None:
        rules = rule_ids()
        if self.rule not in rules:
            raise ValueError(f"unknown rule id {self.rule!r}")
        if self.hint is None:
            object.__setattr__(self, "hint", rules[self.rule].hint)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def sort_key(self) -> tuple:
        return (self.file, self.line if self.line is not None else -1, self.field or "", self.rule, str(self.value))


def dedupe(problems: list[Problem]) -> list[Problem]:
    """The problems without repeats, in report order.

    A cell whose value has the wrong type (or is too long to read) is also
    empty once typed; it gets that problem only, not a second ``required`` one.
    """
    mistyped = {(p.file, p.line, p.field) for p in problems if p.rule in ("type", "cell-too-long")}
    unique = {(p.sort_key(), p.message): p for p in problems if not (p.rule == "required" and (p.file, p.line, p.field) in mistyped)}
    return [unique[key] for key in sorted(unique)]


class BuildError(ConflictEventsError):
    """The records have problems; nothing was written. Lives here, with no heavy imports, so the CLI can catch it cheaply."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the records; nothing was written")

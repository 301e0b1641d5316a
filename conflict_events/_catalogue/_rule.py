"""What a rule is: :class:`Rule`, and the registry that holds every one."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

#: category -> what its rules look at (the order of the docs and of the report)
CATEGORIES = {
    "file": "the file itself and its header: raised before any row is typed",
    "field": "one cell, against its field's type and constraints in the descriptor",
    "row": "several cells of one row",
    "table": "the rows of one table against each other",
    "reference": "rows against rows of other tables",
    "source": "evidence against the archived source texts",
}


@dataclasses.dataclass(frozen=True)
class Rule:
    """One rule: what it demands, how to fix a violation, and its check.

    ``message`` is a :meth:`str.format` template. Its names are ``field``,
    ``value`` (the offending value, shown), ``key`` (the row's primary key),
    any column of the row (shown), and the parameters that ``applies`` gives.

    The check depends on the category:

    - field: ``applies(field) -> dict | None`` says whether the rule holds for
      a field of the descriptor (and with which parameters); ``check(value,
      **params)`` takes the typed cell as a narwhals expression and gives an
      expression that is true where the rule is broken;
    - row: ``check(frame, table)`` gives a narwhals expression over the row's
      ``columns``, true where broken; the problem is reported on ``field``;
    - table and reference: ``check(frame, related)`` takes the table's rows
      (a polars DataFrame) and the other tables, and gives a boolean Series,
      true where broken; ``needs`` names the tables it cannot run without,
      and ``uses`` the (table, column) pairs it reads from them and from its
      own table (so that an engine keeps those columns);
    - file and source rules are raised where the files are read.

    ``example`` (``{table: {column: raw text}}``) is a change that breaks the
    rule and no other on a valid row of that table: ``strategies.mutations()``
    and the docs use it. ``extra(row, table)`` gives more names for the
    message.
    """

    id: str
    category: str
    meaning: str
    hint: str
    message: str
    tables: tuple[str, ...] = ()
    applies: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None
    check: Callable[..., Any] | None = None
    columns: tuple[str, ...] = ()
    field: str | None = None
    needs: tuple[str, ...] = ()
    reads: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    spark: bool = True
    example: dict[str, dict[str, Any]] | None = None
    extra: Callable[[dict[str, Any], str], dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"rule {self.id}: unknown category {self.category!r}; the categories are: {', '.join(CATEGORIES)}")

    def holds_for(self, table: str) -> bool:
        return not self.tables or table in self.tables

    def params(self, field: dict[str, Any]) -> dict[str, Any] | None:
        """The rule's parameters for one field of the descriptor, or None where it does not apply."""
        if self.category != "field":
            return None
        return {} if self.applies is None else self.applies(field)

    def render(self, values: dict[str, Any]) -> str:
        """The message, with every name the template uses filled in (a missing one shows as '?')."""
        return self.message.format_map(_Defaults(values))


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return "?"


#: rule id -> rule, in the order the modules register them
RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add a rule to the catalogue (its id must be new)."""
    if rule.id in RULES:
        raise ValueError(f"rule {rule.id} is registered twice")
    RULES[rule.id] = rule
    return rule


def unregister(rule_id: str) -> None:
    """Remove a rule (for tests that add a toy rule)."""
    RULES.pop(rule_id, None)


def rules_for(table: str, category: str | None = None) -> list[Rule]:
    """The rules that hold for a table, in catalogue order (optionally of one category)."""
    return [r for r in RULES.values() if r.holds_for(table) and (category is None or r.category == category)]

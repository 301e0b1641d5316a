"""The rule catalogue: every rule the validator knows, one :class:`Rule` object each.

A rule is written once, here, and everything else is derived from it: the
engines run its check (:mod:`conflict_events._engine`), the problems take
their hint and message from it, ``pandera_schema()`` turns it into pandera
checks, ``strategies.mutations()`` breaks it, and ``docs/rules.md`` lists it.

The rules are grouped by what they look at, one module each::

    files        the file itself (encoding, size, syntax): raised by the readers
    fields       one cell, against its field's Table Schema constraints
    rows         several cells of one row
    tables       rows of one table against each other (keys, near-duplicates)
    references   rows against other tables (foreign keys, evidence, figures)
    verification the evidence against what it can carry (its kind, the verification level)
    sources      evidence against the archived source texts

Checks are narwhals expressions, so that one definition runs on polars
(files, records, pandas and polars frames) and on PySpark (lazy frames).
"""

from __future__ import annotations

from conflict_events._catalogue._rule import CATEGORIES, RULES, Rule, register, rules_for

# the modules register their rules on import, in this order (the order of the docs)
from conflict_events._catalogue import files, fields, rows, tables, references, verification, sources  # noqa: E402,F401  isort: skip

__all__ = ["CATEGORIES", "RULES", "Rule", "register", "rules_for"]

"""frictionless-py's validation of an events CSV with the package's Table Schema (no foreign keys).

    python bench/frictionless_check.py FILE.csv    # prints {"rows": N, "problems": [[line, rule], ...]}

The schema is the ``events`` resource of conflict_events._schema, as the
package publishes it, without ``foreignKeys`` (which need the other tables).
Every error is kept (``limit_errors`` is lifted) and named by the package's
rule ids: a ``constraint-error`` by its constraint, ``type-error`` as
``type``, ``unique-error`` and ``primary-key`` as ``unique``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from frictionless import Resource, Schema, system

from conflict_events import _schema

CONSTRAINTS = {"minLength": "length", "maxLength": "length"}
ERRORS = {"type-error": "type", "unique-error": "unique", "primary-key": "unique"}


def check(path: Path) -> dict:
    descriptor = {k: v for k, v in _schema.resource("events")["schema"].items() if k != "foreignKeys"}
    with system.use_context(trusted=True):
        resource = Resource(path=str(path), format="csv", schema=Schema.from_descriptor(descriptor))
        report = resource.validate(limit_errors=10**9)
    problems = []
    for row, kind, note in report.flatten(["rowNumber", "type", "note"]):
        if kind == "constraint-error":
            found = re.search(r'constraint "(\w+)"', note or "")
            rule = CONSTRAINTS.get(found.group(1), found.group(1)) if found else kind
        else:
            rule = ERRORS.get(kind, kind)
        problems.append([row, rule])
    rows = report.tasks[0].stats.get("rows") if report.tasks else None
    return {"rows": rows, "problems": problems}


if __name__ == "__main__":
    print(json.dumps(check(Path(sys.argv[1]))))

"""The mapping report of an import or an export: every input row accounted for, every value not mapped listed."""

from __future__ import annotations

import collections
import dataclasses
import json
from typing import Any

#: How many input rows (by line) are named per skip reason.
EXAMPLES = 5


@dataclasses.dataclass
class MappingReport:
    """``rows`` = ``imported`` + the sum of ``skipped``, always.

    ``skipped``: {reason: count}; ``unmapped``: {column: {value: count}} for each value that no
    crosswalk maps (whether its row was skipped or imported with that field empty); ``notes``:
    {what was done: count} for choices a user should know of (ACLED's 0 fatalities, an empty
    subtype); ``examples``: {reason: [the first rows skipped for it, by line of the input file]}.
    For an export, ``imported`` counts the rows written and ``dropped`` the values that the
    target layout cannot hold: {column: count}.
    """

    dataset: str
    direction: str = "import"
    rows: int = 0
    imported: int = 0
    skipped: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    unmapped: dict[str, collections.Counter] = dataclasses.field(default_factory=dict)
    notes: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    dropped: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    examples: dict[str, list[Any]] = dataclasses.field(default_factory=dict)

    def skip(self, reason: str, where: Any) -> None:
        self.skipped[reason] += 1
        seen = self.examples.setdefault(reason, [])
        if len(seen) < EXAMPLES:
            seen.append(where)

    def unmapped_value(self, column: str, value: Any) -> None:
        self.unmapped.setdefault(column, collections.Counter())["" if value is None else str(value)] += 1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dataset": self.dataset, "direction": self.direction, "rows": self.rows,
                               "imported" if self.direction == "import" else "exported": self.imported,
                               "skipped": dict(self.skipped.most_common()),
                               "unmapped": {c: dict(v.most_common()) for c, v in sorted(self.unmapped.items())},
                               "notes": dict(self.notes.most_common())}
        if self.direction == "export":
            out["dropped"] = dict(self.dropped.most_common())
        out["examples"] = self.examples
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def text(self) -> str:
        verb = "imported" if self.direction == "import" else "exported"
        lines = [f"{self.dataset} {self.direction}: {self.rows:,} rows, {self.imported:,} {verb}, "
                 f"{sum(self.skipped.values()):,} skipped"]
        for reason, count in self.skipped.most_common():
            where = ", ".join(str(w) for w in self.examples.get(reason, []))
            lines.append(f"  skipped {count:,}: {reason}" + (f" (rows {where}{', ...' if count > len(self.examples.get(reason, [])) else ''})" if where else ""))
        for column, values in sorted(self.unmapped.items()):
            shown = ", ".join(f"{v or '(empty)'!s} ×{n:,}" for v, n in values.most_common(10))
            more = f", and {len(values) - 10} more" if len(values) > 10 else ""
            lines.append(f"  unmapped {column}: {shown}{more}")
        for column, count in self.dropped.most_common():
            lines.append(f"  not expressible, left out: {column} ({count:,} value{'' if count == 1 else 's'})")
        for note, count in self.notes.most_common():
            lines.append(f"  note {count:,}: {note}")
        return "\n".join(lines)

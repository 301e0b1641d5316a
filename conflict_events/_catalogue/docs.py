"""``docs/rules.md``, generated from the catalogue: every rule with its meaning, hint and example.

Run ``python -m conflict_events._catalogue.docs > docs/rules.md``; a test fails when the file is stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from conflict_events._catalogue._rule import CATEGORIES, RULES

GALLERY = Path(__file__).resolve().parents[2] / "validation" / "gallery"


def markdown() -> str:
    lines = [
        "# Validation rules",
        "",
        "Generated from the rule catalogue (`conflict_events/_catalogue/`) by",
        "`python -m conflict_events._catalogue.docs > docs/rules.md`; do not edit by hand.",
        "Every problem that `conflict-events validate` reports names one of these rules.",
        "`validation/gallery/<rule>/` holds a failing example of each, with its expected report.",
        "",
    ]
    for category, about in CATEGORIES.items():
        rules = [r for r in RULES.values() if r.category == category]
        if not rules:
            continue
        lines += [f"## {category.capitalize()} rules", "", f"Rules on {about}.", "", "| rule | tables | demands | hint |", "|---|---|---|---|"]
        for rule in rules:
            tables = ", ".join(rule.tables) if rule.tables else "any"
            lines.append(f"| `{rule.id}` | {tables} | {rule.meaning} | {rule.hint} |")
        lines.append("")
        for rule in rules:
            about_example = _gallery(rule.id)
            if about_example:
                lines.append(f"- `{rule.id}`: {about_example} (`validation/gallery/{rule.id}/`)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _gallery(rule_id: str) -> str | None:
    path = GALLERY / rule_id / "expected.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text("utf-8")).get("about")


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")

"""Problems rendered for people (text), programs (json) and GitHub Actions (github)."""

from __future__ import annotations

import json
import os
from collections import Counter
from itertools import groupby
from typing import Any, Mapping, Sequence

from conflict_events._problems import Problem

#: GitHub shows at most this many annotations of one kind per step; the rest go to the step summary.
GITHUB_ANNOTATIONS = 10
JSON_KEYS = ("file", "line", "field", "rule", "message", "value", "hint")
#: the version of the JSON report's layout; it changes when a key is removed or changes meaning
JSON_FORMAT = 1


def render(problems: Sequence[Problem], fmt: str = "text", files: Sequence[str] = (),
           counts: Mapping[str, int] | None = None, skipped: Mapping[str, str] | None = None) -> str:
    """The report as text, JSON or GitHub annotations.

    ``counts`` is the exact number of problems per rule (``problems`` may
    list fewer: at most ``--max-problems`` per rule); ``skipped`` names the
    rules that could not run, and why.
    """
    counts = dict(counts) if counts is not None else dict(Counter(p.rule for p in problems))
    if fmt == "json":
        return json.dumps({
            "format": JSON_FORMAT,
            "valid": not problems,
            "problems": [{k: getattr(p, k) for k in JSON_KEYS} for p in problems],
            "counts": dict(sorted(counts.items())),
            "skipped": dict(sorted((skipped or {}).items())),
            "files": list(files),
        }, indent=2, ensure_ascii=False, default=str)
    if fmt == "github":
        return github(problems, files, counts)
    return text(problems, files, counts, skipped)


def text(problems: Sequence[Problem], files: Sequence[str] = (), counts: Mapping[str, int] | None = None,
         skipped: Mapping[str, str] | None = None) -> str:
    counts = dict(counts) if counts is not None else dict(Counter(p.rule for p in problems))
    notes = [f"skipped {rule}: {why}" for rule, why in sorted((skipped or {}).items())]
    if not problems:
        return "\n".join([*notes, f"valid: {len(files)} file(s), no problems"])
    lines: list[str] = []
    for file, group in groupby(problems, key=lambda p: p.file):
        group = list(group)
        lines.append(f"{file}: {len(group)} problem(s)")
        for p in group:
            where = f"line {p.line}" if p.line is not None else "file"
            field = f" {p.field}" if p.field else ""
            lines.append(f"  {where}{field}: {p.message} [{p.rule}]")
            if p.hint:
                lines.append(f"      hint: {p.hint}")
    listed = Counter(p.rule for p in problems)
    lines.append("problems per rule:")
    for rule, total in sorted(counts.items()):
        more = f" ({listed[rule]:,} listed)" if listed[rule] < total else ""
        lines.append(f"  {rule}: {total:,}{more}")
    lines += notes
    lines.append(f"invalid: {sum(counts.values()):,} problem(s) in {len({p.file for p in problems})} file(s)")
    return "\n".join(lines)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(problems: Sequence[Problem], files: Sequence[str] = (), counts: Mapping[str, int] | None = None) -> str:
    """Workflow annotations for the first problems; the full table to $GITHUB_STEP_SUMMARY."""
    lines = []
    for p in problems[:GITHUB_ANNOTATIONS]:
        props = [f"file={_escape_property(p.file)}"]
        if p.line is not None:
            props.append(f"line={p.line}")
        props.append(f"title={_escape_property(f'{p.rule}' + (f' ({p.field})' if p.field else ''))}")
        lines.append(f"::error {','.join(props)}::{_escape_data(p.message + (f'. Hint: {p.hint}' if p.hint else ''))}")
    if len(problems) > GITHUB_ANNOTATIONS:
        lines.append(f"::notice title=conflict-events validate::{len(problems) - GITHUB_ANNOTATIONS} more problem(s); see the job summary")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(markdown(problems, files))
    lines.append(text(problems, files, counts).splitlines()[-1])
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return str("" if value is None else value).replace("|", "\\|").replace("\n", " ")


def markdown(problems: Sequence[Problem], files: Sequence[str] = ()) -> str:
    if not problems:
        return f"### conflict-events validate\n\nValid: {len(files)} file(s), no problems.\n"
    rows = ["### conflict-events validate", "", f"{len(problems)} problem(s).", "", "| file | line | field | rule | message | hint |", "|---|---|---|---|---|---|"]
    rows += [f"| {_cell(p.file)} | {_cell(p.line)} | {_cell(p.field)} | {_cell(p.rule)} | {_cell(p.message)} | {_cell(p.hint)} |" for p in problems]
    return "\n".join(rows) + "\n"

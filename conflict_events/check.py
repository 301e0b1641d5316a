"""Checking a package of typed tables: pandera schemas, then the archived quotes.

Input is a mapping of table name to a DataFrame from :func:`coerce.coerce`
(typed columns plus ``_file``/``_line``/``_lines``); output is a list of
:class:`Problem`, every violation of every rule, sorted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd
import pandera.pandas as pa

from conflict_events import schema as _schema
from conflict_events._files import FileProblem, archived_text
from conflict_events.coerce import RowView, locate
from conflict_events.dtypes import enum_of
from conflict_events.problems import Problem, dedupe
from conflict_events.rules import table_schema

_PANDERA_RULES = {
    "not_nullable": "required",
    "column_in_dataframe": "missing-field",
}


def check_tables(
    frames: Mapping[str, pd.DataFrame],
    archives: Iterable[Path] = (),
    related: Mapping[str, pd.DataFrame] | None = None,
    desc: dict | None = None,
) -> list[Problem]:
    """Every problem in the given tables.

    ``related`` holds the tables that references and cross-table rules look
    in (by default the given tables themselves); ``archives`` the folders of
    archived source texts that quotes are checked against.
    """
    related = frames if related is None else related
    problems: list[Problem] = []
    for name, frame in frames.items():
        problems += check_table(name, frame, related, desc)
    if "evidence" in frames and "sources" in related:
        for archive in dict.fromkeys(Path(a) for a in archives):
            problems += check_quotes(frames["evidence"], related["sources"], archive)
    return dedupe(problems)


def check_table(name: str, frame: pd.DataFrame, related: Mapping[str, pd.DataFrame], desc: dict | None = None) -> list[Problem]:
    schema = table_schema(name, related, desc)
    problems: list[Problem] = []
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = _problems(name, frame, errors.failure_cases, desc)
    if name == "events" and "retired" in related:
        problems += check_retired_ids(frame, related["retired"])
    return problems


def check_retired_ids(events: pd.DataFrame, retired: pd.DataFrame) -> list[Problem]:
    """A retired event_id is never reused: no event may carry one."""
    if not len(retired) or "event_id" not in retired.columns or "event_id" not in events.columns:
        return []
    entries = retired.dropna(subset=["event_id"]).drop_duplicates("event_id").set_index("event_id")
    hits = events["event_id"].isin(set(entries.index))
    where = locate(events)
    problems: list[Problem] = []
    for label in events.index[hits.fillna(False).astype(bool)]:
        event_id = events.at[label, "event_id"]
        entry = entries.loc[event_id]
        successor = entry.get("successor")
        succeeded = f", succeeded by {successor}" if isinstance(successor, str) and successor else ""
        file, line = where(label, "event_id")
        problems.append(Problem(file, line, "event_id", "retired-id",
                                f"event_id {event_id} was retired in {entry.get('retired_in')} ({entry.get('reason')}{succeeded}); "
                                "a retired id is never reused", event_id))
    return problems


def _problems(table: str, frame: pd.DataFrame, cases: pd.DataFrame, desc: dict | None) -> list[Problem]:
    fields = {f["name"]: f for f in _schema.fields(table, desc)}
    derived = frame.attrs.get("derived", ())
    problems: list[Problem] = []
    seen: set[tuple[Any, str, str]] = set()
    found: list[tuple[Any, str, str, Any]] = []
    for check, field, label, failure in zip(cases["check"].astype(str), cases["column"], cases["index"], cases["failure_case"]):
        rule = _PANDERA_RULES.get(check, check)
        if "@" in rule:
            rule, field = rule.split("@", 1)
        if field in derived:
            continue  # a derived value is wrong only if its source is; that is reported there
        if label is None or (isinstance(label, float) and pd.isna(label)):
            problems.append(Problem(_files(frame), None, field, rule, f"{table}: {rule} failed on {field}"))
            continue
        if (label, rule, field) in seen:
            continue
        seen.add((label, rule, field))
        found.append((label, rule, field, failure))
    rows = _rows(frame, [label for label, *_ in found])
    for label, rule, field, failure in found:
        row = rows[label] if rows is not None else RowView(frame, label)
        value = row.get(field) if field in frame.columns else failure
        file, line = _where(row)(field)
        problems.append(Problem(file, line, field, rule, message(table, rule, fields.get(field, {}), value, row), _plain(value)))
    return problems


def _rows(frame: pd.DataFrame, labels: list[Any]) -> dict[Any, dict[str, Any]] | None:
    """The failing rows as dicts, taken from the frame in one go (None if its index has repeats)."""
    if not frame.index.is_unique:
        return None
    wanted = list(dict.fromkeys(labels))
    return frame.loc[wanted].to_dict("index") if wanted else {}


def _where(row: Any):
    """(field) -> (file, line) for one row (a dict or a RowView), as :func:`conflict_events.coerce.locate` gives."""

    def where(field: str | None) -> tuple[str, int | None]:
        line = row.get("_line")
        lines = row.get("_lines")
        if isinstance(lines, dict) and field in lines:
            line = lines[field]
        return str(row.get("_file")), None if line is None or pd.isna(line) else int(line)

    return where


def message(table: str, rule: str, field: dict[str, Any], value: Any, row: Any) -> str:
    """A sentence that says what is wrong, in the terms of the data."""
    name = field.get("name", "")
    constraints = field.get("constraints", {})
    shown = _show(value)
    key = f" ({_key(table, row)})" if _key(table, row) else ""
    if rule == "required":
        return f"{name} is required but empty{key}"
    if rule == "enum":
        codes = enum_of(field) or []
        return f"{name} is {shown}, which is not one of: {', '.join(codes)}"
    if rule == "pattern":
        return f"{name} is {shown}, which does not match the pattern {constraints.get('pattern')}"
    if rule == "minimum":
        return f"{name} is {shown}, below the minimum {constraints.get('minimum')}"
    if rule == "maximum":
        return f"{name} is {shown}, above the maximum {constraints.get('maximum')}"
    if rule == "length":
        return f"{name} has length {len(value) if hasattr(value, '__len__') else '?'}, outside {constraints.get('minLength', 0)}..{constraints.get('maxLength', 'any')}"
    if rule == "unique":
        return f"{name} {shown} occurs more than once in {table}"
    if rule == "primary-key":
        return f"the key {_key(table, row)} occurs more than once in {table}"
    if rule == "foreign-key":
        return f"{name} {shown} is not the id of a known {_target(table, name)}"
    if rule == "country-code":
        return f"{name} {shown} is not an ISO 3166-1 alpha-3 code"
    if rule == "end-before-start":
        return f"end_date {_show(row.get('end_date'))} is before start_date {_show(row.get('start_date'))}"
    if rule == "fatalities-order":
        cols = ("fatalities_low", "fatalities_best", "fatalities_high") if table == "events" else ("killed_low", "killed_best", "killed_high")
        return "estimates out of order: " + ", ".join(f"{c}={_show(row.get(c))}" for c in cols)
    if rule == "coordinates-outside-country":
        return f"({_show(row.get('latitude'))}, {_show(row.get('longitude'))}) is not inside or near {row.get('country_iso3')}"
    if rule == "subtype-mismatch":
        return f"event_subtype {_show(row.get('event_subtype'))} does not belong to event_type {_show(row.get('event_type'))}"
    if rule == "casualties-not-latest":
        return f"event {row.get('event_id')}: the figures differ from its latest casualty report"
    if rule == "event-without-evidence":
        return f"event {row.get('event_id')} has no evidence"
    if rule == "source-not-cited":
        return f"event {row.get('event_id')}: source_ids {_show(value)} does not list every source of its evidence and casualty reports"
    if rule == "formula-injection":
        return f"{name} starts with {str(value)[:1]!r}: a spreadsheet would run {shown} as a formula"
    if rule == "near-duplicate":
        return (f"event {row.get('event_id')} has the type, place and dates of another event "
                f"({row.get('event_type')}, {row.get('country_iso3')}, {_show(row.get('location'))}, "
                f"{_show(row.get('start_date'))} to {_show(row.get('end_date'))})")
    return f"{table}.{name}: {rule} failed on {shown}"


def _target(table: str, field: str) -> str:
    if field == "source_ids" or field == "source_id":
        return "source"
    if field == "event_id":
        return "event"
    return "actor"


def _key(table: str, row: Any) -> str:
    try:
        keys = _schema.resource(table)["schema"].get("primaryKey", [])
    except KeyError:
        return ""
    return ", ".join(f"{k}={_show(row.get(k))}" for k in keys if k in row)


def check_quotes(evidence: pd.DataFrame, sources: pd.DataFrame, archive_dir: Path) -> list[Problem]:
    """Quotes whose source is archived must occur in its text, verbatim."""
    problems: list[Problem] = []
    texts: dict[str, str | None] = {}
    where_source = locate(sources)
    for label, source in sources.iterrows():
        source_id = source["source_id"]
        try:
            data = archived_text(archive_dir, source_id)  # a source id is a name; nothing outside the archive is read
        except FileProblem as error:
            problems.append(error.problem)
            continue
        if data is None:
            continue
        expected = source.get("archived_sha256")
        if isinstance(expected, str) and hashlib.sha256(data).hexdigest() != expected:
            file, line = where_source(label, "archived_sha256")
            problems.append(Problem(file, line, "archived_sha256", "archive-mismatch",
                                    f"the archived text of {source_id} has sha256 {hashlib.sha256(data).hexdigest()}, not {expected}", expected))
            continue
        texts[source_id] = data.decode("utf-8", errors="replace")
    where = locate(evidence)
    for label, row in evidence.iterrows():
        text = texts.get(row["source_id"])
        quote = row["quote"]
        if text is None or not isinstance(quote, str) or quote in text:
            continue
        file, line = where(label, "quote")
        problems.append(Problem(file, line, "quote", "quote-not-in-source",
                                f"the quote does not occur in the archived text of {row['source_id']}{_near_miss(quote, text)}", quote))
    return problems


def _near_miss(quote: str, text: str) -> str:
    import difflib

    matcher = difflib.SequenceMatcher(None, text, quote, autojunk=False)
    match = matcher.find_longest_match(0, len(text), 0, len(quote))
    if match.size < 8:
        return ""
    start = max(0, match.a - match.b)
    return f"; the closest text is {text[start:start + len(quote)]!r}"


def _files(frame: pd.DataFrame) -> str:
    files = sorted(set(frame["_file"].dropna().astype(str))) if "_file" in frame.columns else []
    return files[0] if len(files) == 1 else ", ".join(files) or "<input>"


def _show(value: Any) -> str:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return "empty"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return repr(_plain(value))


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value

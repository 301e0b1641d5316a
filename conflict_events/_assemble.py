"""Records to tables: read a dataset folder, type its cells, derive the derived columns.

The events table's ``source_ids`` and its latest casualty figures are derived
from the event's evidence and casualty reports, so that a record states each
fact once. A record that sets a derived column is told to add a casualty
report or an evidence entry instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from conflict_events import _timeline, _schema
from conflict_events._coerce import ORIGIN, coerce, locate
from conflict_events._problems import Problem
from conflict_events._records import read_records
from conflict_events._catalogue.references import LATEST_FIGURES

#: events columns that the build derives from the nested entries of a record
DERIVED = (*LATEST_FIGURES, "source_ids")
RECORD_TABLES = tuple(_schema.record_tables())


def raw_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(columns=list(ORIGIN), dtype=object)
    frame.index = pd.RangeIndex(len(frame))
    return frame


def unknown_fields(table: str, raw: pd.DataFrame, derived: tuple[str, ...] = ()) -> list[Problem]:
    """Problems for columns that are not fields of the table (or that the build derives)."""
    names = {f["name"] for f in _schema.fields(table)}
    where = locate(raw)
    problems: list[Problem] = []
    for column in raw.columns:
        if column in ORIGIN or (column in names and column not in derived):
            continue
        if column in derived:
            text = f"{column} is derived by the build from the record's casualties and evidence; remove it and add a casualty report or evidence entry instead"
        else:
            text = f"{column} is not a field of {table}; the fields are: {', '.join(sorted(names))}"
        for label in raw.index[raw[column].notna()]:
            file, line = where(label, column)
            problems.append(Problem(file, line, column, "unknown-field", text, column))
    return problems


def typed_tables(tables: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Type the rows of every record table; derive the events' derived columns."""
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in RECORD_TABLES:
        raw = raw_frame(tables.get(name, []))
        derived = DERIVED if name == "events" else ()
        problems += unknown_fields(name, raw, derived)
        fields = [f for f in _schema.fields(name) if f["name"] not in derived]
        frames[name], found = coerce(raw, fields, locate(raw))
        problems += found
    frames["events"] = derive_events(frames["events"], frames["evidence"], frames["casualties"])
    return frames, problems


def latest_reports(casualties: pd.DataFrame) -> pd.DataFrame:
    """The latest casualty report of each event (by the moment it became known, then source_id), indexed by event_id."""
    if casualties.empty:
        return casualties.set_index("event_id")
    return _timeline.latest_reports(casualties).set_index("event_id")


def derive_events(events: pd.DataFrame, evidence: pd.DataFrame, casualties: pd.DataFrame) -> pd.DataFrame:
    """Fill source_ids and the latest casualty figures of each event."""
    events = events.copy()
    latest = latest_reports(casualties)
    for event_column, report_column in LATEST_FIGURES.items():
        values = events["event_id"].map(latest[report_column]) if len(latest) else None
        dtype = {"casualties_as_of": "datetime64[us, UTC]", "casualties_as_of_precision": "str"}.get(event_column, "Int64")
        events[event_column] = pd.Series(values, index=events.index).astype(dtype)
    cited = pd.concat([evidence[["event_id", "source_id"]], casualties[["event_id", "source_id"]]])
    by_event = cited.dropna().groupby("event_id")["source_id"].agg(lambda s: sorted(set(s)))
    events["source_ids"] = events["event_id"].map(lambda e: by_event.get(e)).astype(object)
    order = [f["name"] for f in _schema.fields("events")] + [c for c in ORIGIN if c in events.columns]
    events = events[order]
    events.attrs["derived"] = DERIVED
    return events


def vocabularies_frame() -> pd.DataFrame:
    fields = _schema.fields("vocabularies")
    raw = raw_frame(_schema.vocabulary_rows())
    raw["_file"], raw["_line"] = "schema/vocabularies.yaml", None
    frame, problems = coerce(raw, fields, locate(raw))
    assert not problems, problems  # the schema's own vocabularies are well typed
    return frame


def read_dataset(root: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Every table of a dataset folder, typed, plus the problems met on the way."""
    tables, problems = read_records(root)
    frames, found = typed_tables(tables)
    frames["vocabularies"] = vocabularies_frame()
    return frames, problems + found

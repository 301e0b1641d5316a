"""``validate()``: every problem in a set of contributed files, checked together.

Inputs are dataset folders (``actors.yaml``, ``sources.yaml``, ``events/``),
event records (``.yaml``), and table files of any table (CSV, JSON, JSON
Lines, Parquet), named after their table (``events.csv``,
``evidence-2024.json``). The given rows are checked against each other and,
for references, against the package's own records that they do not replace.
Table files are streamed in batches. Validation only reads its inputs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from conflict_events import schema as _schema
from conflict_events._paths import DATASET_DIR
from conflict_events.assemble import RECORD_TABLES, typed_tables, unknown_fields, vocabularies_frame
from conflict_events.check import check_quotes, check_table, check_tables
from conflict_events.coerce import coerce, locate
from conflict_events.problems import Problem, dedupe
from conflict_events.records import SHARED_TABLES, event_rows, list_rows, load_yaml, read_records
from conflict_events.rules import NEAR_DUPLICATE_KEY, matches_latest
from conflict_events._files import folder_files, outside
from conflict_events.tablefiles import TABLE_SUFFIXES, FileProblem, batches, header_of, sniff, table_of

YAML_SUFFIXES = (".yaml", ".yml")
CHILD_TABLES = ("evidence", "casualties", "equipment")


@dataclasses.dataclass
class Report:
    """The outcome of a validation: the problems, and the files read."""

    problems: list[Problem]
    files: list[str]

    @property
    def valid(self) -> bool:
        return not self.problems

    def to_records(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.problems]


class UsageError(Exception):
    """Validation could not run: a path does not exist, or a table is not known."""


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclasses.dataclass
class _Inputs:
    records: dict[str, list[dict]] = dataclasses.field(default_factory=lambda: {name: [] for name in RECORD_TABLES})
    record_events: set[str] = dataclasses.field(default_factory=set)
    tables: list[tuple[Path, str, str]] = dataclasses.field(default_factory=list)  # (path, display, table)
    archives: list[Path] = dataclasses.field(default_factory=list)
    files: list[str] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)


def raw_frames(path: Path, display: str, columns: list[str] | None = None, *, table: str | None = None) -> Iterable[pd.DataFrame]:
    """The batches of a table file as pandas frames of raw text with ``_file`` and ``_line`` (index unique across batches)."""
    start = 0
    for batch in batches(path, display, columns, table=table):
        frame = batch.table.to_pandas()
        frame.index = pd.RangeIndex(start, start + len(frame))
        start += len(frame)
        frame["_file"] = display
        frame.attrs["problems"] = batch.problems
        frame.attrs["lines_exact"] = batch.lines_exact
        yield frame


def _is_dataset_folder(path: Path) -> bool:
    return (path / "events").is_dir() or (path / "actors.yaml").is_file() or (path / "sources.yaml").is_file()


def _collect(paths: Iterable[Path], table: str | None, found: _Inputs) -> _Inputs:
    names = _schema.resource_names()
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if path.is_dir():
            if _is_dataset_folder(path):
                _read_folder(path, found)
            else:
                members, leaving = folder_files(path, YAML_SUFFIXES + TABLE_SUFFIXES)
                found.problems += [outside(_display(link), str(path)) for link in leaving]
                _collect(members, table, found)
            continue
        display = _display(path)
        found.files.append(display)
        suffix = path.suffix.lower()
        if suffix in YAML_SUFFIXES:
            _read_yaml(path, display, found)
        elif suffix in TABLE_SUFFIXES:
            name = table or table_of(path, names)
            if name is None:
                found.problems.append(Problem(display, None, None, "table-unknown",
                                              f"cannot tell which table {path.name} holds; the tables are: {', '.join(names)}"))
            else:
                found.tables.append((path, display, name))
        else:
            found.problems.append(Problem(display, None, None, "file-format", f"{suffix or 'no suffix'}: not a kind of file the validator reads"))
    return found


def _read_yaml(path: Path, display: str, found: _Inputs) -> None:
    data, problems = load_yaml(path, display)
    found.problems += problems
    if data is None:
        return
    stem = path.stem.lower()
    if stem in SHARED_TABLES:
        rows, problems = list_rows(data, display, stem)
        found.records[stem] += rows
    else:
        split, problems = event_rows(data, display)
        for name, rows in split.items():
            found.records[name] += rows
        found.record_events.update(str(row.get("event_id")) for row in split["events"])
    found.problems += problems


def _read_folder(path: Path, found: _Inputs) -> None:
    tables, problems = read_records(path)
    for rows in tables.values():
        for row in rows:
            row["_file"] = _display(path.parent / row["_file"])
    found.problems += [dataclasses.replace(p, file=_display(path.parent / p.file)) for p in problems]
    for name, rows in tables.items():
        found.records[name] += rows
    found.record_events.update(str(row.get("event_id")) for row in tables["events"])
    found.files += sorted({row["_file"] for rows in tables.values() for row in rows} | {p.file for p in found.problems})
    if (path / "archive").is_dir():
        found.archives.append(path / "archive")


def _keys(frame: pd.DataFrame, key: list[str]) -> list[tuple]:
    """The key of each row, empty cells as None."""
    return list(frame[key].astype(object).where(frame[key].notna(), None).itertuples(index=False, name=None))


def _merge(given: dict[str, list[pd.DataFrame]], base: dict[str, pd.DataFrame], record_events: set[str]) -> dict[str, pd.DataFrame]:
    """The rows references are resolved against: the given rows, and the base rows they do not replace."""
    merged: dict[str, pd.DataFrame] = {}
    for name in set(given) | set(base):
        parts = [frame for frame in given.get(name, []) if len(frame)]
        if name in base and name != "vocabularies":
            rows = base[name]
            key = _schema.resource(name)["schema"]["primaryKey"]
            replaced = {k for frame in parts if set(key) <= set(frame.columns) for k in _keys(frame, key)}
            keep = ~pd.Series([row in replaced for row in _keys(rows, key)], index=rows.index, dtype=bool)
            if name in CHILD_TABLES:  # an event record carries all its children
                keep &= ~rows["event_id"].isin(record_events)
            parts.append(rows[keep])
        elif name in base:
            parts.append(base[name])
        if not parts:
            parts = [pd.DataFrame(columns=[f["name"] for f in _schema.fields(name)])]
        merged[name] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return merged


#: Columns of a table file kept in memory for references from other files, when the file is large.
_REFERENCE_COLUMNS = {"events": ["event_id"], "evidence": ["event_id", "source_id"]}
_SMALL_FILE = 64 << 20


def _read_table_file(path: Path, display: str, name: str) -> pd.DataFrame:
    """A table file typed in full (for references), or its reference columns when it is large."""
    fields = _schema.fields(name)
    wanted = None if path.stat().st_size <= _SMALL_FILE else _REFERENCE_COLUMNS.get(name, [f["name"] for f in fields])
    if wanted is not None:
        fields = [f for f in fields if f["name"] in wanted]
    parts = []
    for raw in raw_frames(path, display, wanted, table=name):
        if wanted is not None:
            raw = raw[[c for c in raw.columns if c in wanted or c.startswith("_")]]
        frame, _ = coerce(raw, fields, locate(raw))
        parts.append(frame)
    return pd.concat(parts) if parts else pd.DataFrame(columns=[f["name"] for f in fields])


class _Seen:
    """Keys met in earlier batches of one file, as 64-bit hashes: catches repeats across batches."""

    def __init__(self, name: str):
        resource = _schema.resource(name)
        self.specs = [("unique", f["name"], [f["name"]]) for f in resource["schema"]["fields"] if f.get("constraints", {}).get("unique")]
        key = resource["schema"].get("primaryKey", [])
        if len(key) > 1:
            self.specs.append(("primary-key", key[0], key))
        if name == "events":
            self.specs.append(("near-duplicate", "event_id", NEAR_DUPLICATE_KEY))
        self.hashes: dict[str, list[np.ndarray]] = {rule + field: [] for rule, field, _ in self.specs}

    def check(self, frame: pd.DataFrame, where) -> list[Problem]:
        problems = []
        for rule, field, columns in self.specs:
            if not set(columns) <= set(frame.columns):
                continue
            hashed = pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()
            earlier = self.hashes[rule + field]
            if earlier:
                # np.isin re-hashes every earlier row on each batch (quadratic); each earlier batch is kept sorted instead
                repeat = np.zeros(len(hashed), dtype=bool)
                for seen in earlier:
                    at = np.searchsorted(seen, hashed).clip(0, len(seen) - 1)
                    repeat |= seen[at] == hashed
                if rule == "unique":
                    repeat &= frame[field].notna().to_numpy()
                for label in frame.index[repeat]:
                    file, line = where(label, field)
                    value = frame.at[label, field]
                    problems.append(Problem(file, line, field, rule, f"{', '.join(columns) if rule != 'unique' else field} repeats a row of an earlier part of the file", str(value)))
            earlier.append(np.sort(hashed))
        return problems


class _Untold:
    """Events of a table file whose evidence or casualty reports were not given at all.

    Rather than one problem per event (a million for a bulk file), each rule
    gets one problem per file, with the count and the first event ids.
    """

    RULES = {"evidence": "event-without-evidence", "casualties": "casualties-not-latest"}

    def __init__(self, related: dict[str, pd.DataFrame], given: set[str]):
        self.tables = [table for table in self.RULES if table not in given]
        self.related = related
        self.hits: dict[str, list[str]] = {table: [] for table in self.tables}
        self.counts = dict.fromkeys(self.tables, 0)

    def context(self) -> dict[str, pd.DataFrame]:
        return {k: v for k, v in self.related.items() if k not in self.tables}

    def check(self, frame: pd.DataFrame) -> None:
        for table in self.tables:
            if table == "evidence":
                ok = frame["event_id"].isin(set(self.related["evidence"]["event_id"].dropna()))
            else:
                ok = matches_latest(self.related["casualties"])(frame)
            bad = frame.loc[~ok.to_numpy(), "event_id"]
            self.counts[table] += len(bad)
            self.hits[table] += bad.head(5 - len(self.hits[table])).astype(object).fillna("(empty)").astype(str).tolist()

    def problems(self, display: str) -> list[Problem]:
        out = []
        for table in self.tables:
            if self.counts[table]:
                what = "no evidence" if table == "evidence" else "figures without a matching casualty report"
                out.append(Problem(display, None, "event_id" if table == "evidence" else "fatalities_best", self.RULES[table],
                                   f"{self.counts[table]:,} events have {what}, and no {table} table was given "
                                   f"(first: {', '.join(self.hits[table])}); add a {table} file for them"))
        return out


def _check_table_file(path: Path, display: str, name: str, related: dict[str, pd.DataFrame], archives: list[Path], given: set[str]) -> list[Problem]:
    fields = _schema.fields(name)
    problems: list[Problem] = []
    header = header_of(path, display)
    names = {f["name"] for f in fields}
    if header is not None:
        for column in header:
            if column not in names:
                problems.append(Problem(display, 1, column, "unknown-field", f"{column} is not a field of {name}; the fields are: {', '.join(sorted(names))}", column))
        for field in fields:
            if field["name"] not in header and field.get("constraints", {}).get("required"):
                problems.append(Problem(display, 1, field["name"], "missing-field", f"{name} needs the column {field['name']}", field["name"]))
    absent = {f["name"] for f in fields} - set(header or names)
    seen = _Seen(name)
    untold = _Untold(related, given) if name == "events" else None
    context = untold.context() if untold else dict(related)
    if name == "events" and "_file" in related.get("events", ()):  # this file's own rows: _Seen compares them
        context["events"] = related["events"][related["events"]["_file"] != display]
    lines_exact = True
    for raw in raw_frames(path, display, table=name):
        lines_exact &= bool(raw.attrs.get("lines_exact"))
        where = locate(raw)
        if header is None:
            problems += unknown_fields(name, raw)
        problems += raw.attrs.get("problems", [])
        frame, found = coerce(raw, fields, where)
        problems += found
        problems += [p for p in check_table(name, frame, context) if not (p.rule == "required" and p.field in absent)]
        problems += seen.check(frame, where)
        if untold:
            untold.check(frame)
        if name == "evidence" and "sources" in related:
            for archive in archives:
                problems += check_quotes(frame, related["sources"], archive)
    return problems + (untold.problems(display) if untold else [])


def validate(paths: Iterable[str | Path] | None = None, *, base: Path | None = DATASET_DIR, table: str | None = None) -> Report:
    """Validate contributed files; with no paths, the package's own records.

    ``base`` is the dataset folder the given rows are checked against for
    references and replaced rows (the package's own records); None checks
    the given files on their own. ``table`` names the table of table files
    whose names do not say it.
    """
    if table is not None and table not in _schema.resource_names():
        raise UsageError(f"no table {table!r}; the tables are: {', '.join(_schema.resource_names())}")
    given = [Path(p) for p in (paths or [])] or [Path(DATASET_DIR)]
    inputs = _collect(given, table, _Inputs())
    frames, found = typed_tables(inputs.records)
    inputs.problems += found
    frames["vocabularies"] = vocabularies_frame()

    file_frames: dict[str, list[pd.DataFrame]] = {}
    readable: list[tuple[Path, str, str]] = []
    children_given = any(inputs.records[t] for t in CHILD_TABLES) or any(n in CHILD_TABLES for _, _, n in inputs.tables)
    for path, display, name in inputs.tables:
        try:
            if name == "events" and not children_given and path.stat().st_size > _SMALL_FILE:
                sniff(path, display)  # a large events file that nothing else refers to is only streamed
            else:
                file_frames.setdefault(name, []).append(_read_table_file(path, display, name))
            readable.append((path, display, name))
        except FileProblem as error:
            inputs.problems.append(error.problem)

    own = {p.resolve() for p in given} == {Path(DATASET_DIR).resolve()}
    base_frames: dict[str, pd.DataFrame] = {}
    if base is not None and not own and Path(base).is_dir():
        base_tables, _ = read_records(Path(base))
        base_frames, _ = typed_tables(base_tables)
        inputs.archives.append(Path(base) / "archive")
    given_frames = {name: [frame] for name, frame in frames.items() if name != "vocabularies"}
    for name, parts in file_frames.items():
        given_frames.setdefault(name, []).extend(parts)
    related = _merge(given_frames, base_frames, inputs.record_events)
    related["vocabularies"] = frames["vocabularies"]

    given_tables = {name for name, frame in frames.items() if len(frame)} | set(file_frames)
    record_frames = {name: frame for name, frame in frames.items() if len(frame) or name == "vocabularies"}
    problems = inputs.problems + check_tables(record_frames, inputs.archives, related)
    for path, display, name in readable:
        try:
            problems += _check_table_file(path, display, name, related, inputs.archives, given_tables)
        except FileProblem as error:
            problems.append(error.problem)
    return Report(dedupe(problems), sorted(set(inputs.files)))

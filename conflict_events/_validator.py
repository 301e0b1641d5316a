"""``validate()``: every problem in a set of contributed files, checked together.

Inputs are dataset folders (``actors.yaml``, ``sources.yaml``, ``events/``),
event records (``.yaml``), and table files of any table (CSV, JSON, JSON
Lines, Parquet), named after their table (``events.csv``,
``evidence-2024.json``). The given rows are checked against each other and,
for references, against the package's own records that they do not replace.
Table files are streamed in batches. Validation only reads its inputs.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any, Iterable

import polars as pl

from conflict_events import _schema
from conflict_events._catalogue.references import LATEST_FIGURES
from conflict_events._engine.columnar import DEFAULT_MAX_PROBLEMS, DERIVED, Engine, Part
from conflict_events._files import folder_files, outside
from conflict_events._paths import DATASET_DIR
from conflict_events._timeline import latest_report
from conflict_events._errors import ConflictEventsError
from conflict_events._problems import Problem
from conflict_events._records import SHARED_TABLES, event_rows, list_rows, load_yaml, read_records
from conflict_events._tablefiles import TABLE_SUFFIXES, FileProblem, batches, header_of, table_of

RECORD_TABLES = tuple(_schema.record_tables())

YAML_SUFFIXES = (".yaml", ".yml")


@dataclasses.dataclass
class Report:
    """The outcome of a validation.

    ``problems`` lists at most ``max_problems`` problems per rule, sorted by
    file and line; ``counts`` gives the exact total of each rule; ``skipped``
    names the rules that could not run, and why (a table they need was not
    given); ``files`` lists the files read.
    """

    problems: list[Problem]
    files: list[str]
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def total(self) -> int:
        """The number of problems found, listed or not."""
        return sum(self.counts.values())

    def to_records(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.problems]


class UsageError(ConflictEventsError):
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
    # the archive may be absent (an installed wheel has none): the quote check then says it was skipped
    found.archives.append(path / "archive")


def validate(paths: Iterable[str | Path] | None = None, *, base: Path | None = DATASET_DIR, table: str | None = None,
             max_problems: int = DEFAULT_MAX_PROBLEMS) -> Report:
    """Validate contributed files; with no paths, the package's own records.

    ``base`` is the dataset folder the given rows are checked against for
    references and replaced rows (the package's own records); None checks
    the given files on their own. ``table`` names the table of table files
    whose names do not say it. At most ``max_problems`` problems are listed
    per rule; ``Report.counts`` has the exact total of each.
    """
    if table is not None and table not in _schema.resource_names():
        raise UsageError(f"no table {table!r}; the tables are: {', '.join(_schema.resource_names())}")
    given = [Path(p) for p in (paths or [])] or [Path(DATASET_DIR)]
    inputs = _collect(given, table, _Inputs())
    engine = Engine(max_problems)
    for problem in inputs.problems:
        engine.findings.add(problem)
    parts, problems = record_parts(inputs.records)
    for problem in problems:
        engine.findings.add(problem)
    for part in parts:
        engine.add(part)
    own = {p.resolve() for p in given} == {Path(DATASET_DIR).resolve()}
    if base is not None and not own and Path(base).is_dir():
        base_tables = _base_records(Path(base))
        for part in record_parts(base_tables, given=False)[0]:
            engine.add(part)
        inputs.archives.append(Path(base) / "archive")
    for path, display, name in inputs.tables:
        _add_table_file(engine, path, display, name)
    findings = engine.finish(inputs.archives)
    return Report(sorted(findings.problems, key=Problem.sort_key), sorted(set(inputs.files)), dict(findings.counts), dict(engine.skipped))


#: base folder -> (the size and mtime of each of its YAML files, its records): the package's own records are
#: the base of every validation, and reading them is most of a small validation's time
_BASE_RECORDS: dict[Path, tuple[tuple, dict[str, list[dict]]]] = {}


def _base_records(base: Path) -> dict[str, list[dict]]:
    """The records of the base folder, read again only when one of its YAML files changed (a copy: callers may change it)."""
    key = base.resolve()
    try:
        signature = tuple(sorted((str(p), st.st_size, st.st_mtime_ns, st.st_ino) for p in base.rglob("*.yaml") for st in [p.lstat()]))
    except OSError:
        signature = None
    cached = _BASE_RECORDS.get(key)
    if signature is None or cached is None or cached[0] != signature:
        tables, _ = read_records(base)
        if signature is None:
            return tables
        cached = _BASE_RECORDS[key] = (signature, tables)
    return copy.deepcopy(cached[1])


def _add_table_file(engine: Engine, path: Path, display: str, name: str) -> None:
    """Stream one table file into the engine, batch by batch (the readers give physical lines)."""
    try:
        header = header_of(path, display)
        for batch in batches(path, display, table=name):
            blanked: dict[str, set[int]] = {}
            for problem in batch.problems:
                engine.findings.add(problem)
                if problem.rule in ("type", "cell-too-long") and problem.field and problem.line is not None:
                    blanked.setdefault(problem.field, set()).add(problem.line)
            engine.add(Part(name, pl.from_arrow(batch.table), display, header=header is not None, blanked=blanked))
    except FileProblem as error:
        engine.findings.add(error.problem)


def _text(value: Any) -> str | None:
    """A raw value as text: the form the engine types."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    return str(value)


def record_parts(tables: dict[str, list[dict]], given: bool = True) -> tuple[list[Part], list[Problem]]:
    """Rows read from records as engine parts, one per table and file, with each field's line.

    The events' derived columns (``source_ids`` and the latest casualty
    figures) are filled from the record's evidence and casualty reports; a
    record that writes one of them gets an ``unknown-field`` problem.
    """
    children = {name: tables.get(name, []) for name in ("evidence", "casualties")}
    parts: list[Part] = []
    problems: list[Problem] = []
    if not any(tables.values()):  # no record at all: no table is given by records
        return parts, problems
    for name, rows in tables.items():
        if name not in _schema.resource_names():
            continue
        fields = {f["name"]: f for f in _schema.fields(name)}
        if not rows:  # an empty table is given all the same: rules that need it run
            parts.append(Part(name, pl.DataFrame(schema={"_line": pl.Int64}), "<records>", given=given, from_records=True))
            continue
        if name == "events":
            problems += _derived_written(rows)
            rows = [_derived(row, children) for row in rows]
        columns = {k for row in rows for k in row if not k.startswith("_")}
        order = [c for c in fields if c in columns] + sorted(c for c in columns if c not in fields)
        data = {c: [_cell(row.get(c), fields.get(c)) for row in rows] for c in order}
        data["_line"] = [row.get("_line") for row in rows]
        frame = pl.DataFrame(data, schema={**{c: pl.String for c in order}, "_line": pl.Int64})
        if not given:  # context for references, never reported: one part per table (typed at once, not file by file)
            parts.append(Part(name, frame, "<base records>", given=False, from_records=True))
            continue
        for file, group in _by_file(rows):
            index = [i for i, _ in group]
            part_frame = frame[index] if len(index) != len(rows) else frame
            lines = [dict(row.get("_lines") or {}) for _, row in group]
            parts.append(Part(name, part_frame, file, given=given, field_lines=lines, from_records=True))
    return parts, problems


def _derived_written(rows: list[dict]) -> list[Problem]:
    out = []
    for row in rows:
        for column in DERIVED:
            if row.get(column) is not None:
                line = (row.get("_lines") or {}).get(column, row.get("_line"))
                out.append(Problem(str(row.get("_file")), line, column, "unknown-field",
                                   f"{column} is derived by the build from the record's casualties and evidence; "
                                   "remove it and add a casualty report or evidence entry instead", column))
    return out


def _by_file(rows: list[dict]) -> list[tuple[str, list[tuple[int, dict]]]]:
    groups: dict[str, list[tuple[int, dict]]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(str(row.get("_file")), []).append((i, row))
    return list(groups.items())


def _cell(value: Any, field: dict | None) -> str | None:
    if isinstance(value, (list, tuple)) and field is not None and field["type"] == "list":
        return field.get("delimiter", ",").join(str(v) for v in value)
    if isinstance(value, (list, dict)):
        return repr(value)
    return _text(value)


def _derived(row: dict, children: dict[str, list[dict]]) -> dict:
    """An event record's row with source_ids and its latest casualty figures filled in."""
    event_id = row.get("event_id")
    reports = [r for r in children["casualties"] if r.get("event_id") == event_id]
    sources = {str(r["source_id"]) for t in ("evidence", "casualties") for r in children[t]
               if r.get("event_id") == event_id and r.get("source_id") is not None}
    out = {k: v for k, v in row.items() if k not in DERIVED}
    out["source_ids"] = sorted(sources) or None
    latest = latest_report(reports)
    for column, report in LATEST_FIGURES.items():
        out[column] = latest.get(report) if latest else None
    return out

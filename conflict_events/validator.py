"""``validate()``: every problem in a set of contributed files, checked together.

Inputs are dataset folders (``actors.yaml``, ``sources.yaml``, ``events/``),
single event records (``.yaml``), and the shared tables as ``actors.yaml`` /
``sources.yaml``. The given rows are checked against each other and, for
references, against the rows of the package's own records that they do not
replace. Validation only reads: it never writes to its inputs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from conflict_events import schema as _schema
from conflict_events._paths import DATASET_DIR
from conflict_events.assemble import RECORD_TABLES, typed_tables, vocabularies_frame
from conflict_events.check import check_tables
from conflict_events.problems import Problem, dedupe
from conflict_events.records import event_rows, list_rows, load_yaml, read_records

YAML_SUFFIXES = (".yaml", ".yml")


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
    """Validation could not run: a path does not exist or is of no known kind."""


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _collect(paths: Iterable[Path]) -> tuple[dict[str, list[dict]], list[Problem], list[str], list[Path]]:
    tables: dict[str, list[dict]] = {name: [] for name in RECORD_TABLES}
    problems: list[Problem] = []
    files: list[str] = []
    archives: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if path.is_dir():
            if (path / "events").is_dir() or (path / "actors.yaml").is_file() or (path / "sources.yaml").is_file():
                found_tables, found = _read_folder(path)
                problems += found
                for name, rows in found_tables.items():
                    tables[name] += rows
                files += sorted({row["_file"] for rows in found_tables.values() for row in rows})
                if (path / "archive").is_dir():
                    archives.append(path / "archive")
                continue
            members = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in YAML_SUFFIXES)
            sub_tables, sub_problems, sub_files, sub_archives = _collect(members)
            for name, rows in sub_tables.items():
                tables[name] += rows
            problems += sub_problems
            files += sub_files
            archives += sub_archives
            continue
        display = _display(path)
        files.append(display)
        if path.suffix.lower() not in YAML_SUFFIXES:
            problems.append(Problem(display, None, None, "file-format", f"{path.suffix or 'no suffix'}: not a kind of file the validator reads"))
            continue
        data, found = load_yaml(path, display)
        problems += found
        if data is None:
            continue
        stem = path.stem.lower()
        if stem in ("actors", "sources"):
            rows, found = list_rows(data, display, stem)
            tables[stem] += rows
        else:
            split, found = event_rows(data, display)
            for name, rows in split.items():
                tables[name] += rows
        problems += found
    return tables, problems, files, archives


def _read_folder(path: Path) -> tuple[dict[str, list[dict]], list[Problem]]:
    tables, problems = read_records(path)
    for rows in tables.values():
        for row in rows:
            row["_file"] = _display(path.parent / row["_file"]) if not Path(row["_file"]).is_absolute() else row["_file"]
    for index, problem in enumerate(problems):
        problems[index] = dataclasses.replace(problem, file=_display(path.parent / problem.file))
    return tables, problems


def _merge_with_base(frames: dict[str, pd.DataFrame], base: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The given rows plus the base rows they do not replace (same primary key), for references."""
    merged: dict[str, pd.DataFrame] = {}
    for name, frame in frames.items():
        if name == "vocabularies" or name not in base:
            merged[name] = frame
            continue
        key = _schema.resource(name)["schema"]["primaryKey"]
        given = set(map(tuple, frame[key].astype(object).itertuples(index=False, name=None)))
        if name in ("evidence", "casualties", "equipment"):
            replaced_events = set(frame["event_id"].dropna()) | set(frames["events"]["event_id"].dropna())
            keep = ~base[name]["event_id"].isin(replaced_events)
        else:
            keep = ~pd.Series([tuple(row) in given for row in base[name][key].astype(object).itertuples(index=False, name=None)], index=base[name].index, dtype=bool)
        merged[name] = pd.concat([frame, base[name][keep]], ignore_index=True)
    return merged


def validate(paths: Iterable[str | Path] | None = None, *, base: Path | None = DATASET_DIR) -> Report:
    """Validate contributed files; with no paths, the package's own records.

    ``base`` is the dataset folder that the given rows are checked against
    for references and replaced rows (the package's own records); None
    checks the given files on their own.
    """
    given = [Path(p) for p in (paths or [])] or [DATASET_DIR]
    tables, problems, files, archives = _collect(given)
    frames, found = typed_tables(tables)
    problems += found
    frames["vocabularies"] = vocabularies_frame()
    own = {p.resolve() for p in given} == {Path(DATASET_DIR).resolve()}
    if base is not None and not own and Path(base).is_dir():
        base_tables, _ = read_records(Path(base))
        base_frames, _ = typed_tables(base_tables)
        related = _merge_with_base(frames, base_frames)
        archives.append(Path(base) / "archive")
    else:
        related = frames
    problems += check_tables(frames, archives, related)
    return Report(dedupe(problems), sorted(set(files)))

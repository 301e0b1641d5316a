"""Reading the source records: one YAML file per event, plus actors.yaml and sources.yaml.

An event file holds the event's fields and, nested under it, its ``evidence``,
``casualties`` and ``equipment``. Reading never constructs anything but plain
data: YAML tags that would build objects are refused, and dates stay text
until :mod:`conflict_events.coerce` parses them, so that 2023-02-30 is a
problem to report and not a crash.

Every row read keeps where it came from: ``_file``, ``_line`` (the line of
its first key) and ``_lines`` (the line of each field).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import yaml

from conflict_events.problems import Problem

#: Largest YAML file read whole; larger record sets belong in CSV or Parquet.
MAX_YAML_BYTES = 20 * 1024 * 1024

NESTED = {"evidence": "evidence", "casualties": "casualties", "equipment": "equipment"}
ORIGIN_COLUMNS = ("_file", "_line", "_lines")
#: Tables kept in one file each (``actors.yaml``); a dataset may leave out the optional ones.
SHARED_TABLES = ("actors", "sources", "retired")


class _Row(dict):
    """A mapping read from YAML, with the line of the mapping and of each key."""

    line: int
    lines: dict[str, int]


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text and remembers line numbers."""


# No implicit dates: "2023-02-30" must reach the type check as text.
_PlainLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _PlainLoader, node: yaml.MappingNode) -> _Row:
    row = _Row()
    row.line = node.start_mark.line + 1
    row.lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        row[key] = loader.construct_object(value_node, deep=True)
        row.lines[str(key)] = key_node.start_mark.line + 1
    return row


_PlainLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """The text of a file, or the problems that stop it being read as UTF-8 text.

    A UTF-8 byte-order mark is dropped and CRLF line ends are accepted.
    """
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            return None, [Problem(display, None, None, "file-too-large",
                                  f"the file has {size:,} bytes; YAML records are read whole, up to {MAX_YAML_BYTES:,} bytes", size)]
        data = path.read_bytes()
    except OSError as error:
        return None, [Problem(display, None, None, "file-unreadable", f"cannot read the file: {error.strerror}")]
    if not data.strip():
        return None, [Problem(display, None, None, "file-empty", "the file is empty")]
    if b"\x00" in data[:8192]:
        return None, [Problem(display, None, None, "file-binary", "the file holds binary data (NUL bytes), not text")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [Problem(display, line, None, "file-encoding",
                              f"byte 0x{data[error.start]:02x} at offset {error.start} is not UTF-8; save the file as UTF-8",
                              data[error.start: error.start + 1].hex())]
    return text.replace("\r\n", "\n"), []


def load_yaml(path: Path, display: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file safely; problems instead of exceptions."""
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    try:
        return yaml.load(text, Loader=_PlainLoader), []  # noqa: S506 - _PlainLoader is a SafeLoader
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        return None, [Problem(display, mark.line + 1 if mark else None, None, "yaml-unsafe-tag",
                              f"refused: {error.problem}; records may hold only plain data", None)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return None, [Problem(display, mark.line + 1 if mark else None, None, "yaml-syntax",
                              f"the YAML does not parse: {error.problem or error.context}")]
    except yaml.YAMLError as error:
        return None, [Problem(display, None, None, "yaml-syntax", f"the YAML does not parse: {error}")]


def _origin(row: dict, display: str) -> dict[str, Any]:
    return {"_file": display, "_line": getattr(row, "line", None), "_lines": dict(getattr(row, "lines", {}))}


def event_rows(data: Any, display: str) -> tuple[dict[str, list[dict]], list[Problem]]:
    """Split one parsed event record into rows of events, evidence, casualties and equipment."""
    out: dict[str, list[dict]] = {"events": [], "evidence": [], "casualties": [], "equipment": []}
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        return out, [Problem(display, 1, None, "record-shape", f"an event record is a mapping of fields; this file holds {kind}")]
    problems: list[Problem] = []
    event = {k: v for k, v in data.items() if k not in NESTED}
    event.update(_origin(data, display))
    out["events"].append(event)
    for key, table in NESTED.items():
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(Problem(display, data.lines.get(key), key, "record-shape", f"{key} is a list of entries, each starting with '- '"))
            continue
        for item in items:
            if not isinstance(item, dict):
                problems.append(Problem(display, data.lines.get(key), key, "record-shape", f"each entry of {key} is a mapping of fields", item))
                continue
            row = {"event_id": data.get("event_id"), **item}
            row.update(_origin(item, display))
            out[table].append(row)
    return out, problems


def list_rows(data: Any, display: str, table: str) -> tuple[list[dict], list[Problem]]:
    """Rows of a shared table file (actors.yaml, sources.yaml): a list of mappings."""
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return [], [Problem(display, 1, None, "record-shape", f"{table}.yaml is a list of mappings, each starting with '- '")]
    rows = []
    for item in data:
        row = dict(item)
        row.update(_origin(item, display))
        rows.append(row)
    return rows, []


def record_files(root: Path) -> Iterator[Path]:
    """The record files under a dataset folder, in a stable order."""
    yield from sorted(p for p in (root / "events").glob("*.y*ml"))


def read_records(root: Path, display_root: Path | None = None) -> tuple[dict[str, list[dict]], list[Problem]]:
    """Read a dataset folder: ``actors.yaml``, ``sources.yaml``, ``retired.yaml`` (optional) and ``events/*.yaml``."""
    root = Path(root)
    display_root = display_root or root
    tables: dict[str, list[dict]] = {"events": [], "actors": [], "sources": [], "evidence": [], "casualties": [], "equipment": [], "retired": []}
    problems: list[Problem] = []
    for table in SHARED_TABLES:
        path = root / f"{table}.yaml"
        if not path.exists():  # a contribution may bring events only; references then fail where they should
            continue
        data, found = load_yaml(path, _display(path, display_root))
        problems += found
        if data is not None:
            rows, found = list_rows(data, _display(path, display_root), table)
            tables[table] += rows
            problems += found
    for path in record_files(root):
        data, found = load_yaml(path, _display(path, display_root))
        problems += found
        if data is not None:
            rows, found = event_rows(data, _display(path, display_root))
            problems += found
            for table, items in rows.items():
                tables[table] += items
    return tables, problems


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root.parent))
    except ValueError:
        return str(path)

"""Reading the source records: one YAML file per event, plus actors.yaml and sources.yaml.

An event file holds the event's fields and, nested under it, its ``evidence``,
``casualties`` and ``equipment``. Reading never constructs anything but plain
data, and reads YAML as YAML 1.2's core schema does:

- only plain data: text, numbers, ``true``/``false``, ``null``, lists and
  mappings; a tag that would build anything else is refused;
- numbers keep the text written, as cells of a CSV file do, and
  :mod:`conflict_events._coerce` types them by the field: ``012`` in a count
  is twelve (YAML 1.1 made it octal ten), in a text field it stays ``012``;
  ``0o14``, ``0x0c``, ``1e3`` and ``.inf`` are what the core schema calls
  numbers, and fields that want a whole number report the first three, and
  every number field ``.inf``; ``.nan`` stays the text ``.nan``, never a
  silent empty value;
- no YAML 1.1 readings: ``1:30`` and ``yes``/``no``/``on``/``off`` are text,
  and dates stay text until :mod:`conflict_events._coerce` parses them, so
  that 2023-02-30 is a problem to report and not a crash;
- a key that occurs twice in a mapping, or that is not text, is a problem;
- limits: :data:`MAX_YAML_BYTES`, :data:`MAX_YAML_DEPTH` and
  :data:`MAX_YAML_ALIAS_NODES` (what aliases may expand to), so that no
  file can exhaust memory or the stack.

Every row read keeps where it came from: ``_file``, ``_line`` (the line of
its first key) and ``_lines`` (the line of each field).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from conflict_events import _schema
from conflict_events._files import FileProblem, inside, outside, read_bytes, reading
from conflict_events._problems import Problem

#: Largest YAML file read whole; larger record sets belong in CSV or Parquet.
MAX_YAML_BYTES = 20 * 1024 * 1024
#: Deepest nesting of lists and mappings (a record needs 3: event, evidence list, entry).
MAX_YAML_DEPTH = 32
#: Most nodes that all the aliases (*name) of one file may expand to (a "billion laughs" expands to 10**9).
MAX_YAML_ALIAS_NODES = 10_000

#: tables nested in an event record, under their own name; tables kept in one file each (``actors.yaml``);
#: both from the descriptor's ``x-records`` (a dataset may leave out the files of the optional ones)
NESTED = {name: name for name in _schema.record_tables("nested")}
ORIGIN_COLUMNS = ("_file", "_line", "_lines")
SHARED_TABLES = tuple(_schema.record_tables("file"))

_CORE = "tag:yaml.org,2002:"
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)")
_NULL = re.compile(r"~|null|Null|NULL|")


class _Row(dict):
    """A mapping read from YAML, with the line of the mapping and of each key."""

    line: int
    lines: dict[str, int]


class _Refused(yaml.MarkedYAMLError):
    """A limit of the reader was reached; carries the rule to report."""

    def __init__(self, mark: Any, rule: str, message: str):
        super().__init__(problem=message, problem_mark=mark)
        self.rule = rule


class _PlainLoader(yaml.SafeLoader):
    """A YAML 1.2 core-schema loader of plain data that remembers line numbers and finds what YAML hides.

    ``problems`` collects duplicate and non-text keys; the limits raise :class:`_Refused`.
    """

    def __init__(self, stream: str, display: str):
        super().__init__(stream)
        self.display = display
        self.problems: list[Problem] = []
        self.depth = 0
        self.aliased = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                size = getattr(node, "expanded", None)
                if size is None:
                    raise _Refused(event.start_mark, "yaml-alias-limit", f"the alias *{event.anchor} refers to the list or mapping it is in")
                self.aliased += size
                if self.aliased > MAX_YAML_ALIAS_NODES:
                    raise _Refused(event.start_mark, "yaml-alias-limit",
                                   f"the aliases expand to more than {MAX_YAML_ALIAS_NODES:,} values")
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_YAML_DEPTH:
            raise _Refused(self.peek_event().start_mark, "nesting-too-deep", f"lists and mappings are nested more than {MAX_YAML_DEPTH} levels deep")
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if isinstance(node, SequenceNode):
            node.expanded = 1 + sum(item.expanded for item in node.value)
        elif isinstance(node, MappingNode):
            node.expanded = 1 + sum(key.expanded + value.expanded for key, value in node.value)
        else:
            node.expanded = 1
        return node


def _scalar(pattern: re.Pattern, convert: Any):
    def construct(loader: _PlainLoader, node: ScalarNode) -> Any:
        text = loader.construct_scalar(node)
        if not pattern.fullmatch(text):
            raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a value of the tag {node.tag}", node.start_mark)
        return convert(text)

    return construct


def _construct_mapping(loader: _PlainLoader, node: MappingNode) -> _Row:
    row = _Row()
    row.line = node.start_mark.line + 1
    row.lines = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = loader.construct_object(key_node, deep=True) if isinstance(key_node, ScalarNode) and key_node.tag == _CORE + "str" else None
        if not isinstance(key, str):
            shown = repr(loader.construct_scalar(key_node)) if isinstance(key_node, ScalarNode) else "a list or mapping"
            loader.problems.append(Problem(loader.display, line, None, "record-shape", f"a key is a field name (text), not {shown}; the pair is ignored",
                                           hint="write the field's name as the key, or quote the key if it is meant as text"))
            continue
        if key in row:
            loader.problems.append(Problem(loader.display, line, key, "yaml-duplicate-key",
                                           f"the key {key} occurs again, first on line {row.lines[key]}; YAML would keep only one of the two values", key))
            continue
        row[key] = loader.construct_object(value_node, deep=True)
        row.lines[key] = line
    return row


# YAML 1.2 core schema: only these implicit types, and no timestamps (dates stay text).
_PlainLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("bool", _BOOL, "tTfF"),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+0123456789."),
    ("null", _NULL, ["~", "n", "N", ""]),
]:
    _PlainLoader.add_implicit_resolver(_CORE + _tag, re.compile(f"^(?:{_pattern.pattern})$"), list(_first))
# Only plain data: any other tag (python objects, !!binary, !!set, !!timestamp, ...) is refused.
_PlainLoader.yaml_constructors = {
    _CORE + "null": _scalar(_NULL, lambda text: None),
    _CORE + "bool": _scalar(_BOOL, lambda text: text.lower() == "true"),
    _CORE + "int": _scalar(_INT, str),  # the text written: typed by the field it is in
    _CORE + "float": _scalar(_FLOAT, str),
    _CORE + "str": yaml.SafeLoader.construct_yaml_str,
    _CORE + "seq": yaml.SafeLoader.construct_yaml_seq,
    _CORE + "map": _construct_mapping,
    None: yaml.SafeLoader.construct_undefined,
}


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """The text of a file, or the problems that stop it being read as UTF-8 text.

    Only a regular file is read, up to :data:`MAX_YAML_BYTES`. A UTF-8
    byte-order mark is dropped and CRLF line ends are accepted.
    """
    try:
        data = read_bytes(path, display, MAX_YAML_BYTES, "YAML records are read whole,")
    except FileProblem as error:
        return None, [error.problem]
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
    """Parse one YAML file safely; problems instead of exceptions.

    A file that holds no document (only comments) is empty; one whose
    document is null holds no record.
    """
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    loader = _PlainLoader(text, display)
    try:
        with reading(display):
            node = loader.get_single_node()
            if node is None:
                return None, [Problem(display, None, None, "file-empty", "the file holds only comments, no record")]
            data = loader.construct_document(node)
    except _Refused as error:
        mark = error.problem_mark
        return None, [Problem(display, mark.line + 1 if mark else None, None, error.rule, f"refused: {error.problem}")]
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
    finally:
        loader.dispose()
    if data is None:
        return None, [Problem(display, 1, None, "record-shape", "the file's only value is null; a record file holds a mapping or a list of mappings")]
    return data, loader.problems


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
    """Read a dataset folder: ``actors.yaml``, ``sources.yaml``, ``retired.yaml`` (optional) and ``events/*.yaml``.

    A file whose path, with its symlinks resolved, leaves the folder is a
    problem and is not read.
    """
    root = Path(root)
    display_root = display_root or root
    tables: dict[str, list[dict]] = {name: [] for name in _schema.record_tables()}
    problems: list[Problem] = []

    def read(path: Path) -> Any:
        display = _display(path, display_root)
        if not inside(path, root):
            problems.append(outside(display, "the dataset folder"))
            return None
        data, found = load_yaml(path, display)
        problems.extend(found)
        return data

    for table in SHARED_TABLES:
        path = root / f"{table}.yaml"
        if not os.path.lexists(path):  # a contribution may bring events only; references then fail where they should
            continue
        data = read(path)
        if data is not None:
            rows, found = list_rows(data, _display(path, display_root), table)
            tables[table] += rows
            problems += found
    for path in record_files(root):
        data = read(path)
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

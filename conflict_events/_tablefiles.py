"""Reading table files (CSV, JSON, JSON Lines, Parquet) as batches of raw text.

:func:`batches` yields :class:`RawBatch` objects: an Arrow table whose data
columns are all ``large_string`` (the cells as text, as read), an int64
``_line`` column, and the problems met while reading. Types come from the
descriptor and are checked later; a reader only turns cells into text:

- CSV: the header is the first non-blank line; an empty cell is ``""``, a
  missing file cell never appears (a short row is a problem and is skipped).
  ``_line`` is the row's physical line, also after quoted line breaks and
  blank lines. LF, CRLF and CR-only line ends ("CSV (Macintosh)") are read,
  and a UTF-8 byte-order mark is dropped.
- JSON Lines and a JSON array: numbers keep the digits written, ``null`` is
  null, a list is joined with the field's ``delimiter``; ``true``/``false``,
  objects, and lists outside list fields are ``type`` problems (the cell is
  null). ``_line`` is the line where the object starts.
- Parquet is read with pyarrow, never through pandas or its metadata: whole
  numbers become their decimal digits, dates YYYY-MM-DD, timestamps ISO
  8601, lists are joined with the field's delimiter, dictionaries decoded.
  ``_line`` is the 1-based row number. A column whose Arrow type cannot hold
  the field's type is a ``type`` problem, once per file.

CSV, JSON Lines and Parquet are streamed in batches, so memory stays bounded
whatever the file's size; a JSON array is read whole, up to
:data:`MAX_JSON_BYTES`. Only regular files are read (see
:mod:`conflict_events._files`), and every limit below is a named problem.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import json
import re
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from conflict_events import _schema
from conflict_events._files import FileProblem, open_regular, read_bytes, reading
from conflict_events._problems import Problem

__all__ = ["RawBatch", "FileProblem", "batches", "header_of", "sniff", "table_of", "TABLE_SUFFIXES"]

TABLE_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".parquet")
BATCH_BYTES = 8 << 20  # a chunk of the file parsed at a time: 16 MB held ~90 MB more at the peak, for no speed
BATCH_ROWS = 200_000
#: Largest JSON array file, read whole (JSON Lines, CSV and Parquet are streamed).
MAX_JSON_BYTES = 100 << 20
#: Longest line of a CSV or JSON Lines file, or CSV record with quoted line breaks.
MAX_LINE_BYTES = 1 << 20
#: Longest cell, in UTF-8 bytes (a quote or a summary is a few sentences).
MAX_CELL_BYTES = 64 << 10
#: Deepest nesting of arrays and objects in JSON (a table needs 3: array, object, list of ids).
MAX_JSON_DEPTH = 32
_SNIFF = 8192
_TEXT = pa.large_string()


@dataclasses.dataclass
class RawBatch:
    """Rows of a table file as text: ``table`` (large_string columns plus int64 ``_line``), the ``problems`` met reading them, and
    whether every ``_line`` is exact (always, for these readers)."""

    table: pa.Table
    problems: list[Problem]
    lines_exact: bool = True


def table_of(path: Path, names: list[str]) -> str | None:
    """The table a file holds, from its name: ``events.csv``, ``events-2024.csv``, ``events_new.json``."""
    stem = path.name.split(".")[0].lower()
    for name in names:
        if stem == name or stem.startswith((f"{name}-", f"{name}_")):
            return name
    return None


def sniff(path: Path, display: str) -> None:
    """Raise :class:`FileProblem` for a file that is not regular, unreadable, empty or binary."""
    with open_regular(path, display) as handle:
        try:
            head = handle.read(_SNIFF)
        except OSError as error:
            raise FileProblem(Problem(display, None, None, "file-unreadable", f"cannot read the file: {error.strerror}")) from None
    if not head.strip():
        raise FileProblem(Problem(display, None, None, "file-empty", "the file is empty"))
    if path.suffix.lower() != ".parquet" and (b"\x00" in head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FileProblem(Problem(display, 1, None, "file-encoding", "the file is UTF-16; save it as UTF-8"))
        raise FileProblem(Problem(display, None, None, "file-binary", "the file holds binary data (NUL bytes), not text"))


def encoding_problem(path: Path, display: str) -> Problem | None:
    """The first byte that is not UTF-8, with its line, or None if the whole file is UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    with open_regular(path, display) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                bad = offset + error.start
                line += block[: error.start].count(b"\n")
                guess = _guess(block[max(0, error.start - 200): error.start + 200])
                return Problem(display, line, None, "file-encoding",
                               f"byte 0x{block[error.start]:02x} at offset {bad} is not UTF-8{guess}; save the file as UTF-8",
                               block[error.start: error.start + 1].hex())
            offset += len(block)
            line += block.count(b"\n")
    return None


def _guess(sample: bytes) -> str:
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return " (it looks like Windows-1252 or Latin-1)"


# --- CSV -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _CsvLayout:
    header: list[str]
    eol: bytes  # b"\n" (LF or CRLF) or b"\r" (CR only)
    header_line: int  # physical line of the header
    body: int  # byte offset where the rows start
    body_line: int  # physical line where the rows start


def _record_end(data: bytes, start: int, eol: bytes) -> int:
    """The offset of the line end that ends the record starting at ``start`` (quotes balanced), or -1."""
    position, quotes = start, 0
    while True:
        end = data.find(eol, position)
        if end < 0:
            return -1
        quotes += data.count(b'"', position, end)
        if quotes % 2 == 0:
            return end
        position = end + 1


def _csv_layout(path: Path, display: str) -> _CsvLayout:
    """Where the header is, what it says, and which line ends the file uses."""
    with open_regular(path, display) as handle:
        head = handle.read(MAX_LINE_BYTES + _SNIFF)
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    cr, lf = head.find(b"\r", start), head.find(b"\n", start)
    eol = b"\r" if cr >= 0 and (lf < 0 or cr < lf) and head[cr + 1: cr + 2] != b"\n" else b"\n"
    line = 1
    while True:
        end = _record_end(head, start, eol)
        if end < 0:
            if len(head) <= MAX_LINE_BYTES:  # the whole file is one record
                end = len(head)
            else:
                raise FileProblem(Problem(display, line, None, "line-too-long",
                                          f"the header line is longer than {MAX_LINE_BYTES:,} bytes, or holds an unclosed quote"))
        record = head[start:end]
        if record.strip():
            break
        if end >= len(head):
            raise FileProblem(Problem(display, None, None, "file-empty", "the file is empty"))
        start, line = end + 1, line + 1
    try:
        text = record.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem(encoding_problem(path, display) or Problem(display, line, None, "file-encoding", "the header is not UTF-8")) from None
    try:
        header = next(csv.reader([text.replace("\r\n", "\n").rstrip("\r")]), [])
    except csv.Error:  # a header cell beyond the csv module's field limit
        raise FileProblem(Problem(display, line, None, "cell-too-long", f"a column name is longer than {csv.field_size_limit():,} characters")) from None
    return _CsvLayout(header, eol, line, end + 1, line + record.count(eol) + 1)


def csv_header(path: Path, display: str) -> list[str]:
    return _csv_layout(path, display).header


def _csv_chunks(handle: BinaryIO, layout: _CsvLayout, size: int, display: str) -> Iterator[tuple[bytes, int, np.ndarray, np.ndarray]]:
    """The rows, in chunks of about ``size`` bytes that end at a record's end.

    Each chunk comes with the physical line it starts on, and the offsets of
    its line ends and of those that end a record. A line end ends a record
    only outside quotes; quotes are counted from the start of the rows (an
    escaped quote "" leaves the count even). A record longer than
    :data:`MAX_LINE_BYTES` stops the reading.
    """
    eol = layout.eol
    handle.seek(layout.body)
    carry, line = b"", layout.body_line
    for block in iter(lambda: handle.read(size), b""):
        data = carry + block  # starts at a record's start: outside quotes
        ends, records = _line_ends(data, eol)
        if not len(records):
            if len(data) > MAX_LINE_BYTES:
                raise FileProblem(Problem(display, line, None, "line-too-long",
                                          f"a record from this line on is longer than {MAX_LINE_BYTES:,} bytes; is a quote left open?"))
            carry = data
            continue
        end = int(records[-1])
        ends = ends[: np.searchsorted(ends, end, side="right")]
        yield data[: end + 1], line, ends, records
        line += len(ends)
        carry = data[end + 1:]
        if len(carry) > MAX_LINE_BYTES:
            raise FileProblem(Problem(display, line, None, "line-too-long",
                                      f"a record from this line on is longer than {MAX_LINE_BYTES:,} bytes; is a quote left open?"))
    if carry.strip():
        yield carry, line, *_line_ends(carry, eol)


def _line_ends(data: bytes, eol: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The offsets of every line end, and of those outside quotes (an even count of quotes before them): the record ends."""
    array = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(array == eol[0])
    if data.find(b'"') < 0:
        return ends, ends
    return ends, ends[np.searchsorted(np.flatnonzero(array == ord('"')), ends) % 2 == 0]


def _record_lines(chunk: bytes, eol: bytes, first_line: int, ends: np.ndarray, records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The physical line and the length in bytes of each non-blank record of a chunk, as Arrow reads them (blank lines skipped).

    ``ends`` and ``records`` are the offsets of the chunk's line ends and record ends, as :func:`_line_ends` gives them.
    """
    if len(records) == 0 or records[-1] != len(chunk) - 1:
        records = np.append(records, len(chunk))
    starts = np.concatenate(([0], records[:-1] + 1))
    lengths = records - starts
    if eol == b"\n":  # a CRLF blank line is "\r"
        data = np.frombuffer(chunk, dtype=np.uint8)
        lengths = lengths - ((lengths == 1) & (data[np.minimum(starts, len(chunk) - 1)] == ord("\r")))
    if len(records) == len(ends) + (records[-1] == len(chunk)):  # no line break inside quotes: a record is a line
        lines = np.arange(first_line, first_line + len(starts))
    else:
        lines = first_line + np.searchsorted(ends, starts)
    return lines[lengths > 0], lengths[lengths > 0]


def unique_names(header: list[str]) -> list[str]:
    """The header with each repeat renamed (``name\\x00repeat2``) so that Arrow can read it; repeats are dropped later."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}\x00repeat{seen[name]}")
    return names


def header_problems(header: list[str], display: str, line: int = 1) -> list[Problem]:
    """A problem for each column name that repeats an earlier one."""
    problems, seen = [], set()
    for name in header:
        if name in seen:
            problems.append(Problem(display, line, name, "duplicate-column",
                                    f"the column {name} occurs more than once; only the first is read", name))
        seen.add(name)
    return problems


def csv_batches(path: Path, display: str, columns: list[str] | None = None) -> Iterator[RawBatch]:
    """Stream a CSV file in batches of raw text cells (only ``columns``, if given).

    The file is cut into chunks at record ends and each chunk is parsed on
    its own: Arrow's own streaming reader reads ahead of a slow consumer and
    would hold the whole file in memory.
    """
    layout = _csv_layout(path, display)
    names = unique_names(layout.header)
    keep = [n for n, h in zip(names, layout.header) if n == h and (columns is None or n in columns)]
    convert = pacsv.ConvertOptions(column_types={name: _TEXT for name in names}, strings_can_be_null=False, quoted_strings_can_be_null=False,
                                   include_columns=keep)
    first_problems = header_problems(layout.header, display, layout.header_line)
    with open_regular(path, display) as handle:
        try:
            for chunk, line, ends, records in _csv_chunks(handle, layout, BATCH_BYTES, display):
                table, bad_rows = _parse_chunk(chunk, names, convert, use_threads=True)
                if bad_rows and any(row.number is None or row.number < 0 for row in bad_rows):
                    table, bad_rows = _parse_chunk(chunk, names, convert, use_threads=False)  # to learn which rows were bad
                lines, lengths = _record_lines(chunk, layout.eol, line, ends, records)
                long = [Problem(display, int(at), None, "line-too-long", f"the row has {size:,} bytes; a row holds at most {MAX_LINE_BYTES:,}", f"{size:,} bytes")
                        for at, size in zip(lines[lengths > MAX_LINE_BYTES], lengths[lengths > MAX_LINE_BYTES])]
                exact = len(lines) == table.num_rows + len(bad_rows)
                if exact and bad_rows:
                    skipped = np.array([row.number - 1 for row in bad_rows])
                    problem_lines = lines[skipped]
                    lines = np.delete(lines, skipped)
                else:
                    problem_lines = [None] * len(bad_rows)
                if not exact:  # a stray quote or CR inside a cell: the count of records differs; lines are then estimates
                    lines = np.arange(line, line + table.num_rows)
                problems = first_problems + long + [
                    Problem(display, None if at is None else int(at), None, "record-shape",
                            f"a row has {row.actual_columns} cells where the header has {row.expected_columns}: {row.text[:80]!r}", row.text[:200],
                            hint="give every row as many cells as the header has; quote a cell that holds a comma")
                    for row, at in zip(bad_rows, problem_lines)
                ]
                first_problems = []
                table, found = _limit_cells(table.append_column("_line", pa.array(lines, pa.int64())), lines, display)
                yield RawBatch(table, problems + found, exact)
        except pa.ArrowInvalid as error:
            text = str(error)
            if "UTF8" in text or "utf8" in text.lower():
                problem = encoding_problem(path, display)
                if problem is not None:
                    raise FileProblem(problem) from None
            raise FileProblem(Problem(display, None, None, "file-format", f"the CSV does not parse: {text}")) from None


def _parse_chunk(chunk: bytes, names: list[str], convert: pacsv.ConvertOptions, use_threads: bool) -> tuple[pa.Table, list[Any]]:
    bad_rows: list[Any] = []

    def skip(row: Any) -> str:
        bad_rows.append(row)
        return "skip"

    read = pacsv.ReadOptions(column_names=names, use_threads=use_threads, block_size=min(max(1 << 20, len(chunk) + 1), 2 << 20))
    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip)
    return pacsv.read_csv(pa.py_buffer(chunk), read_options=read, parse_options=parse, convert_options=convert), bad_rows


def _limit_cells(table: pa.Table, lines: Any, display: str) -> tuple[pa.Table, list[Problem]]:
    """Cells over :data:`MAX_CELL_BYTES` become null, each with a problem."""
    problems: list[Problem] = []
    for index, name in enumerate(table.column_names):
        column = table.column(index)
        if name == "_line" or column.num_chunks == 0 or column.null_count == len(column):
            continue
        long = pc.fill_null(pc.greater(pc.binary_length(column), MAX_CELL_BYTES), False)
        if not pc.any(long).as_py():
            continue
        for row in np.flatnonzero(long.to_numpy(zero_copy_only=False)):
            size = len(column[int(row)].as_py().encode("utf-8"))
            problems.append(Problem(display, int(lines[row]), name, "cell-too-long",
                                    f"the cell holds {size:,} bytes; a cell holds at most {MAX_CELL_BYTES:,}", f"{size:,} bytes"))
        table = table.set_column(index, name, pc.if_else(long, pa.scalar(None, _TEXT), column))
    return table, problems


# --- JSON and JSON Lines ---------------------------------------------------------------------------


class _Constant(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Constant(name)


#: Numbers keep the digits written; NaN and Infinity are not JSON.
_DECODER = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=_no_constant)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _depth(text: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped)."""
    if text.count(b"[") + text.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    data = np.frombuffer(_STRING.sub(b'""', text), dtype=np.uint8)
    step = (np.isin(data, (ord("["), ord("{"))).astype(np.int64) - np.isin(data, (ord("]"), ord("}"))).astype(np.int64))
    return int(np.cumsum(step).max()) if len(step) else 0


class _Cells:
    """JSON objects to text columns, with the field types of the table for what cannot be text."""

    def __init__(self, table: str | None, display: str):
        self.fields = {f["name"]: f for f in _schema.fields(table)} if table in _schema.resource_names() else {}
        self.display = display
        self.rows: list[dict[str, Any]] = []
        self.lines: list[int] = []
        self.problems: list[Problem] = []

    def add(self, item: dict[str, Any], line: int) -> None:
        self.rows.append({key: self._text(key, value, line) for key, value in item.items()})
        self.lines.append(line)

    def _text(self, key: str, value: Any, line: int) -> str | None:
        if value is None or isinstance(value, str):
            text = value
        else:
            field = self.fields.get(key)
            if field is None:  # not a field: kept as JSON text, for the unknown-field problem
                return json.dumps(value, ensure_ascii=False)
            delimiter = field.get("delimiter", ",")
            if field["type"] == "list" and isinstance(value, list) and all(isinstance(v, str) and delimiter not in v for v in value):
                text = delimiter.join(value)
            else:
                what = "a list of text" if field["type"] == "list" else {"string": "text", "integer": "a whole number", "date": "a date as text",
                                                                          "datetime": "a date or date-time as text",
                                                                          "number": "a number"}.get(field["type"], field["type"])
                shown = json.dumps(value, ensure_ascii=False)
                self.problems.append(Problem(self.display, line, key, "type", f"expected {what}, got {shown[:80]}", shown[:200]))
                return None
        if text is not None and len(text) * 4 > MAX_CELL_BYTES and len(text.encode("utf-8")) > MAX_CELL_BYTES:
            self.problems.append(Problem(self.display, line, key, "cell-too-long",
                                         f"the value holds {len(text.encode('utf-8')):,} bytes; a cell holds at most {MAX_CELL_BYTES:,}"))
            return None
        return text

    def batch(self) -> RawBatch:
        columns: dict[str, None] = {}
        for row in self.rows:
            columns.update(dict.fromkeys(row))
        data = {name: pa.array([row.get(name) for row in self.rows], _TEXT) for name in columns if not name.startswith("_")}
        for name in columns:
            if name.startswith("_"):  # a field name that the reader's own columns would hide
                self.problems.append(Problem(self.display, None, name, "unknown-field", f"{name} is not a field", name))
        data["_line"] = pa.array(self.lines, pa.int64())
        out = RawBatch(pa.table(data), self.problems)
        self.rows, self.lines, self.problems = [], [], []
        return out


def _decode(text: str, position: int, display: str, line: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as error:
        raise FileProblem(Problem(display, error.lineno + line - 1, None, "json-syntax",
                                  f"the JSON does not parse: {error.msg} (column {error.colno})")) from None
    except _Constant as error:
        raise FileProblem(Problem(display, line, None, "json-syntax", f"the JSON does not parse: {error} is not a JSON value; write null")) from None
    except RecursionError:  # pragma: no cover - _depth refuses such text first
        raise FileProblem(Problem(display, line, None, "nesting-too-deep", "the JSON is nested too deeply to read")) from None


def jsonl_batches(path: Path, display: str, table: str | None = None) -> Iterator[RawBatch]:
    """Stream JSON Lines: one object per line."""
    cells = _Cells(table, display)
    with open_regular(path, display) as handle:
        number = 0
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise FileProblem(Problem(display, number, None, "line-too-long", f"the line is longer than {MAX_LINE_BYTES:,} bytes"))
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise FileProblem(encoding_problem(path, display)) from None
            if not line.strip():
                continue
            if _depth(raw) > MAX_JSON_DEPTH:
                raise FileProblem(Problem(display, number, None, "nesting-too-deep", f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep"))
            item, end = _decode(line, _skip(line, 0), display, number)
            if line[end:].strip():
                raise FileProblem(Problem(display, number, None, "json-syntax", "the line holds more than one JSON value"))
            if not isinstance(item, dict):
                raise FileProblem(Problem(display, number, None, "record-shape", "each line of a JSON Lines file is one object"))
            cells.add(item, number)
            if len(cells.rows) >= BATCH_ROWS:
                yield cells.batch()
    if cells.rows or cells.problems:
        yield cells.batch()


def json_rows(path: Path, display: str, table: str | None = None) -> Iterator[RawBatch]:
    """A JSON array of objects (or ``{"data": [...]}``), read whole; each object's line is where it starts."""
    data = read_bytes(path, display, MAX_JSON_BYTES, "JSON arrays are read whole,")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(encoding_problem(path, display)) from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise FileProblem(Problem(display, None, None, "nesting-too-deep", f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep"))
    start = _skip(text, 0)
    if text.startswith("{", start):
        document, end = _decode(text, start, display, 1)
        if not isinstance(document, dict) or not isinstance(document.get("data"), list):
            raise FileProblem(Problem(display, 1, None, "record-shape", 'a JSON table is an array of objects, or an object with a "data" array'))
        _trailing(text, end, display)
        items = [(item, None) for item in document["data"]]  # the objects' lines are not known in this form
    elif text.startswith("[", start):
        items = []
        position = _skip(text, start + 1)
        while not text.startswith("]", position):
            line = text.count("\n", 0, position) + 1
            item, end = _decode(text, position, display, 1)
            items.append((item, line))
            position = _skip(text, end)
            if text.startswith(",", position):
                position = _skip(text, position + 1)
                if text.startswith("]", position):
                    raise FileProblem(Problem(display, text.count("\n", 0, position) + 1, None, "json-syntax",
                                              "the JSON does not parse: a comma before the end of the array"))
            elif not text.startswith("]", position):
                what = "the JSON ends before the array is closed" if position >= len(text) else "expected ',' or ']' after an element"
                raise FileProblem(Problem(display, text.count("\n", 0, position) + 1, None, "json-syntax", f"the JSON does not parse: {what}"))
        _trailing(text, position + 1, display)
    else:
        raise FileProblem(Problem(display, 1, None, "record-shape", "a JSON table is an array of objects"))
    cells = _Cells(table, display)
    for item, line in items:
        if not isinstance(item, dict):
            raise FileProblem(Problem(display, line, None, "record-shape", "each element of a JSON table is an object"))
        cells.add(item, line)
    if cells.rows:  # an empty table ([]) has no batch, as an empty JSON Lines file has none
        yield cells.batch()


def _trailing(text: str, end: int, display: str) -> None:
    rest = _skip(text, end)
    if rest < len(text):
        raise FileProblem(Problem(display, text.count("\n", 0, rest) + 1, None, "json-syntax",
                                  "the JSON does not parse: there is more after the end of the table"))


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


# --- Parquet ---------------------------------------------------------------------------------------


def _parquet(handle: BinaryIO, display: str) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(handle)
    except (pa.ArrowException, OSError) as error:
        raise FileProblem(Problem(display, None, None, "file-format", f"not a readable Parquet file: {error}")) from None


def _index_columns(source: pq.ParquetFile) -> set[str]:
    """The columns pandas wrote for a DataFrame's index (named in its metadata): not data."""
    metadata = source.schema_arrow.metadata or {}
    try:
        pandas = json.loads(metadata.get(b"pandas", b"{}"))
        return {name for name in pandas.get("index_columns", []) if isinstance(name, str)}
    except (ValueError, AttributeError):
        return set()


def _parquet_names(source: pq.ParquetFile) -> list[str]:
    index = _index_columns(source)
    return [name for name in source.schema_arrow.names if name not in index]


def _as_text(array: pa.Array, field: dict[str, Any] | None) -> pa.Array:
    """One column as text; raises ArrowException (or TypeError) where its type has no text form here."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        return _as_text(array.dictionary_decode(), field)
    if pa.types.is_null(kind):
        return pa.nulls(len(array), _TEXT)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.cast(array, _TEXT)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return pc.cast(array, _TEXT)
    if pa.types.is_date(kind):
        return pc.cast(array, _TEXT)
    if pa.types.is_timestamp(kind):
        full = pc.strftime(array, format="%Y-%m-%dT%H:%M:%S" + ("%z" if kind.tz else ""))
        if field is not None and field["type"] == "date" and not kind.tz:  # a day stored as its midnight
            midnight = pc.match_substring_regex(full, r"T00:00:00(\.0*)?$")
            full = pc.if_else(midnight, pc.strftime(array, format="%Y-%m-%d"), full)
        return pc.cast(full, _TEXT)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        if pa.types.is_fixed_size_list(kind):
            raise TypeError("a fixed-size list")
        items = _as_text(array.flatten(), None)
        offsets = pc.subtract(array.offsets, array.offsets[0])
        lists = pa.LargeListArray.from_arrays(pc.cast(offsets, pa.int64()), items, mask=array.is_null())
        return pc.binary_join(lists, pa.scalar((field or {}).get("delimiter", ","), _TEXT))
    return pc.cast(array, _TEXT)  # booleans, times, binary that is UTF-8; structs and maps raise


_FITS = {  # the Arrow types that hold each field type's values
    "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t) or pa.types.is_floating(t),
    "integer": lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_string(t) or pa.types.is_large_string(t),
    "number": lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_string(t) or pa.types.is_large_string(t),
    "date": lambda t: pa.types.is_date(t) or pa.types.is_timestamp(t) or pa.types.is_string(t) or pa.types.is_large_string(t),
    "datetime": lambda t: pa.types.is_date(t) or pa.types.is_timestamp(t) or pa.types.is_string(t) or pa.types.is_large_string(t),
    "list": lambda t: pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_string(t) or pa.types.is_large_string(t),
}


def _fits(kind: pa.DataType, field: dict[str, Any]) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_null(kind):
        return True
    fits = _FITS.get(field["type"])
    return fits is None or fits(kind)


def parquet_batches(path: Path, display: str, columns: list[str] | None = None, table: str | None = None) -> Iterator[RawBatch]:
    """Stream a Parquet file as text; ``_line`` is the 1-based row number."""
    fields = {f["name"]: f for f in _schema.fields(table)} if table in _schema.resource_names() else {}
    with open_regular(path, display) as handle:
        source = _parquet(handle, display)
        names = source.schema_arrow.names
        data_names = _parquet_names(source)
        problems = header_problems(data_names, display, None)
        index = _index_columns(source)
        wanted = [i for i, name in enumerate(names) if name not in index and names.index(name) == i and (columns is None or name in columns)]
        told: set[str] = set()
        first = 1
        try:
            batches = source.iter_batches(batch_size=BATCH_ROWS, columns=[names[i] for i in wanted] if len(set(names)) == len(names) else None, use_pandas_metadata=False)
            for batch in batches:
                if len(set(names)) != len(names):
                    batch = pa.RecordBatch.from_arrays([batch.column(i) for i in wanted], names=[names[i] for i in wanted])
                data: dict[str, pa.Array] = {}
                for name, array in zip(batch.schema.names, batch.columns):
                    field = fields.get(name)
                    if field is not None and not _fits(array.type, field) and name not in told:
                        told.add(name)
                        problems.append(Problem(display, None, name, "type",
                                                f"the column {name} is stored as {array.type}, which cannot hold a {field['type']}; write it as {field['type']}",
                                                str(array.type)))
                    try:
                        data[name] = _as_text(array, field)
                    except (pa.ArrowException, TypeError):
                        if name not in told and field is not None:
                            told.add(name)
                            problems.append(Problem(display, None, name, "type", f"the column {name} is stored as {array.type}, which has no text form here",
                                                    str(array.type)))
                        data[name] = pa.nulls(len(array), _TEXT)
                lines = np.arange(first, first + batch.num_rows)
                out, found = _limit_cells(pa.table({**data, "_line": pa.array(lines, pa.int64())}), lines, display)
                first += batch.num_rows
                yield RawBatch(out, problems + found)
                problems = []
        except (pa.ArrowException, OSError) as error:
            raise FileProblem(Problem(display, None, None, "file-format", f"not a readable Parquet file: {error}")) from None
        if problems:  # a file without rows still has its column problems
            yield RawBatch(pa.table({"_line": pa.array([], pa.int64())}), problems)


# --- any table file --------------------------------------------------------------------------------


def batches(path: Path, display: str, columns: list[str] | None = None, *, table: str | None = None) -> Iterator[RawBatch]:
    """Batches of raw text rows from any table file; raises :class:`FileProblem` if it cannot be read.

    ``columns`` limits CSV and Parquet reading to those columns (JSON gives
    them all). ``table`` names the table, whose fields say how JSON and
    Parquet values that are not text become text (a list's delimiter); by
    default it is taken from the file's name.
    """
    path = Path(path)
    sniff(path, display)
    suffix = path.suffix.lower()
    table = table or table_of(path, _schema.resource_names())
    if suffix == ".csv":
        reader = csv_batches(path, display, columns)
    elif suffix == ".parquet":
        reader = parquet_batches(path, display, columns, table)
    elif suffix in (".jsonl", ".ndjson"):
        reader = jsonl_batches(path, display, table)
    elif suffix == ".json":
        reader = json_rows(path, display, table)
    else:
        raise FileProblem(Problem(display, None, None, "file-format", f"{suffix or 'no suffix'}: not a table file (use .csv, .json, .jsonl or .parquet)"))
    return _marked(reader, display)


def _marked(reader: Iterator[RawBatch], display: str) -> Iterator[RawBatch]:
    pool = pa.default_memory_pool()
    with reading(display):
        for batch in reader:
            yield batch
            # Arrow's allocator keeps what a batch freed for reuse, and reuses little of it: given back after each
            # batch, the peak of a 900,000-row contribution is about 40 MB lower, for no measurable time
            pool.release_unused()


def header_of(path: Path, display: str) -> list[str] | None:
    """The columns a CSV or Parquet file declares up front (None for JSON)."""
    suffix = Path(path).suffix.lower()
    with reading(display):
        if suffix == ".csv":
            return csv_header(path, display)
        if suffix == ".parquet":
            with open_regular(path, display) as handle:
                return _parquet_names(_parquet(handle, display))
    return None

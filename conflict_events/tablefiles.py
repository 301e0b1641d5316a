"""Reading table files (CSV, JSON, JSON Lines, Parquet) as batches of raw rows.

CSV, JSON Lines and Parquet are streamed in batches, so memory stays bounded
whatever the file's size; a JSON array is read whole, up to
:data:`MAX_JSON_BYTES`. Every batch is a DataFrame of raw cells plus
``_file`` and ``_line``. ``_line`` is the row's number counting the header
as line 1; :func:`physical_lines` turns it into the physical line of a CSV
file that has quoted line breaks or blank lines, and is only needed when
there are problems to report.
"""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from conflict_events.problems import Problem

TABLE_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson", ".parquet")
BATCH_BYTES = 16 << 20
BATCH_ROWS = 200_000
MAX_JSON_BYTES = 100 << 20
_SNIFF = 8192


class FileProblem(Exception):
    """The file cannot be read as a table; carries the problem to report."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message)


def table_of(path: Path, names: list[str]) -> str | None:
    """The table a file holds, from its name: ``events.csv``, ``events-2024.csv``, ``events_new.json``."""
    stem = path.name.split(".")[0].lower()
    for name in names:
        if stem == name or stem.startswith((f"{name}-", f"{name}_")):
            return name
    return None


def sniff(path: Path, display: str) -> None:
    """Raise :class:`FileProblem` for an unreadable, empty or binary file."""
    try:
        with open(path, "rb") as handle:
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
    with open(path, "rb") as handle:
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


def csv_header(path: Path, display: str) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        try:
            header = next(csv.reader(handle))
        except StopIteration:
            raise FileProblem(Problem(display, None, None, "file-empty", "the file is empty")) from None
    return header


def _csv_chunks(path: Path, size: int) -> Iterator[bytes]:
    """The file after its header line, in chunks of about ``size`` bytes that end at a record's end.

    A line break ends a record only outside quotes; quotes are counted from
    the start of the file (an escaped quote "" leaves the count even).
    """
    with open(path, "rb") as handle:
        handle.readline()  # the header, read separately
        carry, quoted = b"", False
        for block in iter(lambda: handle.read(size), b""):
            data = carry + block
            end = len(data)
            while True:
                end = data.rfind(b"\n", 0, end)
                if end < 0 or (quoted + data.count(b'"', 0, end)) % 2 == 0:
                    break
            if end < 0:
                carry = data
                continue
            quoted = bool((quoted + data.count(b'"', 0, end + 1)) % 2)
            yield data[: end + 1]
            carry = data[end + 1:]
        if carry.strip():
            yield carry


def csv_batches(path: Path, display: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Stream a CSV file in batches of raw text cells (only ``columns``, if given).

    The file is cut into chunks at record ends and each chunk is parsed on
    its own: Arrow's own streaming reader reads ahead of a slow consumer and
    would hold the whole file in memory.
    """
    header = csv_header(path, display)
    read = pacsv.ReadOptions(column_names=header, use_threads=True)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    convert = pacsv.ConvertOptions(column_types={name: pa.string() for name in header}, strings_can_be_null=False, quoted_strings_can_be_null=False,
                                   include_columns=[c for c in header if c in columns] if columns is not None else None)
    first_line = 2
    try:
        for chunk in _csv_chunks(path, BATCH_BYTES):
            bad_rows: list[Any] = []

            def skip(row: Any) -> str:
                bad_rows.append(row)
                return "skip"

            parse.invalid_row_handler = skip
            frame = pacsv.read_csv(pa.py_buffer(chunk), read_options=read, parse_options=parse, convert_options=convert).to_pandas()
            frame.index = pd.RangeIndex(first_line, first_line + len(frame))
            frame["_file"], frame["_line"] = display, frame.index
            frame.attrs["problems"] = [
                Problem(display, None, None, "record-shape",
                        f"a row has {row.actual_columns} cells where the header has {row.expected_columns}: {row.text[:80]!r}", row.text[:200],
                        hint="give every row as many cells as the header has; quote a cell that holds a comma")
                for row in bad_rows
            ]
            # one line break per record at most: no quoted line breaks, no blank lines, so rows are physical lines
            frame.attrs["lines_exact"] = chunk.count(b"\n") <= len(frame) + len(bad_rows)
            first_line += len(frame)
            yield frame
    except pa.ArrowInvalid as error:
        text = str(error)
        if "UTF8" in text or "utf8" in text.lower():
            problem = encoding_problem(path, display)
            if problem is not None:
                raise FileProblem(problem) from None
        raise FileProblem(Problem(display, None, None, "file-format", f"the CSV does not parse: {text}")) from None


def physical_lines(path: Path, rows: set[int]) -> dict[int, int]:
    """Map row numbers (header = 1, blank lines skipped) to physical lines of a CSV file."""
    if not rows:
        return {}
    wanted, found, last = set(rows), {}, max(rows)
    number = 0
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        start = 1
        for record in reader:
            if record:  # pyarrow skips blank lines; so do we
                number += 1
                if number in wanted:
                    found[number] = start
                if number >= last:
                    break
            start = reader.line_num + 1
    return found


def parquet_batches(path: Path, display: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Stream a Parquet file; ``_line`` is the 1-based row number."""
    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise FileProblem(Problem(display, None, None, "file-format", f"not a readable Parquet file: {error}")) from None
    first = 1
    names = [c for c in source.schema_arrow.names if columns is None or c in columns]
    for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=names):
        frame = batch.to_pandas(date_as_object=True)
        frame = frame.astype(object).where(frame.notna(), None)
        frame.index = pd.RangeIndex(first, first + len(frame))
        frame["_file"], frame["_line"] = display, frame.index
        first += len(frame)
        yield frame


def jsonl_batches(path: Path, display: str) -> Iterator[pd.DataFrame]:
    """Stream JSON Lines: one object per line."""
    rows: list[dict[str, Any]] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise FileProblem(encoding_problem(path, display)) from None
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise FileProblem(Problem(display, number, None, "json-syntax", f"the JSON does not parse: {error.msg} (column {error.colno})")) from None
            if not isinstance(item, dict):
                raise FileProblem(Problem(display, number, None, "record-shape", "each line of a JSON Lines file is one object"))
            rows.append({**item, "_file": display, "_line": number})
            if len(rows) >= BATCH_ROWS:
                yield _frame(rows)
                rows = []
    if rows:
        yield _frame(rows)


def json_rows(path: Path, display: str) -> Iterator[pd.DataFrame]:
    """A JSON array of objects (or ``{"data": [...]}``), read whole; each object's line is where it starts."""
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise FileProblem(Problem(display, None, None, "file-too-large",
                                  f"the JSON file has {size:,} bytes; JSON arrays are read whole, up to {MAX_JSON_BYTES:,}", size))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(encoding_problem(path, display)) from None
    decoder = json.JSONDecoder()
    try:
        start = _skip(text, 0)
        if text.startswith("{", start):
            document, _ = decoder.raw_decode(text, start)
            if not isinstance(document, dict) or not isinstance(document.get("data"), list):
                raise FileProblem(Problem(display, 1, None, "record-shape", 'a JSON table is an array of objects, or an object with a "data" array'))
            start = _skip(text, text.index("[", text.index('"data"')))
        if not text.startswith("[", start):
            raise FileProblem(Problem(display, 1, None, "record-shape", "a JSON table is an array of objects"))
        rows: list[dict[str, Any]] = []
        position = _skip(text, start + 1)
        while not text.startswith("]", position):
            item, end = decoder.raw_decode(text, position)
            line = text.count("\n", 0, position) + 1
            if not isinstance(item, dict):
                raise FileProblem(Problem(display, line, None, "record-shape", "each element of a JSON table is an object"))
            rows.append({**item, "_file": display, "_line": line})
            position = _skip(text, end)
            if text.startswith(",", position):
                position = _skip(text, position + 1)
    except json.JSONDecodeError as error:
        raise FileProblem(Problem(display, error.lineno, None, "json-syntax", f"the JSON does not parse: {error.msg} (column {error.colno})")) from None
    except ValueError:
        raise FileProblem(Problem(display, None, None, "json-syntax", "the JSON ends before the array is closed")) from None
    if rows:  # an empty table ([]) has no batch, as an empty JSON Lines file has none
        yield _frame(rows)


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame.index = pd.Index(frame["_line"].astype(int).tolist())
    return frame


def batches(path: Path, display: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Batches of raw rows from any table file; raises :class:`FileProblem` if it cannot be read.

    ``columns`` limits CSV and Parquet reading to those columns (JSON gives them all).
    """
    sniff(path, display)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return csv_batches(path, display, columns)
    if suffix == ".parquet":
        return parquet_batches(path, display, columns)
    if suffix in (".jsonl", ".ndjson"):
        return jsonl_batches(path, display)
    if suffix == ".json":
        return json_rows(path, display)
    raise FileProblem(Problem(display, None, None, "file-format", f"{suffix or 'no suffix'}: not a table file (use .csv, .json, .jsonl or .parquet)"))


def header_of(path: Path, display: str) -> list[str] | None:
    """The columns a CSV or Parquet file declares up front (None for JSON)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return csv_header(path, display)
    if suffix == ".parquet":
        try:
            return pq.ParquetFile(path).schema_arrow.names
        except (pa.ArrowException, OSError) as error:
            raise FileProblem(Problem(display, None, None, "file-format", f"not a readable Parquet file: {error}")) from None
    return None

"""Raw cells to typed columns, with one problem per cell that does not fit.

Input is a DataFrame of raw values: text from CSV, or the scalars YAML
gives. Output has the validation dtypes of :mod:`conflict_events._rules`
(codes stay text). Empty text is a missing value, as Table Schema's default
``missingValues`` say. All work is vectorised, so that a batch of a million
CSV rows costs a few pandas operations per column.
"""

from __future__ import annotations

import re

from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from conflict_events._dtypes import VALIDATION_DTYPES
from conflict_events._problems import Problem

ORIGIN = ("_file", "_line", "_lines")
_INTEGER = r"[+-]?[0-9]+"
_NUMBER = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

Locate = Callable[[Any, str], tuple[str, int | None]]


def locate(frame: pd.DataFrame) -> Locate:
    """A function (row label, field) -> (file, line) for a frame with origin columns."""
    has_lines = "_lines" in frame.columns

    def where(label: Any, field: str | None) -> tuple[str, int | None]:
        line = frame.at[label, "_line"]
        if has_lines:
            lines = frame.at[label, "_lines"]
            if isinstance(lines, dict) and field in lines:
                line = lines[field]
        return str(frame.at[label, "_file"]), None if line is None or pd.isna(line) else int(line)

    return where


class RowView:
    """Cells of one row, read on demand (cheaper than taking the whole row of a wide frame)."""

    def __init__(self, frame: pd.DataFrame, label: Any):
        self.frame, self.label = frame, label

    def get(self, column: str, default: Any = None) -> Any:
        return self.frame.at[self.label, column] if column in self.frame.columns else default

    def __contains__(self, column: str) -> bool:
        return column in self.frame.columns


def _text(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(text, present, is_bool): the cells as text, which are present, which YAML read as true/false."""
    if values.dtype == object:
        is_bool = values.map(lambda v: isinstance(v, (bool, np.bool_)))
        is_list = values.map(lambda v: isinstance(v, (list, dict)))
    else:
        is_bool = pd.Series(False, index=values.index)
        is_list = is_bool
    text = values.astype("str")
    present = values.notna() & (text != "") & ~is_list
    return text.where(present), present, is_bool | is_list


def coerce(raw: pd.DataFrame, fields: list[dict[str, Any]], where: Locate) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed columns for every field of the table (absent fields become null)."""
    problems: list[Problem] = []
    out = pd.DataFrame(index=raw.index)

    def bad(mask: pd.Series, name: str, message: Callable[[Any], str]) -> None:
        for label in mask[mask].index:
            value = raw.at[label, name]
            file, line = where(label, name)
            problems.append(Problem(file, line, name, "type", message(value), _plain(value)))

    for field in fields:
        name, kind = field["name"], field["type"]
        if name not in raw.columns:
            out[name] = pd.Series(None, index=raw.index, dtype=VALIDATION_DTYPES[kind] or object)
            continue
        values = raw[name]
        if kind == "list":
            out[name], mask = _lists(values, field.get("delimiter", ","))
            bad(mask, name, lambda v: f"expected a list of text, got {v!r}")
            continue
        text, present, odd = _text(values)
        if kind == "string":
            bad(odd, name, lambda v: f"expected text, got {v!r}; quote it")
            out[name] = text.where(~odd).astype("str") if odd.any() else text.astype("str")
        elif kind == "date":
            parsed = _dates(text)
            mask = (present & parsed.isna()) | odd
            bad(mask, name, _date_message)
            out[name] = parsed
        elif kind == "datetime":
            parsed = _datetimes(text)
            mask = (present & parsed.isna()) | odd
            bad(mask, name, _datetime_message)
            out[name] = parsed
        elif kind == "integer":
            good = text.str.fullmatch(_INTEGER).fillna(False).astype(bool) & ~odd
            bad(present & ~good | odd, name, lambda v: f"expected a whole number, got {v!r}")
            out[name], too_large = _integers(text, good)
            bad(too_large, name, lambda v: f"{v} is too large: a whole number here lies between -2**63 and 2**63-1")
        elif kind == "number":
            good = text.str.fullmatch(_NUMBER).fillna(False).astype(bool) & ~odd
            bad(present & ~good | odd, name, lambda v: f"expected a number, got {v!r}")
            out[name] = _floats(text, good)
        else:  # pragma: no cover - the descriptor uses only the types above
            raise ValueError(f"unsupported field type {kind!r}")
    for column in ORIGIN:
        if column in raw.columns:
            out[column] = raw[column]
    return out, problems


def _arrow(values: pd.Series) -> pa.Array:
    """The cells as one Arrow array (zero-copy for Arrow-backed text)."""
    array = pa.array(values)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _integers(text: pd.Series, good: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Int64 values of the ``good`` cells (the others null), and the mask of good cells too large for 64 bits.

    Parsed by Arrow, exactly: no detour through float, which would round
    whole numbers beyond 2**53.
    """
    kept = text.where(good)
    try:
        parsed = pc.cast(pc.utf8_ltrim(_arrow(kept.astype("str")), "+"), pa.int64())
        values = np.asarray(parsed.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        missing = np.asarray(parsed.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        return pd.Series(pd.arrays.IntegerArray(values, missing), index=text.index), pd.Series(False, index=text.index)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a number beyond int64: find it cell by cell
        numbers = [int(v) if isinstance(v, str) else None for v in kept]
        fits = [v is not None and -(2**63) <= v < 2**63 for v in numbers]
        result = pd.array([v if ok else None for v, ok in zip(numbers, fits)], dtype="Int64")
        too_large = pd.Series([v is not None and not ok for v, ok in zip(numbers, fits)], index=text.index, dtype=bool)
        return pd.Series(result, index=text.index), too_large


def _dates(text: pd.Series) -> pd.Series:
    """datetime64[ms] of the cells written YYYY-MM-DD that are days of the calendar; NaT for the others.

    Arrow parses; its strptime rolls a day past the month's end over
    (2023-02-30 becomes 2023-03-02), so a parsed month that is not the
    written one marks a day that is not in the calendar.
    """
    try:
        written = _arrow(text.astype("str"))
        candidate = pc.if_else(pc.fill_null(pc.match_substring_regex(written, f"^{_DATE}$"), False), written, None)
        parsed = pc.strptime(candidate, format="%Y-%m-%d", unit="ms", error_is_null=True)
        month = pc.cast(pc.utf8_slice_codeunits(candidate, 5, 7), pa.int64())
        parsed = pc.if_else(pc.fill_null(pc.equal(pc.month(parsed), month), False), parsed, None)
        return pd.Series(np.asarray(parsed.to_numpy(zero_copy_only=False), dtype="datetime64[ms]"), index=text.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # pragma: no cover - the pattern lets through only what Arrow parses
        kept = text.where(text.str.fullmatch(_DATE).fillna(False).astype(bool))
        return pd.to_datetime(kept, format="%Y-%m-%d", errors="coerce").astype("datetime64[ms]")


def _datetimes(text: pd.Series) -> pd.Series:
    """datetime64[us, UTC] of ISO 8601 dates and date-times (a date is its midnight, no zone is UTC); NaT for the others.

    The parse is the engine's (:func:`conflict_events._engine.typing.parse`),
    so that the build and the validator read a date-time alike.
    """
    import polars as pl

    from conflict_events._engine.typing import parse

    column = pl.Series("v", [v if isinstance(v, str) else None for v in text.tolist()], dtype=pl.String)
    typed, _ = parse(pl.DataFrame({"v": column}), [{"name": "v", "type": "datetime"}])
    values = pd.to_datetime(typed["v"].to_pandas(), utc=True)
    values.index = text.index
    return values.astype("datetime64[us, UTC]")


def _floats(text: pd.Series, good: pd.Series) -> pd.Series:
    kept = text.where(good)
    try:
        parsed = pc.cast(_arrow(kept.astype("str")), pa.float64())
        return pd.Series(np.asarray(parsed.to_numpy(zero_copy_only=False), dtype="float64"), index=text.index)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # pragma: no cover - Arrow reads every text the pattern lets through
        return pd.to_numeric(kept, errors="coerce").astype("float64")


def _lists(values: pd.Series, delimiter: str) -> tuple[pd.Series, pd.Series]:
    """Delimited text (CSV) or lists (YAML, JSON) to lists of text; the mask marks cells that are neither.

    Text is split by Arrow into an Arrow list column (``list<string>``), with
    no Python list per cell; the checks of :mod:`conflict_events._rules` read
    both forms.
    """
    if values.dtype != object:  # text only: split in one vectorised pass
        text = _arrow(values.astype("str"))
        present = pc.fill_null(pc.and_kleene(pc.is_valid(text), pc.not_equal(text, "")), False)
        split = pc.split_pattern(pc.if_else(present, text, None), delimiter)
        return pd.Series(pd.arrays.ArrowExtensionArray(split), index=values.index), pd.Series(False, index=values.index)

    def one(value: Any) -> Any:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, str):
            return value.split(delimiter) if value else None
        if isinstance(value, (list, tuple, np.ndarray)) and all(isinstance(item, str) for item in value):
            return list(value)
        return _BAD

    converted = values.map(one)
    mask = converted.map(lambda v: v is _BAD)
    return converted.where(~mask, None).astype(object), mask.astype(bool)


_BAD = object()


def _date_message(value: Any) -> str:
    text = str(value)
    if isinstance(value, str) and re.fullmatch(_DATE, text):
        return f"{text} is not a day of the calendar"
    return f"expected a date as YYYY-MM-DD, got {value!r}"


def _datetime_message(value: Any) -> str:
    return f"expected a date or date-time as YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][Z|+hh:mm], a moment of the calendar, got {value!r}"


def _plain(value: Any) -> Any:
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)

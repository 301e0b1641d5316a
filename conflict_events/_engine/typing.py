"""Raw text to typed polars columns, one parse per Table Schema type.

Every input reaches the engine as text (CSV cells, YAML scalars, Parquet or
frame columns written out), so each type is parsed in one place, here. An
empty text is a missing value, as Table Schema's default ``missingValues``.
A cell that is present but does not parse is null in the typed column and
marked in the ``type`` mask.
"""

from __future__ import annotations

from typing import Any

import polars as pl

_INTEGER = r"^[+-]?[0-9]+$"
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$"

#: polars dtype of each Table Schema type once typed
DTYPES: dict[str, Any] = {
    "string": pl.String,
    "integer": pl.Int64,
    "number": pl.Float64,
    "date": pl.Date,
    "datetime": pl.Datetime("us", "UTC"),
    "list": pl.List(pl.String),
}


def as_text(frame: pl.DataFrame, fields: list[dict[str, Any]]) -> pl.DataFrame:
    """Every column of a typed frame (a user's pandas or polars frame, a Parquet file) written as text.

    Dates are written YYYY-MM-DD; date-times ISO 8601 (a date field given
    date-times at midnight reads as dates); whole-valued floats of an integer
    field as whole numbers; lists joined with the field's delimiter; codes
    (categoricals, enums) as their text.
    """
    by_name = {f["name"]: f for f in fields}
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        field = by_name.get(name, {"type": "string"})
        if dtype == pl.String or name.startswith("_"):
            columns.append(column)
            continue
        if isinstance(dtype, pl.List) or isinstance(dtype, pl.Array):
            column = column.cast(pl.List(pl.String)).list.join(field.get("delimiter", ","))
        elif isinstance(dtype, pl.Datetime):
            midnight = (column.dt.time() == pl.time(0)).all()
            if field["type"] == "date":
                column = pl.when(midnight).then(column.dt.strftime("%Y-%m-%d")).otherwise(column.dt.strftime("%Y-%m-%dT%H:%M:%S"))
            else:
                column = column.dt.strftime("%Y-%m-%dT%H:%M:%S%:z" if dtype.time_zone else "%Y-%m-%dT%H:%M:%S")
        elif dtype.is_float() and field["type"] == "integer":
            whole = column == column.floor()
            column = pl.when(whole).then(column.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(column.cast(pl.String))
        elif dtype == pl.Boolean:
            column = pl.when(column).then(pl.lit("true")).otherwise(pl.lit("false"))
        else:
            column = column.cast(pl.String)
        columns.append(column.alias(name))
    return frame.select(columns)


def parse(frame: pl.DataFrame, fields: list[dict[str, Any]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed, bad): one typed column per field (absent fields null) and, per field, which cells did not parse."""
    typed, bad = [], []
    for field in fields:
        name, kind = field["name"], field["type"]
        if name not in frame.columns:
            typed.append(pl.lit(None, dtype=DTYPES[kind]).alias(f"\x01{name}"))
            bad.append(pl.lit(False).alias(f"\x00{name}"))
            continue
        raw = pl.col(name)
        present = raw.is_not_null() & (raw != "")
        value = pl.when(present).then(raw)
        if kind == "string":
            out = value
        elif kind == "integer":
            out = pl.when(raw.str.contains(_INTEGER)).then(value.str.strip_prefix("+").cast(pl.Int64, strict=False))
        elif kind == "number":
            out = pl.when(raw.str.contains(_NUMBER)).then(value.cast(pl.Float64, strict=False))
        elif kind == "date":
            out = pl.when(raw.str.contains(_DATE)).then(value.str.to_date("%Y-%m-%d", strict=False))
        elif kind == "datetime":
            out = _datetime(value)
        elif kind == "list":
            out = value.str.split(field.get("delimiter", ","))
        else:  # pragma: no cover - the descriptor uses only the types above
            raise ValueError(f"unsupported field type {kind!r}")
        typed.append(out.cast(DTYPES[kind]).alias(f"\x01{name}"))
        # a cell is bad when it is present and its typed value is not: read from the typed column, not parsed again
        done = pl.col(f"\x01{name}")
        broken = present & done.is_null()
        if kind == "list":
            broken = broken | (present & done.list.eval(pl.element() == "").list.any())
        bad.append(broken.fill_null(False).alias(f"\x00{name}"))
    # with_columns, not select: a literal (an absent field) takes the frame's height, even 0
    names = [f["name"] for f in fields]
    hold = frame.select(pl.len()).item() if not frame.columns else None
    base = frame if frame.columns else pl.DataFrame({"_": [None] * (hold or 0)})
    both = base.with_columns(typed).with_columns(bad)
    typed_frame = both.select([pl.col(f"\x01{n}").alias(n) for n in names])
    bad_frame = both.select([pl.col(f"\x00{n}").alias(n) for n in names])
    return typed_frame, bad_frame


def _datetime(value: pl.Expr) -> pl.Expr:
    """A date (its start, UTC), or a date-time with or without a zone (UTC when none)."""
    text = value.str.replace(" ", "T").str.replace(r"([+-][0-9]{2})([0-9]{2})$", "$1:$2")
    date_only = text.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    zoned = text.str.contains(r"(Z|[+-][0-9]{2}:[0-9]{2})$")
    full = pl.when(text.str.contains(r"T[0-9]{2}:[0-9]{2}(Z|[+-]|$)")).then(text.str.replace(r"(T[0-9]{2}:[0-9]{2})", "$1:00")).otherwise(text)
    return (
        pl.when(~value.str.contains(_DATETIME)).then(None)
        .when(date_only).then(text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
        .when(zoned).then(full.str.replace("Z$", "+00:00").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_zone="UTC"))
        .otherwise(full.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False).dt.replace_time_zone("UTC"))
    )

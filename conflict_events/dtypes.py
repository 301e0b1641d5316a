"""Table Schema types mapped to Arrow (for the Parquet files) and pandas (for load()).

One mapping, used by the build, the loader and the pandera schemas alike.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

_ARROW = {
    "string": pa.string(),
    "date": pa.date32(),
    "integer": pa.int64(),
    "number": pa.float64(),
    # A Table Schema list is stored as its delimited text, as the standard
    # writes it, so that any Table Schema tool (frictionless included) reads it.
    "list": pa.string(),
}

_PANDAS: dict[str, str] = {
    "string": "str",
    "date": "datetime64[ms]",
    "integer": "Int64",
    "number": "float64",
    "list": "object",
}


#: Dtypes while validating: codes stay text, so that an unknown code is reported, not lost.
VALIDATION_DTYPES = {**_PANDAS, "list": None}


def enum_of(field: dict[str, Any]) -> list[str] | None:
    return field.get("constraints", {}).get("enum")


def arrow_schema(fields: list[dict[str, Any]]) -> pa.Schema:
    """The Arrow schema of a table's Parquet file."""
    return pa.schema(
        [
            pa.field(f["name"], _ARROW[f["type"]], nullable=not f.get("constraints", {}).get("required", False))
            for f in fields
        ]
    )


def pandas_dtype(field: dict[str, Any]) -> Any:
    """The pandas dtype of a field: a categorical with the vocabulary's codes for an enum."""
    enum = enum_of(field)
    if enum is not None:
        return pd.CategoricalDtype(categories=enum, ordered=False)
    return _PANDAS[field["type"]]


def to_pandas(table: pa.Table, fields: list[dict[str, Any]]) -> pd.DataFrame:
    """Convert an Arrow table of the package to a DataFrame with the package's dtypes."""
    by_name = {f["name"]: f for f in fields}
    frame = table.to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype()}.get,
        date_as_object=False,
    )
    for name in frame.columns:
        field = by_name.get(name)
        if field is None:
            continue
        if field["type"] == "list":
            delimiter = field.get("delimiter", ",")
            frame[name] = pd.Series(
                [value.split(delimiter) if isinstance(value, str) else [] for value in frame[name]],
                index=frame.index,
                dtype=object,
            )
        elif enum_of(field) is not None or field["type"] in ("date", "number"):
            frame[name] = frame[name].astype(pandas_dtype(field))
    return frame

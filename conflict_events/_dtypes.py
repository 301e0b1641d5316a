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
    "datetime": pa.timestamp("us", tz="UTC"),
    "integer": pa.int64(),
    "number": pa.float64(),
    # A Table Schema list is stored as its delimited text, as the standard
    # writes it, so that any Table Schema tool (frictionless included) reads it.
    "list": pa.string(),
}

_PANDAS: dict[str, str] = {
    "string": "str",
    "date": "datetime64[ms]",
    "datetime": "datetime64[us, UTC]",
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


def typed_arrow(table: pa.Table, fields: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table of the package with its lists split and its codes dictionary-encoded.

    A list field (stored as delimited text) becomes ``list<string>``; a field
    with an ``enum`` becomes ``dictionary<int32, string>`` whose dictionary is
    the whole vocabulary, in its order, so every code is there even when no row
    uses it.
    """
    return _encode_codes(split_lists(table, fields), fields)


def split_lists(table: pa.Table, fields: list[dict[str, Any]]) -> pa.Table:
    """The table with each list field's delimited text split into ``list<string>`` (a field already split is left as it is)."""
    import pyarrow.compute as pc

    for field in fields:
        if field["type"] == "list" and field["name"] in table.column_names:
            index = table.column_names.index(field["name"])
            if not pa.types.is_string(table.column(index).type):
                continue
            split = pc.split_pattern(table.column(index), field.get("delimiter", ","))
            table = table.set_column(index, pa.field(field["name"], pa.list_(pa.string())), split)
    return table


def _encode_codes(table: pa.Table, fields: list[dict[str, Any]]) -> pa.Table:
    import pyarrow.compute as pc

    for field in fields:
        enum = enum_of(field)
        if enum is None or field["name"] not in table.column_names:
            continue
        index = table.column_names.index(field["name"])
        column = table.column(index).combine_chunks()
        dictionary = pa.array(enum, pa.string())
        codes = pa.DictionaryArray.from_arrays(pc.index_in(column, value_set=dictionary), dictionary)
        table = table.set_column(index, pa.field(field["name"], codes.type), codes)
    return table


def arrow_to_pandas(table: pa.Table, fields: list[dict[str, Any]]) -> pd.DataFrame:
    """A typed Arrow table (see :func:`typed_arrow`) as a DataFrame with the package's dtypes.

    Codes become categoricals with the vocabulary's categories, lists Python
    lists (a missing list an empty one), dates ``datetime64[ms]``, integers
    ``Int64``.
    """
    by_name = {f["name"]: f for f in fields}
    # Without the pandas metadata the Parquet file carries: it describes the file's columns, not the typed ones.
    frame = table.replace_schema_metadata(None).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get, date_as_object=False)
    for name in frame.columns:
        field = by_name.get(name)
        if field is None:
            continue
        if field["type"] == "list":
            lists = table.column(name).to_pylist()
            frame[name] = pd.Series([[] if value is None else value for value in lists], index=frame.index, dtype=object)
        elif enum_of(field) is None and field["type"] in ("date", "datetime", "number"):
            frame[name] = frame[name].astype(pandas_dtype(field))
    return frame


def arrow_to_polars(table: pa.Table, fields: list[dict[str, Any]]) -> Any:
    """A typed Arrow table as a polars DataFrame: codes as ``pl.Enum`` of the vocabulary, lists as ``List(String)``."""
    import polars as pl

    frame = pl.from_arrow(table)
    enums = {f["name"]: pl.Enum(enum_of(f)) for f in fields if enum_of(f) is not None and f["name"] in frame.columns}
    return frame.with_columns(pl.col(name).cast(dtype) for name, dtype in enums.items()) if enums else frame


def to_pandas(table: pa.Table, fields: list[dict[str, Any]]) -> pd.DataFrame:
    """Convert an Arrow table of the package (as its Parquet file holds it) to a DataFrame with the package's dtypes."""
    return arrow_to_pandas(typed_arrow(table, fields), fields)

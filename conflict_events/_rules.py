"""``pandera_schema(table)``: the pandera schema of a table, derived from the descriptor and the rule catalogue.

Each column has its dtype and nullability from the descriptor and a pandera
``Check`` per field rule of the catalogue that holds for it; each row rule
of the table is a wide ``Check``. A check's ``error`` is its rule id. The
checks run the catalogue's own expressions (through polars), so pandera and
``validate()`` judge a cell alike. Rules across rows and tables (keys,
references) are ``validate_frame``'s: a pandera schema sees one frame.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from conflict_events import _schema
from conflict_events._catalogue import Rule, rules_for

#: pandas dtypes of the Table Schema types, as load() returns them (codes are categoricals there; text here)
PANDAS_DTYPES = {"string": "str", "integer": "Int64", "number": "float64", "date": "datetime64[ms]",
                 "datetime": "datetime64[us, UTC]", "list": None}
POLARS_DTYPES = {"string": "String", "integer": "Int64", "number": "Float64", "date": "Date", "datetime": "Datetime", "list": None}


def _cell_check(rule: Rule, name: str, params: dict[str, Any]):
    def check(series: Any) -> Any:
        import pandas as pd
        import polars as pl

        from conflict_events._engine.frames import to_polars

        frame = nw.from_native(to_polars(series.to_frame(name)).with_columns(pl.col(name)))
        broken = frame.select(rule.check(nw.col(name), **params).fill_null(False).alias("b")).to_native()["b"].to_numpy()
        return pd.Series(~broken, index=series.index)

    return check


def _row_check(rule: Rule, table: str):
    def check(frame: Any) -> Any:
        import pandas as pd

        from conflict_events._engine.frames import to_polars

        native = nw.from_native(to_polars(frame))
        broken = native.select(rule.check(native, table).fill_null(False).alias("b")).to_native()["b"].to_numpy()
        return pd.Series(~broken, index=frame.index)

    return check


def _cell_rules(table: str, field: dict[str, Any]) -> list[tuple[Rule, dict[str, Any]]]:
    """The field rules a pandera check carries for one column: (rule, parameters).

    ``required`` and ``type`` are the column's nullability and dtype; on a list
    column only ``length`` applies (the others judge text).
    """
    out = []
    for rule in rules_for(table, "field"):
        params = rule.params(field)
        if params is None or rule.check is None or rule.id in ("required", "type"):
            continue
        if field["type"] == "list" and rule.id != "length":
            continue
        out.append((rule, params))
    return sorted(out, key=lambda item: item[0].id)


def pandera_schema(table: str, backend: str = "pandas") -> Any:
    """The pandera schema of one table, for pandas (``backend="pandas"``) or polars (``"polars"``).

    Parameters
    ----------
    table : str
        A table of the package, such as ``"events"``.
    backend : {"pandas", "polars"}
        Which pandera API the schema is built with.

    Returns
    -------
    pandera.DataFrameSchema
        Columns typed as the descriptor says, with one check per rule of the
        catalogue that holds for the column or the row; each check's
        ``error`` is the rule id.

    Examples
    --------
    >>> import conflict_events as ce
    >>> schema = ce.pandera_schema("events")
    >>> [check.error for check in schema.columns["event_type"].checks]
    ['control-character', 'enum', 'formula-injection']
    """
    if backend == "polars":
        return _polars_schema(table)
    if backend != "pandas":
        raise ValueError(f"backend is 'pandas' or 'polars', not {backend!r}")
    import pandera.pandas as pa

    columns = {}
    for field in _schema.fields(table):
        name = field["name"]
        checks = [pa.Check(_cell_check(rule, name, params), error=rule.id) for rule, params in _cell_rules(table, field)]
        dtype = None if "enum" in field.get("constraints", {}) else PANDAS_DTYPES[field["type"]]  # codes: text or categorical
        columns[name] = pa.Column(dtype, checks=checks,
                                  nullable=not field.get("constraints", {}).get("required", False), required=True, coerce=False,
                                  unique=bool(field.get("constraints", {}).get("unique")))
    checks = [pa.Check(_row_check(rule, table), error=rule.id) for rule in rules_for(table, "row")]
    return pa.DataFrameSchema(columns, checks=checks, name=table, strict=False, ordered=False)


def _polars_schema(table: str) -> Any:
    import polars as pl
    import pandera.polars as pa

    def expression(rule: Rule, name: str, params: dict[str, Any]):
        def check(data: Any) -> Any:
            frame = nw.from_native(data.lazyframe)
            return frame.select(~rule.check(nw.col(name), **params).fill_null(False)).to_native()

        return check

    columns = {}
    for field in _schema.fields(table):
        name = field["name"]
        checks = [pa.Check(expression(rule, name, params), error=rule.id) for rule, params in _cell_rules(table, field)]
        dtype = getattr(pl, POLARS_DTYPES[field["type"]]) if POLARS_DTYPES[field["type"]] else pl.List(pl.String)
        columns[name] = pa.Column(dtype, checks=checks,
                                  nullable=not field.get("constraints", {}).get("required", False), required=True, coerce=False)
    return pa.DataFrameSchema(columns, name=table, strict=False)

"""The catalogue on in-memory frames: ``validate_frame()`` for pandas, polars and pyarrow.

A frame is written out as text (:func:`conflict_events._engine.typing.as_text`)
and typed again, so a frame is judged exactly as the same rows in a file.
A problem's line is the row's number (1-based), and its file ``<frame>``
(or the ``_file`` and ``_line`` columns, where the frame carries them).
"""

from __future__ import annotations

from typing import Any, Mapping

import polars as pl

from conflict_events import _schema
from conflict_events._engine.columnar import DEFAULT_MAX_PROBLEMS, Engine, Part
from conflict_events._engine.typing import as_text

ORIGIN = ("_file", "_line", "_lines")


def to_polars(frame: Any) -> pl.DataFrame:
    """A pandas, polars or pyarrow frame as a polars DataFrame."""
    if isinstance(frame, pl.DataFrame):
        return frame
    if isinstance(frame, pl.LazyFrame):
        return frame.collect()
    module = type(frame).__module__.split(".")[0]
    if module == "pyarrow":
        return pl.from_arrow(frame)
    if module == "pandas":
        import pandas as pd

        plain = frame.reset_index(drop=True)
        columns = {}
        for name in plain.columns:
            values = plain[name]
            if isinstance(values.dtype, pd.CategoricalDtype):
                values = values.astype(object).where(values.notna(), None)
            if values.dtype == object:
                columns[str(name)] = pl.Series(str(name), [_plain(v) for v in values], strict=False)
            else:
                columns[str(name)] = pl.from_pandas(values)
        return pl.DataFrame(columns) if columns else pl.DataFrame(schema={})
    raise TypeError(f"validate_frame takes a pandas, polars or pyarrow frame (or a PySpark one); got {type(frame).__name__}")


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "tolist") and not isinstance(value, str):
        return value.tolist()
    return value


def parts_of(frame: Any, table: str, given: bool = True, file: str = "<frame>") -> list[Part]:
    """A frame as engine parts: one per ``_file`` where the frame has that column."""
    fields = _schema.fields(table)
    from_records = bool(getattr(frame, "attrs", {}).get("derived"))  # events assembled from records: derived columns
    polars = to_polars(frame)
    if "_lines" in polars.columns:
        lines = polars["_lines"].to_list()
        polars = polars.drop("_lines")
    else:
        lines = None
    if "_line" not in polars.columns:
        polars = polars.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64))
    text = as_text(polars, fields).with_columns(pl.col("_line").cast(pl.Int64, strict=False))
    if "_file" not in text.columns or text.height == 0:
        text = text.drop("_file", strict=False)
        return [Part(table, text, file, given=given, field_lines=_lines(lines), from_records=from_records)]
    parts = []
    indexed = text.with_row_index("_i")
    for (name,), group in indexed.group_by("_file", maintain_order=True):
        index = group["_i"].to_list()
        field_lines = [_lines(lines)[i] for i in index] if lines is not None else None
        parts.append(Part(table, group.drop("_i", "_file"), str(name), given=given, field_lines=field_lines, from_records=from_records))
    return parts


def _lines(lines: list | None) -> list[dict[str, int]] | None:
    if lines is None:
        return None
    return [dict(item) if isinstance(item, dict) else {} for item in lines]


def validate_frame(frame: Any, table: str = "events", related: Mapping[str, Any] | None = None, *,
                   max_problems: int = DEFAULT_MAX_PROBLEMS):
    """Run the rule catalogue on an in-memory table; the same report as ``conflict_events.validate()``.

    Parameters
    ----------
    frame : pandas.DataFrame, polars.DataFrame, pyarrow.Table or pyspark.sql.DataFrame
        The rows of one table, typed or as text.
    table : str
        The table the rows belong to (``events``, ``evidence``, ...).
    related : mapping of table name to frame, optional
        Other tables, for the rules that need them (references, evidence for
        every event, the latest casualty report). Rules that need a table not
        given are skipped, and ``Report.skipped`` says which.
    max_problems : int
        At most this many problems are listed per rule; ``Report.counts`` has
        every total.

    Returns
    -------
    Report
        ``problems`` located by row number (1-based; PySpark: by key),
        ``counts``, ``skipped``.

    Examples
    --------
    >>> import pandas as pd
    >>> import conflict_events as ce
    >>> events = ce.load()
    >>> events.loc[0, "fatalities_best"] = -1
    >>> report = ce.validate_frame(events, table="events")
    >>> report.counts["minimum"]
    1
    """
    from conflict_events._validator import Report

    if _is_spark(frame):
        from conflict_events._engine.spark import validate_spark

        return validate_spark(frame, table, related or {}, max_problems=max_problems)
    if table not in _schema.resource_names():
        raise ValueError(f"no table {table!r}; the tables are: {', '.join(_schema.resource_names())}")
    engine = Engine(max_problems)
    for part in parts_of(frame, table):
        engine.add(part)
    for name, other in (related or {}).items():
        for part in parts_of(other, name, given=False, file=f"<{name}>"):
            engine.add(part)
    findings = engine.finish()
    problems = sorted(findings.problems, key=lambda p: p.sort_key())
    return Report(problems, [], dict(findings.counts), dict(engine.skipped))


def _is_spark(frame: Any) -> bool:
    return type(frame).__module__.startswith("pyspark.")

"""``export``: one table of a release as CSV, JSON or Parquet, written atomically.

CSV and JSON write the text forms Table Schema reads back: dates as
YYYY-MM-DD, lists joined with the field's delimiter (CSV) or as arrays
(JSON), missing values empty (CSV) or null (JSON). Text cells that a
spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) are neutralised in CSV by a leading apostrophe, as OWASP
recommends. Parquet is the released file itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from conflict_events import data
from conflict_events._catalogue.fields import FORMULA_START

FORMATS = ("csv", "json", "parquet")


def _text_rows(frame: pd.DataFrame, fields: list[dict[str, Any]], for_csv: bool) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    formula = re.compile(FORMULA_START)
    for field in fields:
        name = field["name"]
        values = frame[name]
        if field["type"] == "date":
            text = values.dt.strftime("%Y-%m-%d").astype(object)
        elif field["type"] == "list":
            text = values.map(lambda v: field.get("delimiter", ",").join(v) if for_csv else list(v)).astype(object)
        elif field["type"] == "integer":
            text = pd.Series([None if pd.isna(v) else int(v) for v in values], index=values.index, dtype=object)
        elif field["type"] == "number":
            text = pd.Series([None if pd.isna(v) else float(v) for v in values], index=values.index, dtype=object)
        else:
            text = values.astype(object)
            if for_csv and field["type"] == "string":
                text = text.map(lambda v: f"'{v}" if isinstance(v, str) and formula.match(v) else v)
        out[name] = text if field["type"] == "list" else text.where(values.notna(), None)
    return out


def export(table: str, fmt: str, output: str | Path, version: str | None = None) -> Path:
    """Write ``table`` of release ``version`` (default: latest) to ``output`` as ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    output = Path(output)
    if output.is_dir():
        output = output / f"{table}.{fmt}"
    desc = data.descriptor(version)
    resource = next((r for r in desc["resources"] if r["name"] == table), None)
    if resource is None:
        raise ValueError(f"no table {table!r}; the tables are: {', '.join(r['name'] for r in desc['resources'])}")
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(handle)
    try:
        if fmt == "parquet":
            data.load(table, version, columns=[])  # verifies the released file
            shutil.copyfile(data.release_dir(version) / resource["path"], temporary)
        else:
            frame = data.load(table, version)
            rows = _text_rows(frame, resource["schema"]["fields"], for_csv=fmt == "csv")
            if fmt == "csv":
                rows.to_csv(temporary, index=False, lineterminator="\n", encoding="utf-8")
            else:
                records = rows.to_dict(orient="records")
                with open(temporary, "w", encoding="utf-8") as out:
                    out.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + ("\n]\n" if records else "]\n"))
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return output

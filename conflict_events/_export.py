"""``export``: a table of a release as CSV, JSON, Parquet or Stata; every table as a CSV Data Package.

CSV and JSON write the text forms Table Schema reads back: dates as
YYYY-MM-DD, lists joined with the field's delimiter (CSV) or as arrays
(JSON), missing values empty (CSV) or null (JSON). CSV rows end with CRLF
(RFC 4180, and the default of a Data Package's CSV dialect), so any cell that
holds a CR or an LF is quoted and cannot start a new row.

A single table exported as CSV is for spreadsheets: a text cell that a
spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) is neutralised by a leading apostrophe, as OWASP
recommends. The CSV Data Package of :func:`export_package` is for programs
(frictionless, R's ``frictionless``, pandas) and keeps every value exact.

Parquet is the released file itself. Stata (``.dta``, format 118, Stata 14
or later) gets codes as labelled integers whose value labels are the
vocabulary's codes, dates as ``%td``, lists joined with the field's
delimiter, missing text as "" (Stata has no missing text), text longer than
2,045 bytes as ``strL``, and each field's description as its variable label
(cut to Stata's 80 characters).

Every file is written to a temporary file and renamed into place, with the
mode a new file gets under the umask (0666 & ~umask). ``-`` as the output
writes CSV or JSON to standard output.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from conflict_events import _data as data
from conflict_events._catalogue.fields import FORMULA_START

FORMATS = ("csv", "json", "parquet", "dta")
#: Formats that cannot go to a terminal or a text pipe.
BINARY = ("parquet", "dta")
#: The output that means standard output.
STDOUT = "-"
#: Stata's limits: a str# variable holds at most this many bytes, a label at most this many characters.
STATA_STR_BYTES, STATA_LABEL = 2045, 80


def _text_rows(frame: pd.DataFrame, fields: list[dict[str, Any]], for_csv: bool, neutralise: bool = True) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    formula = re.compile(FORMULA_START)
    for field in fields:
        name = field["name"]
        values = frame[name]
        if field["type"] == "date":
            text = values.dt.strftime("%Y-%m-%d").astype(object)
        elif field["type"] == "datetime":  # ISO 8601 in UTC, to the second
            text = values.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object)
        elif field["type"] == "list":
            text = values.map(lambda v: field.get("delimiter", ",").join(v) if for_csv else list(v)).astype(object)
        elif field["type"] == "integer":
            text = pd.Series([None if pd.isna(v) else int(v) for v in values], index=values.index, dtype=object)
        elif field["type"] == "number":
            text = pd.Series([None if pd.isna(v) else float(v) for v in values], index=values.index, dtype=object)
        else:
            text = values.astype(object)
            if for_csv and neutralise and field["type"] == "string":
                text = text.map(lambda v: f"'{v}" if isinstance(v, str) and formula.match(v) else v)
        out[name] = text if field["type"] == "list" else text.where(values.notna(), None)
    return out


def _csv_bytes(rows: pd.DataFrame) -> bytes:
    return rows.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _json_bytes(rows: pd.DataFrame) -> bytes:
    records = rows.to_dict(orient="records")
    text = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + ("\n]\n" if records else "]\n")
    return text.encode("utf-8")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _replacing(output: Path) -> Iterator[Path]:
    """A temporary file beside ``output`` that becomes ``output`` (mode 0666 & ~umask) when the block succeeds."""
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write(output: Path, content: bytes) -> None:
    with _replacing(output) as temporary:
        temporary.write_bytes(content)


def _resource(desc: dict[str, Any], table: str) -> dict[str, Any]:
    resource = next((r for r in desc["resources"] if r["name"] == table), None)
    if resource is None:
        raise ValueError(f"no table {table!r}; the tables are: {', '.join(r['name'] for r in desc['resources'])}")
    return resource


def export(table: str, fmt: str, output: str | Path, version: str | None = None) -> Path | None:
    """Write ``table`` of release ``version`` (default: latest) to ``output`` as ``fmt``.

    Parameters
    ----------
    table : str
        The table, such as ``"events"``.
    fmt : {"csv", "json", "parquet", "dta"}
        The format. CSV neutralises text a spreadsheet would run as a formula.
    output : str or Path
        The file to write, a folder (the file is then ``TABLE.FMT`` in it), or
        ``"-"`` for standard output (CSV and JSON only).
    version : str, optional
        The release; the latest when None.

    Returns
    -------
    Path or None
        The file written; None for standard output.

    Examples
    --------
    >>> import tempfile, conflict_events._export as ex
    >>> path = ex.export("events", "dta", tempfile.mkdtemp(), version="1.0.0")
    >>> path.name
    'events.dta'
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    to_stdout = str(output) == STDOUT
    if to_stdout and fmt in BINARY:
        raise ValueError(f"{fmt} is a binary format and is not written to standard output; give a file, such as -o {table}.{fmt}")
    desc = data.descriptor(version)
    resource = _resource(desc, table)
    fields = resource["schema"]["fields"]
    if fmt == "parquet":
        output = _file(output, table, fmt)
        data.load(table, version, columns=[])  # verifies the released file
        with _replacing(output) as temporary:
            shutil.copyfile(data.release_dir(version) / resource["path"], temporary)
        return output
    frame = data.load(table, version)
    if fmt == "dta":
        output = _file(output, table, fmt)
        with _replacing(output) as temporary:
            _to_stata(frame, fields, temporary, f"{desc.get('title', 'conflict-events')} {desc.get('version')}: {table}")
        return output
    rows = _text_rows(frame, fields, for_csv=fmt == "csv")
    return _emit(output, _csv_bytes(rows) if fmt == "csv" else _json_bytes(rows), f"{table}.{fmt}")


def _emit(output: str | Path, content: bytes, name: str) -> Path | None:
    """Write ``content`` to the file ``output`` (``name`` in it if it is a folder), or to standard output for ``-``."""
    if str(output) == STDOUT:
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:  # a text stream with no bytes beneath it (such as pytest's capsys)
            sys.stdout.write(content.decode("utf-8"))
        else:
            sys.stdout.flush()
            stream.write(content)
            stream.flush()
        return None
    output = Path(output)
    output = output / name if output.is_dir() else output
    _write(output, content)
    return output


def _file(output: str | Path, table: str, fmt: str) -> Path:
    output = Path(output)
    return output / f"{table}.{fmt}" if output.is_dir() else output


def _to_stata(frame: pd.DataFrame, fields: list[dict[str, Any]], path: Path, label: str) -> None:
    out = pd.DataFrame(index=frame.index)
    dates, strl = {}, []
    for field in fields:
        name, values = field["name"], frame[field["name"]]
        if field["type"] == "list":
            out[name] = values.map(field.get("delimiter", ",").join).astype(object)
        elif field["type"] == "datetime":  # Stata has no time zones: UTC, as a %tc date-time
            out[name] = values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
        elif field["type"] == "string" and not isinstance(values.dtype, pd.CategoricalDtype):
            out[name] = values.astype(object).where(values.notna(), "")
        else:
            out[name] = values
        if field["type"] == "date":
            dates[name] = "td"
        elif field["type"] == "datetime":
            dates[name] = "tc"
        if out[name].dtype == object and max((len(v.encode("utf-8")) for v in out[name]), default=0) > STATA_STR_BYTES:
            strl.append(name)
    labels = {f["name"]: _cut(f["description"], STATA_LABEL) for f in fields if f.get("description")}
    out.to_stata(path, write_index=False, version=118, convert_dates=dates, convert_strl=strl,
                 data_label=_cut(label, STATA_LABEL), variable_labels=labels)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- every table as a CSV Data Package (v1) ----------------------------------------------------

#: The Table Schema v1 properties a field keeps; others (x-vocabulary, v2's list type) are dropped or rewritten.
_V1_FIELD = ("name", "title", "description", "type", "format")
_V1_CONSTRAINTS = ("required", "unique", "minLength", "maxLength", "minimum", "maximum", "pattern", "enum")
#: The package properties the export carries over from the release's descriptor.
_V1_PACKAGE = ("name", "title", "description", "homepage", "version", "created", "licenses", "contributors", "keywords")


def _v1_field(field: dict[str, Any]) -> dict[str, Any]:
    out = {key: field[key] for key in _V1_FIELD if isinstance(field.get(key), str)}
    constraints = {key: value for key, value in field.get("constraints", {}).items() if key in _V1_CONSTRAINTS}
    if field["type"] == "list":  # v2 only: in v1 a list is the text of its items joined by the delimiter
        out["type"] = "string"
        out.setdefault("description", "")
        out["description"] = (out["description"] + f" A list: the items are separated by {field.get('delimiter', ',')!r}.").strip()
    if constraints:
        out["constraints"] = constraints
    return out


def _v1_schema(schema: dict[str, Any], table: str) -> dict[str, Any]:
    out: dict[str, Any] = {"fields": [_v1_field(f) for f in schema["fields"]]}
    if schema.get("primaryKey"):
        out["primaryKey"] = schema["primaryKey"]
    keys = []
    for key in schema.get("foreignKeys", []):
        reference = dict(key["reference"])
        if reference["resource"] == table:  # v1 names the table itself ""
            reference["resource"] = ""
        keys.append({"fields": key["fields"], "reference": reference})
    if keys:
        out["foreignKeys"] = keys
    return out


def package_descriptor(desc: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """The Data Package v1 descriptor of a release's tables as CSV files (``{table: CSV bytes}``)."""
    out: dict[str, Any] = {"profile": "tabular-data-package"}
    out.update({key: desc[key] for key in _V1_PACKAGE if key in desc})
    if desc.get("fingerprint"):
        out["x-release-fingerprint"] = desc["fingerprint"]  # of the release's Parquet files, not of these CSV files
    out["resources"] = [
        {
            "profile": "tabular-data-resource",
            "name": resource["name"],
            "path": f"{resource['name']}.csv",
            **({"description": resource["description"]} if resource.get("description") else {}),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(files[resource["name"]]),
            "hash": "sha256:" + hashlib.sha256(files[resource["name"]]).hexdigest(),
            "schema": _v1_schema(resource["schema"], resource["name"]),
        }
        for resource in desc["resources"]
    ]
    return out


def export_package(output: str | Path, version: str | None = None) -> Path:
    """Write every table of a release as a CSV Data Package (v1) in the folder ``output``.

    The folder gets ``datapackage.json`` (profile ``tabular-data-package``,
    Table Schema v1, a sha256 and byte count per file) and one ``TABLE.csv``
    per table, with every value exact (no formula neutralising: this package
    is for programs such as frictionless, R's ``frictionless`` or pandas).
    Each file is replaced whole; ``datapackage.json`` is written last.

    Parameters
    ----------
    output : str or Path
        The folder; made if it does not exist.
    version : str, optional
        The release; the latest when None.

    Returns
    -------
    Path
        The ``datapackage.json`` written.

    Examples
    --------
    >>> import json, tempfile, conflict_events._export as ex
    >>> path = ex.export_package(tempfile.mkdtemp(), version="1.0.0")
    >>> json.loads(path.read_text())["profile"]
    'tabular-data-package'
    """
    if str(output) == STDOUT:
        raise ValueError("a Data Package is a folder of files and is not written to standard output; give a folder, such as -o package/")
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output} is a file; a Data Package is written to a folder")
    desc = data.descriptor(version)
    files = {}
    for resource in desc["resources"]:
        frame = data.load(resource["name"], version)
        files[resource["name"]] = _csv_bytes(_text_rows(frame, resource["schema"]["fields"], for_csv=True, neutralise=False))
    package = package_descriptor(desc, files)
    for name, content in files.items():
        _write(output / f"{name}.csv", content)
    _write(output / "datapackage.json", (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return output / "datapackage.json"


def export_jsonld(output: str | Path, version: str | None = None) -> Path | None:
    """Write the schema.org ``Dataset`` JSON-LD of a release to ``output`` (``"-"``: standard output)."""
    from conflict_events._jsonld import render

    desc = data.descriptor(version)
    stored = data.release_dir(desc["version"]) / "dataset.jsonld"  # a release made after 2.0.0 carries its own
    if stored.is_file():
        from conflict_events._integrity import verify_file

        verify_file(stored, data.registry.expected_file(desc["version"], stored.name, data.RELEASES_DIR), "the registry of releases")
        content = stored.read_bytes()
    else:
        content = render(desc).encode("utf-8")
    return _emit(output, content, f"conflict-events-{desc['version']}.jsonld")

"""Reading releases: ``load()``, ``tables()``, ``versions()``.

A release is a folder ``releases/X.Y.Z/`` with a ``datapackage.json`` and one
Parquet file per table. Every file is checked against the sha256 and byte
count in the shipped registry (``releases/registry.json``): a data file the
first time this process reads it, the descriptor every time it is read. A
release in the registry but not in the package is downloaded and cached (see
:mod:`conflict_events.remote`).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from conflict_events import registry
from conflict_events._paths import RELEASES_DIR
from conflict_events.dtypes import to_pandas
from conflict_events.integrity import IntegrityError, member, verify_file

_verified: set[tuple[Path, str]] = set()
_lock = threading.Lock()


def _semver(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


def bundled_versions() -> list[str]:
    """The releases inside the installed package, oldest first."""
    if not RELEASES_DIR.is_dir():
        return []
    found = [p.name for p in RELEASES_DIR.iterdir() if (p / "datapackage.json").is_file() and _is_version(p.name)]
    return sorted(found, key=_semver)


def _is_version(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 3 and all(part.isdigit() for part in parts)


def versions() -> list[str]:
    """Every release in the package's registry, oldest first: inside the package or downloaded on use.

    A release folder that the registry does not list is not a release (an
    interrupted ``release`` can leave one): loading it by number is refused.
    """
    return sorted((v for v in registry.read(RELEASES_DIR) if _is_version(v)), key=_semver)


def latest() -> str:
    known = versions()
    if not known:
        raise FileNotFoundError(f"no release found in {RELEASES_DIR}")
    return known[-1]


def release_dir(version: str | None = None) -> Path:
    """The folder of a release (the latest when ``version`` is None)."""
    version = latest() if version is None else str(version)
    if not _is_version(version):
        raise ValueError(f"{version!r} is not a version: write it as MAJOR.MINOR.PATCH, such as 1.0.0")
    path = RELEASES_DIR / version
    if not (path / "datapackage.json").is_file():
        entry = registry.read(RELEASES_DIR).get(version)
        if entry is None:
            raise LookupError(f"conflict-events has no release {version}; the releases are: {', '.join(versions()) or 'none'}")
        from conflict_events.remote import fetch

        return fetch(version, entry)
    return path


def _read_descriptor(folder: Path) -> dict[str, Any]:
    """A release's datapackage.json, checked against the registry."""
    return json.loads(registry.verify_descriptor(folder, folder.name, RELEASES_DIR).decode("utf-8"))


def descriptor(version: str | None = None) -> dict[str, Any]:
    """The datapackage.json of a release."""
    return _read_descriptor(release_dir(version))


def tables(version: str | None = None) -> list[str]:
    """The table names of a release."""
    return [r["name"] for r in descriptor(version)["resources"]]


def _resource(desc: dict[str, Any], table: str) -> dict[str, Any]:
    for resource in desc["resources"]:
        if resource["name"] == table:
            return resource
    raise ValueError(f"no table {table!r}; the tables are: {', '.join(r['name'] for r in desc['resources'])}")


def _verified_path(folder: Path, resource: dict[str, Any]) -> Path:
    """The path of a resource's file, once it matches the registry (checked once per process)."""
    path = member(folder, resource["path"])
    expected = registry.expected_file(folder.name, resource["path"], RELEASES_DIR)
    key = (path, expected["hash"])
    if key not in _verified:
        with _lock:
            if key not in _verified:
                verify_file(path, expected, "its release in the registry of releases")
                _verified.add(key)
    return path


def _verified_descriptor(version: str | None = None) -> dict[str, Any]:
    """The datapackage.json of a release, once every file of the release matches the registry."""
    folder = release_dir(version)
    desc = _read_descriptor(folder)
    for resource in desc["resources"]:
        _verified_path(folder, resource)
    return desc


def load(table: str = "events", version: str | None = None, columns: list[str] | None = None, **filters: Any) -> pd.DataFrame:
    """One table of a release as a typed DataFrame.

    ``version`` pins a release ("1.0.0"); None is the latest. ``columns``
    selects columns. Each keyword filter keeps the rows whose column equals
    a value (``event_type="strike"``), is in a list (``country_iso3=["UKR",
    "BLR"]``) or lies in an inclusive range given as a tuple, either end
    None (``start_date=("2023-01-01", None)``).

    Dates are datetime64, counts nullable Int64, codes categoricals with
    their vocabulary's categories, lists Python lists. ``df.attrs`` holds
    the table, version and fingerprint of the release.
    """
    folder = release_dir(version)
    desc = _read_descriptor(folder)
    resource = _resource(desc, table)
    fields = resource["schema"]["fields"]
    names = [f["name"] for f in fields]
    unknown = [c for c in list(columns or []) + list(filters) if c not in names]
    if unknown:
        raise ValueError(f"{table} has no column {', '.join(map(repr, unknown))}; the columns are: {', '.join(names)}")
    wanted = None if columns is None else list(dict.fromkeys([*columns, *filters]))
    arrow = pq.read_table(_verified_path(folder, resource), columns=wanted)
    frame = to_pandas(arrow, fields)
    if filters:
        frame = _filter(frame, filters).reset_index(drop=True)
        if columns is not None:
            frame = frame[list(columns)]
    frame.attrs.update({"table": table, "version": desc.get("version"), "fingerprint": desc.get("fingerprint")})
    return frame


def _filter(frame: pd.DataFrame, filters: dict[str, Any]) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    for column, wanted in filters.items():
        values = frame[column]
        if isinstance(wanted, tuple):
            if len(wanted) != 2:
                raise ValueError(f"a range filter is a pair (low, high); got {wanted!r} for {column}")
            low, high = (_like(values, bound) for bound in wanted)
            if low is not None:
                keep &= (values >= low).fillna(False).astype(bool)
            if high is not None:
                keep &= (values <= high).fillna(False).astype(bool)
        elif isinstance(wanted, (list, set, frozenset)):
            keep &= values.isin([_like(values, w) for w in wanted]).astype(bool)
        else:
            keep &= (values == _like(values, wanted)).fillna(False).astype(bool)
    return frame[keep]


def _like(values: pd.Series, value: Any) -> Any:
    if value is not None and pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.Timestamp(value)
    return value


__all__ = ["IntegrityError", "load", "tables", "versions"]

"""Reading releases: ``load()``, ``tables()``, ``versions()``.

A release is a folder ``releases/X.Y.Z/`` with a ``datapackage.json`` and one
Parquet file per table. Every file is checked against the sha256 and byte
count in the shipped registry (``releases/registry.json``): a data file the
first time this process reads it, the descriptor every time it is read. A
release in the registry but not in the package is downloaded and cached (see
:mod:`conflict_events._remote`).
"""

from __future__ import annotations

import datetime
import difflib
import json
import numbers
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conflict_events import _timeline, _registry as registry
from conflict_events._paths import RELEASES_DIR
from conflict_events._integrity import IntegrityError, member, verify_file

if TYPE_CHECKING:  # pandas and pyarrow are imported when load() runs, so that the CLI starts quickly
    import pyarrow as pa

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
    """Every release this package knows, oldest first.

    A release is listed in the package's registry (``releases/registry.json``):
    it is inside the installed package, or ``load()`` downloads it on first
    use and checks it against the registry. A release folder that the
    registry does not list (an interrupted ``release`` can leave one) is not
    a release.

    Returns
    -------
    list of str
        Versions as ``MAJOR.MINOR.PATCH``, oldest first.

    Examples
    --------
    >>> import conflict_events as ce
    >>> "1.0.0" in ce.versions()
    True
    >>> latest = ce.versions()[-1]
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
        from conflict_events._remote import fetch

        return fetch(version, entry)
    return path


def _read_descriptor(folder: Path) -> dict[str, Any]:
    """A release's datapackage.json, checked against the registry."""
    return json.loads(registry.verify_descriptor(folder, folder.name, RELEASES_DIR).decode("utf-8"))


def descriptor(version: str | None = None) -> dict[str, Any]:
    """The datapackage.json of a release."""
    return _read_descriptor(release_dir(version))


def tables(version: str | None = None) -> list[str]:
    """The tables of a release.

    Parameters
    ----------
    version : str, optional
        The release, such as ``"1.0.0"``; the latest when None.

    Returns
    -------
    list of str
        The table names, in the order of the release's ``datapackage.json``.

    Examples
    --------
    >>> import conflict_events as ce
    >>> ce.tables("1.0.0")
    ['events', 'actors', 'sources', 'evidence', 'casualties', 'equipment', 'vocabularies']
    """
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


ENGINES = ("pandas", "polars", "arrow")


def load(
    table: str = "events",
    version: str | None = None,
    columns: str | list[str] | None = None,
    *,
    overlaps: tuple[Any, Any] | None = None,
    known_at: Any = None,
    with_actor_names: bool = False,
    engine: str = "pandas",
    **filters: Any,
) -> Any:
    """One table of a release, typed, optionally filtered.

    Parameters
    ----------
    table : str, default "events"
        The table: see ``tables()``.
    version : str, optional
        The release to read, such as ``"1.0.0"``; the latest when None. Pin the
        version you cite.
    columns : str or list of str, optional
        The columns to return, in this order (one name is one column); all when None.
    overlaps : tuple of (start, end), optional
        Keep the events whose window ``[start_date, end_date]`` overlaps the
        period from ``start`` to ``end`` (days, inclusive; either may be None
        for an open end), so that a campaign from October to January is found
        in January. Only for tables with ``start_date`` and ``end_date``.
    known_at : str, datetime.date or datetime.datetime, optional
        The dataset as it could have been known at that moment, with no
        look-ahead: a date means up to the end of that day (UTC), a date-time
        without a zone is UTC. A source counts from its ``published`` time, a
        casualty report from its ``as_of`` (one known only to the day from the
        end of that day). Sources published later are left out, with the
        evidence and casualty reports that cite them; an event with no
        evidence known then is absent; each event's figures are the latest
        report known then, its ``source_ids`` the sources known then, and its
        ``verification`` is judged again from them by the catalogue's
        ``verification`` rule (a level whose demand is not yet met falls back:
        disputed to confirmed, claimed or reported; confirmed to claimed or
        reported; claimed to reported). Actors, vocabularies and retired ids
        are returned whole.
    with_actor_names : bool, default False
        Add, right after each column that refers to an actor (``actor1_id``,
        ``actor2_id`` in events; ``reported_by``, ``attributed_to``,
        ``parent_id`` elsewhere), the actor's name from the ``actors`` table
        of the same release: ``actor1_name``, ``actor2_name``,
        ``reported_by_name``, ``attributed_to_name``, ``parent_name``.
    engine : {"pandas", "polars", "arrow"}, default "pandas"
        What to return: a pandas DataFrame, a polars DataFrame (install the
        ``polars`` extra) or a pyarrow Table.
    **filters
        ``column=value`` keeps the rows whose column equals the value;
        ``column=[a, b]`` the rows whose column is any of them; ``column=(low,
        high)`` the rows within the inclusive range (either end None), for
        dates, numbers and text. On a list column (``source_ids``) a value
        means "the list contains it" and a list "contains any of them".
        Values are checked: a code must be a code of the field's vocabulary,
        a text must be able to match the field's pattern, a date must be
        ISO 8601 text (``"2023-01-14"``) or a date or datetime object; a mistake raises ValueError naming the filter and, where there is
        one, the closest valid value.

    Returns
    -------
    pandas.DataFrame, polars.DataFrame or pyarrow.Table
        pandas: dates ``datetime64[ms]``, counts ``Int64``, codes categoricals
        whose categories are the vocabulary's codes, lists Python lists;
        ``attrs`` holds the ``table``, ``version`` and ``fingerprint`` of the
        release. polars: codes ``pl.Enum`` of the vocabulary, lists
        ``List(String)``, dates ``Date``. arrow: codes ``dictionary<int32,
        string>`` with the whole vocabulary as dictionary, lists
        ``list<string>``, dates ``date32``; the schema's metadata holds
        ``table``, ``version`` and ``fingerprint``.

    Raises
    ------
    ValueError
        An unknown table, column, engine or version string, or a filter value
        that can never match.
    LookupError
        A version that is not a release of this package.
    IntegrityError
        A file of the release that does not match its checksum.

    Examples
    --------
    >>> import conflict_events as ce
    >>> events = ce.load(version="1.0.0")
    >>> events.attrs["version"]
    '1.0.0'
    >>> strikes = ce.load(event_type="strike", country_iso3=["UKR", "BLR"])
    >>> january = ce.load(overlaps=("2023-01-01", "2023-01-31"), columns=["event_id", "start_date", "end_date"])
    >>> cited = ce.load(source_ids="article-2023-01-16-belarus-drills-dnipro-strike")
    >>> named = ce.load(columns=["event_id", "actor1_id"], with_actor_names=True)
    >>> list(named.columns)
    ['event_id', 'actor1_id', 'actor1_name']
    >>> ce.load(event_type="strikes")
    Traceback (most recent call last):
    ...
    ValueError: event_type='strikes' is not a code of the event_type vocabulary; did you mean 'strike'? The codes are: exercise, strike, clash, offensive, deployment, arms_pledge, arms_delivery, statement
    """
    import pyarrow.parquet as pq

    from conflict_events import _dtypes as dtypes

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    if isinstance(columns, str):
        columns = [columns]
    folder = release_dir(version)
    desc = _read_descriptor(folder)
    resource = _resource(desc, table)
    fields = resource["schema"]["fields"]
    by_name = {f["name"]: f for f in fields}
    unknown = [c for c in list(columns or []) + list(filters) if c not in by_name]
    if unknown:
        raise ValueError(f"{table} has no column {', '.join(map(repr, unknown))}; the columns are: {', '.join(by_name)}")
    period = _period(table, by_name, overlaps)
    masks = [(name, _wanted(by_name[name], name, value)) for name, value in filters.items()]
    shown = list(by_name) if columns is None else list(dict.fromkeys(columns))
    read = list(dict.fromkeys([*shown, *filters, *(("start_date", "end_date") if period else ())]))
    if known_at is not None:
        arrow = dtypes.split_lists(as_known(folder, desc, table, known_at).select(read), fields)
    else:
        arrow = dtypes.split_lists(pq.read_table(_verified_path(folder, resource), columns=read), fields)
    if masks or period:
        arrow = _filter(arrow, masks, period)
    arrow = dtypes.typed_arrow(arrow.select(shown), fields)
    if with_actor_names:
        arrow = _with_actor_names(arrow, resource, desc, folder)
    info = {"table": table, "version": desc.get("version"), "fingerprint": desc.get("fingerprint")}
    if known_at is not None:
        info["known_at"] = _timeline.known_at(known_at).isoformat()
    if engine == "arrow":
        return arrow.replace_schema_metadata({key: str(value) for key, value in info.items()})
    if engine == "polars":
        return dtypes.arrow_to_polars(arrow, fields)
    frame = dtypes.arrow_to_pandas(arrow, fields)
    frame.attrs.update(info)
    return frame


# --- known_at: the release as it could have been known at a moment --------------------------

#: the tables that known_at cuts (the others are returned whole)
_POINT_IN_TIME = ("events", "sources", "evidence", "casualties", "equipment")


def as_known(folder: Path, desc: dict[str, Any], table: str, when: Any) -> pa.Table:
    """One table of a release as it stood at ``when``, in its file's own form (lists as delimited text).

    See ``known_at`` in :func:`load`. The events' figures and ``source_ids``
    are derived again by the build's own code (:func:`conflict_events._assemble.derive_events`,
    which orders reports with :mod:`conflict_events._timeline`), and
    ``verification`` by the catalogue's rule (:mod:`conflict_events._catalogue.verification`).
    """
    import narwhals as nw
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    moment = _timeline.known_at(when)
    path = _verified_path(folder, _resource(desc, table))
    if table not in _POINT_IN_TIME:
        return pq.read_table(path)

    def read(name: str) -> tuple[pd.DataFrame, pa.Schema]:
        arrow = pq.read_table(_verified_path(folder, _resource(desc, name)))
        frame = arrow.replace_schema_metadata(None).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        return frame, arrow.schema

    def known(frame: pd.DataFrame, value: str, precision: str) -> pd.Series:
        at = nw.from_native(frame, eager_only=True).select(_timeline.known_moment_expr(value, precision).alias("_at"))["_at"].to_native()
        return pd.Series((at <= pd.Timestamp(moment)).to_numpy(), index=frame.index)

    sources, _ = read("sources")
    sources = sources[known(sources, "published", "published_precision")]
    evidence, evidence_schema = read("evidence")
    evidence = evidence[evidence["source_id"].isin(sources["source_id"])]
    casualties, casualties_schema = read("casualties")
    casualties = casualties[casualties["source_id"].isin(sources["source_id"])]
    casualties = casualties[known(casualties, "as_of", "as_of_precision")]
    events, events_schema = read("events")
    events = events[events["event_id"].isin(evidence["event_id"])].reset_index(drop=True)
    if table == "sources":
        frame, schema = sources, read("sources")[1]
    elif table == "evidence":
        frame, schema = evidence, evidence_schema
    elif table == "casualties":
        frame, schema = casualties, casualties_schema
    elif table == "equipment":
        frame, schema = read("equipment")
        frame = frame[frame["event_id"].isin(events["event_id"])]
    else:
        frame, schema = _events_as_known(events, evidence, casualties, sources, read("actors")[0], desc), events_schema
    return pa.Table.from_pandas(frame.reset_index(drop=True), schema=schema, preserve_index=False)


def _events_as_known(events: Any, evidence: Any, casualties: Any, sources: Any, actors: Any, desc: dict[str, Any]) -> Any:
    from conflict_events._catalogue.verification import rejudge, requirements
    from conflict_events._assemble import derive_events

    delimiter = next(f for f in _resource(desc, "events")["schema"]["fields"] if f["name"] == "source_ids").get("delimiter", ",")
    derived = derive_events(events, evidence, casualties)
    met = requirements(derived, evidence, sources, actors).to_pandas().set_index("event_id")
    derived["verification"] = [
        rejudge(level, met.loc[event_id].to_dict() if event_id in met.index else {})
        for event_id, level in zip(derived["event_id"], derived["verification"])
    ]
    derived["source_ids"] = derived["source_ids"].map(lambda ids: delimiter.join(ids) if isinstance(ids, list) else None)
    return derived


# --- filters: each value checked against its field, then one Arrow mask per filter ------------

_RANGE_TYPES = ("date", "integer", "number", "string")


def _wanted(field: dict[str, Any], name: str, wanted: Any) -> tuple[str, list[Any]]:
    """A filter as (kind, checked values): kind "range" (low, high) or "any" (the values to match)."""
    if isinstance(wanted, tuple):
        if len(wanted) != 2:
            raise ValueError(f"a range filter is a pair (low, high); got {wanted!r} for {name}")
        if field["type"] not in _RANGE_TYPES or field.get("constraints", {}).get("enum"):
            raise ValueError(f"{name}={wanted!r}: a range (low, high) filters dates, numbers and text, not {_kind(field)}; "
                             f"give one value or a list of values")
        return "range", [None if bound is None else _value(field, name, wanted, bound) for bound in wanted]
    if isinstance(wanted, (list, set, frozenset)):
        return "any", [_value(field, name, wanted, value) for value in wanted]
    return "any", [_value(field, name, wanted, wanted)]


def _kind(field: dict[str, Any]) -> str:
    return "codes" if field.get("constraints", {}).get("enum") else f"{field['type']}s"


def _value(field: dict[str, Any], name: str, given: Any, value: Any) -> Any:
    """One filter value, checked against the field's type and constraints; dates as timestamps."""
    said = f"{name}={given!r}"
    kind = field["type"]
    if kind == "date":
        return _timestamp(said, value)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"{said}: {value!r} is not a whole number, and {name} holds whole numbers")
        return int(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{said}: {value!r} is not a number, and {name} holds numbers")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"{said}: {value!r} is not a text, and {name} holds text{' (lists of ids)' if kind == 'list' else ''}")
    constraints = field.get("constraints", {})
    enum = constraints.get("enum")
    if enum is not None and value not in enum:
        vocabulary = field.get("x-vocabulary", name)
        closest = difflib.get_close_matches(value, enum, n=1, cutoff=0.0)
        hint = f"; did you mean {closest[0]!r}?" if closest else "."
        raise ValueError(f"{said} is not a code of the {vocabulary} vocabulary{hint} The codes are: {', '.join(enum)}")
    pattern = constraints.get("pattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        fixes = [fix for fix in dict.fromkeys((value.strip(), value.upper(), value.lower(), value.strip().upper(), value.strip().lower()))
                 if re.fullmatch(pattern, fix)]
        hint = f"; did you mean {fixes[0]!r}?" if fixes else "."
        raise ValueError(f"{said} can never match: every {name} matches the pattern {pattern}{hint}")
    return value


def _timestamp(said: str, value: Any) -> datetime.datetime:
    """A filter's date as a naive UTC datetime; text must be ISO 8601 (YYYY-MM-DD), so that nothing is guessed."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{said}: {value!r} is not a date; write it as YYYY-MM-DD") from None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value  # a pandas Timestamp as a plain datetime
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    raise ValueError(f"{said}: {value!r} is not a date; write it as YYYY-MM-DD (or give a datetime.date)")


def _period(table: str, by_name: dict[str, dict[str, Any]], overlaps: Any) -> tuple[Any, Any] | None:
    if overlaps is None:
        return None
    if "start_date" not in by_name or "end_date" not in by_name:
        raise ValueError(f"overlaps needs a table with start_date and end_date; {table} has neither")
    if not isinstance(overlaps, (tuple, list)) or len(overlaps) != 2:
        raise ValueError(f"overlaps is a pair (start, end), either of them None; got {overlaps!r}")
    start, end = (None if bound is None else _timestamp(f"overlaps={tuple(overlaps)!r}", bound) for bound in overlaps)
    if start is not None and end is not None and end < start:
        raise ValueError(f"overlaps={tuple(overlaps)!r}: the period ends before it starts")
    return start, end


def _filter(table: pa.Table, masks: list[tuple[str, tuple[str, list[Any]]]], period: tuple[Any, Any] | None) -> pa.Table:
    """The rows of ``table`` that every filter and the period keep (a missing value matches nothing)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    conditions = []
    for name, (kind, values) in masks:
        column = table.column(name)
        if pa.types.is_date(column.type):
            column = column.cast(pa.timestamp("ms"))
        if kind == "range":
            low, high = values
            if low is not None:
                conditions.append(pc.greater_equal(column, pa.scalar(low, column.type)))
            if high is not None:
                conditions.append(pc.less_equal(column, pa.scalar(high, column.type)))
        elif pa.types.is_list(column.type):
            conditions.append(_contains_any(column, values))
        else:
            conditions.append(pc.is_in(column, value_set=pa.array(values, column.type)))
    if period is not None:
        start, end = period
        if end is not None:
            conditions.append(pc.less_equal(table.column("start_date").cast(pa.timestamp("ms")), pa.scalar(end, pa.timestamp("ms"))))
        if start is not None:
            conditions.append(pc.greater_equal(table.column("end_date").cast(pa.timestamp("ms")), pa.scalar(start, pa.timestamp("ms"))))
    keep = pa.chunked_array([pa.array([True] * table.num_rows, pa.bool_())])
    for condition in conditions:
        keep = pc.and_(keep, pc.fill_null(condition, False))
    return table.filter(keep)


def _contains_any(lists: pa.ChunkedArray, values: list[str]) -> pa.Array:
    """Per row: does the row's list hold any of ``values``?"""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = lists.combine_chunks()
    hits = pc.is_in(pc.list_flatten(lists), value_set=pa.array(values, pa.string())).to_numpy(zero_copy_only=False)
    rows = np.zeros(len(lists), dtype=bool)
    rows[pc.list_parent_indices(lists).to_numpy()[hits]] = True
    return pa.array(rows)


# --- actor names -------------------------------------------------------------------------------


def _name_column(id_column: str) -> str:
    return (id_column[:-3] if id_column.endswith("_id") else id_column) + "_name"


def _with_actor_names(table: pa.Table, resource: dict[str, Any], desc: dict[str, Any], folder: Path) -> pa.Table:
    """``table`` with the actor's name after each column that refers to ``actors`` (by the descriptor's foreign keys)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    def to_actors(key: dict[str, Any]) -> bool:  # "" is the Data Package v1 way for a table to refer to itself
        return (key["reference"]["resource"] or resource["name"]) == "actors" and len(key["fields"]) == 1

    referring = [key["fields"][0] for key in resource["schema"].get("foreignKeys", []) if to_actors(key)]
    if not referring:
        raise ValueError(f"with_actor_names: {resource['name']} has no column that refers to an actor")
    actors = pq.read_table(_verified_path(folder, _resource(desc, "actors")), columns=["actor_id", "name"])
    for id_column in referring:
        if id_column not in table.column_names:
            continue
        names = pc.take(actors.column("name"), pc.index_in(table.column(id_column), value_set=actors.column("actor_id").combine_chunks()))
        table = table.add_column(table.column_names.index(id_column) + 1, pa.field(_name_column(id_column), pa.string()), names)
    return table


__all__ = ["IntegrityError", "load", "tables", "versions"]

"""Hypothesis strategies for conflict-events data: valid records, packages and folders.

For tests, here and downstream: install the ``testing`` extra
(``pip install "conflict-events[testing]"``), which brings hypothesis.
This module is the only one that imports hypothesis, and
``import conflict_events`` does not import it.

Every value is derived from the descriptor (``schema/datapackage.yaml`` and
``schema/vocabularies.yaml`` through :mod:`conflict_events._schema`): codes
from the vocabularies, ids from the fields' patterns, counts and coordinates
from their minimum and maximum, country codes from pycountry. On top of the
Table Schema, what is generated keeps every rule of
:mod:`conflict_events._rules`: ``end_date >= start_date``; low <= best <=
high; coordinates inside the country's bounding box
(:func:`conflict_events._catalogue.rows.country_box`); a subtype whose vocabulary
``parent`` is the event's type; the event's figures equal to its latest
casualty report (by the moment it became known, see
:mod:`conflict_events._timeline`); at least one evidence entry per event, a
quote only of an archived source or a dataset row and a claim otherwise;
a ``verification`` level that asks nothing of the evidence; ``source_ids`` listing the sources of the event's evidence
and casualty reports; every foreign key resolving. Strategies are built
from composites, never by filtering, so they stay fast.

The strategies:

``datasets(...)``
    a :class:`Dataset`: actors, sources and event records (each with its
    nested evidence, casualties and equipment), consistent with each other.
    ``Dataset.rows()`` gives the six tables as rows, ``Dataset.frames()`` as
    typed DataFrames, ``Dataset.files()`` as the YAML text of a dataset
    folder and ``Dataset.write(folder)`` writes that folder.
``packages(...)``
    a dict ``table name -> DataFrame`` for events, actors, sources, evidence,
    casualties and equipment, typed as :func:`conflict_events._check.check_tables`
    takes them (the output of :mod:`conflict_events._coerce`).
``dataset_files(...)``
    a dict ``relative path -> YAML text`` (``actors.yaml``, ``sources.yaml``,
    ``events/CE…yaml``); :func:`write_files` writes it into a folder.
``table_rows(table, ...)``
    the rows of one table of a valid package.
``field_values(table, field)``
    values that one field's own constraints accept.
``mutations(rules=None, ...)``
    a :class:`Mutation`: the rows of a valid package with exactly one rule
    broken, and that rule's id (one of :data:`MUTATION_RULES`).

Example::

    from hypothesis import given
    from conflict_events import strategies as ces
    from conflict_events._check import check_tables

    @given(ces.packages())
    def test_any_valid_package_is_valid(tables):
        assert check_tables(tables) == []

    @given(ces.datasets())
    def test_my_pipeline_reads_any_dataset_folder(tmp_path_factory, dataset):
        folder = dataset.write(tmp_path_factory.mktemp("dataset"))
        ...
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import functools
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd
import yaml
from hypothesis import strategies as st

from conflict_events import _timeline, _schema
from conflict_events._dtypes import VALIDATION_DTYPES, enum_of
from conflict_events._catalogue.references import LATEST_FIGURES
from conflict_events._catalogue.verification import DEMANDING
from conflict_events._catalogue.rows import ESTIMATES as FATALITY_COLUMNS, country_box

__all__ = [
    "Dataset",
    "MUTATION_RULES",
    "Mutation",
    "dataset_files",
    "datasets",
    "field_values",
    "mutations",
    "packages",
    "table_rows",
    "typed_frame",
    "write_files",
]

#: the record tables generated (no retired ids: a generated package is a first release), and those nested in events
RECORD_TABLES = tuple(t for t in _schema.record_tables() if t != "retired")
NESTED = tuple(_schema.record_tables("nested"))
#: events columns the build derives from an event's nested entries (never written in a record)
DERIVED = (*LATEST_FIGURES, "source_ids")
#: list fields that hold ids of another table (a Table Schema cannot declare these as foreign keys)
LIST_REFERENCES = {("events", "source_ids"): ("sources", "source_id")}

MIN_DATE = _dt.date(1946, 1, 1)
MAX_DATE = _dt.date(2035, 12, 31)
#: largest count generated: realistic, and exact in every numeric type a reader may use
MAX_COUNT = 10**7
#: longest free text generated (a field's maxLength still applies)
MAX_TEXT = 60
COORDINATE_DECIMALS = 5

# Letters, digits, punctuation and some non-ASCII letters; no control characters,
# and a text never starts with = + - @ (which a spreadsheet would run as a formula).
_FIRST = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÉéüøçŁЖжКиїΣ"
_REST = _FIRST + "0123456789 .,;:'\"()?!/&%#’“”—-"


# --- the descriptor ----------------------------------------------------------------


def _fields(table: str) -> list[dict[str, Any]]:
    return _schema.fields(table)


def _field(table: str, name: str) -> dict[str, Any]:
    for field in _fields(table):
        if field["name"] == name:
            return field
    raise KeyError(f"{table} has no field {name!r}")


def _constraints(table: str, name: str) -> dict[str, Any]:
    return _field(table, name).get("constraints", {})


def _primary_key(table: str) -> list[str]:
    return _schema.resource(table)["schema"].get("primaryKey", [])


def _foreign_keys() -> list[tuple[str, str, str, str]]:
    """(table, field, referenced table, referenced field) of every reference, lists included."""
    out = []
    for table in RECORD_TABLES:
        for fk in _schema.resource(table)["schema"].get("foreignKeys", []):
            (column,) = fk["fields"]
            (target_column,) = fk["reference"]["fields"]
            out.append((table, column, fk["reference"]["resource"] or table, target_column))
    out += [(table, field, target, target_field) for (table, field), (target, target_field) in LIST_REFERENCES.items()]
    return out


def _subtype_parents() -> dict[str, str | None]:
    return {code: entry.get("parent") for code, entry in _schema.vocabularies()["event_subtype"].items()}


@functools.cache
def _countries() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every ISO 3166-1 alpha-3 code, the codes whose bounding box is known)."""
    import pycountry

    codes = tuple(sorted(c.alpha_3 for c in pycountry.countries))
    return codes, tuple(c for c in codes if country_box(c) is not None)


# --- values of one field -------------------------------------------------------------


@st.composite
def _text(draw: st.DrawFn, min_size: int = 1, max_size: int = MAX_TEXT) -> str:
    first = draw(st.sampled_from(_FIRST))
    rest = draw(st.text(alphabet=_REST, min_size=max(0, min_size - 1), max_size=max(0, max_size - 1)))
    text = first + rest.rstrip()
    return text if len(text) >= min_size else text + "x" * (min_size - len(text))


def _dates() -> st.SearchStrategy[_dt.date]:
    return st.dates(min_value=MIN_DATE, max_value=MAX_DATE)


def _moments() -> st.SearchStrategy[_dt.datetime]:
    """Date-times to the minute, in UTC."""
    return st.builds(
        lambda day, minute: _dt.datetime.combine(day, _dt.time(minute // 60, minute % 60), tzinfo=_dt.timezone.utc),
        _dates(), st.integers(0, 24 * 60 - 1),
    )


@st.composite
def _stamp(draw: st.DrawFn, day: st.SearchStrategy[_dt.date] | None = None) -> tuple[Any, str]:
    """(value, precision) of a time stamp: a date alone for ``day``, a date-time to the minute otherwise."""
    precision = draw(st.sampled_from(enum_of(_field("casualties", "as_of_precision"))))
    date = draw(day if day is not None else _dates())
    if precision == "day":
        return date, precision
    minute = draw(st.integers(0, 24 * 60 - 1))
    if precision == "hour":
        minute -= minute % 60
    return _dt.datetime.combine(date, _dt.time(minute // 60, minute % 60), tzinfo=_dt.timezone.utc), precision


def _value_strategy(table: str, field: dict[str, Any]) -> st.SearchStrategy[Any]:
    name, kind = field["name"], field["type"]
    constraints = field.get("constraints", {})
    enum = enum_of(field)
    if enum is not None:
        return st.sampled_from(enum)
    if name == "country_iso3":
        return st.sampled_from(_countries()[0])
    if kind == "string":
        if "pattern" in constraints:
            return st.from_regex(constraints["pattern"], fullmatch=True)
        if field.get("format") == "uri":
            return st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True).map(lambda s: f"https://example.org/{s}")
        low = max(1, constraints.get("minLength", 1))
        return _text(low, min(constraints.get("maxLength", MAX_TEXT), max(low, MAX_TEXT)))
    if kind == "date":
        return _dates()
    if kind == "datetime":
        return _moments()
    if kind == "integer":
        low = constraints.get("minimum", 0)
        return st.integers(min_value=low, max_value=constraints.get("maximum", low + MAX_COUNT))
    if kind == "number":
        return st.floats(constraints.get("minimum", -1e6), constraints.get("maximum", 1e6), allow_nan=False, allow_infinity=False).map(
            lambda x: round(x, COORDINATE_DECIMALS)
        )
    if kind == "list":
        return st.lists(_text(1, 20), min_size=max(1, constraints.get("minLength", 1)), max_size=3)
    raise ValueError(f"no strategy for the field type {kind!r}")  # pragma: no cover


@functools.cache
def field_values(table: str, name: str) -> st.SearchStrategy[Any]:
    """Values that the field's own constraints accept (type, enum, pattern, range, length).

    Rules across fields, rows and tables are for :func:`datasets` to keep.
    """
    return _value_strategy(table, _field(table, name))


@functools.cache
def _optional(table: str, name: str) -> st.SearchStrategy[Any]:
    strategy = field_values(table, name)
    return strategy if _constraints(table, name).get("required") else st.none() | strategy


def _plain_fields(draw: st.DrawFn, table: str, skip: Iterable[str]) -> dict[str, Any]:
    skip = set(skip)
    return {f["name"]: draw(_optional(table, f["name"])) for f in _fields(table) if f["name"] not in skip}


# --- the tables --------------------------------------------------------------------------


@st.composite
def _actors(draw: st.DrawFn, min_size: int, max_size: int) -> list[dict[str, Any]]:
    ids = draw(st.lists(field_values("actors", "actor_id"), min_size=min_size, max_size=max_size, unique=True))
    actors = []
    for index, actor_id in enumerate(ids):
        row = {"actor_id": actor_id, **_plain_fields(draw, "actors", {"actor_id", "parent_id"})}
        # a parent is an actor listed before, so that the references never form a loop
        row["parent_id"] = draw(st.none() | st.sampled_from(ids[:index])) if index else None
        actors.append({f["name"]: row[f["name"]] for f in _fields("actors")})
    return actors


@st.composite
def _sources(draw: st.DrawFn, min_size: int, max_size: int) -> list[dict[str, Any]]:
    ids = draw(st.lists(field_values("sources", "source_id"), min_size=min_size, max_size=max_size, unique=True))
    sources = []
    for source_id in ids:
        row = {"source_id": source_id, **_plain_fields(draw, "sources", {"source_id"})}
        row["published"], row["published_precision"] = draw(_stamp())
        sources.append({f["name"]: row[f["name"]] for f in _fields("sources")})
    return sources


def quotable(sources: Iterable[Mapping[str, Any]]) -> set[str]:
    """The ids of the sources an evidence entry may quote: archived texts and dataset rows."""
    return {s["source_id"] for s in sources if s.get("archived_sha256") is not None or s.get("source_type") == "dataset"}


@st.composite
def _ordered_figures(draw: st.DrawFn, table: str) -> dict[str, Any]:
    """The low, best and high figures of a row: sorted, each perhaps missing."""
    columns = FATALITY_COLUMNS[table]
    values = sorted(draw(st.lists(field_values(table, columns[0]), min_size=3, max_size=3)))
    return {column: draw(st.none() | st.just(value)) for column, value in zip(columns, values)}


def _ref(ids: list[str]) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(ids) if ids else st.none()


@st.composite
def _evidence(
    draw: st.DrawFn, actor_ids: list[str], source_ids: list[str], quotable: set[str] = frozenset(), min_size: int = 1, max_size: int = 3
) -> list[dict[str, Any]]:
    """Evidence entries: a quote (only of an archived source or a dataset row) or a claim, never both."""
    keys = draw(
        st.lists(st.tuples(st.sampled_from(source_ids), field_values("evidence", "quote")), min_size=min_size, max_size=max_size, unique=True)
    )
    items = []
    for source_id, text in keys:
        quoted = source_id in quotable and draw(st.booleans())
        item = {"source_id": source_id, "quote": text if quoted else None, "claim": None if quoted else text}
        item.update(_plain_fields(draw, "evidence", {"event_id", "source_id", "quote", "claim", "attributed_to"}))
        item["attributed_to"] = draw(_ref(actor_ids))
        items.append({f["name"]: item[f["name"]] for f in _fields("evidence") if f["name"] in item})
    return items


@st.composite
def _casualties(draw: st.DrawFn, actor_ids: list[str], source_ids: list[str], start: _dt.date, min_size: int, max_size: int) -> list[dict[str, Any]]:
    days = st.integers(0, 60).map(lambda n: min(start + _dt.timedelta(days=n), MAX_DATE))
    keys = draw(
        st.lists(st.tuples(_stamp(days), st.sampled_from(source_ids)), min_size=min_size, max_size=max_size,
                 unique_by=lambda key: (_timeline.moment(key[0][0]), key[1]))
    )
    skip = {"event_id", "as_of", "as_of_precision", "source_id", "reported_by", *FATALITY_COLUMNS["casualties"]}
    items = []
    for (as_of, precision), source_id in keys:
        item = {"as_of": as_of, "as_of_precision": precision, "source_id": source_id, "reported_by": draw(_ref(actor_ids))}
        item.update(draw(_ordered_figures("casualties")))
        item.update(_plain_fields(draw, "casualties", skip))
        items.append(item)
    return items


@st.composite
def _equipment(draw: st.DrawFn, min_size: int, max_size: int) -> list[dict[str, Any]]:
    items = draw(st.lists(field_values("equipment", "item"), min_size=min_size, max_size=max_size, unique=True))
    return [{"item": item, **_plain_fields(draw, "equipment", {"event_id", "item"})} for item in items]


@st.composite
def _place(draw: st.DrawFn) -> dict[str, Any]:
    """country_iso3 and coordinates inside that country's bounding box (or none)."""
    every, boxed = _countries()
    if not draw(st.booleans()):
        return {"country_iso3": draw(st.sampled_from(every)), "latitude": None, "longitude": None}
    iso3 = draw(st.sampled_from(boxed))
    west, south, east, north = country_box(iso3)
    lat = draw(st.floats(max(south, -90.0), min(north, 90.0)))
    lon = draw(st.floats(max(west, -180.0), min(east, 180.0)))
    return {
        "country_iso3": iso3,
        "latitude": min(90.0, max(-90.0, round(lat, COORDINATE_DECIMALS))),
        "longitude": min(180.0, max(-180.0, round(lon, COORDINATE_DECIMALS))),
    }


@st.composite
def _type_and_subtype(draw: st.DrawFn) -> dict[str, Any]:
    event_type = draw(field_values("events", "event_type"))
    subtypes = [code for code, parent in _subtype_parents().items() if parent == event_type]
    return {"event_type": event_type, "event_subtype": draw(_ref(subtypes))}


@st.composite
def _event_record(
    draw: st.DrawFn, event_id: str, start: _dt.date, actor_ids: list[str], source_ids: list[str], min_reports: int, min_equipment: int,
    quotable_ids: set[str] = frozenset(),
) -> dict[str, Any]:
    special = {"event_id", "event_type", "event_subtype", "start_date", "end_date", "country_iso3", "latitude", "longitude", "actor1_id", "actor2_id"}
    record: dict[str, Any] = {"event_id": event_id, **draw(_type_and_subtype())}
    record["start_date"] = start
    record["end_date"] = min(MAX_DATE, start + _dt.timedelta(days=draw(st.integers(0, 400))))
    record.update(draw(_place()))
    record["actor1_id"], record["actor2_id"] = draw(_ref(actor_ids)), draw(_ref(actor_ids))
    record.update(_plain_fields(draw, "events", special | set(DERIVED)))
    # the levels that ask nothing of the evidence (see the verification rule), so that a mutation breaks only its own rule
    record["verification"] = draw(st.sampled_from([code for code in enum_of(_field("events", "verification")) if code not in DEMANDING]))
    record = {f["name"]: record[f["name"]] for f in _fields("events") if f["name"] in record}
    record["evidence"] = draw(_evidence(actor_ids, source_ids, quotable_ids))
    record["casualties"] = draw(_casualties(actor_ids, source_ids, start, min_reports, max(min_reports, 2)))
    record["equipment"] = draw(_equipment(min_equipment, max(min_equipment, 2)))
    return record


latest_report = _timeline.latest_report


def derived_columns(record: Mapping[str, Any]) -> dict[str, Any]:
    """The events columns a build derives from an event record's casualties and evidence."""
    latest = latest_report(list(record.get("casualties") or []))
    out = {column: (latest[report_column] if latest else None) for column, report_column in LATEST_FIGURES.items()}
    cited = {item["source_id"] for key in ("evidence", "casualties") for item in record.get(key) or []}
    out["source_ids"] = sorted(cited)
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A consistent set of records: what a dataset folder holds.

    ``events`` are records as in ``dataset/events/*.yaml``: the event's own
    fields (not the derived figures and ``source_ids``) and its nested
    ``evidence``, ``casualties`` and ``equipment``. Dates are
    :class:`datetime.date`.
    """

    actors: tuple[dict[str, Any], ...]
    sources: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """The six tables as rows of plain values, with ``_file`` and ``_line`` of each row's record file.

        The events rows carry the derived columns: the figures of the latest
        casualty report and the sorted ids of the sources cited.
        """
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in RECORD_TABLES}
        for table, items in (("actors", self.actors), ("sources", self.sources)):
            for line, item in enumerate(items, start=1):
                out[table].append({**item, "_file": f"{table}.yaml", "_line": line})
        for record in self.events:
            file = f"events/{record['event_id']}.yaml"
            event = {k: v for k, v in record.items() if k not in NESTED}
            event.update(derived_columns(record))
            out["events"].append({**{f["name"]: event.get(f["name"]) for f in _fields("events")}, "_file": file, "_line": 1})
            line = len(event)
            for table in NESTED:
                for item in record.get(table) or []:
                    line += 1
                    out[table].append({"event_id": record["event_id"], **item, "_file": file, "_line": line})
        return out

    def frames(self) -> dict[str, pd.DataFrame]:
        """The six tables as typed DataFrames, as :func:`conflict_events._check.check_tables` takes them."""
        return {name: typed_frame(name, rows) for name, rows in self.rows().items()}

    def files(self) -> dict[str, str]:
        """The dataset folder as ``relative path -> YAML text``."""
        files = {
            "actors.yaml": _dump(list(self.actors)),
            "sources.yaml": _dump(list(self.sources)),
        }
        for record in self.events:
            files[f"events/{record['event_id']}.yaml"] = _dump(record)
        return files

    def write(self, folder: Path | str) -> Path:
        """Write the dataset folder (``actors.yaml``, ``sources.yaml``, ``events/``) into ``folder``."""
        return write_files(self.files(), folder)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_files(files: Mapping[str, str], folder: Path | str) -> Path:
    """Write ``relative path -> text`` into ``folder`` (created if needed), as UTF-8."""
    folder = Path(folder)
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def typed_frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Valid rows of one table as a DataFrame with the validation dtypes, plus ``_file``/``_line``."""
    columns: dict[str, Any] = {}
    for field in _fields(table):
        name, kind = field["name"], field["type"]
        values = [row.get(name) for row in rows]
        if kind == "date":
            columns[name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ms]")
        elif kind == "datetime":
            moments = [_timeline.moment(v) for v in values]
            columns[name] = pd.Series(pd.to_datetime(pd.Series(moments, dtype=object), utc=True), dtype="datetime64[us, UTC]")
        elif kind == "list":
            columns[name] = pd.Series(values, dtype=object)
        else:
            columns[name] = pd.Series(pd.array(values, dtype=VALIDATION_DTYPES[kind]) if kind == "integer" else values, dtype=VALIDATION_DTYPES[kind])
    for column in ("_file", "_line"):
        columns[column] = pd.Series([row.get(column) for row in rows], dtype=object)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    return frame


@st.composite
def datasets(
    draw: st.DrawFn,
    min_events: int = 1,
    max_events: int = 4,
    max_actors: int = 5,
    max_sources: int = 3,
    min_reports: int = 0,
    min_equipment: int = 0,
) -> Dataset:
    """A :class:`Dataset`: actors, sources and event records that pass every check.

    ``min_reports`` and ``min_equipment`` set the fewest casualty reports and
    equipment lines of each event. Events have distinct start dates, so that
    no two are the same event twice.
    """
    actors = draw(_actors(1, max_actors))
    sources = draw(_sources(1, max_sources))
    actor_ids = [a["actor_id"] for a in actors]
    source_ids = [s["source_id"] for s in sources]
    count = draw(st.integers(min_events, max_events))
    ids = draw(st.lists(field_values("events", "event_id"), min_size=count, max_size=count, unique=True))
    starts = draw(st.lists(_dates(), min_size=count, max_size=count, unique=True))
    quotable_ids = quotable(sources)
    events = tuple(
        draw(_event_record(event_id, start, actor_ids, source_ids, min_reports, min_equipment, quotable_ids)) for event_id, start in zip(ids, starts)
    )
    return Dataset(tuple(actors), tuple(sources), events)


def packages(**options: Any) -> st.SearchStrategy[dict[str, pd.DataFrame]]:
    """A consistent package: ``table name -> typed DataFrame`` for the six record tables."""
    return datasets(**options).map(Dataset.frames)


def dataset_files(**options: Any) -> st.SearchStrategy[dict[str, str]]:
    """A dataset folder as ``relative path -> YAML text``; write it with :func:`write_files`."""
    return datasets(**options).map(Dataset.files)


def table_rows(table: str, **options: Any) -> st.SearchStrategy[list[dict[str, Any]]]:
    """The rows of one table of a valid package (valid together with the package's other tables)."""
    if table not in RECORD_TABLES:
        raise ValueError(f"no record table {table!r}; the tables are: {', '.join(RECORD_TABLES)}")
    return datasets(**options).map(lambda dataset: dataset.rows()[table])


# --- mutations: one rule broken ---------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Mutation:
    """The rows of a valid package (``Dataset.rows()``) with exactly one rule broken.

    ``rows`` hold plain values, as records or a table file give them (before
    typing), so a ``type`` error is possible; ``rule`` is the id of the one
    rule broken, ``table`` and ``field`` where, ``note`` what was done.
    """

    rule: str
    table: str
    field: str | None
    note: str
    rows: dict[str, list[dict[str, Any]]] = dataclasses.field(repr=False)


class _Rows:
    """Rows being mutated, with the helpers that keep everything else valid."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]]):
        self.rows = copy.deepcopy(rows)

    def __getitem__(self, table: str) -> list[dict[str, Any]]:
        return self.rows[table]

    def append(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """Add a row, located on a line of its file of its own."""
        row = dict(row)
        same_file = [r["_line"] for r in self.rows[table] if r.get("_file") == row.get("_file")]
        row["_line"] = max(same_file + [r["_line"] for t in self.rows.values() for r in t if r.get("_file") == row.get("_file")], default=0) + 1
        self.rows[table].append(row)
        return row

    def event(self, event_id: str) -> dict[str, Any]:
        return next(r for r in self.rows["events"] if r["event_id"] == event_id)

    def sync_figures(self) -> None:
        """Give every event the figures of its latest casualty report, whatever they now are."""
        for event in self.rows["events"]:
            reports = [r for r in self.rows["casualties"] if r["event_id"] == event["event_id"]]
            latest = latest_report(reports)
            for column, report_column in LATEST_FIGURES.items():
                event[column] = latest[report_column] if latest else None

    def fresh_id(self, draw: st.DrawFn, table: str, field: str) -> str:
        """An id that no row of ``table`` has, matching the field's pattern if it has one."""
        taken = {r.get(field) for r in self.rows[table]}
        pattern = _constraints(table, field).get("pattern")
        ids = st.from_regex(pattern, fullmatch=True) if pattern else _text(1, 20)
        return draw(ids.filter(lambda candidate: candidate not in taken))  # rarely rejects: a few ids are taken

    def rename(self, table: str, field: str, old: str, new: str) -> None:
        """Change an id everywhere: in its row and in every reference to it."""
        for row in self.rows[table]:
            if row.get(field) == old:
                row[field] = new
        for child, column, target, target_field in _foreign_keys():
            if (target, target_field) != (table, field):
                continue
            for row in self.rows[child]:
                value = row.get(column)
                if isinstance(value, list):
                    row[column] = [new if item == old else item for item in value]
                elif value == old:
                    row[column] = new


def _broken_pattern(value: str, pattern: str) -> str:
    for candidate in (value.swapcase(), value + "!"):
        if not re.fullmatch(pattern, candidate):
            return candidate
    raise AssertionError(f"cannot break {pattern!r} from {value!r}")  # pragma: no cover


def _linked_figure(table: str, field: str) -> bool:
    """A field whose value an event copies from its latest casualty report."""
    return table == "casualties" and field in LATEST_FIGURES.values()


def _protected(table: str, field: str) -> bool:
    """Keys, references and the report date: changing them alone breaks more than one rule."""
    if field in _primary_key(table) or field in ("as_of", "as_of_precision"):
        return True
    return any((t, f) == (table, field) or (tt, tf) == (table, field) for t, f, tt, tf in _foreign_keys())


def _sites(predicate: Callable[[str, dict[str, Any]], bool]) -> list[tuple[str, str]]:
    return [(t, f["name"]) for t in RECORD_TABLES for f in _fields(t) if predicate(t, f) and not (t == "events" and f["name"] in DERIVED)]


def _pick_row(draw: st.DrawFn, rows: _Rows, table: str) -> dict[str, Any]:
    return draw(st.sampled_from(rows[table]))


def _set_figure(row: dict[str, Any], table: str, field: str, value: Any) -> None:
    """Set one of low/best/high and empty the ones that would then be out of order."""
    row[field] = value
    columns = FATALITY_COLUMNS.get(table, ())
    if field in columns:
        for column in columns[: columns.index(field)]:
            row[column] = None


def _mutate_enum(draw, rows):
    table, field = draw(st.sampled_from(_sites(lambda t, f: enum_of(f) is not None)))
    row = _pick_row(draw, rows, table)
    codes = enum_of(_field(table, field))
    value = str(row.get(field) or codes[0])
    while value in codes:
        value += "x"
    row[field] = value
    if (table, field) == ("events", "event_type"):
        row["event_subtype"] = None  # a subtype cannot belong to an unknown type; keep that rule out of it
    if _linked_figure(table, field):
        rows.sync_figures()
    return table, field, f"{field} = {value!r}"


def _mutate_pattern(draw, rows):
    # not country_iso3: a code out of pattern is no country either (country-code has its own mutation)
    table, field = draw(st.sampled_from(_sites(lambda t, f: "pattern" in f.get("constraints", {}) and f["name"] != "country_iso3")))
    row = _pick_row(draw, rows, table)
    pattern = _constraints(table, field)["pattern"]
    old = row.get(field)
    if old is None:
        old = draw(field_values(table, field))
    new = _broken_pattern(old, pattern)
    if _field(table, field).get("constraints", {}).get("unique"):
        rows.rename(table, field, old, new)  # an id: rename it everywhere, so references still resolve
    else:
        row[field] = new
    return table, field, f"{field} {old!r} -> {new!r}"


def _limit_sites(bound: str) -> list[tuple[str, str]]:
    return [
        (t, name)
        for t, name in _sites(lambda t, f: bound in f.get("constraints", {}))
        if not (t == "events" and name in LATEST_FIGURES)  # reached through the casualty report they copy
    ]


def _mutate_limit(bound: str):
    def mutate(draw, rows):
        table, field = draw(st.sampled_from(_limit_sites(bound)))
        row = _pick_row(draw, rows, table)
        limit = _constraints(table, field)[bound]
        value = limit - 1 if bound == "minimum" else limit + 1
        _set_figure(row, table, field, value)
        if _linked_figure(table, field):
            rows.sync_figures()
        return table, field, f"{field} = {value!r}"

    return mutate


def _mutate_required(draw, rows):
    sites = _sites(lambda t, f: f.get("constraints", {}).get("required") and not _protected(t, f["name"]))
    table, field = draw(st.sampled_from(sites))
    row = _pick_row(draw, rows, table)
    row[field] = None
    if (table, field) == ("events", "event_type"):
        row["event_subtype"] = None
    return table, field, f"{field} emptied"


_BAD_TYPE = {
    "date": st.sampled_from(["2023-02-30", "2023-13-01", "16/01/2023", "yesterday"]),
    "datetime": st.sampled_from(["2023-02-30", "2023-01-14T25:00", "16/01/2023 10:00", "yesterday"]),
    "integer": st.sampled_from(["1.5", "many", "12a", "1e3"]),
    "number": st.sampled_from(["north", "48,5", "1.2.3"]),
    "string": st.sampled_from([True, False, ["a", "list"], {"a": "mapping"}]),
    "list": st.sampled_from([5, True, {"a": "mapping"}, [1, 2]]),
}


def _mutate_type(draw, rows):
    table, field = draw(st.sampled_from(_sites(lambda t, f: not _protected(t, f["name"]) and not (t == "events" and f["name"] in LATEST_FIGURES))))
    row = _pick_row(draw, rows, table)
    value = draw(_BAD_TYPE[_field(table, field)["type"]])
    row[field] = value
    if (table, field) == ("events", "event_type"):
        row["event_subtype"] = None
    if _linked_figure(table, field):
        rows.sync_figures()
    return table, field, f"{field} = {value!r}"


def _mutate_length(draw, rows):
    table, field = draw(st.sampled_from(_sites(lambda t, f: "maxLength" in f.get("constraints", {}))))
    row = _pick_row(draw, rows, table)
    if table == "evidence" and field in ("quote", "claim"):  # lengthen the one the entry has (both at once is evidence-kind)
        field = "quote" if row.get("quote") is not None else "claim"
    value = draw(_text(1, 5)) * (_constraints(table, field)["maxLength"] + 1)
    row[field] = value[: _constraints(table, field)["maxLength"] + 1]
    return table, field, f"{field} has {len(row[field])} characters"


def _mutate_unique(draw, rows):
    tables = [t for t in RECORD_TABLES if any(f.get("constraints", {}).get("unique") for f in _fields(t))]
    table = draw(st.sampled_from(tables))
    row = _pick_row(draw, rows, table)
    rows.append(table, row)
    field = next(f["name"] for f in _fields(table) if f.get("constraints", {}).get("unique"))
    return table, field, f"{table} row {row[field]!r} twice"


def _mutate_primary_key(draw, rows):
    table = draw(st.sampled_from([t for t in RECORD_TABLES if len(_primary_key(t)) > 1 and rows[t]]))
    row = _pick_row(draw, rows, table)
    rows.append(table, row)
    return table, _primary_key(table)[0], f"{table} row twice"


def _mutate_end_before_start(draw, rows):
    row = _pick_row(draw, rows, "events")
    row["end_date"] = row["start_date"] - _dt.timedelta(days=draw(st.integers(1, 30)))
    return "events", "end_date", f"end_date {row['end_date']} before start_date {row['start_date']}"


def _mutate_fatalities_order(draw, rows):
    row = _pick_row(draw, rows, "casualties")
    low, best, _high = FATALITY_COLUMNS["casualties"]
    value = draw(st.integers(0, 1000))
    row[best], row[low] = value, value + 1
    rows.sync_figures()
    return "casualties", best, f"{low}={value + 1} > {best}={value}"


def _mutate_coordinates(draw, rows):
    row = _pick_row(draw, rows, "events")
    iso3 = draw(st.sampled_from(_countries()[1]))
    west, south, east, north = country_box(iso3)
    margin = 1.5  # beyond the rule's 1 degree
    options = [(lat, 0.5 * (west + east)) for lat in (north + margin, south - margin) if -90 <= lat <= 90]
    options += [(0.5 * (south + north), lon) for lon in (east + margin, west - margin) if -180 <= lon <= 180]
    row["country_iso3"] = iso3
    row["latitude"], row["longitude"] = (round(v, COORDINATE_DECIMALS) for v in draw(st.sampled_from(options)))
    return "events", "latitude", f"({row['latitude']}, {row['longitude']}) outside {iso3}"


def _mutate_subtype(draw, rows):
    row = _pick_row(draw, rows, "events")
    parents = {code: parent for code, parent in _subtype_parents().items() if parent}
    subtype = draw(st.sampled_from(sorted(parents)))
    others = [code for code in enum_of(_field("events", "event_type")) if code != parents[subtype]]
    row["event_subtype"], row["event_type"] = subtype, draw(st.sampled_from(others))
    return "events", "event_subtype", f"{subtype} under {row['event_type']}"


def _mutate_not_latest(draw, rows):
    row = _pick_row(draw, rows, "events")
    field = draw(st.sampled_from(["injured", "missing"]))
    row[field] = 0 if row[field] is None else row[field] + 1
    return "events", field, f"{field} = {row[field]}, not the latest report's"


def _mutate_no_evidence(draw, rows):
    row = _pick_row(draw, rows, "events")
    rows.rows["evidence"] = [r for r in rows["evidence"] if r["event_id"] != row["event_id"]]
    return "events", "event_id", f"the evidence of {row['event_id']} removed"


def _mutate_not_cited(draw, rows):
    row = _pick_row(draw, rows, "events")
    cited = draw(st.sampled_from(row["source_ids"]))
    source = dict(draw(st.sampled_from(rows["sources"])))
    source["source_id"] = rows.fresh_id(draw, "sources", "source_id")
    rows.append("sources", source)
    row["source_ids"] = [s for s in row["source_ids"] if s != cited] + [source["source_id"]]
    return "events", "source_ids", f"{cited!r} dropped from the source_ids of {row['event_id']}"


def _mutate_foreign_key(draw, rows):
    table, field, target, target_field = draw(st.sampled_from([fk for fk in _foreign_keys() if rows[fk[0]]]))
    unknown = rows.fresh_id(draw, target, target_field)
    row = _pick_row(draw, rows, table)
    if field == "event_id":  # a row of an event that does not exist (moving one would leave its event short)
        rows.append(table, {**row, "event_id": unknown})
    elif isinstance(row.get(field), list):
        row[field] = [*row[field], unknown]
    else:
        row[field] = unknown
        if table in ("evidence", "casualties") and field == "source_id":
            event = rows.event(row["event_id"])
            event["source_ids"] = [*event["source_ids"], unknown]  # cited, as the event must
            rows.sync_figures()  # the source orders reports of the same day
    return table, field, f"{table}.{field} = {unknown!r}"


def _mutate_verification(draw, rows):
    row = _pick_row(draw, rows, "events")
    for item in rows["evidence"]:
        if item["event_id"] == row["event_id"]:
            item["stance"] = "supports"
    row["verification"] = "disputed"
    return "events", "verification", f"{row['event_id']} disputed, with no evidence that contradicts it"


def _mutate_evidence_kind(draw, rows):
    row = _pick_row(draw, rows, "evidence")
    text = row.get("quote") or row.get("claim")
    row["quote"], row["claim"] = text, text
    return "evidence", "quote", "both a quote and a claim"


def _mutate_country_code(draw, rows):
    table = draw(st.sampled_from([t for t in RECORD_TABLES if any(f["name"] == "country_iso3" for f in _fields(t))]))
    row = _pick_row(draw, rows, table)
    every = set(_countries()[0])
    pattern = _constraints(table, "country_iso3")["pattern"]
    code = draw(st.from_regex(pattern, fullmatch=True).map(lambda c: c if c not in every else "QQQ"))
    row["country_iso3"] = code
    return table, "country_iso3", f"country_iso3 = {code!r}"


_MUTATORS: dict[str, Callable[[st.DrawFn, _Rows], tuple[str, str | None, str]]] = {
    "enum": _mutate_enum,
    "pattern": _mutate_pattern,
    "minimum": _mutate_limit("minimum"),
    "maximum": _mutate_limit("maximum"),
    "required": _mutate_required,
    "type": _mutate_type,
    "length": _mutate_length,
    "unique": _mutate_unique,
    "primary-key": _mutate_primary_key,
    "foreign-key": _mutate_foreign_key,
    "country-code": _mutate_country_code,
    "end-before-start": _mutate_end_before_start,
    "fatalities-order": _mutate_fatalities_order,
    "coordinates-outside-country": _mutate_coordinates,
    "subtype-mismatch": _mutate_subtype,
    "casualties-not-latest": _mutate_not_latest,
    "event-without-evidence": _mutate_no_evidence,
    "source-not-cited": _mutate_not_cited,
    "verification": _mutate_verification,
    "evidence-kind": _mutate_evidence_kind,
}


def _mutate_example(rule_id: str):
    """Break a rule as its catalogue entry's ``example`` says: set those cells on a drawn row."""

    def mutate(draw: st.DrawFn, rows: _Rows) -> tuple[str, str | None, str]:
        from conflict_events._catalogue import RULES

        ((table, cells),) = RULES[rule_id].example.items()
        row = _pick_row(draw, rows, table)
        row.update(cells)
        if table == "casualties":
            rows.sync_figures()
        field = next(iter(cells))
        return table, field, f"{', '.join(f'{k} = {v!r}' for k, v in cells.items())} (the catalogue's example)"

    return mutate


def _mutators() -> dict[str, Callable[[st.DrawFn, _Rows], tuple[str, str | None, str]]]:
    """The specialised mutators, and the catalogue's example for every other rule that has one."""
    from conflict_events._catalogue import RULES

    out = dict(_MUTATORS)
    for rule in RULES.values():
        if rule.id not in out and rule.example and len(rule.example) == 1:
            out[rule.id] = _mutate_example(rule.id)
    return out


#: the rules :func:`mutations` can break, one at a time (as the catalogue stood at import)
MUTATION_RULES = tuple(_mutators())


def mutations(rules: Iterable[str] | None = None, **options: Any) -> st.SearchStrategy[Mutation]:
    """A valid package's rows with exactly one rule broken (drawn from ``rules``, default all).

    ``options`` go to :func:`datasets`; by default every event has at least
    one casualty report and one line of equipment, so that every rule has a
    place to break.
    """
    mutators = _mutators()
    rules = tuple(rules) if rules is not None else tuple(mutators)
    unknown = set(rules) - set(mutators)
    if unknown or not rules:
        raise ValueError(f"no mutation for {', '.join(sorted(unknown)) or 'no rule'}; the rules are: {', '.join(mutators)}")
    return _mutations(rules, {"min_reports": 1, "min_equipment": 1, **options})


@st.composite
def _mutations(draw: st.DrawFn, rules: tuple[str, ...], options: dict[str, Any]) -> Mutation:
    rule = draw(st.sampled_from(rules))
    rows = _Rows(draw(datasets(**options)).rows())
    table, field, note = _mutators()[rule](draw, rows)
    return Mutation(rule, table, field, note, rows.rows)

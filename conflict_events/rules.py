"""The pandera schemas of the package, derived from the descriptor.

:func:`table_schema` turns a table's Table Schema into a pandera
``DataFrameSchema`` (types, required, enum, pattern, range, length, unique)
and adds the rules a Table Schema cannot express. Each check's ``error`` is
its rule id in :data:`conflict_events.problems.RULES`.

Checks that need other tables (foreign keys, evidence, the latest casualty
report) take them from ``related``: a mapping of table name to DataFrame.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Mapping

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from conflict_events import schema as _schema
from conflict_events.dtypes import VALIDATION_DTYPES, enum_of

#: Text a spreadsheet would run as a formula starts with one of these (OWASP: CSV injection).
FORMULA_CHARACTERS = "=+-@\t\r"
FORMULA_START = "[" + re.escape(FORMULA_CHARACTERS) + "]"

#: Events that agree on all of these are near-duplicates.
NEAR_DUPLICATE_KEY = ["event_type", "country_iso3", "location", "latitude", "longitude", "start_date", "end_date"]

#: How far (degrees) a point may lie outside its country's bounding box and still be "near".
NEAR_DEGREES = 1.0

FATALITY_COLUMNS = {
    "events": ("fatalities_low", "fatalities_best", "fatalities_high"),
    "casualties": ("killed_low", "killed_best", "killed_high"),
}
#: events column <- casualties column, for the latest report
LATEST_FIGURES = {
    "fatalities_low": "killed_low",
    "fatalities_best": "killed_best",
    "fatalities_high": "killed_high",
    "injured": "injured",
    "missing": "missing",
    "casualties_as_of": "as_of",
}


def _field_checks(field: dict[str, Any]) -> list[pa.Check]:
    constraints = field.get("constraints", {})
    checks: list[pa.Check] = []
    enum = enum_of(field)
    if enum is not None:
        checks.append(pa.Check.isin(enum, error="enum"))
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        checks.append(pa.Check(lambda s, p=pattern: s.str.fullmatch(p), error="pattern"))
    if "minimum" in constraints:
        checks.append(pa.Check.ge(constraints["minimum"], error="minimum"))
    if "maximum" in constraints:
        checks.append(pa.Check.le(constraints["maximum"], error="maximum"))
    if field["type"] == "string":
        checks.append(pa.Check(_not_formula, error="formula-injection"))
    if constraints.get("unique"):
        # as Table Schema: empty cells are not compared, and the first of equal values is not the duplicate
        checks.append(pa.Check(lambda s: ~s.duplicated(keep="first"), error="unique"))
    low, high = constraints.get("minLength"), constraints.get("maxLength")
    if field["type"] == "list":
        checks.append(pa.Check(_lists_of_text, error="type"))
        if low is not None:
            checks.append(pa.Check(lambda s, n=low: _list_lengths(s) >= n, error="length"))
    elif low is not None or high is not None:
        checks.append(pa.Check.str_length(low, high, error="length"))
    return checks


def _not_formula(s: pd.Series) -> pd.Series:
    """The first character of the text is none that starts a spreadsheet formula."""
    return ~s.str.slice(0, 1).isin(set(FORMULA_CHARACTERS)).astype(bool)


# A list column is Python lists (records, or tables given as frames) or an Arrow list
# column (table files, split by Arrow in conflict_events.coerce); each check reads both.


def _arrow_lists(s: pd.Series) -> pyarrow.Array | None:
    dtype = s.dtype
    if isinstance(dtype, pd.ArrowDtype) and pyarrow.types.is_list(dtype.pyarrow_dtype) or (
        isinstance(dtype, pd.ArrowDtype) and pyarrow.types.is_large_list(dtype.pyarrow_dtype)
    ):
        array = pyarrow.array(s)
        return array.combine_chunks() if isinstance(array, pyarrow.ChunkedArray) else array
    return None


def _rows_with(lists: pyarrow.Array, bad_items: pyarrow.Array) -> np.ndarray:
    """Per row of ``lists``: whether any of its items is marked in ``bad_items`` (aligned with the flattened items)."""
    rows = pc.list_parent_indices(lists).to_numpy()
    out = np.zeros(len(lists), dtype=bool)
    out[rows[pc.fill_null(bad_items, True).to_numpy(zero_copy_only=False)]] = True
    return out


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def _lists_of_text(s: pd.Series) -> pd.Series:
    """Each cell is a list of non-empty texts."""
    lists = _arrow_lists(s)
    if lists is not None:
        items = pc.list_flatten(lists)
        return pd.Series(~_rows_with(lists, pc.equal(pc.utf8_length(items), 0)), index=s.index)
    return s.map(lambda v: _is_list(v) and all(isinstance(i, str) and i for i in v))


def _list_lengths(s: pd.Series) -> pd.Series:
    lists = _arrow_lists(s)
    if lists is not None:
        return pd.Series(pc.list_value_length(lists).to_numpy(zero_copy_only=False), index=s.index)
    return s.map(len, na_action="ignore")


def _column(field: dict[str, Any]) -> pa.Column:
    constraints = field.get("constraints", {})
    return pa.Column(
        VALIDATION_DTYPES[field["type"]],
        checks=_field_checks(field),
        nullable=not constraints.get("required", False),
        required=True,
        coerce=False,
    )


# --- rules a Table Schema cannot express -------------------------------------------


def _end_not_before_start(df: pd.DataFrame) -> pd.Series:
    return ~(df["end_date"] < df["start_date"]).fillna(False)


def _ordered(columns: tuple[str, str, str]):
    low, best, high = columns

    def check(df: pd.DataFrame) -> pd.Series:
        bad = (df[low] > df[best]).fillna(False) | (df[best] > df[high]).fillna(False) | (df[low] > df[high]).fillna(False)
        return ~bad

    return check


@functools.cache
def country_box(iso3: str) -> tuple[float, float, float, float] | None:
    """The bounding box (min lon, min lat, max lon, max lat) of a country, or None if unknown.

    Only ISO 3166-1 alpha-3 codes have a box: countryinfo also resolves names
    and other codes ("UAE"), and raises for what it does not know.
    """
    from countryinfo import CountryInfo

    if not is_country_code(iso3):
        return None
    try:
        geometry = CountryInfo(iso3).geo_json()["features"][0]["geometry"]
    except (LookupError, TypeError, AttributeError):
        return None
    points: list[tuple[float, float]] = []

    def walk(item: Any) -> None:
        if isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(v, (int, float)) for v in item):
            points.append((float(item[0]), float(item[1])))
        elif isinstance(item, (list, tuple)):
            for sub in item:
                walk(sub)

    walk(geometry["coordinates"])
    if not points:
        return None
    lons, lats = zip(*points)
    return min(lons), min(lats), max(lons), max(lats)


@functools.cache
def is_country_code(code: str) -> bool:
    import pycountry

    return pycountry.countries.get(alpha_3=code) is not None


def _per_value(values: pd.Series, function: Any, empty: Any = None, dtype: Any = object) -> np.ndarray:
    """``function(value)`` for every cell, computed once per distinct value; ``empty`` for an empty cell.

    Vectorised through one factorize: a million cells with a few hundred
    distinct codes cost a few hundred calls.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = [function(value) for value in uniques] + [empty]
    if dtype is object:
        out = np.empty(len(table), dtype=object)
        out[:] = table
    else:
        out = np.array(table, dtype=dtype)
    return out[codes]


def _country_code_known(s: pd.Series) -> pd.Series:
    known = _per_value(s, lambda code: not isinstance(code, str) or is_country_code(code), empty=True)
    return pd.Series(known.astype(bool), index=s.index)


def _inside_or_near_country(df: pd.DataFrame) -> pd.Series:
    """Vectorised: each distinct country's box is looked up once."""
    lat, lon = df["latitude"].astype("float64").to_numpy(), df["longitude"].astype("float64").to_numpy()
    nowhere = (np.nan,) * 4
    boxes = _per_value(df["country_iso3"], lambda code: (country_box(code) if isinstance(code, str) else None) or nowhere, nowhere, "float64")
    west, south, east, north = boxes.reshape(-1, 4).T
    d = NEAR_DEGREES
    with np.errstate(invalid="ignore"):
        inside = (lat >= south - d) & (lat <= north + d) & (lon >= west - d) & (lon <= east + d)
        # no coordinates, coordinates out of range (minimum/maximum report them) or an unknown country (country-code does)
        exempt = np.isnan(lat) | np.isnan(lon) | ~((lat >= -90) & (lat <= 90) & (lon >= -180) & (lon <= 180)) | np.isnan(west)
    return pd.Series(inside | exempt, index=df.index, dtype=bool)


def _subtype_belongs(df: pd.DataFrame) -> pd.Series:
    parents = {code: entry.get("parent") for code, entry in _schema.vocabularies()["event_subtype"].items()}
    expected = pd.Series(_per_value(df["event_subtype"], parents.get), index=df.index)
    return df["event_subtype"].isna() | expected.isna() | (expected == df["event_type"]).fillna(False).astype(bool)


def _in(values: pd.Series):
    known = set(values.dropna())
    return lambda s: s.isin(known)


def _sources_in(sources: pd.Series):
    known = set(sources.dropna())
    known_array = pyarrow.array(sorted(known), type=pyarrow.large_string())

    def check(s: pd.Series) -> pd.Series:
        lists = _arrow_lists(s)
        if lists is not None:
            items = pc.list_flatten(lists)
            return pd.Series(~_rows_with(lists, pc.invert(pc.is_in(items, value_set=known_array.cast(items.type)))), index=s.index)
        return s.map(lambda items: not _is_list(items) or all(item in known for item in items))

    return check


def latest_reports(casualties: pd.DataFrame) -> pd.DataFrame:
    """The latest casualty report of each event (the last by as_of, then source_id), indexed by event_id."""
    if casualties.empty:
        return casualties.set_index("event_id")
    ordered = casualties.sort_values(["event_id", "as_of", "source_id"], kind="stable")
    return ordered.groupby("event_id", sort=False).tail(1).set_index("event_id")


def matches_latest(casualties: pd.DataFrame):
    latest = latest_reports(casualties)

    def check(df: pd.DataFrame) -> pd.Series:
        ok = pd.Series(True, index=df.index)
        for event_column, report_column in LATEST_FIGURES.items():
            actual = df[event_column]
            if not len(latest):  # no report at all: every figure is missing
                ok &= actual.isna()
                continue
            expected = df["event_id"].map(latest[report_column])
            same = (actual == expected).fillna(False).astype(bool) | (actual.isna() & expected.isna())
            ok &= same
        return ok

    return check


def _cites_its_sources(evidence: pd.DataFrame, casualties: pd.DataFrame | None):
    cited = pd.concat([evidence[["event_id", "source_id"]]] + ([casualties[["event_id", "source_id"]]] if casualties is not None else []))
    by_event = cited.groupby("event_id")["source_id"].agg(lambda s: set(s.dropna()))

    def check(df: pd.DataFrame) -> pd.Series:
        needed = df["event_id"].map(by_event)
        return pd.Series(
            [not isinstance(want, set) or not _is_list(have) or want <= set(have) for want, have in zip(needed, df["source_ids"])],
            index=df.index,
            dtype=bool,
        )

    return check


def _wide(check, rule: str, field: str) -> pa.Check:
    """A check over whole rows; its error names the rule and the field to report."""
    return pa.Check(check, error=f"{rule}@{field}")


def near_duplicate_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row of the near-duplicate key (type, place and dates)."""
    return pd.util.hash_pandas_object(frame[NEAR_DUPLICATE_KEY], index=False).to_numpy()


def _not_near_duplicate(others: pd.DataFrame | None):
    """Not the same type, place and dates as an earlier row, or as an event of ``others`` with another id."""
    usable = others is not None and len(others) > 0 and set(NEAR_DUPLICATE_KEY) <= set(others.columns)
    other_ids = others["event_id"].to_numpy() if usable else None
    other_hashes = near_duplicate_hashes(others) if usable else None

    other_starts = others["start_date"] if usable else None

    def check(df: pd.DataFrame) -> pd.Series:
        ids = df["event_id"]
        bad = df.duplicated(NEAR_DUPLICATE_KEY, keep="first") & ~ids.duplicated(keep=False)
        if usable:
            present = set(ids[ids.isin(set(other_ids))])  # the ids of others that this frame holds (it replaces them)
            elsewhere = np.array([event_id not in present for event_id in other_ids], dtype=bool)
            # only rows that start on a day an event elsewhere starts can repeat one: hash those alone
            candidates = df.index[df["start_date"].isin(other_starts).to_numpy()]
            if len(candidates) and elsewhere.any():
                hits = np.isin(near_duplicate_hashes(df.loc[candidates]), other_hashes[elsewhere])
                bad.loc[candidates[hits]] = True
        return ~bad

    return check


def _key_unique(key: list[str]):
    """As frictionless judges a composite key: empty parts compare equal; the first of equal rows stands."""
    return lambda df: ~df.duplicated(key, keep="first")


def _self_reference(column: str, target: str, others: pd.DataFrame | None):
    """A reference into the same table: to a row of this frame or of the related rows."""
    known = set(others[target].dropna()) if others is not None and target in others else set()
    return lambda df: df[column].isna() | df[column].isin(known | set(df[target].dropna()))


def table_schema(name: str, related: Mapping[str, pd.DataFrame] | None = None, desc: dict | None = None) -> pa.DataFrameSchema:
    """The pandera schema of one table.

    ``related`` holds the other tables of the same package; a check that
    needs a table that is not given is left out (a lone events.csv is checked
    for what it can be checked for).
    """
    related = related or {}
    resource = _schema.resource(name, desc)
    fields = resource["schema"]["fields"]
    columns = {f["name"]: _column(f) for f in fields}
    checks: list[pa.Check] = []
    table = resource["schema"]
    primary_key = table.get("primaryKey", [])
    if len(primary_key) > 1:
        checks.append(_wide(_key_unique(primary_key), "primary-key", primary_key[0]))

    for fk in table.get("foreignKeys", []):
        target = fk["reference"]["resource"] or name
        (column,) = fk["fields"]
        (target_column,) = fk["reference"]["fields"]
        if target == name:
            checks.append(_wide(_self_reference(column, target_column, related.get(name)), "foreign-key", column))
        elif target in related and target_column in related[target]:
            columns[column].checks.append(pa.Check(_in(related[target][target_column]), error="foreign-key"))

    if name == "events":
        checks += [
            _wide(_end_not_before_start, "end-before-start", "end_date"),
            _wide(_ordered(FATALITY_COLUMNS["events"]), "fatalities-order", "fatalities_best"),
            _wide(_inside_or_near_country, "coordinates-outside-country", "latitude"),
            _wide(_subtype_belongs, "subtype-mismatch", "event_subtype"),
            _wide(_not_near_duplicate(related.get("events")), "near-duplicate", "event_id"),
        ]
        columns["country_iso3"].checks.append(pa.Check(_country_code_known, error="country-code"))
        if "sources" in related:
            columns["source_ids"].checks.append(pa.Check(_sources_in(related["sources"]["source_id"]), error="foreign-key"))
        if "evidence" in related:
            columns["event_id"].checks.append(pa.Check(_in(related["evidence"]["event_id"]), error="event-without-evidence"))
            checks.append(_wide(_cites_its_sources(related["evidence"], related.get("casualties")), "source-not-cited", "source_ids"))
        if "casualties" in related:
            checks.append(_wide(matches_latest(related["casualties"]), "casualties-not-latest", "fatalities_best"))
    elif name == "casualties":
        checks.append(_wide(_ordered(FATALITY_COLUMNS["casualties"]), "fatalities-order", "killed_best"))
    elif name == "actors":
        columns["country_iso3"].checks.append(pa.Check(_country_code_known, error="country-code"))

    return pa.DataFrameSchema(columns, checks=checks, name=name, strict=False, ordered=False)

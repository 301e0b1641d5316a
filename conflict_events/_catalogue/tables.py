"""Rules on the rows of one table against each other: unique values and keys, near-duplicates.

Each check takes the table's rows (a narwhals frame with a ``_row`` column,
the package's own rows first and the given rows after them, so that a given
row is the repeat of a released one and not the reverse) and gives, per
field, the rows that break it. As Table Schema says, the first of equal
values stands and the later ones are the repeats; empty cells are not
compared for ``unique``, and compare equal as parts of a composite key.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from conflict_events import _schema
from conflict_events._catalogue._rule import Rule, register

#: Events that agree on all of these are near-duplicates.
NEAR_DUPLICATE_KEY = ("event_type", "country_iso3", "location", "latitude", "longitude", "start_date", "end_date")


def joined(columns: Any) -> Any:
    """One text per row from several columns, empty cells included (for keys on any backend)."""
    return nw.concat_str([nw.col(c).cast(nw.String).fill_null("\x00") for c in columns], separator="\x1f")


def with_key(frame: Any, columns: Any, name: str) -> Any:
    """The frame with one key column made of several: a 64-bit hash on polars (cheap to compare), the joined text elsewhere.

    Empty cells are part of the key (they compare equal), as Table Schema says of composite keys.
    """
    native = nw.to_native(frame)
    if type(native).__module__.startswith("polars"):
        import polars as pl

        return nw.from_native(native.with_columns(pl.struct(list(columns)).hash(seed=0).alias(name)))
    return frame.with_columns(joined(columns).alias(name))


def _unique(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    out = {}
    for field in _schema.fields(table):
        if field.get("constraints", {}).get("unique") and field["name"] in frame.columns:
            column = nw.col(field["name"])
            out[field["name"]] = frame.select("_row", field["name"]).filter(~column.is_null() & ~column.is_first_distinct()).select("_row")
    return out


def _primary_key(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    key = _schema.resource(table)["schema"].get("primaryKey", [])
    if len(key) < 2:  # a one-column key is its field's `unique`
        return {}
    keyed = with_key(frame.select("_row", *key), key, "_key").select("_row", "_key")
    return {key[0]: keyed.filter(~nw.col("_key").is_first_distinct()).select("_row")}


def _near_duplicate(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    keyed = with_key(frame.select("_row", "event_id", *NEAR_DUPLICATE_KEY), NEAR_DUPLICATE_KEY, "_near").select("_row", "event_id", "_near")
    first = keyed.filter(nw.col("_near").is_first_distinct()).select("_near", other=nw.col("event_id"))
    repeats = keyed.filter(~nw.col("_near").is_first_distinct() & ~nw.col("event_id").is_duplicated())
    return {"event_id": repeats.join(first, on="_near", how="inner").select("_row", "other")}



register(Rule(
    "unique", "table", "the value is unique in the table", "give each record its own identifier",
    "{field} {value} occurs more than once in {table}",
    check=_unique, spark=False,
))
register(Rule(
    "primary-key", "table", "the row's key is unique in the table", "remove the duplicate row or change its key",
    "the key {key} occurs more than once in {table}",
    check=_primary_key, spark=False,
))
register(Rule(
    "near-duplicate", "table", "no two events share type, place and dates",
    "merge the two records, or say in the summary what sets them apart",
    "event {event_id} has the type, place and dates of event {other} "
    "({event_type}, {country_iso3}, {location}, {start_date} to {end_date})",
    tables=("events",), reads={"events": ("event_id", *NEAR_DUPLICATE_KEY)}, check=_near_duplicate, spark=False,
))

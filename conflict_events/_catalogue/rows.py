"""Rules on several cells of one row."""

from __future__ import annotations

import functools
from typing import Any

import narwhals as nw

from conflict_events import _schema
from conflict_events._catalogue._rule import Rule, register

#: the low, best and high estimates of the killed, per table
ESTIMATES = {
    "events": ("fatalities_low", "fatalities_best", "fatalities_high"),
    "casualties": ("killed_low", "killed_best", "killed_high"),
}
#: How far (degrees) a point may lie outside its country's bounding box and still be "near".
NEAR_DEGREES = 1.0


register(Rule(
    "end-before-start", "row", "end_date is on or after start_date", "swap the dates, or correct the one that is wrong",
    "end_date {end_date} is before start_date {start_date}",
    tables=("events",), columns=("start_date", "end_date"), field="end_date",
    check=lambda frame, table: nw.col("end_date") < nw.col("start_date"),
    example={"events": {"end_date": "1900-01-01"}},
))


def _out_of_order(frame: Any, table: str) -> Any:
    low, best, high = (nw.col(c) for c in ESTIMATES[table])
    return (low > best) | (best > high) | (low > high)


register(Rule(
    "fatalities-order", "row", "low <= best <= high", "order the estimates: the low figure cannot exceed the best, nor the best the high",
    "the estimates are out of order: {estimates}",
    tables=("events", "casualties"), columns=tuple(dict.fromkeys(sum(ESTIMATES.values(), ()))), field="best",
    check=_out_of_order,
    extra=lambda row, table: {"estimates": ", ".join(f"{c}={_plain(row.get(c))}" for c in ESTIMATES[table])},
    example={"casualties": {"killed_low": "10", "killed_best": "5"}},
))


@functools.cache
def country_box(iso3: str) -> tuple[float, float, float, float] | None:
    """The bounding box (min lon, min lat, max lon, max lat) of a country, or None if unknown.

    Only ISO 3166-1 alpha-3 codes have a box: countryinfo also resolves names
    and other codes ("UAE"), and raises for what it does not know.
    """
    from countryinfo import CountryInfo

    from conflict_events._catalogue.fields import iso3_codes

    if iso3 not in iso3_codes():
        return None
    try:
        geometry = CountryInfo(iso3).geo_json()["features"][0]["geometry"]
    except (LookupError, TypeError, AttributeError, ValueError):
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


def _outside_country(frame: Any, table: str) -> Any:
    """Outside the box (widened by NEAR_DEGREES) of its country; looked up for the countries present only."""
    located = frame.select("country_iso3", "latitude", "longitude").filter(~nw.col("latitude").is_null() & ~nw.col("longitude").is_null())
    countries = located.select("country_iso3").unique()
    if isinstance(countries, nw.LazyFrame):
        countries = countries.collect()
    boxes = {code: country_box(code) for code in countries["country_iso3"].to_list() if isinstance(code, str)}
    boxes = {code: box for code, box in boxes.items() if box is not None}  # an unknown country is the country-code rule's
    if not boxes:
        return nw.lit(False)
    codes = list(boxes)
    west, south, east, north = (
        nw.col("country_iso3").replace_strict(codes, [boxes[c][i] for c in codes], default=None, return_dtype=nw.Float64)
        for i in range(4)
    )
    lat, lon, d = nw.col("latitude"), nw.col("longitude"), NEAR_DEGREES
    away = (lat < south - d) | (lat > north + d) | (lon < west - d) | (lon > east + d)
    # coordinates out of range are the minimum and maximum rules'
    in_range = (lat >= -90) & (lat <= 90) & (lon >= -180) & (lon <= 180)
    return away.fill_null(False) & in_range


register(Rule(
    "coordinates-outside-country", "row", "the coordinates lie inside or near country_iso3",
    "check the sign and order of latitude and longitude, and the country code",
    "({latitude}, {longitude}) is not inside or near {country_iso3}",
    tables=("events",), columns=("latitude", "longitude", "country_iso3"), field="latitude",
    check=_outside_country,
    example={"events": {"country_iso3": "UKR", "latitude": "-33.9", "longitude": "18.4"}},
))


def _subtype_mismatch(frame: Any, table: str) -> Any:
    parents = {code: entry.get("parent") for code, entry in _schema.vocabularies()["event_subtype"].items()}
    with_parent = [code for code, parent in parents.items() if parent]
    pairs = [f"{code}|{parent}" for code, parent in parents.items() if parent]
    pair = nw.concat_str([nw.col("event_subtype"), nw.col("event_type")], separator="|")
    return nw.col("event_subtype").is_in(with_parent) & ~pair.is_in(pairs)


register(Rule(
    "subtype-mismatch", "row", "event_subtype belongs to event_type",
    "use a subtype whose parent is the event's type (see schema/vocabularies.yaml)",
    "event_subtype {event_subtype} does not belong to event_type {event_type}",
    tables=("events",), columns=("event_type", "event_subtype"), field="event_subtype",
    check=_subtype_mismatch,
    example={"events": {"event_type": "statement", "event_subtype": "missile"}},
))


def _plain(value: Any) -> str:
    return "empty" if value is None else str(value)

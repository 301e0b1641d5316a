"""The practical floor: a hand-written pyarrow pass over an events CSV that checks the same rules.

    python bench/floor.py FILE.csv    # prints {"rows": N, "problems": [[line, rule], ...]}

pyarrow.csv streams the file in blocks, every column as text; pyarrow.compute
checks each block: types, required, enum, pattern, minimum/maximum and
length from the descriptor (conflict_events.schema), and the rules
``validate`` adds for a lone events table: unique ids, end before start,
fatalities order, coordinates inside or near the country's box, subtype of
the type, country code, formula injection, references to the package's own
actors and sources, and near-duplicates within the file. Only the
problems' line numbers are kept; there are no messages, no file/line
bookkeeping for YAML, no pandas. It is what validation costs at the least.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from conflict_events import schema as _schema

FORMULA_START = pa.array(list("=+-@\t\r"))  # conflict_events._catalogue.fields.FORMULA_START, as a set of first characters
NEAR_DUPLICATE_KEY = ["event_type", "country_iso3", "location", "latitude", "longitude", "start_date", "end_date"]
INTEGER, NUMBER, DATE = r"^[+-]?[0-9]+$", r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _context() -> dict:
    import pycountry

    from conflict_events._paths import DATASET_DIR
    from conflict_events.records import read_records
    from conflict_events._catalogue.rows import NEAR_DEGREES, country_box

    codes = sorted(c.alpha_3 for c in pycountry.countries)
    boxed = [c for c in codes if country_box(c) is not None]
    records, _ = read_records(DATASET_DIR)
    vocab = _schema.vocabularies()
    subtypes = list(vocab["event_subtype"])
    return {
        "countries": pa.array(codes),
        "boxed": pa.array(boxed),
        "boxes": np.array([country_box(c) for c in boxed] + [(np.nan,) * 4], dtype="float64"),
        "near": NEAR_DEGREES,
        "subtypes": pa.array(subtypes),
        "parents": pa.array([vocab["event_subtype"][s].get("parent") for s in subtypes]),
        "actors": pa.array([r["actor_id"] for r in records["actors"]]),
        "sources": pa.array([r["source_id"] for r in records["sources"]]),
    }


def _mask(array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def check(path: Path) -> dict:
    fields = _schema.fields("events")
    ctx = _context()
    options = pacsv.ConvertOptions(column_types={f["name"]: pa.string() for f in fields}, strings_can_be_null=True, quoted_strings_can_be_null=True)
    reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=16 << 20), convert_options=options)
    problems: list[tuple[np.ndarray, str]] = []
    ids, keys, offset = [], [], 0

    def report(mask: np.ndarray, rule: str) -> None:
        if mask.any():
            problems.append((np.flatnonzero(mask) + offset + 2, rule))

    for batch in reader:
        typed = {}
        for field in fields:
            name, kind, constraints = field["name"], field["type"], field.get("constraints", {})
            text = batch.column(name)
            present = pc.is_valid(text)
            if constraints.get("required"):
                report(~present.to_numpy(zero_copy_only=False), "required")
            if kind == "string":
                if "enum" in constraints:
                    report(_mask(pc.and_(present, pc.invert(pc.is_in(text, value_set=pa.array(constraints["enum"]))))), "enum")
                if "pattern" in constraints:
                    report(_mask(pc.invert(pc.match_substring_regex(text, f"^(?:{constraints['pattern']})$"))), "pattern")
                if "minLength" in constraints or "maxLength" in constraints:
                    length = pc.utf8_length(text)
                    bad = pc.or_kleene(pc.less(length, constraints.get("minLength", 0)), pc.greater(length, constraints.get("maxLength", 2**31)))
                    report(_mask(bad), "length")
                report(_mask(pc.is_in(pc.utf8_slice_codeunits(text, 0, 1), value_set=FORMULA_START)), "formula-injection")
                typed[name] = text
            elif kind == "date":
                ok = pc.match_substring_regex(text, DATE)
                parsed = pc.strptime(pc.if_else(ok, text, None), format="%Y-%m-%d", unit="s", error_is_null=True)
                # strptime rolls 2023-02-30 over to 2023-03-02: a day that is not in the calendar changes the month
                month = pc.cast(pc.utf8_slice_codeunits(pc.if_else(ok, text, None), 5, 7), pa.int64())
                parsed = pc.if_else(pc.equal(pc.month(parsed), month), parsed, None)
                report(_mask(pc.and_(present, pc.is_null(parsed))), "type")
                typed[name] = parsed
            elif kind in ("integer", "number"):
                ok = pc.match_substring_regex(text, INTEGER if kind == "integer" else NUMBER)
                report(_mask(pc.and_(present, pc.invert(ok))), "type")
                value = pc.cast(pc.if_else(ok, text, None), pa.int64() if kind == "integer" else pa.float64())
                if "minimum" in constraints:
                    report(_mask(pc.less(value, constraints["minimum"])), "minimum")
                if "maximum" in constraints:
                    report(_mask(pc.greater(value, constraints["maximum"])), "maximum")
                typed[name] = value
            elif kind == "list":
                items = pc.split_pattern(text, field.get("delimiter", ","))
                unknown = pc.invert(pc.is_in(pc.list_flatten(items), value_set=ctx["sources"]))
                rows = pc.list_parent_indices(items).to_numpy()
                bad = np.zeros(len(text), dtype=bool)
                bad[rows[_mask(unknown)]] = True
                report(bad, "foreign-key")
        # rules across the fields of a row
        report(_mask(pc.less(typed["end_date"], typed["start_date"])), "end-before-start")
        low, best, high = typed["fatalities_low"], typed["fatalities_best"], typed["fatalities_high"]
        report(_mask(pc.or_kleene(pc.or_kleene(pc.greater(low, best), pc.greater(best, high)), pc.greater(low, high))), "fatalities-order")
        report(_mask(pc.and_(pc.is_valid(typed["country_iso3"]), pc.invert(pc.is_in(typed["country_iso3"], value_set=ctx["countries"])))), "country-code")
        where = pc.fill_null(pc.index_in(typed["country_iso3"], value_set=ctx["boxed"]), len(ctx["boxes"]) - 1).to_numpy()
        west, south, east, north = ctx["boxes"][where].T
        lat, lon = typed["latitude"].to_numpy(zero_copy_only=False), typed["longitude"].to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            in_range = (lat >= -90) & (lat <= 90) & (lon >= -180) & (lon <= 180) & ~np.isnan(west)
            d = ctx["near"]
            outside = ~((lat >= south - d) & (lat <= north + d) & (lon >= west - d) & (lon <= east + d))
        report(in_range & outside, "coordinates-outside-country")
        parent = pc.take(ctx["parents"], pc.index_in(typed["event_subtype"], value_set=ctx["subtypes"]))
        report(_mask(pc.not_equal(parent, typed["event_type"])), "subtype-mismatch")
        for name in ("actor1_id", "actor2_id"):
            report(_mask(pc.invert(pc.is_in(typed[name], value_set=ctx["actors"]))) & pc.is_valid(typed[name]).to_numpy(zero_copy_only=False), "foreign-key")
        ids.append(batch.column("event_id"))
        keys.append(pc.binary_join_element_wise(*[batch.column(k) for k in NEAR_DUPLICATE_KEY], "\x1f", null_handling="replace", null_replacement="\x00"))
        offset += batch.num_rows
    # rules across rows: a repeated id, and a repeated type, place and dates under another id
    id_repeated, id_shared = _first_seen(pa.chunked_array(ids, pa.string()))
    key_repeated, _ = _first_seen(pa.chunked_array(keys, pa.string()))
    rows, offset = offset, 0
    report(id_repeated, "unique")
    report(key_repeated & ~id_shared, "near-duplicate")
    return {"rows": rows, "problems": [[int(line), rule] for lines, rule in problems for line in lines]}


def _first_seen(values: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(repeated: the value occurred in an earlier row, shared: it occurs in more than one row); empty cells are neither."""
    codes = pc.fill_null(pc.dictionary_encode(values.combine_chunks()).indices, -1).to_numpy(zero_copy_only=False)
    _, first, inverse, counts = np.unique(codes, return_index=True, return_inverse=True, return_counts=True)
    repeated = np.ones(len(codes), dtype=bool)
    repeated[first] = False
    empty = codes == -1
    return repeated & ~empty, (counts[inverse] > 1) & ~empty


if __name__ == "__main__":
    print(json.dumps(check(Path(sys.argv[1]))))

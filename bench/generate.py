"""Synthetic table files for the benchmarks: bulk contributions, and events tables with known corruptions.

    python bench/generate.py                                  # contributions of 900,000 rows, valid and all-bad
    python bench/generate.py --rows 100000 --kinds valid      # bench/data/contribution-100000-valid/
    python bench/generate.py --rows 100000 --kinds corrupt    # bench/data/events-100000-corrupt.csv (+ .json)

A contribution (``contribution-ROWS-KIND/``) is the way a bulk import
arrives: ``events.csv`` with ROWS new events (ids from CE100000, so 900,000
is the most), ``evidence.csv`` with one row per event, a claim of one of five
new sources (cited reports, none archived: so claims, not quotes; the
report contradicts the events marked disputed), and ``sources.csv`` with
those sources. ``valid``: every rule holds. ``bad``: every event breaks the id
pattern and every odd row repeats the type, place and dates of the row
before it. ``meta.json`` gives the expected count of each rule.

Every value comes from the descriptor (conflict_events._schema): codes from
the vocabularies, coordinates inside the country's bounding box
(conflict_events._catalogue.rows.country_box), subtypes under their type, actor
ids from the package's own records. Figures are left empty, as new events
without a casualties table must have them.

A corrupt events file (``--kinds corrupt``) breaks exactly one rule in each
corrupted row, the same number of rows per kind; the sidecar JSON records
the kinds, their counts and the CSV line of every corrupted row (the header
is line 1). Rows are written in chunks, so memory stays flat at any size.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

DATA_DIR = Path(__file__).resolve().parent / "data"
CHUNK = 100_000  # even, so that a corrupted (odd) row's source row (the one before) is in its chunk
EPOCH = np.datetime64("2000-01-01")

#: kind -> rule id that validate reports for it; the rules a Table Schema expresses are marked
KINDS = {
    "type": ("type", True),
    "required": ("required", True),
    "enum": ("enum", True),
    "pattern": ("pattern", True),
    "minimum": ("minimum", True),
    "maximum": ("maximum", True),
    "unique": ("unique", True),
    "end-before-start": ("end-before-start", False),
    "fatalities-order": ("fatalities-order", False),
    "coordinates-outside-country": ("coordinates-outside-country", False),
    "subtype-mismatch": ("subtype-mismatch", False),
    "country-code": ("country-code", False),
    "formula-injection": ("formula-injection", False),
    "foreign-key": ("foreign-key", False),
    "near-duplicate": ("near-duplicate", False),
}
#: problems about the whole file that a lone events table always gets (new events have no evidence
#: table; the fatalities-order rows have figures but no casualties table)
FILE_LEVEL = {"event-without-evidence": 1}
WORDS = np.array("north south east west river hill port field bridge station road market valley lake forest".split())


def _context():
    """What the generator derives from the package: fields, vocabularies, countries, known ids."""
    import pycountry

    from conflict_events import _schema as schema
    from conflict_events._paths import DATASET_DIR
    from conflict_events._records import read_records
    from conflict_events._catalogue.rows import country_box

    vocab = schema.vocabularies()
    codes = sorted(c.alpha_3 for c in pycountry.countries)
    boxed = [c for c in codes if country_box(c) is not None]
    records, _ = read_records(DATASET_DIR)
    return {
        "fields": [f["name"] for f in schema.fields("events")],
        "types": list(vocab["event_type"]),
        "subtypes": {t: [s for s, e in vocab["event_subtype"].items() if e.get("parent") == t] for t in vocab["event_type"]},
        "parents": {s: e.get("parent") for s, e in vocab["event_subtype"].items()},
        "date_precision": list(vocab["date_precision"]),
        "geo_precision": list(vocab["geo_precision"]),
        "verification": list(vocab["verification"]),
        "countries": boxed,
        "boxes": np.array([country_box(c) for c in boxed], dtype="float64"),  # west, south, east, north
        "actors": [r["actor_id"] for r in records["actors"]],
        "sources": [r["source_id"] for r in records["sources"]],
    }


def _dates(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(EPOCH + days.astype("timedelta64[D]"), unit="D").astype(object)


def _chunk(ctx: dict, start: int, size: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Valid rows ``start .. start+size-1``, as object arrays of text (None for empty)."""
    ids = np.arange(start, start + size)
    out: dict[str, np.ndarray] = {"event_id": np.char.add("CE", np.char.zfill(ids.astype(str), 6)).astype(object)}
    types = np.array(ctx["types"], dtype=object)[rng.integers(0, len(ctx["types"]), size)]
    subtypes = np.full(size, None, dtype=object)
    for event_type, options in ctx["subtypes"].items():
        mask = types == event_type
        if options:
            pick = np.array(options + [None], dtype=object)[rng.integers(0, len(options) + 1, mask.sum())]
            subtypes[mask] = pick
    out["event_type"], out["event_subtype"] = types, subtypes
    first = rng.integers(0, 9000, size)
    out["start_date"], out["end_date"] = _dates(first), _dates(first + rng.integers(0, 31, size))
    out["date_precision"] = np.array(ctx["date_precision"], dtype=object)[rng.integers(0, len(ctx["date_precision"]), size)]
    out["date_note"] = np.where(rng.random(size) < 0.3, "Resolved from a weekday in the text.", None).astype(object)
    country = rng.integers(0, len(ctx["countries"]), size)
    out["country_iso3"] = np.array(ctx["countries"], dtype=object)[country]
    box = ctx["boxes"][country]
    lat = np.round(box[:, 1] + rng.random(size) * (box[:, 3] - box[:, 1]), 5)
    lon = np.round(box[:, 0] + rng.random(size) * (box[:, 2] - box[:, 0]), 5)
    has_point = rng.random(size) < 0.9
    out["admin1"] = np.where(rng.random(size) < 0.5, np.char.add("Region ", (ids % 97).astype(str)), None).astype(object)
    out["location"] = np.char.add(np.char.add(WORDS[ids % len(WORDS)], " "), ids.astype(str)).astype(object)  # unique: no near-duplicates
    out["latitude"] = np.where(has_point, lat.astype(str), None).astype(object)
    out["longitude"] = np.where(has_point, lon.astype(str), None).astype(object)
    out["geo_precision"] = np.array(ctx["geo_precision"], dtype=object)[rng.integers(0, len(ctx["geo_precision"]), size)]
    out["geo_note"] = np.where(has_point, "Coordinates of the named place.", None).astype(object)
    actors = np.array(ctx["actors"] + [None], dtype=object)
    out["actor1_id"] = actors[rng.integers(0, len(actors), size)]
    out["actor2_id"] = actors[rng.integers(0, len(actors), size)]
    for name in ("fatalities_low", "fatalities_best", "fatalities_high", "injured", "missing", "casualties_as_of", "casualties_as_of_precision"):
        out[name] = np.full(size, None, dtype=object)
    out["weapon"] = np.where(rng.random(size) < 0.2, "Kh-22", None).astype(object)
    out["verification"] = np.array(ctx["verification"], dtype=object)[rng.integers(0, len(ctx["verification"]), size)]
    out["summary"] = np.char.add("Synthetic event number ", ids.astype(str)).astype(object)
    out["source_ids"] = np.array(ctx["sources"], dtype=object)[rng.integers(0, len(ctx["sources"]), size)]
    return out


def _corrupt(kind: str, cols: dict[str, np.ndarray], i: int, ctx: dict, rng: np.random.Generator) -> None:
    """Break exactly one rule in row ``i`` of the chunk (row ``i - 1`` is valid and stays so)."""
    if kind == "type":
        cols["start_date"][i] = f"{2001 + i % 20}-02-30"
        cols["end_date"][i] = f"{2001 + i % 20}-03-15"
    elif kind == "required":
        cols["summary"][i] = None
    elif kind == "enum":
        cols["verification"][i] = "certain"
    elif kind == "pattern":
        cols["event_id"][i] = cols["event_id"][i] + "X"
    elif kind == "minimum":
        cols["longitude"][i], cols["latitude"][i] = "-200.5", None
    elif kind == "maximum":
        cols["latitude"][i], cols["longitude"][i] = "95.25", None
    elif kind == "unique":
        cols["event_id"][i] = cols["event_id"][i - 1]
    elif kind == "end-before-start":
        start = np.datetime64(cols["start_date"][i])
        cols["end_date"][i] = str(start - np.timedelta64(3, "D"))
    elif kind == "fatalities-order":
        cols["fatalities_low"][i], cols["fatalities_best"][i] = "5", "3"
    elif kind == "coordinates-outside-country":
        west, south, east, north = ctx["boxes"][ctx["countries"].index(cols["country_iso3"][i])]
        lat = north + 3 if north + 3 <= 90 else south - 3
        cols["latitude"][i], cols["longitude"][i] = f"{lat:.5f}", f"{(west + east) / 2:.5f}"
    elif kind == "subtype-mismatch":
        cols["event_type"][i], cols["event_subtype"][i] = "exercise", "missile"
    elif kind == "country-code":
        cols["country_iso3"][i] = "XYZ"
    elif kind == "formula-injection":
        cols["summary"][i] = "=HYPERLINK(\"http://example.invalid\")"
    elif kind == "foreign-key":
        cols["actor1_id"][i] = "NOBODY-KNOWN"
    elif kind == "near-duplicate":
        for name in ("event_type", "event_subtype", "country_iso3", "location", "latitude", "longitude", "start_date", "end_date"):
            cols[name][i] = cols[name][i - 1]
    else:  # pragma: no cover
        raise ValueError(kind)


def generate(rows: int, valid: bool = False, seed: int = 20230116, folder: Path = DATA_DIR, per_kind: int | None = None) -> tuple[Path, Path]:
    """Write the CSV and its sidecar JSON; return their paths."""
    if rows > 1_000_000:
        raise ValueError("event ids have six digits: at most 1,000,000 rows")
    folder.mkdir(parents=True, exist_ok=True)
    name = f"events-{rows}-{'valid' if valid else 'corrupt'}"
    path, sidecar = folder / f"{name}.csv", folder / f"{name}.json"
    ctx = _context()
    rng = np.random.default_rng(seed)
    per_kind = 0 if valid else (per_kind if per_kind is not None else max(1, rows // 2000))
    total = per_kind * len(KINDS)
    if total > rows // 2:
        raise ValueError(f"{rows} rows are too few for {per_kind} corruptions of each of {len(KINDS)} kinds")
    chosen = rng.choice(rows // 2, size=total, replace=False) * 2 + 1  # odd rows; the even row before is their valid source
    kinds = np.repeat(np.array(list(KINDS)), per_kind)
    by_row = dict(zip(chosen.tolist(), kinds.tolist()))
    lines: dict[str, list[int]] = {kind: [] for kind in KINDS}
    fields = ctx["fields"]
    schema = pa.schema([(f, pa.string()) for f in fields])
    with pacsv.CSVWriter(path, schema, write_options=pacsv.WriteOptions(include_header=True)) as writer:
        for start in range(0, rows, CHUNK):
            size = min(CHUNK, rows - start)
            cols = _chunk(ctx, start, size, np.random.default_rng([seed, start]))
            for row in sorted(r for r in by_row if start <= r < start + size):
                _corrupt(by_row[row], cols, row - start, ctx, rng)
                lines[by_row[row]].append(row + 2)
            writer.write_table(pa.table({f: pa.array(cols[f], type=pa.string()) for f in fields}, schema=schema))
    meta = {
        "file": path.name,
        "table": "events",
        "rows": rows,
        "seed": seed,
        "valid": valid,
        "corruptions": {kind: len(v) for kind, v in lines.items() if v},
        "rules": {kind: KINDS[kind][0] for kind in KINDS},
        "table_schema_kinds": [kind for kind, (_, ts) in KINDS.items() if ts],
        "file_level": {**FILE_LEVEL, **({"casualties-not-latest": 1} if lines["fatalities-order"] else {})},
        "lines": {kind: sorted(v) for kind, v in lines.items() if v},
    }
    sidecar.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return path, sidecar


#: event ids of a contribution start here, past the package's own (CE000001..), so that the
#: largest contribution, 900,000 events, ends at CE999999 inside the six-digit pattern
FIRST_ID = 100_000
#: how many new sources a contribution adds (in its sources.csv): its evidence cites these,
#: which have no archived text (an archived text would make every quote a substring search)
NEW_SOURCES = 5
#: the verification levels of a contribution's events: those that one report of one publisher
#: supports (confirmed needs two publishers or the country's authority; claimed, a party's actor)
CONTRIBUTION_LEVELS = ("reported", "unverified", "disputed")


def _sources(count: int) -> dict[str, list]:
    ids = [f"bench-report-{i + 1}" for i in range(count)]
    return {
        "source_id": ids,
        "source_type": ["report"] * count,
        "title": [f"Synthetic situation report {i + 1}" for i in range(count)],
        "publisher": ["Bench Monitoring Mission"] * count,
        "url": [f"https://example.org/reports/{i + 1}" for i in range(count)],
        "published": [f"2024-0{1 + i % 9}-15" for i in range(count)],
        "published_precision": ["day"] * count,
        "language": ["en"] * count,
        "archived_sha256": [None] * count,
        "note": [None] * count,
    }


def contribution_dir(rows: int, kind: str, folder: Path = DATA_DIR) -> Path:
    return folder / f"contribution-{rows}-{kind}"


def made_from() -> str:
    """sha256 of what a contribution is made from: this script, the schema and the package's records.

    A contribution whose ``meta.json`` names another is stale, and is made again: data made for an
    older data model would measure something else.
    """
    import hashlib

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in [Path(__file__).resolve(), *sorted((root / "schema").glob("*.yaml")), *sorted((root / "dataset").rglob("*.yaml"))]:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def generate_contribution(rows: int, kind: str = "valid", seed: int = 20230116, folder: Path = DATA_DIR) -> Path:
    """A bulk contribution: ``events.csv``, ``evidence.csv`` (one row per event) and ``sources.csv``.

    ``valid``: every row passes. ``bad``: every event breaks the id pattern
    (``CE123456X``) and every odd row repeats the type, place and dates of the
    row before it (a near-duplicate); the evidence cites those ids, so that
    nothing else breaks. The folder's ``meta.json`` gives the expected count of
    each rule.
    """
    if kind not in ("valid", "bad"):
        raise ValueError(kind)
    if rows > 1_000_000 - FIRST_ID:
        raise ValueError(f"event ids have six digits and start at CE{FIRST_ID:06d}: at most {1_000_000 - FIRST_ID:,} rows")
    out = contribution_dir(rows, kind, folder)
    out.mkdir(parents=True, exist_ok=True)
    ctx = _context()
    sources = _sources(NEW_SOURCES)
    ctx["sources"] = sources["source_id"]  # the events cite the new sources, as their evidence does
    pacsv.write_csv(pa.table({k: pa.array(v, type=pa.string()) for k, v in sources.items()}), out / "sources.csv")
    fields = ctx["fields"]
    event_schema = pa.schema([(f, pa.string()) for f in fields])
    evidence_fields = ["event_id", "source_id", "quote", "claim", "locator", "stance", "attributed_to", "note"]
    evidence_schema = pa.schema([(f, pa.string()) for f in evidence_fields])
    near_key = ("event_type", "event_subtype", "country_iso3", "location", "latitude", "longitude", "start_date", "end_date")
    with pacsv.CSVWriter(out / "events.csv", event_schema) as events, pacsv.CSVWriter(out / "evidence.csv", evidence_schema) as evidence:
        for start in range(0, rows, CHUNK):
            size = min(CHUNK, rows - start)
            rng = np.random.default_rng([seed, start])
            cols = _chunk(ctx, FIRST_ID + start, size, rng)
            # one report per event: it supports the event (reported, unverified) or contradicts it (disputed)
            cols["verification"] = np.array(CONTRIBUTION_LEVELS, dtype=object)[rng.integers(0, len(CONTRIBUTION_LEVELS), size)]
            if kind == "bad":
                cols["event_id"] = np.char.add(cols["event_id"].astype(str), "X").astype(object)
                for name in near_key:  # odd rows take the place and dates of the even row before them
                    cols[name][1::2] = cols[name][0:-1:2][: len(cols[name][1::2])]
            events.write_table(pa.table({f: pa.array(cols[f], type=pa.string()) for f in fields}, schema=event_schema))
            numbers = np.arange(FIRST_ID + start, FIRST_ID + start + size).astype(str)
            claim = np.char.add(np.char.add("Witnesses reported the incident numbered ", numbers), " near the named place.")
            none = pa.nulls(size, pa.string())
            actors = np.array(ctx["actors"] + [None], dtype=object)
            evidence.write_table(pa.table({
                "event_id": pa.array(cols["event_id"], type=pa.string()),
                "source_id": pa.array(cols["source_ids"], type=pa.string()),  # one source per event: its source_ids
                "quote": none,
                "claim": pa.array(claim.astype(object), type=pa.string()),  # the sources are cited reports, not archived
                "locator": none,
                "stance": pa.array(np.where(cols["verification"] == "disputed", "contradicts", "supports").astype(object), type=pa.string()),
                "attributed_to": pa.array(actors[rng.integers(0, len(actors), size)], type=pa.string()),
                "note": none,
            }, schema=evidence_schema))
    expected = {} if kind == "valid" else {"pattern": rows, "near-duplicate": rows // 2}
    meta = {"rows": rows, "kind": kind, "seed": seed, "made_from": made_from(), "first_id": f"CE{FIRST_ID:06d}", "sources": sources["source_id"],
            "files": ["events.csv", "evidence.csv", "sources.csv"], "expected": expected}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return out


def ensure_contribution(rows: int, kind: str = "valid", folder: Path = DATA_DIR) -> Path:
    """The contribution folder of this size and kind, generated if it is not there yet, or stale (see :func:`made_from`)."""
    out = contribution_dir(rows, kind, folder)
    meta = out / "meta.json"
    if meta.is_file() and json.loads(meta.read_text(encoding="utf-8")).get("made_from") == made_from():
        return out
    return generate_contribution(rows, kind, folder=folder)


def ensure(rows: int, valid: bool = False, folder: Path = DATA_DIR) -> tuple[Path, Path]:
    """The data file of this size and kind, generated if it is not there yet."""
    name = f"events-{rows}-{'valid' if valid else 'corrupt'}"
    path, sidecar = folder / f"{name}.csv", folder / f"{name}.json"
    if path.is_file() and sidecar.is_file():
        return path, sidecar
    return generate(rows, valid, folder=folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[900_000])
    parser.add_argument("--kinds", nargs="+", choices=("valid", "bad", "corrupt"), default=["valid", "bad"],
                        help="contributions (valid, bad) or a lone events file with known corruptions (corrupt)")
    parser.add_argument("--seed", type=int, default=20230116)
    parser.add_argument("--ensure", action="store_true",
                        help="make only the contributions that are missing or stale, and print each one's folder")
    args = parser.parse_args(argv)
    for rows in args.rows:
        for kind in args.kinds:
            began = time.perf_counter()
            if args.ensure and kind != "corrupt":
                print(ensure_contribution(rows, kind))
            elif kind == "corrupt":
                path, sidecar = generate(rows, False, args.seed)
                print(f"{path} ({path.stat().st_size / 1e6:.1f} MB, {rows:,} rows) and {sidecar.name} in {time.perf_counter() - began:.1f} s")
            else:
                folder = generate_contribution(rows, kind, args.seed)
                size = sum(f.stat().st_size for f in folder.glob("*.csv")) / 1e6
                print(f"{folder}/ ({size:.1f} MB, {rows:,} events and evidence rows) in {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

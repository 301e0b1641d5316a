"""The practical floor: a hand-written pyarrow pass over a contribution's table files that checks the same rules.

    python bench/floor.py events.csv evidence.csv sources.csv
    # prints {"rows": {table: N}, "counts": {rule: N}, "problems": [[file, line, rule], ...]}

Each file's table is its name (``events.csv``, ``evidence.csv``,
``sources.csv``). pyarrow.csv streams each file in blocks, every column as
text; pyarrow.compute checks each block against the descriptor
(conflict_events._schema: types, required, enum, pattern, minimum/maximum,
length), and every text cell for a formula start and for raw control
characters. Then the rules ``validate`` adds, written here by hand:

* events: end before start, fatalities order, country code, coordinates
  inside or near the country's box, subtype of the type, retired ids;
* evidence: exactly one of quote and claim;
* across rows: unique ids, the evidence's primary key (event, source, locator,
  quote, claim),
  near-duplicate events (same type, place and dates under another id);
* across files: every reference (events' actors and sources, evidence's
  event, source and actor) against the given rows and the package's own
  records; every event has evidence; each event's ``source_ids`` lists the
  sources of its evidence; quotes of archived sources occur in the text; an
  event with casualty figures has a casualty report (the package's: the floor
  reads no casualties file, and compares no figures); a quote's source is
  archived or a dataset; each event's verification level is one its evidence
  supports (disputed: a contradicting entry; confirmed: the country's
  authority or two publishers; claimed: an actor of a party).

None of this comes from conflict_events' rule catalogue or its engine (the
ratio to ``validate`` would mean nothing): only the descriptor, the package's
own records (as context), and a country's bounding box. Only line numbers are
kept, as validate does, at most ``MAX_LISTED`` per rule with the exact count;
there are no messages, no YAML, no pandas or polars. It is what validation
costs at the least.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from conflict_events import _schema

MAX_LISTED = 1000
FORMULA_BYTES = np.frombuffer(b"=+-@\t\r", dtype=np.uint8)  # first characters a spreadsheet runs as a formula
#: C0 controls but tab and line feed, DEL, C1 controls, bidi overrides and isolates (RE2 syntax)
CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
FIGURES = ("fatalities_low", "fatalities_best", "fatalities_high", "injured", "missing", "casualties_as_of")
NEAR_DUPLICATE_KEY = ["event_type", "country_iso3", "location", "latitude", "longitude", "start_date", "end_date"]
INTEGER, NUMBER, DATE = r"^[+-]?[0-9]+$", r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
EVIDENCE_KEY = ["event_id", "source_id", "locator", "quote", "claim"]
#: actor types that speak for a state (a level "confirmed" by the event country's authority)
AUTHORITIES = ["state", "force", "government_body", "official"]
#: the order tables are read in: the targets of references first
ORDER = ("sources", "actors", "events", "evidence", "casualties", "equipment", "retired")


def _context() -> dict:
    import pycountry

    from conflict_events._catalogue.rows import NEAR_DEGREES, country_box
    from conflict_events._paths import DATASET_DIR
    from conflict_events._records import read_records

    codes = sorted(c.alpha_3 for c in pycountry.countries)
    boxed = [c for c in codes if country_box(c) is not None]
    records, _ = read_records(DATASET_DIR)
    vocab = _schema.vocabularies()
    subtypes = list(vocab["event_subtype"])
    texts = {}
    for source in records["sources"]:
        path = Path(DATASET_DIR) / "archive" / f"{source['source_id']}.txt"
        if source.get("archived_sha256") and path.is_file():
            texts[source["source_id"]] = path.read_text(encoding="utf-8")
    return {
        "countries": pa.array(codes),
        "boxed": pa.array(boxed),
        "boxes": np.array([country_box(c) for c in boxed] + [(np.nan,) * 4], dtype="float64"),
        "near": NEAR_DEGREES,
        "subtypes": pa.array(subtypes),
        "parents": pa.array([vocab["event_subtype"][s].get("parent") for s in subtypes]),
        "actors": [r["actor_id"] for r in records["actors"]],
        "sources": [r["source_id"] for r in records["sources"]],
        "events": [str(r["event_id"]) for r in records["events"]],
        "evidence_events": [str(r["event_id"]) for r in records["evidence"]],
        "retired": [str(r["event_id"]) for r in records["retired"]],
        "casualty_events": [str(r["event_id"]) for r in records["casualties"]],
        "actor_rows": pa.table({k: pa.array([r.get(k) for r in records["actors"]], pa.string()) for k in ("actor_id", "country_iso3", "actor_type")}),
        "source_rows": pa.table({k: pa.array([None if r.get(k) is None else str(r.get(k)) for r in records["sources"]], pa.string())
                                 for k in ("source_id", "source_type", "archived_sha256", "publisher")}),
        "texts": texts,
    }


def _mask(array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


class Problems:
    """At most MAX_LISTED (file, line) per rule, and the exact count of each rule."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.listed: dict[str, list[tuple[str, int]]] = collections.defaultdict(list)

    def report(self, mask: np.ndarray, rule: str, file: str | np.ndarray, lines: np.ndarray) -> None:
        """Count the rows of ``mask``; list the first, each with its line and ``file`` (one name, or one per row)."""
        hits = np.flatnonzero(mask)
        if not len(hits):
            return
        self.counts[rule] += len(hits)
        room = MAX_LISTED - len(self.listed[rule])
        if room > 0:
            self.listed[rule] += [(file if isinstance(file, str) else str(file[i]), int(lines[i])) for i in hits[:room]]


class Kept:
    """Columns of one table kept for the rules across rows and files, with each row's file and line."""

    def __init__(self) -> None:
        self.columns: dict[str, list[pa.Array]] = collections.defaultdict(list)
        self.flags: list[np.ndarray] = []  # events: the row has casualty figures; evidence: neither or both of quote and claim
        self.files: list[np.ndarray] = []
        self.lines: list[np.ndarray] = []

    def column(self, name: str) -> pa.Array:
        chunks = self.columns.get(name, [])
        return pa.chunked_array(chunks, pa.string()).combine_chunks() if chunks else pa.array([], pa.string())

    def where(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.lines:
            return np.array([], dtype=object), np.array([], dtype=np.int64)
        return np.concatenate(self.files), np.concatenate(self.lines)


def _fields_check(batch: pa.RecordBatch, fields: list[dict], report, ctx: dict) -> dict:
    """The descriptor's constraints and the text rules on every cell of a block; the typed columns."""
    typed = {}
    columns = set(batch.schema.names)
    n = batch.num_rows
    for field in fields:
        name, kind, constraints = field["name"], field["type"], field.get("constraints", {})
        if name not in columns:
            typed[name] = pa.nulls(n, pa.string())
            continue
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
            if name.endswith("iso3"):
                report(_mask(pc.invert(pc.is_in(text, value_set=ctx["countries"]))), "country-code")
            formula, control = _text_rules(text)
            report(formula, "formula-injection")
            report(control, "control-character")
            typed[name] = text
        elif kind == "date":
            parsed = _day(text, pc.match_substring_regex(text, DATE))
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
            report(_empty_items(items), "type")
            if "minLength" in constraints:
                report(_mask(pc.less(pc.list_value_length(items), constraints["minLength"])), "length")
            typed[name] = items
        else:  # datetime: a date, or a date and time (only its day is parsed: no rule here compares the time)
            day = _day(pc.utf8_slice_codeunits(text, 0, 10), pc.match_substring_regex(text, DATETIME))
            report(_mask(pc.and_(present, pc.is_null(day))), "type")
            typed[name] = text
    return typed


def _day(text: pa.Array, ok: pa.Array) -> pa.Array:
    """The day of each YYYY-MM-DD cell that ``ok`` admits; null for the others and for days not in the calendar."""
    parsed = pc.strptime(pc.if_else(ok, text, None), format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2023-02-30 over to 2023-03-02: a day that is not in the calendar changes the month
    month = pc.cast(pc.utf8_slice_codeunits(pc.if_else(ok, text, None), 5, 7), pa.int64())
    return pc.if_else(pc.equal(pc.month(parsed), month), parsed, None)


def _text_rules(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(starts like a formula, holds a control character) per cell, read off the UTF-8 bytes.

    The first byte of each cell is compared with the formula starts; the
    whole buffer is scanned once for the bytes a control character (or a C1
    or bidi code point: lead bytes C2 and E2) can start with, and only a
    buffer that has one is matched with the regular expression.
    """
    n = len(text)
    if text.null_count == n:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    _, offsets, data = text.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int32)[text.offset:text.offset + n + 1]
    data = np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    nonempty = offsets[1:] > offsets[:-1]
    formula = np.zeros(n, dtype=bool)
    formula[nonempty] = np.isin(data[starts[nonempty]], FORMULA_BYTES)
    if text.null_count:
        formula &= pc.is_valid(text).to_numpy(zero_copy_only=False)
    suspicious = ((data < 0x20) & (data != 0x09) & (data != 0x0A)) | (data == 0x7F) | (data == 0xC2) | (data == 0xE2)
    control = _mask(pc.match_substring_regex(text, CONTROL)) if suspicious.any() else np.zeros(n, dtype=bool)
    return formula, control


def _empty_items(items: pa.Array) -> pa.Array:
    """True where a list holds an empty item."""
    flat = pc.equal(pc.list_flatten(items), "")
    rows = pc.list_parent_indices(items).to_numpy()
    bad = np.zeros(len(items), dtype=bool)
    bad[rows[_mask(flat)]] = True
    return bad


def _events_rows(typed: dict, report, ctx: dict) -> None:
    report(_mask(pc.less(typed["end_date"], typed["start_date"])), "end-before-start")
    low, best, high = typed["fatalities_low"], typed["fatalities_best"], typed["fatalities_high"]
    report(_mask(pc.or_kleene(pc.or_kleene(pc.greater(low, best), pc.greater(best, high)), pc.greater(low, high))), "fatalities-order")
    where = pc.fill_null(pc.index_in(typed["country_iso3"], value_set=ctx["boxed"]), len(ctx["boxes"]) - 1).to_numpy()
    west, south, east, north = ctx["boxes"][where].T
    lat = pc.fill_null(typed["latitude"], np.nan).to_numpy(zero_copy_only=False)
    lon = pc.fill_null(typed["longitude"], np.nan).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        in_range = (lat >= -90) & (lat <= 90) & (lon >= -180) & (lon <= 180) & ~np.isnan(west)
        d = ctx["near"]
        outside = ~((lat >= south - d) & (lat <= north + d) & (lon >= west - d) & (lon <= east + d))
    report(in_range & outside, "coordinates-outside-country")
    parent = pc.take(ctx["parents"], pc.index_in(typed["event_subtype"], value_set=ctx["subtypes"]))
    report(_mask(pc.not_equal(parent, typed["event_type"])), "subtype-mismatch")
    report(_mask(pc.is_in(typed["event_id"], value_set=pa.array(ctx["retired"], pa.string()))), "retired-id")


def _reference(values: pa.Array, known: pa.Array) -> np.ndarray:
    """True where a value is given and not one of ``known``."""
    return _mask(pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known))))


def _first_seen(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(repeated: the value occurred in an earlier row, shared: it occurs in more than one row); empty cells are neither."""
    codes = pc.fill_null(pc.dictionary_encode(values).indices, -1).to_numpy(zero_copy_only=False)
    _, first, inverse, counts = np.unique(codes, return_index=True, return_inverse=True, return_counts=True)
    repeated = np.ones(len(codes), dtype=bool)
    repeated[first] = False
    empty = codes == -1
    return repeated & ~empty, (counts[inverse] > 1) & ~empty


def _joined(columns: list[pa.Array]) -> pa.Array:
    return pc.binary_join_element_wise(*columns, "\x1f", null_handling="replace", null_replacement="\x00")


def check(paths: list[Path]) -> dict:
    ctx = _context()
    problems = Problems()
    kept: dict[str, Kept] = collections.defaultdict(Kept)
    given = sorted(((p.name.split(".")[0].split("-")[0], p) for p in paths), key=lambda tp: ORDER.index(tp[0]))
    for table, path in given:
        fields = _schema.fields(table)
        options = pacsv.ConvertOptions(column_types={f["name"]: pa.string() for f in fields}, strings_can_be_null=True, quoted_strings_can_be_null=True)
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=16 << 20), convert_options=options)
        file, offset = path.name, 0
        for batch in reader:
            lines = np.arange(offset + 2, offset + 2 + batch.num_rows)

            def report(mask: np.ndarray, rule: str) -> None:
                problems.report(mask, rule, file, lines)

            typed = _fields_check(batch, fields, report, ctx)
            keep = kept[table]
            if table == "events":
                _events_rows(typed, report, ctx)
                keep.columns["event_id"].append(typed["event_id"])
                keep.columns["near"].append(_joined([batch.column(k) for k in NEAR_DUPLICATE_KEY]))
                keep.columns["source_ids"].append(batch.column("source_ids"))
                for name in ("actor1_id", "actor2_id", "country_iso3", "verification"):
                    keep.columns[name].append(typed[name])
                figures = np.zeros(batch.num_rows, dtype=bool)
                for name in FIGURES:
                    figures |= pc.is_valid(typed[name]).to_numpy(zero_copy_only=False)
                keep.flags.append(figures)
            elif table == "evidence":
                for name in ("event_id", "source_id", "attributed_to", "stance", "quote"):
                    keep.columns[name].append(typed[name])
                keep.columns["key"].append(_joined([typed[k] for k in EVIDENCE_KEY]))
                has_quote, has_claim = pc.is_valid(typed["quote"]), pc.is_valid(typed["claim"])
                keep.flags.append(_mask(pc.equal(has_quote, has_claim)))  # neither, or both: evidence-kind, with the quotes' sources
                if ctx["texts"]:  # quotes of sources with an archived text occur in it
                    archived = _mask(pc.and_(pc.is_in(typed["source_id"], value_set=pa.array(list(ctx["texts"]))), pc.is_valid(typed["quote"])))
                    bad = np.zeros(batch.num_rows, dtype=bool)
                    for i in np.flatnonzero(archived):
                        bad[i] = typed["quote"][i].as_py() not in ctx["texts"][typed["source_id"][i].as_py()]
                    report(bad, "quote-not-in-source")
            else:
                for field in fields:
                    if field.get("constraints", {}).get("unique"):
                        keep.columns[field["name"]].append(typed[field["name"]])
                if table == "sources":
                    for name in ("source_type", "archived_sha256", "publisher"):
                        keep.columns[name].append(typed[name])
            keep.files.append(np.full(batch.num_rows, file, dtype=object))
            keep.lines.append(lines)
            offset += batch.num_rows
    _across(kept, problems, ctx)
    return {"rows": {t: int(sum(len(x) for x in k.lines)) for t, k in kept.items()}, "counts": dict(sorted(problems.counts.items())),
            "problems": [[f, line, rule] for rule, hits in problems.listed.items() for f, line in hits]}


def _across(kept: dict[str, Kept], problems: Problems, ctx: dict) -> None:
    """Rules across rows and files: unique ids and keys, near-duplicates, references, evidence of each event."""
    sources = pa.array(ctx["sources"] + (kept["sources"].column("source_id").to_pylist() if "sources" in kept else []), pa.string())
    actors = pa.array(ctx["actors"], pa.string())
    if "sources" in kept:
        files, lines = kept["sources"].where()
        repeated, _ = _first_seen(kept["sources"].column("source_id"))
        problems.report(repeated, "unique", files, lines)
    events = kept.get("events")
    evidence = kept.get("evidence")
    event_ids = events.column("event_id") if events else pa.array([], pa.string())
    if events:
        files, lines = events.where()
        repeated, shared = _first_seen(event_ids)
        problems.report(repeated, "unique", files, lines)
        near_repeated, _ = _first_seen(events.column("near"))
        problems.report(near_repeated & ~shared, "near-duplicate", files, lines)
        for name in ("actor1_id", "actor2_id"):
            problems.report(_reference(events.column(name), actors), "foreign-key", files, lines)
        lists = pc.split_pattern(events.column("source_ids"), ";")
        flat, parents = pc.list_flatten(lists), pc.list_parent_indices(lists).to_numpy()
        unknown = np.zeros(len(event_ids), dtype=bool)
        unknown[parents[_mask(pc.and_(pc.not_equal(flat, ""), pc.invert(pc.is_in(flat, value_set=sources))))]] = True
        problems.report(unknown, "foreign-key", files, lines)
        # figures need a casualty report to be the latest of (no casualties file is read: the package's reports)
        reported = pa.array(ctx["casualty_events"], pa.string())
        figures = np.concatenate(events.flags) if events.flags else np.zeros(len(event_ids), dtype=bool)
        problems.report(figures & ~_mask(pc.is_in(event_ids, value_set=reported)), "casualties-not-latest", files, lines)
        if evidence is not None:
            # every event has evidence
            cited = pa.chunked_array([evidence.column("event_id"), pa.array(ctx["evidence_events"], pa.string())]).combine_chunks()
            problems.report(_reference(event_ids, cited), "event-without-evidence", files, lines)
            # source_ids lists every source of the event's evidence: (event, source) pairs of the evidence of given events
            listed = _joined([pc.take(event_ids, pa.array(parents)), flat])
            ev_event, ev_source = evidence.column("event_id"), evidence.column("source_id")
            of_given = _mask(pc.and_(pc.is_in(ev_event, value_set=event_ids), pc.is_valid(ev_source)))
            pairs = _joined([pc.filter(ev_event, pa.array(of_given)), pc.filter(ev_source, pa.array(of_given))])
            missing = pc.filter(pc.filter(ev_event, pa.array(of_given)), pc.invert(pc.is_in(pairs, value_set=listed)))
            problems.report(_mask(pc.and_(pc.is_valid(events.column("source_ids")), pc.is_in(event_ids, value_set=pc.unique(missing)))),
                         "source-not-cited", files, lines)
    if evidence is not None:
        files, lines = evidence.where()
        known_events = pa.chunked_array([event_ids, pa.array(ctx["events"], pa.string())]).combine_chunks()
        problems.report(_reference(evidence.column("event_id"), known_events), "foreign-key", files, lines)
        problems.report(_reference(evidence.column("source_id"), sources), "foreign-key", files, lines)
        problems.report(_reference(evidence.column("attributed_to"), actors), "foreign-key", files, lines)
        repeated, _ = _first_seen(evidence.column("key"))
        problems.report(repeated, "primary-key", files, lines)
        # a quote needs an archived source or a dataset row (the given sources replace the package's of the same id)
        given = kept["sources"] if "sources" in kept else None
        known = ctx["source_rows"]
        if given is not None:
            given_rows = pa.table({k: given.column(k) for k in ("source_id", "source_type", "archived_sha256", "publisher")})
            known = pa.concat_tables([known.filter(pc.invert(pc.is_in(known["source_id"], value_set=given_rows["source_id"]))), given_rows])
        quotable = known.filter(pc.or_(pc.is_valid(known["archived_sha256"]), pc.equal(known["source_type"], "dataset")))["source_id"]
        quote, source = evidence.column("quote"), evidence.column("source_id")
        unquotable = _mask(pc.and_(pc.is_valid(quote), pc.invert(pc.is_in(source, value_set=quotable))))
        problems.report(unquotable | np.concatenate(evidence.flags), "evidence-kind", files, lines)  # once per row
        if events:
            _verification(events, evidence, known, ctx, problems)


def _verification(events: Kept, evidence: Kept, sources: pa.Table, ctx: dict, problems: Problems) -> None:
    """An event's verification level is one its evidence (the given rows) supports."""
    actors = ctx["actor_rows"]
    ev = pa.table({"event_id": evidence.column("event_id"), "source_id": evidence.column("source_id"),
                   "attributed_to": evidence.column("attributed_to"), "stance": pc.fill_null(evidence.column("stance"), "supports")})
    ev_ids = events.column("event_id")
    place = pa.table({"event_id": ev_ids, "country": events.column("country_iso3"), "a1": events.column("actor1_id"), "a2": events.column("actor2_id")})
    who = actors.rename_columns(["actor", "actor_country", "actor_type"])
    place = place.join(who.select(["actor", "actor_country"]).rename_columns(["a1", "c1"]), "a1", join_type="left outer")
    place = place.join(who.select(["actor", "actor_country"]).rename_columns(["a2", "c2"]), "a2", join_type="left outer")
    disputed = ev.filter(pc.equal(ev["stance"], "contradicts"))["event_id"]
    supports = ev.filter(pc.not_equal(ev["stance"], "contradicts"))
    published = supports.join(sources.select(["source_id", "publisher"]), "source_id", join_type="inner")
    published = published.filter(pc.is_valid(published["publisher"])).group_by("event_id").aggregate([("publisher", "count_distinct")])
    confirmed = [published.filter(pc.greater_equal(published["publisher_count_distinct"], 2))["event_id"]]
    said = supports.join(who, keys="attributed_to", right_keys="actor", join_type="inner").join(place, "event_id", join_type="inner")
    if said.num_rows:
        home = pc.fill_null(pc.equal(said["actor_country"], said["country"]), False)
        confirmed.append(said.filter(pc.and_(home, pc.is_in(said["actor_type"], value_set=pa.array(AUTHORITIES))))["event_id"])
        stake = pc.or_(home, pc.or_(pc.fill_null(pc.equal(said["actor_country"], said["c1"]), False),
                                    pc.fill_null(pc.equal(said["actor_country"], said["c2"]), False)))
        claimed = said.filter(stake)["event_id"]
    else:
        claimed = pa.array([], pa.string())
    met = {"disputed": disputed, "confirmed": pa.chunked_array(confirmed, pa.string()), "claimed": claimed}
    level = events.column("verification")
    bad = np.zeros(len(ev_ids), dtype=bool)
    for name, ids in met.items():
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        bad |= _mask(pc.and_(pc.equal(level, name), pc.invert(pc.is_in(ev_ids, value_set=ids))))
    files, lines = events.where()
    problems.report(bad, "verification", files, lines)


if __name__ == "__main__":
    print(json.dumps(check([Path(p) for p in sys.argv[1:]])))

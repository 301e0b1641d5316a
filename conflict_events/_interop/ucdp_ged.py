"""UCDP GED in and out: a GED file (CSV or Parquet) as draft records, and events as GED's layout.

Import, row by row (see docs/interop.md):

- ``event_id`` is ``UCDPGED-<id>``; the evidence row's ``locator`` is ``id``.
- ``date_prec`` and ``where_prec`` read through the vocabulary's ``ucdp`` column; a missing
  one skips the row, counted.
- ``type_of_violence`` 1 (state-based) and 2 (non-state) become :data:`EVENT_TYPE` events: GED
  records that organised forces fought and people died, not how (a strike or a clash), so the
  choice is a default that the import can be told to change. 3 (one-sided violence against
  civilians) has no counterpart here, as ACLED's Violence against civilians has none, and is
  skipped.
- ``best``, ``low``, ``high`` become a casualty report (as of the GED version's date); the
  ``deaths_*`` columns stay in its note and in the evidence note, so that export gives them back.
- ``side_a`` and ``side_b`` are actors ``UCDP-<side_a_new_id>``; "Government of X" is a state.
- GED has no narrative of its own (its headlines are other outlets' words), so the evidence is
  a ``claim`` built from the fields.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from conflict_events._interop import crosswalk as cw
from conflict_events._interop._read import country_iso3, text_batches
from conflict_events._interop.drafts import Draft, Sink, actor_id, file_date, moment_text, slug
from conflict_events._interop.report import MappingReport

NAME = "UCDP GED"
#: The event type of GED's state-based and non-state violence (type_of_violence 1 and 2).
EVENT_TYPE = "clash"
#: GED's layout, as export writes it (the columns of GED 23.1 and later).
COLUMNS = ("id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
           "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
           "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
           "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
           "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
           "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
           "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob")
#: Columns our fields carry; every other GED column is kept in the evidence note.
CARRIED = ("id", "date_start", "date_end", "adm_1", "where_coordinates", "latitude", "longitude", "best", "low", "high")
NOTE_PREFIX = "UCDP GED row: "
UCDP_ACTOR = {"actor_id": "UCDP", "name": "Uppsala Conflict Data Program (UCDP)", "actor_type": "organisation",
              "country_iso3": None, "parent_id": None, "note": "The dataset an import cites; the author of its estimates."}
_ID = re.compile(r"[A-Za-z0-9._-]+")
_TYPES = {"1": "state-based", "2": "non-state", "3": "one-sided"}


def _day(text: str) -> dt.date | None:
    text = text.strip().replace("T", " ").split(" ")[0]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        try:
            return dt.datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            return None


def _int(text: str) -> int | None:
    text = text.strip()
    if re.fullmatch(r"[0-9]+(\.0+)?", text):
        return int(float(text))
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None


class _Importer:
    def __init__(self, path: Path, sink: Sink, published: dt.date | None, event_type: str):
        if event_type not in cw.vocabulary_codes("event_type"):
            raise ValueError(f"event_type {event_type!r} is not a code of the event_type vocabulary")
        self.path, self.sink, self.event_type = Path(path), sink, event_type
        self.report = MappingReport(NAME)
        self.published = published or file_date(self.path)
        self.source_id = f"ucdp-ged-{self.published.isoformat()}"
        self.actors: dict[str, dict[str, Any]] = {"UCDP": dict(UCDP_ACTOR)}
        self.seen: set[str] = set()

    def run(self) -> MappingReport:
        self.sink.take(text_batches(self.path, needs=("id", "date_start", "type_of_violence"), dataset="a UCDP GED file"), self.row, self.report)
        self.sink.finish(self.actors.values(), [{
            "source_id": self.source_id, "source_type": "dataset", "title": f"UCDP Georeferenced Event Dataset file {self.path.name}",
            "publisher": "Uppsala Conflict Data Program (UCDP)", "url": "https://ucdp.uu.se/downloads/",
            "published": self.published, "published_precision": "day", "language": "en", "archived_sha256": None,
            "note": "Imported with `conflict-events import ucdp-ged`; each evidence row cites a GED event by id in its locator. "
                    "published is the day the file was written unless the import was told."}])
        return self.report

    def actor(self, name: str, new_id: str) -> str | None:
        name = name.strip()
        if not name:
            return None
        key = f"UCDP-{slug(new_id)}" if new_id.strip().isdigit() else actor_id("UCDP", name)
        if key not in self.actors:
            state = name.startswith("Government of ")
            iso3 = country_iso3(name=name[len("Government of "):]) if state else None
            self.actors[key] = {"actor_id": key, "name": name, "actor_type": "state" if state else "group", "country_iso3": iso3,
                                "parent_id": None, "note": f"A UCDP actor (new_id {new_id.strip() or 'not given'})."}
        return key

    def row(self, row: dict[str, str], number: int) -> Draft | None:
        get = lambda column: (row.get(column) or "").strip()  # noqa: E731
        report = self.report
        external = get("id")
        if not external:
            return report.skip("id empty", number)
        if not _ID.fullmatch(external):
            report.unmapped_value("id", external)
            return report.skip("id has characters an id cannot hold", number)
        if external in self.seen:
            return report.skip("id repeated (the first row is kept)", number)
        violence = get("type_of_violence")
        if violence not in ("1", "2"):
            report.unmapped_value("type_of_violence", violence)
            return report.skip("no counterpart for the type of violence (3: one-sided violence against civilians)"
                               if violence == "3" else "type_of_violence missing or not 1, 2 or 3", number)
        start, end = _day(get("date_start")), _day(get("date_end"))
        if start is None or end is None:
            report.unmapped_value("date_start / date_end", f"{get('date_start')} / {get('date_end')}")
            return report.skip("date_start or date_end unreadable", number)
        date_precision = cw.ucdp_to_code("date_precision").get(_int(get("date_prec")) or -1)
        if date_precision is None:
            report.unmapped_value("date_prec", get("date_prec"))
            return report.skip("date_prec missing or not a UCDP code", number)
        geo_precision = cw.ucdp_to_code("geo_precision").get(_int(get("where_prec")) or -1)
        if geo_precision is None:
            report.unmapped_value("where_prec", get("where_prec"))
            return report.skip("where_prec missing or not a UCDP code", number)
        iso3 = country_iso3(name=get("country"))
        if iso3 is None:
            report.unmapped_value("country", get("country"))
            return report.skip("country not recognised", number)
        self.seen.add(external)
        event_id = f"UCDPGED-{external}"
        side_a = self.actor(get("side_a"), get("side_a_new_id"))
        side_b = self.actor(get("side_b"), get("side_b_new_id"))
        best, low, high = _int(get("best")), _int(get("low")), _int(get("high"))
        deaths = {c: get(c) for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown") if get(c)}
        as_of = moment_text(self.published, "day")
        casualties = []
        if best is not None or low is not None or high is not None:
            casualties.append({"event_id": event_id, "as_of": as_of, "as_of_precision": "day", "source_id": self.source_id,
                               "reported_by": "UCDP", "killed_low": low, "killed_best": best, "killed_high": high,
                               "injured": None, "missing": None, "rescued": None,
                               "note": "UCDP GED estimates; by side: " + (", ".join(f"{k} {v}" for k, v in deaths.items()) or "not given") + "."})
        kept = {c: get(c) for c in COLUMNS if c not in CARRIED and get(c)}
        place = ", ".join(p for p in (get("where_coordinates"), get("adm_1"), get("country")) if p)
        when = f"on {start.isoformat()}" if start == end else f"between {start.isoformat()} and {end.isoformat()}"
        names = " and ".join(n for n in (get("side_a"), get("side_b")) if n)
        claim = (f"UCDP GED codes {_TYPES[violence]} violence{' between ' + names if names else ''} at {place or 'an unnamed place'} "
                 f"{when}, with a best estimate of {get('best') or 'no'} deaths (low {get('low') or '-'}, high {get('high') or '-'}).")
        evidence = [{"event_id": event_id, "source_id": self.source_id, "quote": None, "claim": claim, "attributed_to": None,
                     "locator": external, "stance": "supports",
                     "note": NOTE_PREFIX + json.dumps(kept, ensure_ascii=False, separators=(", ", ": "))}]
        event = {
            "event_id": event_id, "event_type": self.event_type, "event_subtype": None,
            "start_date": start, "end_date": end, "date_precision": date_precision,
            "date_note": None if date_precision == "day" else f"UCDP date_prec {get('date_prec')}.",
            "country_iso3": iso3, "admin1": get("adm_1") or None, "location": get("where_coordinates") or None,
            "latitude": _number(get("latitude")), "longitude": _number(get("longitude")), "geo_precision": geo_precision,
            "geo_note": f"UCDP where_prec {get('where_prec')}" + (f": {get('where_description')}" if get("where_description") else "") + ".",
            "actor1_id": side_a, "actor2_id": side_b,
            "fatalities_low": low, "fatalities_best": best, "fatalities_high": high, "injured": None, "missing": None,
            "casualties_as_of": as_of if casualties else None,
            "casualties_as_of_precision": "day" if casualties else None,
            "weapon": None, "verification": "reported",
            "summary": f"{cw.label('event_type', self.event_type)}{' between ' + names if names else ''} at "
                       f"{place or 'a place not named'} {when}, as recorded by UCDP GED (id {external}).",
            "source_ids": [self.source_id],
        }
        return Draft(event, evidence, casualties)


def import_ucdp_ged(path: str | Path, out: str | Path | None = None, *, layout: str = "auto",
                    published: dt.date | str | None = None, event_type: str = EVENT_TYPE) -> tuple[MappingReport, Any]:
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    sink = Sink(None if out is None else Path(out), layout)
    report = _Importer(Path(path), sink, published, event_type).run()
    return report, (Path(out) if out is not None else sink)


def to_ucdp_rows(events: list[dict[str, Any]], context: Any, report: MappingReport) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        report.rows += 1
        kept, _ = context.kept(event["event_id"], NAME)
        if not kept and cw.plover_type(event.get("event_type"), event.get("event_subtype")) != "ASSAULT":
            report.skip(f"GED holds only lethal organised violence, not {event.get('event_type')}", event["event_id"])
            report.unmapped_value("event_type", event.get("event_type"))
            continue
        start, end = context.day(event.get("start_date")), context.day(event.get("end_date"))
        best = event.get("fatalities_best")
        if best is None:
            report.notes["no best estimate: best left empty (GED always has one)"] += 1
        for column in ("injured", "missing"):
            if event.get(column) is not None:
                report.dropped[column] += 1
        external = str(event["event_id"])
        external = external[len("UCDPGED-"):] if external.startswith("UCDPGED-") else external
        row: dict[str, Any] = {c: kept.get(c) for c in COLUMNS}
        if not kept:
            report.notes["deaths by side not known: best written as deaths_unknown"] += 1
            row.update({"type_of_violence": 1, "deaths_a": None, "deaths_b": None, "deaths_civilians": None,
                        "deaths_unknown": best, "year": start.year if start else None,
                        "side_a": context.actor_name(event.get("actor1_id")), "side_b": context.actor_name(event.get("actor2_id")),
                        "country": context.country_name(event.get("country_iso3")),
                        "source_article": context.publishers(event)})
        row.update({
            "id": external, "date_start": start.isoformat() if start else None, "date_end": end.isoformat() if end else None,
            "date_prec": kept.get("date_prec") or cw.code_to_ucdp("date_precision").get(event.get("date_precision")),
            "where_prec": kept.get("where_prec") or cw.code_to_ucdp("geo_precision").get(event.get("geo_precision")),
            "adm_1": event.get("admin1"), "where_coordinates": event.get("location"),
            "latitude": event.get("latitude"), "longitude": event.get("longitude"),
            "best": best, "low": event.get("fatalities_low"), "high": event.get("fatalities_high"),
        })
        report.imported += 1
        rows.append(row)
    return rows

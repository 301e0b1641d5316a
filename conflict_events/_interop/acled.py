"""ACLED in and out: an ACLED export (CSV or Parquet, any year's columns) as draft records, and events as ACLED's layout.

Import, row by row (see docs/interop.md for the reasons):

- ``event_id`` is ``ACLED-<event_id_cnty>``; the evidence row's ``locator`` is ``event_id_cnty``.
- ``event_type``/``sub_event_type`` go through the vocabulary's crosswalk; a pair with no
  counterpart (Protests, Riots, Violence against civilians, most Strategic developments) is
  skipped and counted. ACLED's own type and sub-type stay in the evidence row's note.
- ``event_date`` reads ``2023-01-14``, ``9-May-20``, ``14 January 2023`` and ``14/01/2023``;
  ``time_precision`` 1, 2, 3 gives a day, the week around it, or its month.
- ``fatalities`` of 0 is read as "not known": ACLED writes 0 both for none and for an
  unknown toll, so no casualty report is made and the figures stay empty; the evidence note
  keeps the 0 and the export writes 0 again.
- ``notes`` is ACLED's wording: it becomes the evidence's ``quote``, attributed to ACLED;
  without notes the evidence is a ``claim`` built from the fields.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import re
from pathlib import Path
from typing import Any

from conflict_events._interop import crosswalk as cw
from conflict_events._interop._read import country_iso3, text_batches
from conflict_events._interop.drafts import Draft, Sink, actor_id, file_date, moment_text
from conflict_events._interop.report import MappingReport

NAME = "ACLED"
ACLED_ACTOR = {"actor_id": "ACLED", "name": "Armed Conflict Location & Event Data (ACLED)", "actor_type": "organisation",
               "country_iso3": None, "parent_id": None, "note": "The dataset an import cites; the author of its notes."}
#: The columns of ACLED's layout that export writes, in ACLED's order (2023 onwards).
COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
           "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
           "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
           "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp")
#: ACLED columns our fields do not hold: kept in the evidence row's note, so that export gives them back.
KEPT = ("event_type", "sub_event_type", "disorder_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
        "inter2", "interaction", "civilian_targeting", "iso", "iso3", "region", "country", "admin2", "admin3", "source",
        "source_scale", "tags", "timestamp", "data_id", "event_id_no_cnty", "time_precision", "geo_precision")
NOTE_PREFIX = "ACLED row: "
#: ACLED's actor types (inter1, inter2; numbers before 2024, words since) as our actor_type.
INTER = {"1": "force", "state forces": "force", "2": "group", "rebel group": "group", "rebel groups": "group",
         "3": "group", "political militia": "group", "political militias": "group", "4": "group",
         "identity militia": "group", "identity militias": "group", "5": "group", "rioters": "group",
         "6": "group", "protesters": "group", "7": "group", "civilians": "group", "8": "force",
         "external/other forces": "force", "external/other force": "force"}
_ID = re.compile(r"[A-Za-z0-9._-]+")
_DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%y", "%d-%b-%Y", "%d %B %Y", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%d %b %Y")


@functools.lru_cache(maxsize=65536)
def parse_date(text: str) -> dt.date | None:
    """An ACLED event_date: ``2023-01-14``, ``9-May-20``, ``14 January 2023``, ``14/01/2023`` (day first)."""
    text = text.strip()
    if "T" in text or " 00:00" in text:
        text = text.replace("T", " ").split(" ")[0]
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def window(day: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The first and last day an ACLED date stands for, by our date_precision code."""
    if precision == cw.ucdp_to_code("date_precision")[cw.ACLED_TIME_TO_UCDP["2"]]:
        half = dt.timedelta(days=cw.ACLED_WEEK_HALF)
        return day - half, day + half
    if precision == cw.ucdp_to_code("date_precision")[cw.ACLED_TIME_TO_UCDP["3"]]:
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day, day


def _moment(text: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]+(\.0+)?", text):
        return dt.datetime.fromtimestamp(int(float(text)), dt.timezone.utc)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value else None


class _Importer:
    def __init__(self, path: Path, sink: Sink, published: dt.date | None):
        self.path, self.sink = Path(path), sink
        self.report = MappingReport(NAME)
        self.published = published or file_date(self.path)
        self.source_id = f"acled-{self.published.isoformat()}"
        self.actors: dict[str, dict[str, Any]] = {}
        self.seen: set[str] = set()
        self.keys: dict[str, str] = {}
        self.used_acled = False

    def run(self) -> MappingReport:
        self.sink.take(text_batches(self.path, needs=("event_id_cnty", "event_date", "event_type"), dataset="an ACLED file"), self.row, self.report)
        if self.used_acled:
            self.actors["ACLED"] = dict(ACLED_ACTOR)
        self.sink.finish(self.actors.values(), [self.source()])
        return self.report

    def source(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "source_type": "dataset", "title": f"ACLED data export {self.path.name}",
                "publisher": "Armed Conflict Location & Event Data (ACLED)", "url": "https://acleddata.com/",
                "published": self.published, "published_precision": "day", "language": "en", "archived_sha256": None,
                "note": "Imported with `conflict-events import acled`; each evidence row cites an ACLED event by "
                        "event_id_cnty in its locator. published is the day the file was written unless the import was told."}

    def actor(self, name: str, inter: str) -> str | None:
        if not name:
            return None
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = actor_id("ACLED", name)
            kind = INTER.get(inter.strip().lower())
            if kind is None:
                if inter.strip():
                    self.report.unmapped_value("inter", inter)
                kind = "group"
            self.actors[key] = {"actor_id": key, "name": name, "actor_type": kind, "country_iso3": None, "parent_id": None,
                                "note": f"An ACLED actor name (ACLED actor type {inter.strip() or 'not given'})."}
        return key

    def row(self, row: dict[str, str], number: int) -> Draft | None:
        get = lambda column: row.get(column) or ""  # noqa: E731  (cells come trimmed, never None)
        report = self.report
        external = get("event_id_cnty")
        if not external:
            return report.skip("event_id_cnty empty", number)
        if not _ID.fullmatch(external):
            report.unmapped_value("event_id_cnty", external)
            return report.skip("event_id_cnty has characters an id cannot hold", number)
        if external in self.seen:
            return report.skip("event_id_cnty repeated (the first row is kept)", number)
        kind = cw.from_acled_type(get("event_type"), get("sub_event_type"))
        if kind is None:
            report.unmapped_value("event_type / sub_event_type", f"{get('event_type')} / {get('sub_event_type')}")
            return report.skip("no counterpart for the ACLED event type", number)
        event_type, event_subtype, how = kind
        if how == "ambiguous subtype":
            report.notes[f"event_subtype left empty: '{get('sub_event_type')}' fits several of our subtypes"] += 1
        day = parse_date(get("event_date"))
        if day is None:
            report.unmapped_value("event_date", get("event_date"))
            return report.skip("event_date unreadable", number)
        date_precision = cw.acled_precision("date_precision", get("time_precision"))
        if date_precision is None:
            report.unmapped_value("time_precision", get("time_precision"))
            return report.skip("time_precision missing or not 1, 2 or 3", number)
        geo_precision = cw.acled_precision("geo_precision", get("geo_precision"))
        if geo_precision is None:
            report.unmapped_value("geo_precision", get("geo_precision"))
            return report.skip("geo_precision missing or not 1, 2 or 3", number)
        iso3 = country_iso3(get("iso3"), get("iso"), get("country"))
        if iso3 is None:
            report.unmapped_value("country", get("country") or get("iso"))
            return report.skip("country not recognised", number)
        self.seen.add(external)
        start, end = window(day, date_precision)
        actor1 = self.actor(get("actor1"), get("inter1"))
        actor2 = self.actor(get("actor2"), get("inter2"))
        fatalities_text = get("fatalities")
        fatalities = int(fatalities_text) if fatalities_text.isdigit() else None
        if fatalities_text and fatalities is None:
            report.unmapped_value("fatalities", fatalities_text)
        if fatalities == 0:
            report.notes["fatalities 0 read as not known: no casualty report (ACLED writes 0 for none and for unknown)"] += 1
            fatalities = None
        event_id = f"ACLED-{external}"
        kept = {c: row[c] for c in KEPT if row.get(c)}
        if date_precision != "day":
            kept["event_date"] = day.isoformat()
        if fatalities_text == "0":
            kept["fatalities"] = "0"
        as_of, as_of_precision = _moment(get("timestamp")), "minute"
        if as_of is None:
            as_of, as_of_precision = self.published, "day"
        casualties = []
        if fatalities is not None:
            self.used_acled = True
            casualties.append({"event_id": event_id, "as_of": moment_text(as_of, as_of_precision), "as_of_precision": as_of_precision,
                               "source_id": self.source_id, "reported_by": "ACLED", "killed_low": None, "killed_best": fatalities,
                               "killed_high": None, "injured": None, "missing": None, "rescued": None,
                               "note": "ACLED's fatalities: one figure, its best count, overwritten as the toll changes."})
        notes = get("notes")
        quote = notes if notes and len(notes) <= 1000 else None
        if notes and quote is None:
            report.notes["notes longer than 1,000 characters: cited as a claim, not quoted"] += 1
        names = [n for n in (get("actor1"), get("actor2")) if n]
        place = ", ".join(p for p in (get("location"), get("admin1"), get("country")) if p)
        when = _when(day, start, end, date_precision)
        claim = None if quote else (
            f"ACLED codes {get('event_type')} ({get('sub_event_type') or 'no sub-event type'})"
            f"{' involving ' + ' and '.join(names) if names else ''} at {place or 'an unnamed place'} {when}, "
            f"with {fatalities_text or 'no'} reported fatalities.")
        if quote:
            self.used_acled = True
        evidence = [{"event_id": event_id, "source_id": self.source_id, "quote": quote, "claim": claim,
                     "attributed_to": "ACLED" if quote else None, "locator": external, "stance": "supports",
                     "note": NOTE_PREFIX + json.dumps(kept, ensure_ascii=False, separators=(", ", ": "))}]
        latitude, longitude = _number(get("latitude")), _number(get("longitude"))
        summary = (f"{cw.label('event_type', event_type)}{' involving ' + ' and '.join(names) if names else ''}"
                   f" at {place or 'a place not named'} {when}, as recorded by ACLED ({external}).")
        event = {
            "event_id": event_id, "event_type": event_type, "event_subtype": event_subtype,
            "start_date": start, "end_date": end, "date_precision": date_precision,
            "date_note": None if date_precision == "day" else
            f"ACLED time_precision {get('time_precision')}: coded on {day.isoformat()}; the window is the {date_precision} it stands for.",
            "country_iso3": iso3, "admin1": get("admin1") or None, "location": get("location") or None,
            "latitude": latitude, "longitude": longitude, "geo_precision": geo_precision,
            "geo_note": f"ACLED geo_precision {get('geo_precision')}" + (f"; admin2 {get('admin2')}" if get("admin2") else "")
            + (f"; admin3 {get('admin3')}" if get("admin3") else "") + ".",
            "actor1_id": actor1, "actor2_id": actor2,
            "fatalities_low": None, "fatalities_best": fatalities, "fatalities_high": None, "injured": None, "missing": None,
            "casualties_as_of": casualties[0]["as_of"] if casualties else None,
            "casualties_as_of_precision": casualties[0]["as_of_precision"] if casualties else None,
            "weapon": None, "verification": "reported", "summary": summary, "source_ids": [self.source_id],
        }
        return Draft(event, evidence, casualties)


def _when(day: dt.date, start: dt.date, end: dt.date, precision: str) -> str:
    if start == end:
        return f"on {day.isoformat()}"
    if precision == "month":
        return f"in {day.strftime('%B %Y')}"
    return f"between {start.isoformat()} and {end.isoformat()}"


def import_acled(path: str | Path, out: str | Path | None = None, *, layout: str = "auto",
                 published: dt.date | str | None = None) -> tuple[MappingReport, Any]:
    """Import an ACLED file: (the mapping report, the folder written or, with no ``out``, the tables)."""
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    sink = Sink(None if out is None else Path(out), layout)
    importer = _Importer(Path(path), sink, published)
    report = importer.run()
    return report, (Path(out) if out is not None else sink)


# ---------------------------------------------------------------- export


def to_acled_rows(events: list[dict[str, Any]], context: Any, report: MappingReport) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        report.rows += 1
        kept, notes = context.kept(event["event_id"], NAME)
        acled_type, acled_sub = cw.to_acled_type(event.get("event_type"), event.get("event_subtype"))
        acled_type, acled_sub = kept.get("event_type", acled_type), kept.get("sub_event_type", acled_sub)
        if acled_type is None:
            report.skip(f"no ACLED event type for {event.get('event_type')}", event["event_id"])
            report.unmapped_value("event_type", event.get("event_type"))
            continue
        start = context.day(event.get("start_date"))
        end = context.day(event.get("end_date"))
        precision = event.get("date_precision")
        time_precision = kept.get("time_precision") or cw.to_acled_precision("date_precision", precision)
        if "event_date" in kept:
            day = dt.date.fromisoformat(kept["event_date"])
        elif start is not None and end is not None:
            day = start + (end - start) // 2
        else:
            day = start
        if precision not in ("day", None) and "event_date" not in kept and time_precision == "3":
            report.notes["event_date: the middle day of a window longer than a week"] += 1
        fatalities = event.get("fatalities_best")
        if fatalities is None:
            report.notes["fatalities unknown written as 0 (ACLED's convention)"] += 1
        for column in ("fatalities_low", "fatalities_high", "injured", "missing"):
            if event.get(column) is not None and not (column.startswith("fatalities") and event.get(column) == fatalities):
                report.dropped[column] += 1
        if event.get("fatalities_best") is None and (event.get("fatalities_low") is not None or event.get("fatalities_high") is not None):
            report.notes["no best estimate: fatalities is 0, low/high left out"] += 1
        actor1 = kept.get("actor1") or context.actor_name(event.get("actor1_id"))
        actor2 = kept.get("actor2") or context.actor_name(event.get("actor2_id"))
        external = event["event_id"][len("ACLED-"):] if str(event["event_id"]).startswith("ACLED-") else event["event_id"]
        row = {
            "event_id_cnty": external, "event_date": day.isoformat() if day else None, "year": day.year if day else None,
            "time_precision": int(time_precision) if time_precision else None,
            "disorder_type": kept.get("disorder_type") or ("Political violence" if acled_type in ("Battles", "Explosions/Remote violence") else "Strategic developments"),
            "event_type": acled_type, "sub_event_type": acled_sub,
            "actor1": actor1, "assoc_actor_1": kept.get("assoc_actor_1"), "inter1": kept.get("inter1"),
            "actor2": actor2, "assoc_actor_2": kept.get("assoc_actor_2"), "inter2": kept.get("inter2"),
            "interaction": kept.get("interaction"), "civilian_targeting": kept.get("civilian_targeting"),
            "iso": kept.get("iso") or context.iso_numeric(event.get("country_iso3")),
            "region": kept.get("region"), "country": kept.get("country") or context.country_name(event.get("country_iso3")),
            "admin1": event.get("admin1"), "admin2": kept.get("admin2"), "admin3": kept.get("admin3"),
            "location": event.get("location"), "latitude": event.get("latitude"), "longitude": event.get("longitude"),
            "geo_precision": int(kept.get("geo_precision") or cw.to_acled_precision("geo_precision", event.get("geo_precision")) or 0) or None,
            "source": kept.get("source") or context.publishers(event), "source_scale": kept.get("source_scale"),
            "notes": notes if kept else event.get("summary"),  # an imported row gets ACLED's own notes back, or none
            "fatalities": int(fatalities) if fatalities is not None else 0,
            "tags": kept.get("tags"), "timestamp": kept.get("timestamp"),
        }
        for vocabulary, code, written in (("date_precision", precision, row["time_precision"]),
                                          ("geo_precision", event.get("geo_precision"), row["geo_precision"])):
            back = cw.acled_precision(vocabulary, str(written or ""))
            if code is not None and back != code:
                report.notes[f"{vocabulary} {code} written as ACLED's nearest code, {written} ({back})"] += 1
        report.imported += 1
        rows.append(row)
    return rows


"""Events as PLOVER records (the event ontology of POLECAT): one row per event, type through the crosswalk.

PLOVER describes a dyad's act on one day: actor, recipient, type, mode, context, place. So
a window of several days is written as its first day (the window's end is kept in
``end_date``), and our casualty figures, which PLOVER does not hold, are reported as left out.
"""

from __future__ import annotations

from typing import Any

from conflict_events._interop import crosswalk as cw
from conflict_events._interop.report import MappingReport

NAME = "PLOVER"
COLUMNS = ("event_id", "event_date", "end_date", "event_type", "event_mode", "event_context", "actor", "actor_country",
           "recipient", "recipient_country", "country", "admin1", "placename", "latitude", "longitude", "event_text", "source")


def to_plover_rows(events: list[dict[str, Any]], context: Any, report: MappingReport) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        report.rows += 1
        kind = cw.plover_type(event.get("event_type"), event.get("event_subtype"))
        if kind is None:
            report.skip(f"no PLOVER type for {event.get('event_type')}", event["event_id"])
            report.unmapped_value("event_type", event.get("event_type"))
            continue
        start, end = context.day(event.get("start_date")), context.day(event.get("end_date"))
        if start != end:
            report.notes["a window of several days: event_date is its first day, end_date its last"] += 1
        for column in ("fatalities_low", "fatalities_best", "fatalities_high", "injured", "missing"):
            if event.get(column) is not None:
                report.dropped[column] += 1
        rows.append({
            "event_id": event["event_id"], "event_date": start.isoformat() if start else None,
            "end_date": end.isoformat() if end else None, "event_type": kind, "event_mode": None, "event_context": None,
            "actor": context.actor_name(event.get("actor1_id")), "actor_country": context.actor_country(event.get("actor1_id")),
            "recipient": context.actor_name(event.get("actor2_id")), "recipient_country": context.actor_country(event.get("actor2_id")),
            "country": event.get("country_iso3"), "admin1": event.get("admin1"), "placename": event.get("location"),
            "latitude": event.get("latitude"), "longitude": event.get("longitude"), "event_text": event.get("summary"),
            "source": context.publishers(event),
        })
        report.imported += 1
    return rows

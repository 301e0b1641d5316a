"""Rules on rows against other tables: foreign keys, evidence, sources cited, latest figures, retired ids.

Each check takes the table's rows and the related tables (narwhals frames
with a ``_row`` column) and gives, per field, the rows that break it. A rule
whose ``needs`` are not all given is skipped, and the report says so.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from conflict_events import _schema
from conflict_events._catalogue._rule import Rule, register

#: list fields that hold ids of another table (a Table Schema cannot declare these as foreign keys)
LIST_REFERENCES = {("events", "source_ids"): ("sources", "source_id")}
#: events column <- casualties column, for the latest report
LATEST_FIGURES = {
    "fatalities_low": "killed_low",
    "fatalities_best": "killed_best",
    "fatalities_high": "killed_high",
    "injured": "injured",
    "missing": "missing",
    "casualties_as_of": "as_of",
    "casualties_as_of_precision": "as_of_precision",
}


def references(table: str) -> list[tuple[str, str, str, bool]]:
    """(field, target table, target field, is a list) of every reference a table makes."""
    out = []
    for fk in _schema.resource(table)["schema"].get("foreignKeys", []):
        (column,) = fk["fields"]
        (target_column,) = fk["reference"]["fields"]
        out.append((column, fk["reference"]["resource"] or table, target_column, False))
    out += [(field, target, key, True) for (source, field), (target, key) in LIST_REFERENCES.items() if source == table]
    return out


def _foreign_keys(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    out = {}
    for column, target, key, is_list in references(table):
        if column not in frame.columns or (target not in related and target != table):
            continue
        known = (frame if target == table else related[target]).select(nw.col(key).alias("_key")).unique()
        rows = frame.select("_row", column).filter(~nw.col(column).is_null())
        if is_list:
            rows = rows.explode(column).filter(~nw.col(column).is_null())
        bad = rows.join(known, left_on=column, right_on="_key", how="anti")
        out[column] = bad.select("_row", nw.col(column).alias("bad")).unique("_row", keep="any")
    return out


def _targets(table: str) -> tuple[str, ...]:
    return tuple(sorted({target for _, target, _, _ in references(table) if target != table}))


register(Rule(
    "foreign-key", "reference", "the referenced row exists",
    "add the referenced actor, source or event, or correct the identifier",
    "{field} {bad} is not the id of a known {target}",
    check=_foreign_keys,
    extra=lambda row, table: {"target": _target_name(table, row.get("_field"))},
    example={"evidence": {"source_id": "no-such-source"}},
))


def _target_name(table: str, field: str | None) -> str:
    for column, target, _, _ in references(table):
        if column == field:
            return {"events": "event", "actors": "actor", "sources": "source"}.get(target, target)
    return "row"


def _without_evidence(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    evidence = related["evidence"].select("event_id").unique()
    return {"event_id": frame.select("_row", "event_id").join(evidence, on="event_id", how="anti").select("_row")}


register(Rule(
    "event-without-evidence", "reference", "every event has at least one evidence entry",
    "add an evidence entry: a verbatim quote from an archived source, or a cited report",
    "event {event_id} has no evidence",
    tables=("events",), needs=("evidence",), reads={"events": ("event_id",), "evidence": ("event_id",)}, check=_without_evidence,
))


def _cited(related: dict[str, Any]) -> Any:
    parts = [related[t].select("event_id", "source_id") for t in ("evidence", "casualties") if t in related]
    return nw.concat(parts).unique() if len(parts) > 1 else parts[0].unique()


def _sources_not_cited(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    listed = frame.select("event_id", "source_ids").filter(~nw.col("source_ids").is_null())
    have = listed.explode("source_ids").select("event_id", source_id=nw.col("source_ids"))
    needed = _cited(related).join(listed.select("event_id"), on="event_id", how="semi")
    missing = needed.join(have, on=["event_id", "source_id"], how="anti").select("event_id").unique()
    return {"source_ids": frame.select("_row", "event_id").join(missing, on="event_id", how="semi").select("_row")}


register(Rule(
    "source-not-cited", "reference", "source_ids lists the sources of the event's evidence and casualty reports",
    "list every source the evidence and casualty reports cite",
    "event {event_id}: source_ids {value} does not list every source of its evidence and casualty reports",
    tables=("events",), needs=("evidence",), check=_sources_not_cited,
    reads={"events": ("event_id", "source_ids"), "evidence": ("event_id", "source_id"), "casualties": ("event_id", "source_id")},
))


def _not_latest(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    from conflict_events._timeline import latest_reports

    reports = related["casualties"].select("event_id", "source_id", *LATEST_FIGURES.values())
    latest = nw.from_native(latest_reports(reports.to_native()), eager_only=True).select(
        "event_id", *[nw.col(report).alias(f"_latest_{column}") for column, report in LATEST_FIGURES.items()]
    )
    joined = frame.select("_row", "event_id", *LATEST_FIGURES).join(latest, on="event_id", how="left")
    differs = nw.lit(False)
    for column in LATEST_FIGURES:
        a, b = nw.col(column), nw.col(f"_latest_{column}")
        if column == "casualties_as_of":  # a date-time and a date are compared as the moment they name
            a, b = a.cast(nw.String), b.cast(nw.String)
        same = (a == b).fill_null(False) | (a.is_null() & b.is_null())
        differs = differs | ~same
    return {"fatalities_best": joined.filter(differs).select("_row")}


register(Rule(
    "casualties-not-latest", "reference", "the event's figures equal its latest casualty report",
    "copy the figures of the latest report, or add a report for the new figures",
    "event {event_id}: the figures differ from its latest casualty report",
    tables=("events",), needs=("casualties",), check=_not_latest, spark=False,
    reads={"events": ("event_id", *LATEST_FIGURES), "casualties": ("event_id", "source_id", *LATEST_FIGURES.values())},
))


def _retired(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    retired = related["retired"].select("event_id", "retired_in", "reason", "successor").unique("event_id", keep="any")
    hits = frame.select("_row", "event_id").join(retired, on="event_id", how="inner")
    return {"event_id": hits.select("_row", "retired_in", "reason", "successor")}


register(Rule(
    "retired-id", "reference", "a new event does not reuse a retired or released event_id", "take the next free event_id",
    "event_id {event_id} was retired in {retired_in} ({reason}{succeeded}); a retired id is never reused",
    tables=("events",), needs=("retired",), check=_retired,
    reads={"events": ("event_id",), "retired": ("event_id", "retired_in", "reason", "successor")},
    extra=lambda row, table: {"retired_in": row.get("retired_in"), "reason": row.get("reason"),
                              "succeeded": f", succeeded by {row['successor']}" if row.get("successor") else ""},
))

"""What an export reads: the tables of a release, of a dataset folder (records or table files), or frames given."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

#: The tables an export reads besides events (each optional).
RELATED = ("evidence", "actors", "sources")
#: Note prefixes of the evidence rows an import writes, by dataset.
PREFIXES = {"ACLED": "ACLED row: ", "UCDP GED": "UCDP GED row: "}


def records(frame: Any) -> list[dict[str, Any]]:
    """A pandas (or polars, or pyarrow) frame's rows as dicts, missing values as None."""
    if not isinstance(frame, pd.DataFrame):
        frame = frame.to_pandas() if hasattr(frame, "to_pandas") else pd.DataFrame(frame)
    plain = frame.astype(object).where(frame.notna(), None)
    return plain.to_dict("records")


def load_tables(version: str | None = None, dataset: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """events, evidence, actors and sources of a release (``version``) or of a dataset folder."""
    if dataset is None:
        from conflict_events import _data as data

        return {name: data.load(name, version=version) for name in ("events", *RELATED)}
    folder = Path(dataset)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    if (folder / "events").is_dir():
        from conflict_events._records import read_records

        rows, problems = read_records(folder)
        return {name: _frame(rows[name]) for name in ("events", *RELATED)} | {"casualties": _frame(rows["casualties"])}
    out = {}
    for name in ("events", *RELATED):
        found = sorted(folder.glob(f"{name}*.parquet")) + sorted(folder.glob(f"{name}*.csv"))
        if found:
            out[name] = pd.concat([pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p, dtype=str) for p in found],
                                  ignore_index=True)
    if "events" not in out:
        raise ValueError(f"{folder}: no events: neither events/ records nor an events table file")
    return out


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{k: v for k, v in row.items() if not k.startswith("_")} for row in rows])


def events_with_figures(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Events read from records lack the figures the build derives: take them from the latest casualty report."""
    events = tables["events"]
    if "fatalities_best" in events.columns or "casualties" not in tables or tables["casualties"].empty:
        return events
    reports = tables["casualties"].copy()
    reports["_as_of"] = reports["as_of"].astype(str)
    latest = reports.sort_values(["event_id", "_as_of", "source_id"]).groupby("event_id").tail(1).set_index("event_id")
    events = events.copy()
    for column, report in (("fatalities_low", "killed_low"), ("fatalities_best", "killed_best"), ("fatalities_high", "killed_high"),
                           ("injured", "injured"), ("missing", "missing")):
        events[column] = events["event_id"].map(latest[report]) if report in latest else None
    return events


def kept_fields(note: Any, prefix: str) -> dict[str, str]:
    """The columns of the other dataset that an import kept in an evidence note (``prefix`` + JSON); empty for a note of ours."""
    import json

    if not isinstance(note, str) or not note.startswith(prefix):
        return {}
    try:
        kept = json.loads(note[len(prefix):])
    except ValueError:
        return {}
    return kept if isinstance(kept, dict) else {}


class ExportContext:
    """The other tables an export needs: the fields an import kept, actor names, publishers."""

    def __init__(self, related: Mapping[str, Any] | None):
        related = dict(related or {})
        self.kept_by_event: dict[tuple[str, str], tuple[dict[str, str], str | None]] = {}
        evidence = related.get("evidence")
        if evidence is not None and len(evidence):
            from conflict_events._interop.acled import NOTE_PREFIX as ACLED_NOTE
            from conflict_events._interop.ucdp_ged import NOTE_PREFIX as UCDP_NOTE

            for row in records(evidence[[c for c in ("event_id", "quote", "note") if c in evidence.columns]]):
                for name, prefix in (("ACLED", ACLED_NOTE), ("UCDP GED", UCDP_NOTE)):
                    kept = kept_fields(row.get("note"), prefix)
                    if kept:
                        self.kept_by_event[(str(row["event_id"]), name)] = (kept, row.get("quote"))
        actors = related.get("actors")
        self.names = {} if actors is None or not len(actors) else dict(zip(actors["actor_id"].astype(str), actors["name"]))
        self.countries = {} if actors is None or not len(actors) or "country_iso3" not in actors.columns else {
            str(a["actor_id"]): a["country_iso3"] for a in records(actors[["actor_id", "country_iso3"]])}
        sources = related.get("sources")
        self.publisher = {} if sources is None or not len(sources) else {
            str(s["source_id"]): s.get("publisher") or s.get("title") or s["source_id"] for s in records(sources)}

    def kept(self, event_id: str, dataset: str) -> tuple[dict[str, str], str | None]:
        return self.kept_by_event.get((str(event_id), dataset), ({}, None))

    def actor_name(self, actor: Any) -> str | None:
        return None if actor is None else self.names.get(str(actor), str(actor))

    def actor_country(self, actor: Any) -> str | None:
        return None if actor is None else self.countries.get(str(actor))

    def publishers(self, event: dict[str, Any]) -> str | None:
        ids = event.get("source_ids")
        if ids is None:
            return None
        if isinstance(ids, str):
            ids = ids.split(";")
        names = [self.publisher.get(str(i), str(i)) for i in list(ids)]
        return "; ".join(dict.fromkeys(n for n in names if n)) or None

    @staticmethod
    def day(value: Any) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value)[:10])

    @staticmethod
    def country_name(iso3: Any) -> str | None:
        return _country(str(iso3))[0] if iso3 else None

    @staticmethod
    def iso_numeric(iso3: Any) -> str | None:
        return _country(str(iso3))[1] if iso3 else None


@functools.lru_cache(maxsize=512)
def _country(iso3: str) -> tuple[str | None, str | None]:
    import pycountry

    found = pycountry.countries.get(alpha_3=iso3)
    if found is None:
        return None, None
    return getattr(found, "common_name", None) or found.name, str(int(found.numeric))

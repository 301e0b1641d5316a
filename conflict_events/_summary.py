"""The text of ``conflict-events info``: version, tables, row counts, date range."""

from __future__ import annotations

import pyarrow.parquet as pq

from conflict_events import _data as data


def summary(version: str | None = None, known_at: object = None) -> str:
    """The summary of a release; with ``known_at``, of the release as it could have been known then (see ``load``)."""
    desc = data.descriptor(version)
    folder = data.release_dir(version)
    events = data.load("events", version, columns=["start_date", "end_date", "event_type"], known_at=known_at)
    span = f", from {events['start_date'].min():%Y-%m-%d} to {events['end_date'].max():%Y-%m-%d}" if len(events) else ""
    lines = [
        f"conflict-events {desc['version']}",
        f"fingerprint: {desc.get('fingerprint')}",
    ]
    if known_at is not None:
        lines.append(f"known at: {events.attrs['known_at']} (sources published later, and reports made later, left out)")
    lines += [f"events: {len(events)}{span}", "", "tables:"]
    for resource in desc["resources"]:
        if known_at is None:
            rows = pq.ParquetFile(folder / resource["path"]).metadata.num_rows
        else:
            rows = len(data.load(resource["name"], version, columns=[resource["schema"]["fields"][0]["name"]], known_at=known_at))
        lines.append(f"  {resource['name']:<13} {rows:>6} rows")
    lines += ["", "events by type:"]
    counts = events["event_type"].value_counts(sort=False)
    lines += [f"  {code:<13} {count:>6}" for code, count in counts.items() if count]
    return "\n".join(lines)

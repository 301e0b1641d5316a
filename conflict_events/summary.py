"""The text of ``conflict-events info``: version, tables, row counts, date range."""

from __future__ import annotations

import pyarrow.parquet as pq

from conflict_events import data


def summary(version: str | None = None) -> str:
    desc = data.descriptor(version)
    folder = data.release_dir(version)
    events = data.load("events", version, columns=["start_date", "end_date", "event_type"])
    lines = [
        f"conflict-events {desc['version']}",
        f"fingerprint: {desc.get('fingerprint')}",
        f"events: {len(events)}, from {events['start_date'].min():%Y-%m-%d} to {events['end_date'].max():%Y-%m-%d}",
        "",
        "tables:",
    ]
    for resource in desc["resources"]:
        rows = pq.ParquetFile(folder / resource["path"]).metadata.num_rows
        lines.append(f"  {resource['name']:<13} {rows:>6} rows")
    lines += ["", "events by type:"]
    counts = events["event_type"].value_counts(sort=False)
    lines += [f"  {code:<13} {count:>6}" for code, count in counts.items() if count]
    return "\n".join(lines)

"""Interoperability: ACLED and UCDP GED files in, as draft records; our events out, as ACLED, UCDP GED or PLOVER.

::

    files ──_read──> text rows ──acled / ucdp_ged──> Draft ──drafts.Sink──> YAML records | Parquet tables | frames
    events + evidence/actors/sources ──frames.ExportContext──> acled / ucdp_ged / plover rows ──> CSV

Every code goes through :mod:`.crosswalk`, which reads ``schema/vocabularies.yaml``; every
input row is accounted for in a :class:`.report.MappingReport`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import pyarrow as pa

from conflict_events._interop.report import MappingReport

IMPORTERS = ("acled", "ucdp-ged")
EXPORTERS = ("acled", "ucdp-ged", "plover")


class Tables(dict):
    """The tables of an import, ``{name: DataFrame}``, with the import's :class:`MappingReport` as ``.report``."""

    report: MappingReport


def _import(kind: str, path: Any, out: Any, **options: Any) -> tuple[MappingReport, Any]:
    from conflict_events._staging import terminate_as_exit

    if kind not in IMPORTERS:
        raise ValueError(f"import reads {' or '.join(IMPORTERS)}, not {kind!r}")
    with terminate_as_exit():  # SIGTERM and SIGHUP clean up the staging folder too
        if kind == "acled":
            from conflict_events._interop.acled import import_acled

            return import_acled(path, out, **options)
        from conflict_events._interop.ucdp_ged import import_ucdp_ged

        return import_ucdp_ged(path, out, **options)


def _frames(arrow: Mapping[str, pa.Table]) -> Tables:
    tables = Tables()
    for name, table in arrow.items():
        frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get, date_as_object=False)
        if "source_ids" in frame.columns:
            frame["source_ids"] = frame["source_ids"].map(lambda v: [] if v is None else str(v).split(";")).astype(object)
        tables[name] = frame
    return tables


def from_acled(path: str | Path, *, published: str | None = None) -> Tables:
    """An ACLED export (CSV or Parquet, any year's columns) as our tables, with the mapping report.

    Parameters
    ----------
    path : str or Path
        The ACLED file, as downloaded from the export tool or the API.
    published : str, optional
        The day (YYYY-MM-DD) the extract was downloaded: the date of the dataset source the
        evidence cites; by default the day the file was last written.

    Returns
    -------
    Tables
        ``{"events", "evidence", "casualties", "actors", "sources": DataFrame}``; ``.report``
        accounts for every row (imported or skipped, with the reason).

    Examples
    --------
    >>> import conflict_events as ce
    >>> tables = ce.from_acled("tests/fixtures/interop/acled_2023.csv", published="2024-03-01")
    >>> tables.report.rows == tables.report.imported + sum(tables.report.skipped.values())
    True
    """
    report, sink = _import("acled", path, None, published=published)
    tables = _frames(sink.finish_tables)
    tables.report = report
    return tables


def from_ucdp_ged(path: str | Path, *, published: str | None = None, event_type: str = "clash") -> Tables:
    """A UCDP GED file (CSV or Parquet) as our tables, with the mapping report; see :func:`from_acled`.

    ``event_type`` is the type given to GED's state-based and non-state violence, which GED does
    not split into strikes and clashes.

    Examples
    --------
    >>> import conflict_events as ce
    >>> tables = ce.from_ucdp_ged("tests/fixtures/interop/ucdp_ged.csv", published="2024-06-01")
    >>> sorted(tables)
    ['actors', 'casualties', 'events', 'evidence', 'sources']
    """
    report, sink = _import("ucdp-ged", path, None, published=published, event_type=event_type)
    tables = _frames(sink.finish_tables)
    tables.report = report
    return tables


def import_file(kind: str, path: str | Path, out: str | Path, *, layout: str = "auto", published: str | None = None) -> MappingReport:
    """Write the draft records of an import into the folder ``out``: what ``conflict-events import`` does."""
    if not Path(path).is_file():
        raise ValueError(f"{path}: no such file")
    report, _ = _import(kind, path, out, layout=layout, published=published)
    return report


def _export(kind: str, frame: Any, related: Mapping[str, Any] | None) -> pd.DataFrame:
    from conflict_events._interop import acled, plover, ucdp_ged
    from conflict_events._interop.frames import ExportContext, events_with_figures, records

    if isinstance(frame, Mapping):
        related = {**{k: v for k, v in frame.items() if k != "events"}, **(related or {})}
        frame = frame["events"]
    if related and "casualties" in related:
        frame = events_with_figures({"events": frame, "casualties": related["casualties"]})
    module, rows_of = {"acled": (acled, acled.to_acled_rows), "ucdp-ged": (ucdp_ged, ucdp_ged.to_ucdp_rows),
                       "plover": (plover, plover.to_plover_rows)}[kind]
    report = MappingReport(module.NAME, direction="export")
    rows = rows_of(records(frame), ExportContext(related), report)
    out = pd.DataFrame(rows, columns=list(module.COLUMNS), dtype=object)
    out.attrs["report"] = report
    return out


def to_acled(frame: Any, related: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Events in ACLED's layout (the columns of its 2023 exports), codes through the crosswalk.

    Parameters
    ----------
    frame : DataFrame or mapping of table name to DataFrame
        The events (``ce.load()``), or every table (``ce.from_acled(...)``).
    related : mapping, optional
        ``evidence``, ``actors``, ``sources`` (and ``casualties`` for records): actor names,
        publishers, and the ACLED columns an import kept, which come back as they were.

    Returns
    -------
    pandas.DataFrame
        One row per event that ACLED's types can express; ``.attrs["report"]`` lists the
        events left out and the values ACLED cannot hold (low and high estimates, injured, missing).

    Examples
    --------
    >>> import conflict_events as ce
    >>> acled = ce.to_acled(ce.from_acled("tests/fixtures/interop/acled_2023.csv", published="2024-03-01"))
    >>> acled["event_id_cnty"].tolist()[:2]
    ['UKR1001', 'UKR1002']
    """
    return _export("acled", frame, related)


def to_ucdp_ged(frame: Any, related: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Events in UCDP GED's layout; see :func:`to_acled`. Only lethal organised violence fits GED: other types are reported as left out."""
    return _export("ucdp-ged", frame, related)


def to_plover(frame: Any, related: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Events as PLOVER records (type through the crosswalk, actor and recipient by name); see :func:`to_acled`."""
    return _export("plover", frame, related)


def export_file(kind: str, output: str, version: str | None = None, dataset: str | Path | None = None) -> tuple[str, MappingReport]:
    """Write a release (or a dataset folder) in another dataset's layout, as CSV: what ``export --as`` does."""
    from conflict_events._interop.frames import load_tables

    if kind not in EXPORTERS:
        raise ValueError(f"--as takes {', '.join(EXPORTERS)}, not {kind!r}")
    tables = load_tables(version, dataset)
    frame = _export(kind, tables, None)
    report = frame.attrs["report"]
    text = frame.to_csv(index=False, lineterminator="\n")
    if output == "-":
        sys.stdout.write(text)
        return output, report
    import os
    import tempfile

    target = Path(output)
    handle, temporary = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.")
    with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
        stream.write(text)
    os.chmod(temporary, 0o666 & ~_umask())
    os.replace(temporary, target)
    return str(target), report


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask

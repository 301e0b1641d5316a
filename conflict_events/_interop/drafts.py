"""Draft records of an import, and where they go: YAML records, Parquet tables, or frames in memory.

An importer turns each input row into a :class:`Draft` (an event with its
evidence and casualty reports) and hands it to a :class:`Sink`. The sink
keeps a small import as one YAML record per event, as contributors write
them; once an import passes :data:`SMALL_IMPORT` events it switches to one
Parquet file per table (``events.parquet``, ``evidence.parquet``, ...),
written a row group per batch, so that memory does not grow with the file.
Actors and sources are written last, as table files of their own.

The fields and their types are read from the descriptor in use
(:mod:`conflict_events._schema`); :data:`RELEASE_2_FIELDS` names the fields of
release 2.0.0 that the drafts carry, for as long as the descriptor predates them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from conflict_events import _schema
from conflict_events._catalogue.references import LATEST_FIGURES
from conflict_events._staging import staging_dir

#: Above this many events an import is written as table files, not YAML records.
SMALL_IMPORT = 1000
#: Tables written as rows arrive, then the ones written at the end.
STREAMED = ("events", "evidence", "casualties")
TABLES = (*STREAMED, "actors", "sources")
#: Fields of release 2.0.0 (branch `data`) that drafts carry, with their Table Schema types.
RELEASE_2_FIELDS: dict[str, dict[str, str]] = {
    "sources": {"published": "datetime", "published_precision": "string"},
    "evidence": {"claim": "string", "locator": "string", "stance": "string"},
    "casualties": {"as_of": "datetime", "as_of_precision": "string", "rescued": "integer"},
    "events": {"casualties_as_of": "datetime"},
}
#: Events columns the build derives from the nested entries of a record (a record does not write them).
DERIVED = (*LATEST_FIGURES, "source_ids")
_ARROW = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "date": pa.date32(),
          "datetime": pa.timestamp("s", tz="UTC"), "list": pa.string()}


def table_fields(table: str) -> list[tuple[str, str]]:
    """(name, type) of a table's fields: the descriptor's, then the 2.0.0 fields it lacks (the 2.0.0 type wins)."""
    newer = RELEASE_2_FIELDS.get(table, {})
    out = [(f["name"], newer.get(f["name"], f["type"])) for f in _schema.fields(table)]
    have = {name for name, _ in out}
    return out + [(name, kind) for name, kind in newer.items() if name not in have]


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(name, _ARROW[kind]) for name, kind in table_fields(table)])


def _typed(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if kind == "datetime":
        return parse_moment(value)
    if kind == "list":
        return ";".join(value) if isinstance(value, (list, tuple)) else str(value)
    return value


def arrow_table(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    fields = table_fields(table)
    columns = {name: [row.get(name) for row in rows] if kind in ("string", "integer", "number")
               else [_typed(row.get(name), kind) for row in rows] for name, kind in fields}
    return pa.table(columns, schema=arrow_schema(table))


def parse_moment(value: Any) -> dt.datetime | None:
    """A date or an ISO 8601 date-time as an aware UTC datetime (a date: its start)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    text = str(value).strip().replace("Z", "+00:00")
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def moment_text(moment: dt.datetime | dt.date, precision: str) -> str:
    """A moment as ISO 8601 text to its precision: ``2024-03-01`` (day), ``2024-03-01T10:00Z`` (hour, minute)."""
    if precision == "day" or not isinstance(moment, dt.datetime):
        return (moment.date() if isinstance(moment, dt.datetime) else moment).isoformat()
    moment = moment.astimezone(dt.timezone.utc)
    if precision == "hour":
        moment = moment.replace(minute=0)
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def slug(text: str, width: int = 40) -> str:
    """Upper-case letters, digits and hyphens: a name as part of an id."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "-", plain.upper()).strip("-")[:width].strip("-") or "X"


def actor_id(prefix: str, name: str) -> str:
    """A deterministic actor id for a name: ``PREFIX-NAME-1A2B3C`` (the hash keeps names that slug alike apart)."""
    return f"{prefix}-{slug(name)}-{hashlib.sha1(name.encode()).hexdigest()[:6].upper()}"


@dataclasses.dataclass
class Draft:
    """One imported event: its row, and the rows of its evidence and casualty reports."""

    event: dict[str, Any]
    evidence: list[dict[str, Any]]
    casualties: list[dict[str, Any]]


class Sink:
    """Where drafts go: ``out`` None keeps them in memory (for ``from_acled``); a folder gets records or tables.

    ``layout``: ``"records"`` (YAML, one file per event), ``"tables"`` (Parquet per table) or ``"auto"``
    (records up to :data:`SMALL_IMPORT` events, tables beyond).
    """

    def __init__(self, out: Path | None, layout: str = "auto", small: int | None = None):
        if layout not in ("auto", "records", "tables"):
            raise ValueError(f"layout is auto, records or tables, not {layout!r}")
        self.out = None if out is None else Path(out)
        self.layout, self.small = layout, SMALL_IMPORT if small is None else small
        self.pending: dict[str, list[dict[str, Any]]] = {t: [] for t in STREAMED}
        self.drafts: list[Draft] = []
        self.memory: dict[str, list[pa.Table]] = {t: [] for t in TABLES}
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.count = 0
        #: the files are written into ``staging`` (made on the first write) and moved to ``out`` when the
        #: import is done, so that a failed import leaves nothing: see :meth:`_stage`
        self.staging: Path | None = None
        self._inside = False
        if self.out is not None and self.out.exists() and (not self.out.is_dir() or any(self.out.iterdir())):
            raise ValueError(f"{self.out}: the output folder must be new or empty (an import never overwrites records)")

    @property
    def as_tables(self) -> bool:
        return self.out is None or bool(self.writers) or self.layout == "tables"

    def add(self, draft: Draft) -> None:
        self.count += 1
        if self.as_tables:
            self._queue(draft)
            return
        self.drafts.append(draft)
        if self.layout == "auto" and len(self.drafts) > self.small:
            for held in self.drafts:
                self._queue(held)
            self.drafts = []
            self._open()
            self.flush()

    def take(self, batches: Iterable[tuple[int, list[dict[str, str]]]], row: Any, report: Any) -> None:
        """Map each row of ``batches`` (first row number, rows) with ``row`` (None: skipped), counted in ``report``.

        On any error (the file, the mapping, an interrupt) what was written is removed, and the error raised.
        """
        try:
            for start, rows in batches:
                for offset, item in enumerate(rows):
                    report.rows += 1
                    draft = row(item, start + offset)
                    if draft is not None:
                        report.imported += 1
                        self.add(draft)
                self.flush()
        except BaseException:
            self.abort()
            raise

    def _queue(self, draft: Draft) -> None:
        self.pending["events"].append(draft.event)
        self.pending["evidence"] += draft.evidence
        self.pending["casualties"] += draft.casualties

    def _stage(self) -> Path:
        """The staging folder, made on first use.

        An output folder that exists (empty: a folder made for it, a mount,
        a link to one) is kept, with its mode and owner, and the staging
        folder is made inside it; a new output folder is staged beside it and
        renamed into place.
        """
        if self.staging is None:
            self._inside = self.out.is_dir()
            if not self._inside:
                self.out.parent.mkdir(parents=True, exist_ok=True)
            self.staging = staging_dir(self.out if self._inside else self.out.parent, self.out.name)
        return self.staging

    def _open(self) -> None:
        for table in STREAMED:
            self.writers[table] = pq.ParquetWriter(self._stage() / f"{table}.parquet", arrow_schema(table))

    def flush(self) -> None:
        """Write the rows held so far: a row group per table (in memory: an Arrow table)."""
        if self.out is not None and not self.writers and self.layout == "tables":
            self._open()
        for table in STREAMED:
            rows, self.pending[table] = self.pending[table], []
            if not rows:
                continue
            arrow = arrow_table(table, rows)
            if self.out is None:
                self.memory[table].append(arrow)
            else:
                self.writers[table].write_table(arrow)

    def finish(self, actors: Iterable[dict[str, Any]], sources: Iterable[dict[str, Any]]) -> dict[str, pa.Table] | Path:
        """Write the actors and sources and close the files; in memory, return every table."""
        actors, sources = sorted(actors, key=lambda a: a["actor_id"]), list(sources)
        if self.out is None:
            self.flush()
            self.memory["actors"].append(arrow_table("actors", actors))
            self.memory["sources"].append(arrow_table("sources", sources))
            self.result = {t: pa.concat_tables(parts) if parts else arrow_table(t, []) for t, parts in self.memory.items()}
            return self.result
        try:
            if self.as_tables:
                self.flush()
                if not self.writers:
                    self._open()
                for writer in self.writers.values():
                    writer.close()
                pq.write_table(arrow_table("actors", actors), self._stage() / "actors.parquet")
                pq.write_table(arrow_table("sources", sources), self._stage() / "sources.parquet")
            else:
                _write_records(self._stage(), self.drafts, actors, sources)
        except BaseException:
            self.abort()
            raise
        return self._into_place()

    def _into_place(self) -> Path:
        """Move the finished files to the output folder: the staging folder renamed, or its entries moved up."""
        staging, moved = self._stage(), []
        try:
            if self._inside:
                for entry in sorted(staging.iterdir()):
                    os.replace(entry, self.out / entry.name)
                    moved.append(self.out / entry.name)
                staging.rmdir()
            else:
                os.replace(staging, self.out)
        except BaseException:
            for path in moved:  # the output folder is left as empty as it was
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            self.abort()
            raise
        self.staging = None
        return self.out

    @property
    def finish_tables(self) -> dict[str, pa.Table]:
        """The tables held in memory (after :meth:`finish`)."""
        return self.result

    def abort(self) -> None:
        """Close the files and remove what was written: a failed import leaves no partial output."""
        for writer in self.writers.values():
            writer.close()
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


def _plain(row: dict[str, Any], table: str, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row as a record writes it: the table's fields in order, moments as ISO text."""
    out = {}
    for name, kind in table_fields(table):
        if name in drop:
            continue
        value = row.get(name)
        if isinstance(value, dt.datetime):
            value = value.isoformat().replace("+00:00", "Z")
        out[name] = value  # a date stays a date: YAML writes it plain, 2023-01-14
    return out


def _write_records(out: Path, drafts: list[Draft], actors: list[dict], sources: list[dict]) -> None:
    import yaml

    def dump(data: Any, path: Path, header: str) -> None:
        text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)

    events = out / "events"
    events.mkdir()
    head = "# Draft record written by `conflict-events import`: check it before it joins a release.\n"
    for draft in drafts:
        record = _plain(draft.event, "events", drop=DERIVED)
        record["evidence"] = [_plain(e, "evidence", drop=("event_id",)) for e in draft.evidence]
        if draft.casualties:
            record["casualties"] = [_plain(c, "casualties", drop=("event_id",)) for c in draft.casualties]
        dump(record, events / f"{draft.event['event_id']}.yaml", head)
    dump([_plain(a, "actors") for a in actors], out / "actors.yaml", "# Actors of an import (drafts).\n")
    dump([_plain(s, "sources") for s in sources], out / "sources.yaml", "# The dataset an import cites (drafts).\n")


def file_date(path: Path) -> dt.date:
    """The day (UTC) a file was last written: when the user downloaded their extract, unless they say otherwise."""
    return dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.timezone.utc).date()

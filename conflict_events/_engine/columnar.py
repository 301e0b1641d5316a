"""The columnar engine: the catalogue's rules on polars frames, with bounded output.

Input comes in :class:`Part` objects: the raw text of some rows of one table
(a batch of a table file, the rows of some records, a user's frame), with
where they came from. Each part is typed and checked for the field and row
rules as it arrives; only the columns that the table and reference rules
need are kept, and those rules run once every part is in, on hash joins and
sorted keys. :class:`Findings` keeps at most ``max_problems`` problems per
rule and the exact count of each, so memory stays flat however many rows
are bad.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as _dt
import hashlib
from pathlib import Path
from typing import Any, Callable, Iterable

import narwhals as nw
import polars as pl

from conflict_events import _schema
from conflict_events._catalogue import RULES, Rule, rules_for
from conflict_events._catalogue.references import LATEST_FIGURES, references
from conflict_events._engine.typing import parse
from conflict_events._problems import Problem

DEFAULT_MAX_PROBLEMS = 1000
#: the tables whose rows belong to an event record (a record carries all of them): the descriptor's `x-records: nested`
CHILD_TABLES = tuple(_schema.record_tables("nested"))


@dataclasses.dataclass
class Part:
    """Rows of one table from one place.

    ``frame`` holds the raw text of each field given (polars String columns)
    and ``_line``, the line (or row number) of each row. ``field_lines``,
    for records, gives per row the line of each field. ``given`` is False for
    the package's own rows, which are context for references and never
    reported.
    """

    table: str
    frame: pl.DataFrame
    file: str
    given: bool = True
    field_lines: list[dict[str, int]] | None = None
    header: bool = False  # the columns come from a header (CSV, Parquet): a missing one is `missing-field`
    from_records: bool = False
    #: field -> lines whose cell the reader emptied after reporting it (a type, or a cell too long): not `required` too
    blanked: dict[str, set[int]] = dataclasses.field(default_factory=dict)

    def line(self, local: int, field: str | None) -> int | None:
        if self.field_lines is not None and field is not None:
            line = self.field_lines[local].get(field)
            if line is not None:
                return line
        value = self.frame["_line"][local] if "_line" in self.frame.columns else None
        return None if value is None else int(value)


class Findings:
    """Problems found, at most ``limit`` listed per rule, and the exact count of each rule."""

    def __init__(self, limit: int = DEFAULT_MAX_PROBLEMS):
        self.limit = limit
        self.counts: collections.Counter[str] = collections.Counter()
        self.problems: list[Problem] = []
        self._listed: collections.Counter[str] = collections.Counter()

    def room(self, rule: str) -> int:
        return max(0, self.limit - self._listed[rule])

    def add(self, problem: Problem) -> None:
        self.counts[problem.rule] += 1
        if self._listed[problem.rule] < self.limit:
            self._listed[problem.rule] += 1
            self.problems.append(problem)

    def add_many(self, rule: str, total: int, make: Callable[[int], Iterable[Problem]]) -> None:
        """Count ``total`` violations of ``rule``; list the first of them, as ``make(n)`` gives n of them."""
        if not total:
            return
        room = self.room(rule)
        self.counts[rule] += total
        if room:
            listed = list(make(min(room, total)))[:room]
            self._listed[rule] += len(listed)
            self.problems.extend(listed)


# --- values shown in messages -------------------------------------------------------


def show(value: Any, width: int = 80) -> str:
    if value is None:
        return "empty"
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S%z") if value.tzinfo else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)
    text = repr(value)
    return text if len(text) <= width else text[: width - 5] + "…" + text[-1]


def plain(value: Any) -> Any:
    """A value as JSON holds it."""
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def key_text(table: str, row: dict[str, Any]) -> str:
    keys = _schema.resource(table)["schema"].get("primaryKey", [])
    return ", ".join(f"{k}={show(row.get(k))}" for k in keys)


# --- the engine -----------------------------------------------------------------------


class Engine:
    """Runs the catalogue over parts of tables; call :meth:`add` for each part, then :meth:`finish`."""

    def __init__(self, max_problems: int = DEFAULT_MAX_PROBLEMS, desc: dict | None = None):
        self.findings = Findings(max_problems)
        self.desc = desc
        self.parts: list[Part] = []
        #: (table, given) -> the kept columns of each part, kept apart so that merging copies nothing twice
        self.kept: dict[tuple[str, bool], list[pl.DataFrame]] = collections.defaultdict(list)
        self.rows: collections.Counter[str] = collections.Counter()
        self.skipped: dict[str, str] = {}
        self.record_events: set[str] = set()
        self.texts: dict[str, str] = {}  # source_id -> archived text, for the quote check
        self._code_fields: dict[str, set[str]] = {}

    # -- per part ---------------------------------------------------------------------

    def add(self, part: Part) -> None:
        """Type a part, check its cells and rows (if given), and keep what the later rules need."""
        index = len(self.parts)
        self.parts.append(part)
        fields = _schema.fields(part.table, self.desc)
        raw = part.frame
        if part.given:
            self._header(part, fields)
        typed, bad = parse(raw, fields)
        n = typed.height
        typed = typed.with_columns(
            _row=pl.int_range(self.rows[part.table], self.rows[part.table] + n, dtype=pl.Int64),
            _part=pl.lit(index, dtype=pl.Int32),
            _local=pl.int_range(0, n, dtype=pl.Int32),
            _given=pl.lit(part.given),
            _records=pl.lit(part.from_records),
        )
        self.rows[part.table] += n
        if part.table == "events" and part.from_records:
            self.record_events.update(v for v in typed["event_id"].to_list() if v is not None)
        if part.given and n:
            self._cells(part, fields, raw, typed, bad)
            self._rows(part, typed)
        self.kept[(part.table, part.given)].append(self._compact(part.table, typed.select(self._keep(part.table, typed))))
        # of the raw text, only what locates a row and what the quote check reads is needed from here on
        keep = [c for c in ("_line", "source_id", "quote") if c in raw.columns and (c == "_line" or part.table == "evidence")]
        part.frame = raw.select(keep)

    def _keep(self, table: str, typed: pl.DataFrame) -> list[str]:
        """The columns the rules that run once every part is in read: keys, references, and what rules declare."""
        wanted = set(_schema.resource(table, self.desc)["schema"].get("primaryKey", []))
        for field in _schema.fields(table, self.desc):
            if field.get("constraints", {}).get("unique"):
                wanted.add(field["name"])
        wanted.update(column for column, *_ in references(table))
        for rule in RULES.values():
            wanted.update(rule.reads.get(table, ()))
        return [c for c in typed.columns if c in wanted or c.startswith("_")]

    def _compact(self, table: str, kept: pl.DataFrame) -> pl.DataFrame:
        """The kept columns as the rules across rows and tables need them, in as little memory as they take.

        Identifiers and codes (a key, a reference, a field with a pattern or codes) become polars
        Categoricals: one process-wide dictionary holds each text once, the columns hold 32-bit codes, and
        the joins and uniqueness checks compare the codes. Other text is copied out of the buffers Arrow read
        it into: a batch's buffers go back to Arrow's allocator only once none of their text is in use.
        At 900,000 events with as many evidence rows, the Categoricals lowered the peak by 140 MB, and the
        copy lowered the memory held when the rules across rows start by 100 MB.
        """
        codes = self._codes(table)
        # every column a Series, none a constant: a table made of parts whose chunks do not line up is copied
        # whole, every column at once, by each eager polars operation on it (190 MB more at 900,000 events)
        kept = pl.DataFrame([kept.get_column(name) for name in kept.columns])
        return kept.with_columns(
            *(pl.col(name).cast(pl.List(pl.Categorical) if kept.schema[name] == pl.List(pl.String) else pl.Categorical)
              for name in kept.columns if name in codes and kept.schema[name] in (pl.String, pl.List(pl.String))),
            *(pl.col(name) + pl.lit("") for name in kept.columns if name not in codes and kept.schema[name] == pl.String),
        )

    def _codes(self, table: str) -> set[str]:
        """The fields of a table that hold identifiers or codes, not free text."""
        if table in self._code_fields:
            return self._code_fields[table]
        schema = _schema.resource(table, self.desc)["schema"]
        codes = {column for column, *_ in references(table)}
        if len(schema.get("primaryKey", [])) == 1:
            codes.update(schema["primaryKey"])
        for field in _schema.fields(table, self.desc):
            constraints = field.get("constraints", {})
            if "pattern" in constraints or "enum" in constraints:
                codes.add(field["name"])
        self._code_fields[table] = codes
        return codes

    def _header(self, part: Part, fields: list[dict[str, Any]]) -> None:
        names = [f["name"] for f in fields]
        known = set(names)
        for column in part.frame.columns:
            if column.startswith("_") or column in known:
                continue
            text = f"{column} is not a field of {part.table}; the fields are: {', '.join(sorted(known))}"
            if part.header:
                self.findings.add(Problem(part.file, 1, column, "unknown-field", text, column))
                continue
            present = part.frame.with_row_index("_i").filter(pl.col(column).is_not_null())["_i"].to_list()
            for local in present:
                self.findings.add(Problem(part.file, part.line(local, column), column, "unknown-field", text, column))
        if part.header:
            for field in fields:
                if field["name"] not in part.frame.columns and field.get("constraints", {}).get("required"):
                    self.findings.add(Problem(part.file, 1, field["name"], "missing-field",
                                              f"{part.table} needs the column {field['name']}", field["name"]))

    def _cells(self, part: Part, fields: list[dict[str, Any]], raw: pl.DataFrame, typed: pl.DataFrame, bad: pl.DataFrame) -> None:
        given_columns = set(raw.columns)
        flags: dict[tuple[str, str], Any] = {}
        params: dict[tuple[str, str], dict[str, Any]] = {}
        for field in fields:
            name = field["name"]
            if part.header and name not in given_columns:
                continue  # a missing column is one `missing-field`, not a problem per row
            if part.from_records and part.table == "events" and name in DERIVED:
                continue  # derived from the record's reports: wrong only if a report is, and that is reported there
            for rule in rules_for(part.table, "field"):
                found = rule.params(field)
                if found is None:
                    continue
                params[(rule.id, name)] = found
                if rule.id == "type":
                    flags[(rule.id, name)] = nw.col(f"_bad_{name}")
                elif rule.id == "required":
                    flags[(rule.id, name)] = nw.col(name).is_null() & ~nw.col(f"_bad_{name}")
                    if part.blanked.get(name):
                        flags[(rule.id, name)] = flags[(rule.id, name)] & ~nw.col("_line").is_in(sorted(part.blanked[name]))
                elif rule.check is not None:
                    flags[(rule.id, name)] = rule.check(nw.col(name), **found)
        if not flags:
            return
        lines = raw["_line"] if "_line" in raw.columns else pl.Series("_line", [None] * typed.height, dtype=pl.Int64)
        frame = nw.from_native(typed.with_columns(bad.rename({c: f"_bad_{c}" for c in bad.columns})).with_columns(_line=lines))
        masks = frame.select(**{f"{r}\x1f{f}": e.fill_null(False) for (r, f), e in flags.items()}).to_native()
        totals = masks.sum().row(0, named=True)
        for column, total in totals.items():
            if not total:
                continue
            rule_id, name = column.split("\x1f")
            extra = dict(params[(rule_id, name)])
            if "enum" in extra:
                extra["codes"] = ", ".join(extra["enum"])
            self.findings.add_many(rule_id, int(total), lambda k, c=column, r=rule_id, f=name, x=extra: self._problems(
                part, typed.filter(masks[c]).head(k), RULES[r], f, x, raw=raw.filter(masks[c]).head(k) if r == "type" else None))

    def _rows(self, part: Part, typed: pl.DataFrame) -> None:
        frame = nw.from_native(typed)
        rules = rules_for(part.table, "row")
        if part.from_records and part.table == "events":
            rules = [r for r in rules if _reported_on(r, part.table) not in DERIVED]
        if not rules:
            return
        masks = frame.select(**{r.id: r.check(frame, part.table).fill_null(False) for r in rules}).to_native()
        for rule in rules:
            total = int(masks[rule.id].sum())
            field = _reported_on(rule, part.table)
            self.findings.add_many(rule.id, total, lambda k, r=rule, f=field: self._problems(part, typed.filter(masks[r.id]).head(k), r, f, {}))

    def _problems(self, part: Part, rows: pl.DataFrame, rule: Rule, field: str | None, params: dict[str, Any], raw: pl.DataFrame | None = None) -> list[Problem]:
        out = []
        raw_rows = raw.to_dicts() if raw is not None else None
        for i, row in enumerate(rows.to_dicts()):
            value = raw_rows[i].get(field) if raw_rows is not None else row.get(field)
            out.append(self._problem(part, int(row["_local"]), row, rule, field, value, params))
        return out

    def _problem(self, part: Part, local: int, row: dict[str, Any], rule: Rule, field: str | None, value: Any, params: dict[str, Any]) -> Problem:
        """One problem; the message's names are the row's cells (shown) and the rule's parameters (as they are)."""
        names = {k: show(v) for k, v in row.items() if not k.startswith("_")}
        names.update(params)
        names.update(field=field, value=show(value), key=key_text(part.table, row), table=part.table)
        if rule.extra is not None:
            names.update(rule.extra({**row, "_field": field}, part.table))
        return Problem(part.file, part.line(local, field), field, rule.id, rule.render(names), plain(value), rule.hint)

    # -- once every part is in ----------------------------------------------------------

    def merged(self) -> dict[str, pl.DataFrame]:
        """Every table: the package's own rows that no given row replaces, then the given rows.

        The kept parts are handed over: the engine keeps no other copy.
        """
        out = {}
        for table in list(dict.fromkeys(table for table, _ in self.kept)):
            given = self.kept.pop((table, True), [])
            base = _concat(self.kept.pop((table, False), []))
            if given and base is not None and base.height:
                key = _schema.resource(table, self.desc)["schema"].get("primaryKey", [])
                if key:  # the few given rows that could replace a released one: those that share its first key column
                    replacing = (pl.concat([g.select(key) for g in given], how="diagonal_relaxed")
                                 .filter(pl.col(key[0]).is_in(base[key[0]].implode(), nulls_equal=True)))
                    base = base.join(replacing, on=key, how="anti", nulls_equal=True)
                if table in CHILD_TABLES and self.record_events:
                    base = base.filter(~pl.col("event_id").is_in(list(self.record_events)))
            out[table] = _concat(([base] if base is not None and (base.height or not given) else []) + given)
        return out

    def finish(self, archives: Iterable[Path] = ()) -> Findings:
        tables = self.merged()
        given_tables = {t for t, f in tables.items() if f["_given"].any()}
        related = {t: nw.from_native(f) for t, f in tables.items()}
        for table in sorted(given_tables):
            frame = tables[table]
            flags = frame.select("_row", "_given", "_records")
            for rule in rules_for(table):
                if rule.category not in ("table", "reference") or rule.check is None:
                    continue
                missing = [n for n in rule.needs if n not in tables]
                if missing:
                    self.skipped[rule.id] = f"needs the {', '.join(missing)} table(s), which were not given"
                    continue
                for field, bad in rule.check(related[table], related, table).items():
                    found = bad.to_native().join(flags, on="_row", how="inner").filter(pl.col("_given"))
                    if table == "events" and field in DERIVED:  # derived from a record's reports: reported there
                        found = found.filter(~pl.col("_records"))
                    found = found.drop("_given", "_records")
                    self.findings.add_many(rule.id, found.height, lambda k, b=found, t=frame, r=rule, f=field: self._kept_problems(_first(t, b, k), r, f))
        self._sources(tables, archives)
        return self.findings

    def _kept_problems(self, hits: pl.DataFrame, rule: Rule, field: str) -> list[Problem]:
        return [self._problem(self.parts[row["_part"]], int(row["_local"]), row, rule, field, row.get(field), {})
                for row in hits.to_dicts()]

    def _sources(self, tables: dict[str, pl.DataFrame], archives: Iterable[Path]) -> None:
        """Archived texts against their sha256, and given quotes against the archived texts."""
        from conflict_events._files import FileProblem, archived_text

        sources = tables.get("sources")
        if sources is None:
            return
        absent: set[str] = set()
        for archive in dict.fromkeys(Path(a) for a in archives):
            for row in sources.to_dicts():
                source_id = row["source_id"]
                if source_id in self.texts or not isinstance(source_id, str):
                    continue
                try:  # a source id is a name: nothing outside the archive folder is read
                    data = archived_text(archive, source_id)
                except FileProblem as error:
                    self.findings.add(error.problem)
                    continue
                if data is None:
                    if row["archived_sha256"] is not None:
                        absent.add(source_id)
                    continue
                actual = hashlib.sha256(data).hexdigest()
                if row["archived_sha256"] is not None and actual != row["archived_sha256"]:
                    if row["_given"]:
                        part = self.parts[row["_part"]]
                        self.findings.add(self._problem(part, int(row["_local"]), row, RULES["archive-mismatch"], "archived_sha256",
                                                        row["archived_sha256"], {"actual": actual}))
                    continue
                self.texts[source_id] = data.decode("utf-8", errors="replace")
        absent -= set(self.texts)
        if absent:
            quoted = {
                str(s) for part in self.parts if part.table == "evidence" and part.given and "quote" in part.frame.columns
                for s in part.frame.filter(pl.col("quote").is_not_null())["source_id"].unique().to_list()
            }
            if quoted & absent:
                self.skipped["quote-not-in-source"] = (
                    f"the archived texts of {len(quoted & absent)} quoted source(s) ({', '.join(sorted(quoted & absent)[:3])}"
                    f"{', ...' if len(quoted & absent) > 3 else ''}) are not here: archived source texts are third-party texts, left out of "
                    "the wheel and the releases, which carry only their sha256; run validate in a source checkout to check the quotes"
                )
        for index, part in enumerate(self.parts):
            if part.table != "evidence" or not part.given or not self.texts or "quote" not in part.frame.columns:
                continue
            frame = part.frame.with_row_index("_local").filter(pl.col("source_id").is_in(list(self.texts)) & pl.col("quote").is_not_null())
            for row in frame.to_dicts():
                text = self.texts[row["source_id"]]
                quote = row["quote"]
                if quote == "" or quote in text:
                    continue
                self.findings.add(self._problem(part, int(row["_local"]), row, RULES["quote-not-in-source"], "quote", quote,
                                                {"closest": near_miss(quote, text)}))


def _first(frame: pl.DataFrame, found: pl.DataFrame, k: int) -> pl.DataFrame:
    """The first ``k`` rows found, whole: the check's own columns (the value it found bad, the other event, ...) replace the row's."""
    first = found.sort("_row").head(k)
    return frame.drop([c for c in first.columns if c != "_row"], strict=False).join(first, on="_row", how="inner").sort("_row")


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    """The frames as one, each part a chunk (the list given is emptied)."""
    if not frames:
        return None
    frame = pl.concat(frames, how="diagonal_relaxed", rechunk=False) if len(frames) > 1 else frames[0]
    frames.clear()
    return frame


#: events columns that the build derives from the nested entries of a record
DERIVED = (*LATEST_FIGURES, "source_ids")


def _reported_on(rule: Rule, table: str) -> str | None:
    """The field a row rule's problem names (``best``: the table's best estimate)."""
    if rule.field != "best":
        return rule.field
    from conflict_events._catalogue.rows import ESTIMATES

    return ESTIMATES[table][1]


def near_miss(quote: str, text: str) -> str:
    """'; the closest text is ...' when the archived text holds a long part of the quote."""
    import difflib

    matcher = difflib.SequenceMatcher(None, text, quote, autojunk=False)
    match = matcher.find_longest_match(0, len(text), 0, len(quote))
    if match.size < 8:
        return ""
    start = max(0, match.a - match.b)
    return f"; the closest text is {text[start:start + len(quote)]!r}"

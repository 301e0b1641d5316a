"""The catalogue on a PySpark DataFrame: how a user past one machine validates.

The frame is typed with Spark's own functions (the same patterns as
:mod:`conflict_events._engine.typing`), then the catalogue's narwhals
expressions run on it as Spark columns: nothing is collected but the counts
and the first ``max_problems`` rows of each rule. Spark has no row order, so
a problem is located by the row's primary key (``Problem.key``), not a line.

Covered: the field rules (type, required, enum, pattern, minimum, maximum,
length, formula-injection, control-character, country-code), the row rules,
``unique`` and ``primary-key`` (every key that occurs more than once, once),
and the reference rules that are plain joins (``foreign-key``,
``event-without-evidence``, ``source-not-cited``, ``retired-id``) when
``related`` gives their tables. Rules that need row order
(``near-duplicate``, ``casualties-not-latest``) are reported as skipped.
PySpark is imported only here, and only when a Spark frame is given.
"""

from __future__ import annotations

from typing import Any, Mapping

import narwhals as nw

from conflict_events import _schema
from conflict_events._catalogue import RULES, Rule, rules_for
from conflict_events._engine.columnar import DEFAULT_MAX_PROBLEMS, Findings, plain, show
from conflict_events._engine.typing import _DATE, _INTEGER, _NUMBER
from conflict_events._problems import Problem

FILE = "<spark>"


def _typed(frame: Any, table: str) -> tuple[Any, list[str]]:
    """(frame with typed columns and a ``_bad_<field>`` flag each, the fields given)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    columns, given = [], []
    for field in _schema.fields(table):
        name, kind = field["name"], field["type"]
        if name not in frame.columns:
            columns += [F.lit(None).cast(_spark_type(kind)).alias(name), F.lit(False).alias(f"_bad_{name}")]
            continue
        given.append(name)
        raw = F.col(name)
        if isinstance(frame.schema[name].dataType, T.ArrayType):
            raw = F.concat_ws(field.get("delimiter", ","), raw)
        elif isinstance(frame.schema[name].dataType, T.DateType):
            raw = F.date_format(raw, "yyyy-MM-dd")
        else:
            raw = raw.cast("string")
        present = raw.isNotNull() & (raw != "")
        if kind == "string":
            typed = F.when(present, raw)
        elif kind == "integer":
            typed = F.when(present & raw.rlike(_INTEGER), F.expr(f"try_cast(regexp_replace(`{name}`, '^[+]', '') as bigint)"))
        elif kind == "number":
            typed = F.when(present & raw.rlike(_NUMBER), F.expr(f"try_cast(`{name}` as double)"))
        elif kind == "date":
            typed = F.when(present & raw.rlike(_DATE), F.expr(f"try_to_timestamp(cast(`{name}` as string), 'yyyy-MM-dd')").cast("date"))
        elif kind == "list":
            typed = F.when(present, F.split(raw, _escape(field.get("delimiter", ","))))
        else:
            typed = F.when(present, F.expr(f"try_to_timestamp(cast(`{name}` as string))"))
        bad = present & typed.isNull()
        if kind == "list":
            bad = bad | (present & F.exists(typed, lambda item: item == ""))
        columns += [typed.alias(name), F.coalesce(bad, F.lit(False)).alias(f"_bad_{name}")]
    return frame.select(*columns), given


def _spark_type(kind: str) -> str:
    return {"string": "string", "integer": "bigint", "number": "double", "date": "date", "list": "array<string>"}.get(kind, "timestamp")


def _escape(delimiter: str) -> str:
    import re

    return re.escape(delimiter)


def validate_spark(frame: Any, table: str, related: Mapping[str, Any], *, max_problems: int = DEFAULT_MAX_PROBLEMS):
    """The report of :func:`conflict_events.validate_frame` for a PySpark DataFrame."""
    from pyspark.sql import functions as F

    from conflict_events._validator import Report

    findings = Findings(max_problems)
    skipped: dict[str, str] = {}
    key = _schema.resource(table)["schema"].get("primaryKey", [])
    typed, given = _typed(frame, table)
    typed = typed.withColumn("_row", F.monotonically_increasing_id()).cache()

    flags: dict[tuple[str, str | None], Any] = {}
    fields = {f["name"]: f for f in _schema.fields(table)}
    for name in given:
        for rule in rules_for(table, "field"):
            params = rule.params(fields[name])
            if params is None:
                continue
            if rule.id == "type":
                flags[(rule.id, name)] = (nw.col(f"_bad_{name}"), params)
            elif rule.id == "required":
                flags[(rule.id, name)] = (nw.col(name).is_null() & ~nw.col(f"_bad_{name}"), params)
            elif rule.check is not None and (fields[name]["type"] != "list" or rule.id == "length"):
                flags[(rule.id, name)] = (rule.check(nw.col(name), **params), params)
    lazy = nw.from_native(typed)
    for rule in rules_for(table, "row"):
        field = rule.field if rule.field != "best" else _best(table)
        flags[(rule.id, field)] = (rule.check(lazy, table), {})
    names = {f"f{i}": k for i, k in enumerate(flags)}
    marked = lazy.with_columns(**{alias: flags[k][0].fill_null(False) for alias, k in names.items()}).to_native().cache()
    totals = marked.agg(*[F.sum(F.col(alias).cast("long")).alias(alias) for alias in names]).collect()[0].asDict() if names else {}
    for alias, (rule_id, field) in names.items():
        total = int(totals[alias] or 0)
        if not total:
            continue
        rule, params = RULES[rule_id], dict(flags[(rule_id, field)][1])
        if "enum" in params:
            params["codes"] = ", ".join(params["enum"])
        rows = [r.asDict() for r in marked.filter(F.col(alias)).limit(findings.room(rule_id)).collect()]
        findings.add_many(rule_id, total, lambda n, rows=rows, rule=rule, field=field, params=params: [
            _problem(table, key, row, rule, field, row.get(field) if field else None, params) for row in rows[:n]])

    _keys(typed, table, key, findings)
    _references(typed, table, key, related, findings, skipped)
    for rule in rules_for(table):
        if rule.category in ("table", "reference") and not rule.spark and rule.id not in ("unique", "primary-key"):
            skipped.setdefault(rule.id, "needs row order, which Spark does not keep; run validate() on the files")
    typed.unpersist()
    marked.unpersist() if names else None
    problems = sorted(findings.problems, key=lambda p: (p.rule, str(p.key)))
    return Report(problems, [], dict(findings.counts), skipped)


def _best(table: str) -> str:
    from conflict_events._catalogue.rows import ESTIMATES

    return ESTIMATES[table][1]


def _problem(table: str, key: list[str], row: dict[str, Any], rule: Rule, field: str | None, value: Any, params: dict[str, Any]) -> Problem:
    names = {k: show(v) for k, v in row.items() if not k.startswith("_")}
    names.update(params)
    names.update(field=field, value=show(value), table=table, key=", ".join(f"{k}={show(row.get(k))}" for k in key))
    if rule.extra is not None:
        names.update(rule.extra({**row, "_field": field}, table))
    return Problem(FILE, None, field, rule.id, rule.render(names), plain(value), rule.hint, key={k: plain(row.get(k)) for k in key})


def _keys(typed: Any, table: str, key: list[str], findings: Findings) -> None:
    """Every value of a unique field, and every primary key, that occurs more than once: once each."""
    from pyspark.sql import functions as F

    specs = [("unique", [f["name"]]) for f in _schema.fields(table) if f.get("constraints", {}).get("unique")]
    if len(key) > 1:
        specs.append(("primary-key", key))
    for rule_id, columns in specs:
        repeated = typed.filter(F.col(columns[0]).isNotNull() if rule_id == "unique" else F.lit(True))
        repeated = repeated.groupBy(*columns).count().filter(F.col("count") > 1)
        total = repeated.count()
        rows = [r.asDict() for r in repeated.limit(findings.room(rule_id)).collect()]
        findings.add_many(rule_id, total, lambda n, rows=rows, rule_id=rule_id, columns=columns: [
            _problem(table, columns, row, RULES[rule_id], columns[0], row.get(columns[0]), {}) for row in rows[:n]])


def _references(typed: Any, table: str, key: list[str], related: Mapping[str, Any], findings: Findings, skipped: dict[str, str]) -> None:
    from pyspark.sql import functions as F

    tables = {name: nw.from_native(_typed(other, name)[0].withColumn("_row", F.monotonically_increasing_id())) for name, other in related.items()}
    frame = nw.from_native(typed)
    for rule in rules_for(table, "reference"):
        if not rule.spark:
            continue
        missing = [n for n in rule.needs if n not in tables]
        if missing:
            skipped[rule.id] = f"needs the {', '.join(missing)} table(s), which were not given"
            continue
        for field, bad in rule.check(frame, tables, table).items():
            bad = bad.to_native()
            hits = typed.join(bad, on="_row", how="inner")
            total = hits.count()
            rows = [r.asDict() for r in hits.limit(findings.room(rule.id)).collect()]
            findings.add_many(rule.id, total, lambda n, rows=rows, rule=rule, field=field: [
                _problem(table, key, row, rule, field, row.get(field), {}) for row in rows[:n]])

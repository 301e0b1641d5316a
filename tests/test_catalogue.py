"""The rule catalogue is the one place a rule lives; the engine's output is bounded; frames are judged as files."""

import csv
import json

import narwhals as nw
import polars as pl
import pytest
from hypothesis import given, settings

import conflict_events as ce
from conflict_events import strategies as ces
from conflict_events._catalogue import RULES, Rule, register
from conflict_events._catalogue._rule import unregister
from conflict_events._catalogue.docs import markdown
from conflict_events._engine.frames import validate_frame
from conflict_events._rules import pandera_schema
from tests.conftest import REPO


@pytest.fixture
def toy_rule():
    rule = register(Rule(
        "toy-no-zero-quantity", "field", "a quantity is never zero", "leave the quantity empty when the source gives none",
        "{field} is {value}: a toy rule forbids it",
        tables=("equipment",),
        applies=lambda field: {} if field["name"] == "quantity" else None,
        check=lambda value: value == 7,
        example={"equipment": {"quantity": "7"}},
    ))
    yield rule
    unregister(rule.id)


def test_a_rule_added_in_one_place_reaches_the_schema_the_messages_the_docs_and_the_mutations(toy_rule, tmp_path):
    assert "toy-no-zero-quantity" in [c.error for c in pandera_schema("equipment").columns["quantity"].checks]
    assert "`toy-no-zero-quantity`" in markdown()
    assert "toy-no-zero-quantity" in ces._mutators()

    equipment = ce.load("equipment")
    equipment.loc[0, "quantity"] = 7
    report = validate_frame(equipment, "equipment")
    assert report.counts == {"toy-no-zero-quantity": 1}
    (problem,) = report.problems
    assert (problem.line, problem.field, problem.message, problem.hint) == (
        1, "quantity", "quantity is 7: a toy rule forbids it", "leave the quantity empty when the source gives none")


def test_docs_rules_md_is_generated_from_the_catalogue():
    assert (REPO / "docs" / "rules.md").read_text("utf-8") == markdown(), "run: python -m conflict_events._catalogue.docs > docs/rules.md"


def test_every_rule_has_a_hint_a_meaning_and_a_message():
    for rule in RULES.values():
        assert rule.meaning and rule.hint and rule.message, rule.id


def _bad_events(path, rows):
    events = ce.load()
    fields = list(events.columns)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for i in range(rows):
            writer.writerow([f"X{i}" if f == "event_id" else ("" if f in ("summary", "source_ids") else "1") for f in fields])
    return path


def test_output_is_bounded_per_rule_and_the_counts_are_exact(tmp_path):
    path = _bad_events(tmp_path / "events.csv", 40)
    report = ce.validate([path], base=None, max_problems=3)
    # each row breaks the pattern of event_id and of country_iso3, and leaves summary and source_ids empty
    assert report.counts["pattern"] == 80 and report.counts["required"] == 80
    listed = {}
    for problem in report.problems:
        listed[problem.rule] = listed.get(problem.rule, 0) + 1
    assert max(listed.values()) == 3
    assert listed["pattern"] == 3


def test_cli_json_report_has_format_problems_and_counts(tmp_path):
    from conflict_events._cli import main

    path = _bad_events(tmp_path / "events.csv", 5)
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["validate", str(path), "--no-base", "--format", "json", "--max-problems", "2"])
    report = json.loads(buffer.getvalue())
    assert code == 1 and report["format"] == 1 and report["counts"]["pattern"] == 10
    assert sum(p["rule"] == "pattern" for p in report["problems"]) == 2
    assert {"file", "line", "field", "rule", "message", "value", "hint"} <= set(report["problems"][0])


def test_validate_frame_agrees_on_pandas_polars_and_a_csv_file(tmp_path):
    events = ce.load()
    events["event_type"] = events["event_type"].astype(str)
    events.loc[2, "event_type"] = "strikes"
    events.loc[4, "latitude"] = 95.0
    from_pandas = validate_frame(events, "events")
    from_polars = validate_frame(pl.from_pandas(events), "events")
    path = tmp_path / "events.csv"
    events.assign(source_ids=events["source_ids"].map(";".join)).to_csv(path, index=False, date_format="%Y-%m-%d")
    from_file = ce.validate([path], base=None)

    def cells(report):
        return sorted((p.rule, p.field, p.line) for p in report.problems)

    assert cells(from_pandas) == cells(from_polars)
    assert sorted((r, f, line + 1) for r, f, line in cells(from_pandas)) == [
        (r, f, line) for r, f, line in cells(from_file) if r not in ("event-without-evidence",)
    ]
    assert ("enum", "event_type", 3) in cells(from_pandas) and ("maximum", "latitude", 5) in cells(from_pandas)
    assert "event-without-evidence" in from_pandas.skipped


def test_validate_frame_runs_references_when_related_tables_are_given():
    events = ce.load()
    evidence = ce.load("evidence")
    report = validate_frame(events, "events", related={"evidence": evidence[evidence.event_id != "CE000003"]})
    assert report.counts.get("event-without-evidence") == 1
    (problem,) = [p for p in report.problems if p.rule == "event-without-evidence"]
    assert problem.message == "event 'CE000003' has no evidence"


@settings(max_examples=10)
@given(ces.mutations(rules=["control-character"]))
def test_the_catalogue_example_mutation_breaks_exactly_its_rule(mutation):
    assert mutation.rule == "control-character"
    assert nw  # narwhals is how the checks are written

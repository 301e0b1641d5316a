"""Each rule fails on an example: a copy of the records with one thing broken."""

import pytest

from conflict_events import validate
from tests.conftest import edit


def _only(report, rule):
    found = [p for p in report.problems if p.rule == rule]
    assert found, f"no {rule} problem in {report.problems}"
    return found


CASES = [
    # (file, old text, new text, rule, field, line)
    ("CE000001.yaml", "end_date: 2023-02-01", "end_date: 2023-01-10", "end-before-start", "end_date", 5),
    ("CE000004.yaml", "killed_low: null\n    killed_best: 35", "killed_low: 40\n    killed_best: 35", "fatalities-order", "killed_best", None),
    ("CE000004.yaml", "longitude: 35.04066", "longitude: -35.04066", "coordinates-outside-country", "latitude", 14),
    ("CE000011.yaml", "event_subtype: denial", "event_subtype: missile", "subtype-mismatch", "event_subtype", 3),
    ("CE000009.yaml", "country_iso3: BLR", "country_iso3: XYZ", "country-code", "country_iso3", 8),
    ("CE000009.yaml", "actor1_id: BLR-MURAVEYKO", "actor1_id: BLR-NOBODY", "foreign-key", "actor1_id", 15),
    ("CE000010.yaml", "quote: President Volodymyr Zelensky said", "quote: President Zelensky said", "quote-not-in-source", "quote", None),
    ("CE000006.yaml", "start_date: 2023-01-14", "start_date: 2023-02-30", "type", "start_date", 4),
    ("CE000006.yaml", "verification: confirmed", "verification: certain", "enum", "verification", 21),
    ("CE000006.yaml", "quantity: 14", "quantity: 0", "minimum", "quantity", None),
    ("CE000002.yaml", "event_id: CE000002", "event_id: CE000001", "unique", "event_id", 1),
]


@pytest.mark.parametrize("name, old, new, rule, field, line", CASES, ids=[c[3] for c in CASES])
def test_rule_fails_on_its_example(dataset, name, old, new, rule, field, line):
    edit(dataset / "events" / name, old, new)
    report = validate([dataset])
    problems = _only(report, rule)
    assert any(p.field == field for p in problems), problems
    assert any(p.file.endswith(name) for p in problems if p.field == field)
    if line is not None:
        assert line in {p.line for p in problems}
    assert not report.valid


def test_event_without_evidence(dataset):
    path = dataset / "events" / "CE000013.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("evidence:")], encoding="utf-8")
    (problem,) = _only(validate([dataset]), "event-without-evidence")
    assert problem.file.endswith("CE000013.yaml") and problem.field == "event_id"


def test_event_figures_must_equal_the_latest_report(dataset):
    """In a table file the figures are given, not derived, and must match the latest report."""
    from conflict_events._assemble import read_dataset
    from conflict_events._check import check_tables

    frames, problems = read_dataset(dataset)
    assert problems == []
    events = frames["events"].copy()
    events.attrs = {}  # as read from a table file: nothing derived
    events.loc[events["event_id"] == "CE000004", "fatalities_best"] = 34
    found = check_tables({**frames, "events": events})
    assert [(p.rule, p.field) for p in found] == [("casualties-not-latest", "fatalities_best")]


def test_a_later_report_updates_the_event(dataset):
    edit(
        dataset / "events" / "CE000004.yaml",
        "casualties:\n",
        "casualties:\n  - {as_of: 2023-02-01, as_of_precision: day, source_id: article-2023-01-16-belarus-drills-dnipro-strike, "
        "reported_by: UKR-REZNICHENKO, killed_best: 47, missing: 30, note: a test report}\n"
        "  - {as_of: '2023-02-01T22:00:00+02:00', as_of_precision: minute, source_id: nv-2023-01-17-dnipro, "
        "reported_by: UKR-REZNICHENKO, killed_best: 48, note: a test report made the same day at 20:00 UTC}\n",
    )
    from conflict_events._build import compile_records

    events = compile_records(dataset)["events"].set_index("event_id")
    # a report known only to the day counts from the end of it: after the one timed at 20:00 UTC that day
    assert events.loc["CE000004", "fatalities_best"] == 47
    assert events.loc["CE000004", "missing"] == 30
    assert str(events.loc["CE000004", "casualties_as_of"]) == "2023-02-01 00:00:00+00:00"
    assert events.loc["CE000004", "casualties_as_of_precision"] == "day"


def test_every_problem_is_reported_in_one_run(dataset):
    edit(dataset / "events" / "CE000001.yaml", "end_date: 2023-02-01", "end_date: 2023-01-10")
    edit(dataset / "events" / "CE000006.yaml", "verification: confirmed", "verification: certain")
    edit(dataset / "actors.yaml", "actor_type: official, country_iso3: UKR, parent_id: UKR, note: President", "actor_type: president, country_iso3: UKR, parent_id: UKR, note: President")
    rules = {p.rule for p in validate([dataset]).problems}
    assert rules == {"end-before-start", "enum"}
    assert len(validate([dataset]).problems) == 3


def test_a_derived_column_in_a_record_is_refused(dataset):
    edit(dataset / "events" / "CE000004.yaml", "weapon: Kh-22", "weapon: Kh-22\nfatalities_best: 35")
    (problem,) = _only(validate([dataset]), "unknown-field")
    assert problem.field == "fatalities_best" and "casualty report" in problem.message

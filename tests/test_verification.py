"""The verification rule: a level is one the evidence supports (DESIGN.md's definitions, as README states them)."""

import pytest

from conflict_events import validate
from conflict_events._catalogue.verification import rejudge
from tests.conftest import edit


def _verification_problems(dataset):
    return [p for p in validate([dataset]).problems if p.rule == "verification"]


def test_the_package_records_pass_it():
    assert [p for p in validate().problems if p.rule in ("verification", "evidence-kind")] == []


def test_disputed_needs_a_contradicting_source(dataset):
    edit(dataset / "events" / "CE000010.yaml", "verification: reported", "verification: disputed")
    (problem,) = _verification_problems(dataset)
    assert problem.field == "verification" and "contradicts" in problem.message


def test_confirmed_needs_the_affected_partys_authorities_or_two_publishers(dataset):
    # CE000010: Zelensky's warning, in one article of unknown outlet, attributed to him (an authority of Ukraine)
    edit(dataset / "events" / "CE000010.yaml", "verification: reported", "verification: confirmed")
    assert _verification_problems(dataset) == []
    edit(dataset / "events" / "CE000010.yaml", "    attributed_to: UKR-ZELENSKY", "    attributed_to: null")
    (problem,) = _verification_problems(dataset)
    assert problem.file.endswith("CE000010.yaml") and "two different publishers" in problem.message
    # CE000018: Poland's delivery to Ukraine is confirmed by two publishers, not by an authority of Ukraine
    for source in ("afp-2023-02-24-leopard", "ziare-2023-02-24-leopard"):
        edit(dataset / "events" / "CE000018.yaml", f"  - source_id: {source}", "  - source_id: dw-2023-02-24-leopard")
    assert {p.file.rsplit("/", 1)[-1] for p in _verification_problems(dataset)} == {"CE000010.yaml", "CE000018.yaml"}


def test_claimed_needs_a_party_with_a_stake(dataset):
    # France's delivery is claimed by France's minister (France is actor1); with no attribution it is not
    edit(dataset / "events" / "CE000019.yaml", "    attributed_to: FRA-LECORNU", "    attributed_to: null")
    (problem,) = _verification_problems(dataset)
    assert problem.file.endswith("CE000019.yaml") and "claimed" in problem.message


@pytest.mark.parametrize(
    "recorded, met, judged",
    [
        ("disputed", {"disputed": True}, "disputed"),
        ("disputed", {"disputed": False, "confirmed": True}, "confirmed"),
        ("disputed", {"claimed": True}, "claimed"),
        ("confirmed", {}, "reported"),
        ("claimed", {"claimed": True}, "claimed"),
        ("unverified", {}, "unverified"),
        ("reported", {"confirmed": True}, "reported"),
    ],
)
def test_a_level_whose_demand_is_not_met_falls_back(recorded, met, judged):
    assert rejudge(recorded, met) == judged


def test_a_quote_only_from_an_archived_source_or_a_dataset_row(dataset):
    edit(dataset / "events" / "CE000020.yaml", "    quote: null\n    claim: >-\n      The first British Challenger 2 tanks had arrived in Ukraine; at least three could be\n      seen in the minister's video.",
         "    quote: The first British Challenger 2 tanks arrived in Ukraine\n    claim: null")
    problems = [p for p in validate([dataset]).problems if p.rule == "evidence-kind"]
    assert len(problems) == 1 and "neither archived nor a dataset row" in problems[0].message

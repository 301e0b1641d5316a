"""One source of truth: the Frictionless and pandera views of schema/ agree."""

import csv
import io

import yaml
from frictionless import Package, Resource, Schema, system
from hypothesis import given
from hypothesis import strategies as st

from conflict_events import schema
from conflict_events._paths import SCHEMA_DIR
from conflict_events.assemble import raw_frame
from conflict_events.check import check_table
from conflict_events.coerce import coerce, locate

#: the rules a Table Schema expresses, which both views must judge alike
TABLE_SCHEMA_RULES = {"type", "required", "enum", "pattern", "minimum", "maximum", "length", "unique", "primary-key"}


def test_enums_come_from_the_vocabularies():
    vocabularies = yaml.safe_load((SCHEMA_DIR / "vocabularies.yaml").read_text(encoding="utf-8"))
    source = yaml.safe_load((SCHEMA_DIR / "datapackage.yaml").read_text(encoding="utf-8"))
    marked = [(r["name"], f["name"], f["x-vocabulary"]) for r in source["resources"] for f in r["schema"]["fields"] if "x-vocabulary" in f]
    assert {m[2] for m in marked} == set(vocabularies) - {"event_subtype"} | {"event_subtype"}
    for table, field, vocabulary in marked:
        (resolved,) = [f for f in schema.fields(table) if f["name"] == field]
        assert resolved["constraints"]["enum"] == list(vocabularies[vocabulary])


def test_descriptor_is_a_valid_data_package():
    report = Package.validate_descriptor(schema.descriptor()) if hasattr(Package, "validate_descriptor") else None
    package = Package.from_descriptor(schema.descriptor())
    assert [r.name for r in package.resources] == schema.resource_names()
    assert report is None or report.valid


def _frictionless_cells(table: str, rows: list[dict]) -> set[tuple[int, str]]:
    fields = schema.fields(table)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f["name"] for f in fields], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    descriptor = schema.resource(table)["schema"]
    descriptor = {k: v for k, v in descriptor.items() if k != "foreignKeys"}
    with system.use_context(trusted=True):
        resource = Resource(data=buffer.getvalue().encode("utf-8"), format="csv", schema=Schema.from_descriptor(descriptor))
        report = resource.validate()
    cells = set()
    for row, field, kind in report.flatten(["rowNumber", "fieldName", "type"]):
        if kind == "primary-key":
            field = descriptor["primaryKey"][0]
        cells.add((row - 1, field))  # frictionless counts the header as row 1
    return cells


def _pandera_cells(table: str, rows: list[dict]) -> set[tuple[int, str]]:
    raw = raw_frame([{**r, "_file": "t.csv", "_line": i + 2} for i, r in enumerate(rows)])
    frame, problems = coerce(raw, schema.fields(table), locate(raw))
    problems += check_table(table, frame, {})
    return {(p.line - 1, p.field) for p in problems if p.rule in TABLE_SCHEMA_RULES}


GOOD_ACTOR = {"actor_id": "RUS", "name": "Russia", "actor_type": "state", "country_iso3": "RUS", "parent_id": "", "note": ""}
GOOD_EQUIPMENT = {"event_id": "CE000001", "item": "tank", "category": "tank", "quantity": "3", "note": ""}

#: cell values to try in each field: valid and invalid under the Table Schema
CELLS = st.sampled_from(["", "RUS", "rus", "state", "statee", "CE000001", "CE1", "tank", "0", "3", "-1", "2.5", "x" * 3, "2023-02-30", " "])


@given(
    table=st.sampled_from(["actors", "equipment"]),
    edits=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5), CELLS), max_size=4),
)
def test_frictionless_and_pandera_agree(table, edits):
    base = GOOD_ACTOR if table == "actors" else GOOD_EQUIPMENT
    names = list(base)
    rows = [dict(base, **({"actor_id": f"A{i}"} if table == "actors" else {"item": f"item {i}"})) for i in range(3)]
    for row, column, value in edits:
        rows[row][names[column % len(names)]] = value
    assert _pandera_cells(table, rows) == _frictionless_cells(table, rows)


def test_agreement_sees_real_failures():
    """The property above is not vacuous: both views flag these cells."""
    rows = [dict(GOOD_ACTOR, actor_id="rus", actor_type="statee"), dict(GOOD_ACTOR, name="")]
    expected = {(1, "actor_id"), (1, "actor_type"), (2, "name")}
    assert _frictionless_cells("actors", rows) == expected
    assert _pandera_cells("actors", rows) == expected

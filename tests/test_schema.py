"""One source of truth: frictionless, the rule catalogue and its pandera schema judge the cells of schema/ alike."""

import csv
import io

import yaml
from frictionless import Package, Resource, Schema, system
from hypothesis import given
from hypothesis import strategies as st

from conflict_events import _schema as schema
from conflict_events._paths import SCHEMA_DIR
import polars as pl

from conflict_events._engine.frames import validate_frame
from conflict_events._rules import pandera_schema

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


def _catalogue_cells(table: str, rows: list[dict]) -> set[tuple[int, str]]:
    """The cells the rule catalogue flags, the rows given as text, as a CSV file gives them."""
    frame = pl.DataFrame(rows, schema={name: pl.String for name in rows[0]})
    report = validate_frame(frame, table)
    return {(p.line, p.field) for p in report.problems if p.rule in TABLE_SCHEMA_RULES}


GOOD_ACTOR = {"actor_id": "RUS", "name": "Russia", "actor_type": "state", "country_iso3": "RUS", "parent_id": "", "note": ""}
GOOD_EQUIPMENT = {"event_id": "CE000001", "item": "tank", "category": "tank", "quantity": "3", "note": ""}

#: cell values to try in each field: valid and invalid under the Table Schema
CELLS = st.sampled_from(["", "RUS", "rus", "state", "statee", "CE000001", "CE1", "tank", "0", "3", "-1", "2.5", "x" * 3, "2023-02-30", " "])


@given(
    table=st.sampled_from(["actors", "equipment"]),
    edits=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5), CELLS), max_size=4),
)
def test_frictionless_and_the_catalogue_agree(table, edits):
    base = GOOD_ACTOR if table == "actors" else GOOD_EQUIPMENT
    names = list(base)
    rows = [dict(base, **({"actor_id": f"A{i}"} if table == "actors" else {"item": f"item {i}"})) for i in range(3)]
    for row, column, value in edits:
        rows[row][names[column % len(names)]] = value
    assert _catalogue_cells(table, rows) == _frictionless_cells(table, rows)


def test_agreement_sees_real_failures():
    """The property above is not vacuous: both views flag these cells."""
    rows = [dict(GOOD_ACTOR, actor_id="rus", actor_type="statee"), dict(GOOD_ACTOR, name="")]
    expected = {(1, "actor_id"), (1, "actor_type"), (2, "name")}
    assert _frictionless_cells("actors", rows) == expected
    assert _catalogue_cells("actors", rows) == expected


def test_pandera_schema_flags_what_the_catalogue_flags():
    """pandera_schema() runs the catalogue's own checks: the same cells fail, under the same rule ids."""
    import conflict_events as ce

    events = ce.load()
    events["event_type"] = events["event_type"].astype(str)
    events.loc[1, "event_type"] = "strikes"
    events.loc[3, "latitude"] = -91.0
    events.loc[5, "summary"] = "=1+1"
    try:
        pandera_schema("events").validate(events, lazy=True)
        failed = set()
    except Exception as error:  # pandera.errors.SchemaErrors
        cases = error.failure_cases
        # a wide (row) check is reported on every column of the row: compare (row, rule)
        failed = {(int(i) + 1, check) for i, check in zip(cases["index"], cases["check"]) if i is not None}
    flagged = {(p.line, p.rule) for p in validate_frame(events, "events").problems}
    assert failed == flagged == {(2, "enum"), (2, "subtype-mismatch"), (4, "minimum"), (6, "formula-injection")}

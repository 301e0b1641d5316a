"""validate_frame on PySpark: Spark reads the files itself, and the catalogue agrees with validate() on them.

PySpark is kept out of the main test environment (pandera imports it whenever it is
installed, and PySpark 4 warns about pandas 3): .ci/run runs this file in a virtual
environment of its own, with `-m spark`. Elsewhere it skips.
"""

import csv

import pytest

pyspark = pytest.importorskip("pyspark", reason="PySpark runs in its own environment: see .ci/run")

import conflict_events as ce  # noqa: E402

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("conflict-events-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate())
    yield session
    session.stop()


def _events_csv(path):
    events = ce.load()
    events["source_ids"] = events["source_ids"].map(";".join)
    rows = events.astype(object).where(events.notna(), None).to_dict("records")
    rows[1]["event_type"] = "strikes"                      # enum
    rows[2]["fatalities_best"] = -3                        # minimum
    rows[3]["event_id"] = "CE12"                           # pattern
    rows[4]["end_date"] = "2022-01-01"                     # end-before-start
    rows[5]["event_id"] = rows[6]["event_id"]              # unique
    rows[7]["latitude"] = "north"                          # type
    rows[8]["summary"] = "=HYPERLINK(1)"                   # formula-injection
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(events.columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else (v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else v)) for k, v in row.items()})
    return path


def test_spark_agrees_with_validate_on_files(spark, tmp_path):
    path = _events_csv(tmp_path / "events.csv")
    on_file = ce.validate([path], base=None)
    # every column as text, as the engine types it; quoted cells may hold line breaks and quotes (RFC 4180)
    frame = spark.read.options(header=True, multiLine=True, escape='"').csv(str(path))
    on_spark = ce.validate_frame(frame, table="events")
    skipped_on_spark = set(on_spark.skipped)
    expected = {rule: n for rule, n in on_file.counts.items() if rule not in skipped_on_spark}
    assert on_spark.counts == expected
    assert {"enum", "minimum", "pattern", "end-before-start", "unique", "type", "formula-injection"} <= set(on_spark.counts)
    assert {(p.rule, p.field) for p in on_spark.problems} == {(p.rule, p.field) for p in on_file.problems if p.rule not in skipped_on_spark}
    (enum,) = [p for p in on_spark.problems if p.rule == "enum"]
    assert enum.line is None and enum.key == {"event_id": "CE000002"} and enum.file == "<spark>"


def test_spark_runs_references_when_related_tables_are_given(spark, tmp_path):
    events = ce.load()
    events["source_ids"] = events["source_ids"].map(";".join)
    evidence = ce.load("evidence")
    frame = spark.createDataFrame(events.astype(str).where(events.notna(), None))
    related = {"evidence": spark.createDataFrame(evidence[evidence.event_id != "CE000003"].astype(str).where(evidence.notna(), None))}
    report = ce.validate_frame(frame, table="events", related=related)
    assert report.counts.get("event-without-evidence") == 1
    (problem,) = [p for p in report.problems if p.rule == "event-without-evidence"]
    assert problem.key == {"event_id": "CE000003"}
    assert "casualties-not-latest" in report.skipped

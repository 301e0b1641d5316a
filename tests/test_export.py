"""export: one table as CSV, JSON, Parquet or Stata; every table as a v1 CSV Data Package; the JSON-LD; the citation metadata."""

import csv
import hashlib
import io
import json
import os
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

import conflict_events as ce
from conflict_events import _data
from conflict_events import _export as ex
from conflict_events._paths import SCHEMA_DIR
from conflict_events._cli import main
from tests import _history

VOCABULARIES = yaml.safe_load((SCHEMA_DIR / "vocabularies.yaml").read_text(encoding="utf-8"))
RELEASE = _data.release_dir("1.0.0")
RAW_EVENTS = pq.read_table(RELEASE / "events.parquet").to_pylist()
ATTACK = "\r=cmd|' /C calc'!A0"  # a carriage return, then a formula: a spreadsheet runs it, a lax CSV reader starts a row
TWO_LINES = "first line\nsecond line"


def run(*args, cwd=None, umask=None):
    """The command line in a subprocess that imports this checkout whatever its working folder."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_history.REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "conflict_events", *map(str, args)], capture_output=True, cwd=cwd, env=env,
                          preexec_fn=None if umask is None else (lambda: os.umask(umask)))


def rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


@pytest.fixture
def hostile_summaries(monkeypatch):
    """load() as it is, except that the first event's summary holds a CR and a formula, and the second a line break."""
    real = _data.load

    def load(table="events", *args, **kwargs):
        frame = real(table, *args, **kwargs)
        if table == "events" and "summary" in frame.columns:
            frame.loc[0, "summary"], frame.loc[1, "summary"] = ATTACK, TWO_LINES
        return frame

    monkeypatch.setattr(ex.data, "load", load)


# --- one table ---------------------------------------------------------------------------------


def test_a_cell_with_a_line_break_is_quoted_and_a_formula_neutralised(hostile_summaries, tmp_path):
    path = ex.export("events", "csv", tmp_path / "events.csv", "1.0.0")
    content = path.read_bytes()
    assert b"\"'\r=cmd|' /C calc'!A0\"" in content and b'"first line\nsecond line"' in content
    read = rows(content)
    assert [r["event_id"] for r in read] == [r["event_id"] for r in RAW_EVENTS]
    assert (read[0]["summary"], read[1]["summary"]) == ("'" + ATTACK, TWO_LINES)
    assert read[2]["summary"] == RAW_EVENTS[2]["summary"]


def test_dash_writes_csv_and_json_to_standard_output(tmp_path):
    result = run("export", "--table", "events", "--format", "csv", "-o", "-", "--version", "1.0.0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [r["event_id"] for r in rows(result.stdout)] == [r["event_id"] for r in RAW_EVENTS]
    result = run("export", "--table", "actors", "--format", "json", "-o", "-", "--version", "1.0.0", cwd=tmp_path)
    actors = pq.read_table(RELEASE / "actors.parquet").to_pylist()
    assert json.loads(result.stdout) == actors
    assert list(tmp_path.iterdir()) == []  # no file named "-"


@pytest.mark.parametrize("fmt", ["parquet", "dta"])
def test_dash_refuses_binary_formats(fmt, tmp_path):
    result = run("export", "--table", "events", "--format", fmt, "-o", "-", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == b""
    assert f"{fmt} is a binary format and is not written to standard output".encode() in result.stderr
    assert b"Traceback" not in result.stderr and list(tmp_path.iterdir()) == []


def test_the_output_file_suffix_gives_the_format(tmp_path):
    assert run("export", "--table", "actors", "-o", tmp_path / "actors.json", "--version", "1.0.0").returncode == 0
    assert json.loads((tmp_path / "actors.json").read_text(encoding="utf-8")) == pq.read_table(RELEASE / "actors.parquet").to_pylist()
    result = run("export", "--table", "actors", "-o", tmp_path / "actors.txt")
    assert result.returncode == 2 and b"--format (csv, json, parquet, dta)" in result.stderr
    assert not (tmp_path / "actors.txt").exists()


@pytest.mark.parametrize("umask", [0o002, 0o077])
def test_files_get_the_mode_the_umask_gives(umask, tmp_path):
    assert run("export", "--table", "events", "--format", "csv", "-o", tmp_path / "events.csv", umask=umask).returncode == 0
    assert run("export", "--all", "-o", tmp_path / "package", umask=umask).returncode == 0
    written = [tmp_path / "events.csv", *(tmp_path / "package").iterdir()]
    assert len(written) == 1 + len(ce.tables("2.0.0")) + 1
    assert {oct(path.stat().st_mode & 0o777) for path in written} == {oct(0o666 & ~umask)}


def test_stata(tmp_path):
    path = ex.export("events", "dta", tmp_path, "1.0.0")
    assert path == tmp_path / "events.dta"
    back = pd.read_stata(path)
    assert back["event_id"].tolist() == [r["event_id"] for r in RAW_EVENTS]
    assert back["event_type"].astype(str).tolist() == [r["event_type"] for r in RAW_EVENTS]
    assert back["source_ids"].tolist() == [r["source_ids"] for r in RAW_EVENTS]  # lists joined with ";"
    assert [d.date() for d in back["start_date"]] == [r["start_date"] for r in RAW_EVENTS]
    assert back["weapon"].tolist() == [r["weapon"] or "" for r in RAW_EVENTS]  # Stata has no missing text
    assert [None if pd.isna(v) else int(v) for v in back["fatalities_best"]] == [r["fatalities_best"] for r in RAW_EVENTS]
    with pd.io.stata.StataReader(path) as reader:
        assert reader.data_label == "conflict-events 1.0.0: events"
        assert reader.variable_labels()["summary"] == "One or two sentences in our own words."
        assert list(reader.value_labels()["event_type"].values()) == list(VOCABULARIES["event_type"])  # every code, as a value label


def test_stata_keeps_long_text_whole(monkeypatch, tmp_path):
    real = _data.load
    long = "word " * 1000  # 5,000 bytes: more than a Stata str# holds

    def load(table="events", *args, **kwargs):
        frame = real(table, *args, **kwargs)
        frame.loc[0, "summary"] = long
        return frame

    monkeypatch.setattr(ex.data, "load", load)
    back = pd.read_stata(ex.export("events", "dta", tmp_path / "events.dta", "1.0.0"))
    assert back.loc[0, "summary"] == long


# --- every table: a v1 CSV Data Package ----------------------------------------------------------

V1_TYPES = {"string", "number", "integer", "boolean", "object", "array", "date", "time", "datetime", "year",
            "yearmonth", "duration", "geopoint", "geojson", "any"}
V2_ONLY = {"$schema", "categories", "categoriesOrdered", "itemType", "delimiter", "missingValues", "jsonSchema", "uniqueKeys"}


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_all_tables_as_a_v1_csv_data_package_that_frictionless_validates(tmp_path):
    frictionless = pytest.importorskip("frictionless")
    assert main(["export", "--all", "-o", str(tmp_path / "package"), "--version", "1.0.0"]) == 0
    descriptor = json.loads((tmp_path / "package" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package" and descriptor["version"] == "1.0.0"
    assert [r["name"] for r in descriptor["resources"]] == ce.tables("1.0.0")
    assert sorted(p.name for p in (tmp_path / "package").iterdir()) == sorted(["datapackage.json", *(f"{t}.csv" for t in ce.tables("1.0.0"))])
    for resource in descriptor["resources"]:
        assert resource["profile"] == "tabular-data-resource" and resource["path"] == f"{resource['name']}.csv"
        content = (tmp_path / "package" / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content) and resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
        assert {f["type"] for f in resource["schema"]["fields"]} <= V1_TYPES
    assert not V2_ONLY & set(_keys(descriptor))
    report = frictionless.validate(str(tmp_path / "package" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.warnings == [] and all(task.warnings == [] for task in report.tasks)
    assert all(task.stats["rows"] == pq.ParquetFile(RELEASE / f"{task.name}.parquet").metadata.num_rows for task in report.tasks)


def test_frictionless_checks_the_hashes_and_the_references_of_the_package(tmp_path):
    frictionless = pytest.importorskip("frictionless")
    path = ex.export_package(tmp_path, "1.0.0")
    actors = tmp_path / "actors.csv"
    actors.write_bytes(actors.read_bytes().replace(b"Belarus", b"Belaruz", 1))
    report = frictionless.validate(str(path))
    assert {error.type for task in report.tasks for error in task.errors} == {"hash-count"}
    path = ex.export_package(tmp_path, "1.0.0")  # a fresh package: a parent_id that names no actor breaks the self-reference
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    content = actors.read_bytes().replace(b"government_body,BLR,BLR,", b"government_body,BLR,NO-SUCH-ACTOR,", 1)
    assert content != actors.read_bytes()
    actors.write_bytes(content)
    (resource,) = [r for r in descriptor["resources"] if r["name"] == "actors"]
    resource.update(bytes=len(content), hash="sha256:" + hashlib.sha256(content).hexdigest())
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    report = frictionless.validate(str(path))
    assert {error.type for task in report.tasks for error in task.errors} == {"foreign-key"}


def test_the_package_keeps_values_exact(hostile_summaries, tmp_path):
    ex.export_package(tmp_path, "1.0.0")
    read = rows((tmp_path / "events.csv").read_bytes())
    assert (read[0]["summary"], read[1]["summary"]) == (ATTACK, TWO_LINES)
    assert [r["source_ids"] for r in read] == [r["source_ids"] for r in RAW_EVENTS]


def test_export_needs_its_arguments(tmp_path):
    assert main(["export", "--table", "events", "-o", str(tmp_path / "x")]) == 2  # no --format
    assert main(["export", "--all", "--format", "json", "-o", str(tmp_path / "x")]) == 2
    assert main(["export", "--all", "-o", "-"]) == 2
    assert list(tmp_path.iterdir()) == []


# --- metadata --------------------------------------------------------------------------------------


def test_jsonld_is_a_schema_org_dataset_of_the_release(tmp_path):
    result = run("export", "--jsonld", "--version", "1.0.0")
    assert result.returncode == 0, result.stderr
    ld = json.loads(result.stdout)
    descriptor = json.loads((RELEASE / "datapackage.json").read_text(encoding="utf-8"))
    assert (ld["@context"], ld["@type"], ld["version"]) == ("https://schema.org/", "Dataset", "1.0.0")
    assert ld["description"] == descriptor["description"] and ld["identifier"] == descriptor["fingerprint"]
    assert ld["license"] == "https://creativecommons.org/licenses/by/4.0/"
    downloads = {d["name"]: d for d in ld["distribution"]}
    assert list(downloads) == ce.tables("1.0.0")
    for name, download in downloads.items():
        assert download["sha256"] == hashlib.sha256((RELEASE / f"{name}.parquet").read_bytes()).hexdigest()
        assert download["contentUrl"].endswith(f"/v1.0.0/conflict_events/releases/1.0.0/{name}.parquet")
    assert {"@type": "PropertyValue", "name": "events.event_type", "description": "A code of the event_type vocabulary."} in ld["variableMeasured"]
    assert main(["export", "--jsonld", "--version", "1.0.0", "-o", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "conflict-events-1.0.0.jsonld").read_text(encoding="utf-8")) == ld


def test_citation_file_cite_and_jsonld_agree_on_title_and_authors():
    cff = yaml.safe_load((_history.REPO / "CITATION.cff").read_text(encoding="utf-8"))
    latest = ce.versions()[-1]
    cited = yaml.safe_load(ce.cite(latest, "cff"))
    ld = json.loads(run("export", "--jsonld").stdout)
    assert cff["title"] == cited["title"] == ld["name"]
    assert cff["authors"] == cited["authors"] == [{"name": c["name"]} for c in ld["creator"]]
    assert cff["authors"] and all(author["name"] in ce.cite(latest) for author in cff["authors"])

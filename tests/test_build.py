"""conflict-events build: deterministic, atomic, and a valid Frictionless package."""

import json

import pytest
from frictionless import Checklist, Package, system

import yaml

from conflict_events._paths import SCHEMA_DIR
from conflict_events.build import BuildError, build
from conflict_events.integrity import sha256_file
from tests.conftest import edit


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_build_is_byte_identical(tmp_path, dataset):
    first = _files(build(tmp_path / "a", dataset))
    second = _files(build(tmp_path / "b", dataset))
    assert first == second
    source = yaml.safe_load((SCHEMA_DIR / "datapackage.yaml").read_text("utf-8"))
    assert set(first) == {"datapackage.json", *(r["path"] for r in source["resources"])}


def test_descriptor_records_each_files_sha256_and_bytes(tmp_path, dataset):
    out = build(tmp_path / "out", dataset)
    desc = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    for resource in desc["resources"]:
        path = out / resource["path"]
        assert resource["hash"] == "sha256:" + sha256_file(path)
        assert resource["bytes"] == path.stat().st_size


def test_frictionless_validates_the_build(tmp_path, dataset):
    out = build(tmp_path / "out", dataset)
    with system.use_context(trusted=True):
        report = Package(str(out / "datapackage.json")).validate(checklist=Checklist(skip_errors=["byte-count"]))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


def test_frictionless_finds_a_broken_foreign_key(tmp_path, dataset):
    """The keys of the descriptor are real: frictionless itself sees a dangling reference."""
    import pyarrow.parquet as pq

    out = build(tmp_path / "out", dataset)
    table = pq.read_table(out / "evidence.parquet")
    ids = table.column("event_id").to_pylist()
    ids[0] = "CE999999"
    import pyarrow as pa

    pq.write_table(table.set_column(0, "event_id", pa.array(ids)), out / "evidence.parquet")
    with system.use_context(trusted=True):
        report = Package(str(out / "datapackage.json")).validate(checklist=Checklist(skip_errors=["byte-count", "hash-count"]))
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


def test_a_failed_build_writes_nothing(tmp_path, dataset):
    out = build(tmp_path / "out", dataset)
    before = _files(out)
    edit(dataset / "events" / "CE000001.yaml", "end_date: 2023-02-01", "end_date: 2023-01-10")
    with pytest.raises(BuildError) as caught:
        build(out, dataset)
    assert [p.rule for p in caught.value.problems] == ["end-before-start"]
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset", "out"]  # no staging folder left behind


def test_every_shipped_release_passes_frictionless():
    """What the README promises for `frictionless validate --skip-errors byte-count` on a release."""
    from conflict_events._paths import RELEASES_DIR

    releases = sorted(p for p in RELEASES_DIR.iterdir() if (p / "datapackage.json").is_file())
    assert releases
    for folder in releases:
        with system.use_context(trusted=True):
            report = Package(str(folder / "datapackage.json")).validate(checklist=Checklist(skip_errors=["byte-count"]))
        assert report.valid, (folder.name, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"]))

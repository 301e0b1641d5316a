"""conflict-events release: immutable, versioned by the data-package-version rules, recorded in the registry, changelog and citation."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conflict_events._build import BuildError
from conflict_events._release import ReleaseError, release
from conflict_events._validator import validate
from tests import _history
from tests._history import add_event_and_casualty_report, copy_workspace, make, merge_ce000003

FINGERPRINT_1_0_0 = "sha256:4b7ec337515086b3b044f0f6157a49be8e6ce9bf246fb80a1083543d2ec2ae92"


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    return _history.history(tmp_path_factory)


@pytest.fixture
def workspace(tmp_path):
    return copy_workspace(tmp_path / "work")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _registry(root: Path) -> dict:
    return json.loads((root / "releases" / "registry.json").read_text(encoding="utf-8"))["releases"]


def test_a_second_release_from_changed_records(history):
    folder = history / "releases" / "2.1.0"
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert (desc["version"], desc["created"]) == ("2.1.0", "2026-12-01T00:00:00Z")  # the spec's RFC 3339 date-time
    assert [r["name"] for r in desc["resources"]][-1] == "retired"
    for resource in desc["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    lines = sorted(f"{r['path']} {r['hash'].removeprefix('sha256:')}\n" for r in desc["resources"])
    assert desc["fingerprint"] == "sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest()
    assert desc["fingerprint"] != FINGERPRINT_1_0_0


def test_the_release_is_byte_identical_from_the_same_records(history, tmp_path):
    again = copy_workspace(tmp_path / "again")
    add_event_and_casualty_report(again / "dataset")
    make(again, "2.1.0")
    assert _files(again / "releases" / "2.1.0") == _files(history / "releases" / "2.1.0")
    assert _registry(again)["2.1.0"] == _registry(history)["2.1.0"]
    assert (again / "CITATION.cff").read_bytes() == (history / "CITATION-2.1.0.cff").read_bytes()


def test_the_registry_records_every_release(history):
    entries = _registry(history)
    assert list(entries) == ["1.0.0", "2.0.0", "2.1.0", "3.0.0", "3.0.1"]
    for version, entry in entries.items():
        folder = history / "releases" / version
        assert sorted(entry["files"]) == sorted(p.name for p in folder.iterdir())
        for name, spec in entry["files"].items():
            data = (folder / name).read_bytes()
            assert spec == {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
    assert entries["1.0.0"]["fingerprint"] == FINGERPRINT_1_0_0


def test_a_release_carries_its_schema_org_dataset(history):
    folder = history / "releases" / "2.1.0"
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    ld = json.loads((folder / "dataset.jsonld").read_text(encoding="utf-8"))
    assert (ld["@context"], ld["@type"], ld["version"]) == ("https://schema.org/", "Dataset", "2.1.0")
    assert ld["identifier"] == _registry(history)["2.1.0"]["fingerprint"]
    assert ld["datePublished"] == "2026-12-01T00:00:00Z"
    downloads = {d["contentUrl"].rsplit("/", 1)[1]: d for d in ld["distribution"]}
    assert set(downloads) == {r["path"] for r in desc["resources"]}
    for name, download in downloads.items():
        assert download["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    ld_file = folder / "dataset.jsonld"
    assert _registry(history)["2.1.0"]["files"]["dataset.jsonld"] == {
        "bytes": ld_file.stat().st_size, "hash": "sha256:" + hashlib.sha256(ld_file.read_bytes()).hexdigest()}
    assert not (history / "releases" / "1.0.0" / "dataset.jsonld").exists()  # 1.0.0 and 2.0.0 are as they were released


def test_export_jsonld_gives_the_file_the_release_carries(history, monkeypatch, tmp_path):
    from conflict_events import _data, _export, _paths

    for module in (_paths, _data):
        monkeypatch.setattr(module, "RELEASES_DIR", history / "releases")
    monkeypatch.setattr(_data, "_verified", set())
    _export.export_jsonld(tmp_path / "ld.jsonld", "2.1.0")
    assert (tmp_path / "ld.jsonld").read_bytes() == (history / "releases" / "2.1.0" / "dataset.jsonld").read_bytes()


def test_earlier_releases_are_untouched(history):
    from conflict_events._paths import RELEASES_DIR

    assert _files(history / "releases" / "1.0.0") == _files(RELEASES_DIR / "1.0.0")


def test_a_version_that_exists_is_refused(workspace):
    add_event_and_casualty_report(workspace / "dataset")
    before = _files(workspace / "releases" / "1.0.0")
    with pytest.raises(ReleaseError, match="release 1.0.0 already exists"):
        make_version(workspace, "1.0.0")
    assert _files(workspace / "releases" / "1.0.0") == before


def make_version(root: Path, version: str, created: str = "2026-12-01") -> Path:
    return release(version, root / "dataset", root / "releases", created, changelog=root / "CHANGELOG.md", citation=root / "CITATION.cff")


def test_a_bad_version_or_date_is_refused(workspace):
    with pytest.raises(ReleaseError, match="'1.1' is not a version"):
        make_version(workspace, "1.1")
    with pytest.raises(ReleaseError, match="'next week' is not a date"):
        make_version(workspace, "2.1.0", created="next week")


@pytest.mark.parametrize("version", ["2.0.1", "3.0.0", "2.2.0", "1.9.0"])
def test_a_version_that_breaks_the_rules_is_refused_with_the_right_bump(workspace, version):
    add_event_and_casualty_report(workspace / "dataset")
    changelog, citation = (workspace / "CHANGELOG.md").read_bytes(), (workspace / "CITATION.cff").read_bytes()
    with pytest.raises(ReleaseError) as caught:
        make_version(workspace, version)
    assert caught.value.proposed == "2.1.0"
    assert "MINOR release, 2.1.0" in str(caught.value) and "events: 1 row(s) added" in str(caught.value)
    assert sorted(p.name for p in (workspace / "releases").iterdir()) == ["1.0.0", "2.0.0", "registry.json"]  # nothing left behind
    assert (workspace / "CHANGELOG.md").read_bytes() == changelog and (workspace / "CITATION.cff").read_bytes() == citation


@pytest.mark.slow  # a subprocess or a full release per case: in the slow tier, which CI runs too
def test_a_removed_event_is_major_and_a_correction_patch(workspace):
    add_event_and_casualty_report(workspace / "dataset")
    make_version(workspace, "2.1.0")
    merge_ce000003(workspace / "dataset")
    with pytest.raises(ReleaseError, match="MAJOR release, 3.0.0") as caught:
        make_version(workspace, "2.2.0")
    assert "events: 1 row(s) removed" in str(caught.value)
    make_version(workspace, "3.0.0")
    with pytest.raises(ReleaseError, match="nothing changed since 3.0.0"):
        make_version(workspace, "3.0.1")
    _history.correct_summary(workspace / "dataset")
    with pytest.raises(ReleaseError, match="PATCH release, 3.0.1"):
        make_version(workspace, "3.1.0")
    assert make_version(workspace, "3.0.1").name == "3.0.1"


def test_an_event_cannot_disappear_without_being_retired(workspace):
    (workspace / "dataset" / "events" / "CE000003.yaml").unlink()
    with pytest.raises(ReleaseError, match=r"CE000003 of 2.0.0 are missing from the records and not retired.*retired.yaml"):
        make_version(workspace, "3.0.0")
    (workspace / "dataset" / "retired.yaml").write_text(_history.RETIRED.replace("3.0.0", "2.5.0"), encoding="utf-8")
    with pytest.raises(ReleaseError, match="set their retired_in to 3.0.0"):
        make_version(workspace, "3.0.0")


def test_invalid_records_are_not_released(workspace):
    path = workspace / "dataset" / "events" / "CE000001.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("end_date: 2023-02-01", "end_date: 2023-01-10"), encoding="utf-8")
    with pytest.raises(BuildError):
        make_version(workspace, "2.1.0")
    assert sorted(p.name for p in (workspace / "releases").iterdir()) == ["1.0.0", "2.0.0", "registry.json"]


def test_changelog_section_with_record_level_changes(history):
    text = (history / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\S+))?$", text, re.M)
    assert headings == [("Unreleased", ""), ("3.0.1", "2026-12-03"), ("3.0.0", "2026-12-02"), ("2.1.0", "2026-12-01"), ("2.0.0", "2026-11-29"), ("1.0.0", "2026-11-27")]
    section = text.split("## [2.1.0]")[1].split("## [2.0.0]")[0]
    assert "a MINOR release after 2.0.0" in section
    assert "### Added\n- Event CE000021.\n" in section
    assert ("- Event CE000004: fatalities_best 46 -> 40; injured 81 -> 75; missing empty -> 30; "
            "casualties_as_of 2023-01-23T12:19:00+00:00 -> 2023-02-01; casualties_as_of_precision minute -> day;") in section
    assert "casualties (2023-02-01 / article-2023-01-16-belarus-drills-dnipro-strike) added" in section
    assert json.loads((history / "releases" / "2.1.0" / "datapackage.json").read_text(encoding="utf-8"))["fingerprint"] in section
    major = text.split("## [3.0.0]")[1].split("## [2.1.0]")[0]
    assert "### Removed\n- Event CE000003: merged into CE000002 (Test fixture.); its id is retired." in major
    patch = text.split("## [3.0.1]")[1].split("## [3.0.0]")[0]
    assert "- Event CE000010: summary President Zelensky said" not in patch and "- Event CE000010: summary corrected." in patch


def test_unreleased_entries_move_into_the_release(workspace):
    path = workspace / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## [Unreleased]\n", "## [Unreleased]\n\n### Added\n- A new command.\n\n### Fixed\n- A bug.\n", 1), encoding="utf-8")
    add_event_and_casualty_report(workspace / "dataset")
    make_version(workspace, "2.1.0")
    text = path.read_text(encoding="utf-8")
    unreleased, section = text.split("## [Unreleased]")[1].split("## [2.1.0]")
    assert unreleased.strip() == ""
    section = section.split("## [2.0.0]")[0]
    assert "### Added\n- A new command.\n- Event CE000021.\n" in section
    assert section.index("### Added") < section.index("### Changed") < section.index("### Fixed")


def test_citation_cff_names_the_release(history):
    cff = yaml.safe_load((history / "CITATION.cff").read_text(encoding="utf-8"))
    desc = json.loads((history / "releases" / "3.0.1" / "datapackage.json").read_text(encoding="utf-8"))
    assert (cff["version"], cff["date-released"]) == ("3.0.1", "2026-12-03")
    assert cff["identifiers"][0]["value"] == desc["fingerprint"]
    assert "3.0.1" in cff["identifiers"][0]["description"]
    original = yaml.safe_load((Path(__file__).resolve().parent.parent / "CITATION.cff").read_text(encoding="utf-8"))
    assert {k: v for k, v in cff.items() if k not in ("version", "date-released", "identifiers")} == \
        {k: v for k, v in original.items() if k not in ("version", "date-released", "identifiers")}


@pytest.mark.skipif(not os.environ.get("CFFCONVERT"), reason="set CFFCONVERT to the cffconvert binary (.ci/run does)")
def test_citation_cff_written_by_release_passes_cffconvert(history, tmp_path):
    for path in (history / "CITATION.cff", history / "CITATION-2.1.0.cff"):
        result = subprocess.run([os.environ["CFFCONVERT"], "--validate", "-i", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "CITATION.cff"
    broken.write_text((history / "CITATION.cff").read_text(encoding="utf-8").replace('date-released: "2026-12-03"', 'date-released: "next week"'), encoding="utf-8")
    assert subprocess.run([os.environ["CFFCONVERT"], "--validate", "-i", str(broken)], capture_output=True).returncode != 0


def test_a_new_record_reusing_a_retired_id_fails_validation(dataset):
    (dataset / "retired.yaml").write_text("- {event_id: CE000013, reason: withdrawn, successor: null, retired_in: 2.1.0, note: Test fixture.}\n", encoding="utf-8")
    report = validate([dataset], base=None)
    assert [(p.rule, p.field, Path(p.file).name, p.line) for p in report.problems] == [("retired-id", "event_id", "CE000013.yaml", 1)]
    assert "retired in 2.1.0 (withdrawn)" in report.problems[0].message


def test_a_contributed_record_reusing_a_retired_id_fails_against_the_base(dataset, tmp_path):
    merge_ce000003(dataset)
    contributed = tmp_path / "CE000003.yaml"
    shutil.copy(Path(__file__).resolve().parent.parent / "dataset" / "events" / "CE000003.yaml", contributed)
    report = validate([contributed], base=dataset)
    assert [(p.rule, p.value) for p in report.problems] == [("retired-id", "CE000003")]
    assert "succeeded by CE000002" in report.problems[0].message


def test_a_retired_entry_must_name_a_known_successor(dataset):
    merge_ce000003(dataset)
    (dataset / "retired.yaml").write_text(_history.RETIRED.replace("successor: CE000002", "successor: CE000099"), encoding="utf-8")
    report = validate([dataset], base=None)
    assert [(p.rule, p.field) for p in report.problems] == [("foreign-key", "successor")]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "conflict_events", *map(str, args)], capture_output=True, text=True)


@pytest.mark.slow
def test_release_command_exit_codes(workspace):
    common = ["--dataset", workspace / "dataset", "--releases", workspace / "releases",
              "--changelog", workspace / "CHANGELOG.md", "--citation", workspace / "CITATION.cff", "--created", "2026-12-01"]
    add_event_and_casualty_report(workspace / "dataset")
    refused = _run("release", "2.0.1", *common)
    assert refused.returncode == 1 and "release 2.1.0 instead" in refused.stderr and "Traceback" not in refused.stderr
    assert _run("release", "1.0.0", *common).returncode == 1
    assert _run("release", "one", *common).returncode == 1
    done = _run("release", "2.1.0", *common)
    assert done.returncode == 0, done.stderr
    assert (workspace / "releases" / "2.1.0" / "datapackage.json").is_file()
    assert "2.1.0" in _registry(workspace)


def test_frictionless_validates_a_release_with_retired_ids(history):
    from frictionless import Checklist, Package, system

    with system.use_context(trusted=True):
        report = Package(str(history / "releases" / "3.0.0" / "datapackage.json")).validate(checklist=Checklist(skip_errors=["byte-count"]))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    import pyarrow.parquet as pq

    assert pq.read_table(history / "releases" / "3.0.0" / "retired.parquet").to_pylist() == [
        {"event_id": "CE000003", "reason": "merged", "successor": "CE000002", "retired_in": "3.0.0", "note": "Test fixture."}]

"""diff(a, b) and `conflict-events diff`: record-level changes, and the version level of schema changes."""

import copy
import json
import os
import subprocess
import sys

import pytest

import conflict_events as ce
from conflict_events._changes import next_version, schema_changes
from tests import _history
from tests.conftest import edit

EVENTS = {
    "name": "conflict-events",
    "title": "conflict-events",
    "resources": [{
        "name": "events", "path": "events.parquet", "format": "parquet",
        "schema": {
            "primaryKey": ["event_id"],
            "fields": [
                {"name": "event_id", "type": "string", "constraints": {"required": True, "pattern": "CE[0-9]{6}"}},
                {"name": "event_type", "type": "string", "constraints": {"enum": ["strike", "clash"]}},
                {"name": "fatalities_best", "type": "integer", "constraints": {"minimum": 0}},
                {"name": "latitude", "type": "number", "constraints": {"maximum": 90}},
                {"name": "summary", "type": "string", "description": "Our words."},
            ],
        },
    }],
}


def _changed(how):
    new = copy.deepcopy(EVENTS)
    how(new["resources"][0]["schema"]["fields"], new)
    return [(c.level, c.change) for c in schema_changes(EVENTS, new)]


def _field(fields, name):
    return next(f for f in fields if f["name"] == name)


@pytest.mark.parametrize(("how", "expected"), [
    (lambda f, d: _field(f, "summary").update(name="text"), {("major", "events.summary: field removed (or renamed)"), ("major", "events.text: field added")}),
    (lambda f, d: f.pop(), {("major", "events.summary: field removed (or renamed)")}),
    (lambda f, d: f.append({"name": "weapon", "type": "string"}), {("major", "events.weapon: field added")}),
    (lambda f, d: f.reverse(), {("major", "events: fields re-ordered")}),
    (lambda f, d: _field(f, "fatalities_best").update(type="number"), {("major", "events.fatalities_best: retyped from integer to number")}),
    (lambda f, d: _field(f, "summary").update(constraints={"required": True}), {("major", "events.summary: constraint required tightened (added: True)")}),
    (lambda f, d: _field(f, "event_id")["constraints"].update(required=False), {("minor", "events.event_id: constraint required loosened (True -> False)")}),
    (lambda f, d: _field(f, "event_type")["constraints"].update(enum=["strike"]), {("major", "events.event_type: constraint enum tightened (codes removed: clash)")}),
    (lambda f, d: _field(f, "event_type")["constraints"].update(enum=["strike", "clash", "exercise"]), {("minor", "events.event_type: constraint enum loosened (codes added: exercise)")}),
    (lambda f, d: _field(f, "fatalities_best")["constraints"].update(minimum=1), {("major", "events.fatalities_best: constraint minimum tightened (0 -> 1)")}),
    (lambda f, d: _field(f, "latitude")["constraints"].update(maximum=91), {("minor", "events.latitude: constraint maximum loosened (90 -> 91)")}),
    (lambda f, d: _field(f, "latitude").pop("constraints"), {("minor", "events.latitude: constraint maximum loosened (removed: 90)")}),
    (lambda f, d: _field(f, "event_id")["constraints"].update(pattern="CE[0-9]{7}"), {("major", "events.event_id: constraint pattern tightened (changed from 'CE[0-9]{6}' to 'CE[0-9]{7}'; it may exclude values it allowed)")}),
    (lambda f, d: _field(f, "summary").update(description="One or two sentences."), {("patch", "events.summary: description changed")}),
    (lambda f, d: _field(f, "summary").update({"x-vocabulary": "summaries"}), {("patch", "events.summary: x-vocabulary changed")}),
    (lambda f, d: _field(f, "summary").update({"or of the window it falls in.": None}), {("patch", "events.summary: or of the window it falls in. changed")}),
    (lambda f, d: _field(f, "summary").update(format="email"), {("major", "events.summary: format changed from None to 'email'")}),
    (lambda f, d: d.update(title="Conflict events"), {("patch", "package title changed")}),
    (lambda f, d: d["resources"].append({"name": "actors", "path": "actors.parquet", "schema": {"fields": []}}), {("minor", "resource actors added")}),
    (lambda f, d: d["resources"][0]["schema"].update(primaryKey=["event_id", "event_type"]), {("major", "events: primary key changed from ['event_id'] to ['event_id', 'event_type']")}),
    (lambda f, d: d["resources"][0]["schema"].update(foreignKeys=[{"fields": ["event_type"], "reference": {"resource": "", "fields": ["event_id"]}}]),
     {("major", "events: foreign key event_type -> itself.event_id added")}),
])
def test_schema_changes_are_classified_by_the_data_package_version_rules(how, expected):
    assert set(_changed(how)) == expected


def test_removing_a_resource_is_major_and_nothing_is_nothing():
    assert [(c.level, c.change) for c in schema_changes(EVENTS, {**EVENTS, "resources": []})] == [("major", "resource events removed")]
    assert schema_changes(EVENTS, copy.deepcopy(EVENTS)) == []


def test_next_version():
    assert [next_version("1.4.2", level) for level in ("major", "minor", "patch")] == ["2.0.0", "1.5.0", "1.4.3"]


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    return _history.history(tmp_path_factory)


def test_events_added_and_changed_with_casualty_revisions(history):
    result = ce.diff(history / "releases" / "2.0.0", history / "releases" / "2.1.0")
    assert result.level == "minor"
    assert result.events["added"] == ["CE000021"]
    assert result.events["removed"] == []
    (change,) = result.events["changed"]
    assert change["event_id"] == "CE000004"
    assert change["fields"] == [
        {"field": "fatalities_best", "from": 46, "to": 40},
        {"field": "injured", "from": 81, "to": 75},
        {"field": "missing", "from": None, "to": 30},
        {"field": "casualties_as_of", "from": "2023-01-23T12:19:00+00:00", "to": "2023-02-01"},
        {"field": "casualties_as_of_precision", "from": "minute", "to": "day"},
    ]
    (report,) = change["casualties"]["added"]
    assert (report["as_of"], report["killed_best"], report["injured"], report["missing"]) == ("2023-02-01", 40, 75, 30)
    assert change["casualties"]["removed"] == change["casualties"]["changed"] == []


def test_removed_events_name_their_retirement(history):
    result = ce.diff(history / "releases" / "2.1.0", history / "releases" / "3.0.0")
    assert result.level == "major"
    assert result.events["removed"] == [{"event_id": "CE000003", "reason": "merged", "successor": "CE000002", "retired_in": "3.0.0", "note": "Test fixture."}]
    assert result.events["added"] == [] and result.events["changed"] == []
    assert "  - CE000003: merged into CE000002 (retired in 3.0.0): Test fixture." in result.text()


def test_a_correction_field_by_field(history):
    result = ce.diff(history / "releases" / "3.0.0", history / "releases" / "3.0.1")
    assert result.level == "patch"
    assert result.events["changed"] == [{"event_id": "CE000010", "fields": [{
        "field": "summary",
        "from": "President Zelensky said Ukraine must be ready at its border with Belarus.",
        "to": "President Volodymyr Zelensky said Ukraine must be ready at its border with Belarus.",
    }]}]


def test_working_records_against_a_release(dataset):
    from conflict_events._paths import RELEASES_DIR

    edit(dataset / "events" / "CE000006.yaml", "verification: confirmed", "verification: reported")
    result = ce.diff(RELEASES_DIR / "2.0.0", dataset)
    assert result.b["label"] == f"records in {dataset}"
    assert result.events["changed"] == [{"event_id": "CE000006", "fields": [{"field": "verification", "from": "confirmed", "to": "reported"}]}]
    assert result.events["added"] == result.events["removed"] == []


def test_a_version_against_itself_has_no_changes():
    result = ce.diff("1.0.0", "1.0.0")
    assert result.level is None and result.changes == []
    assert result.text().endswith("no changes")


def _run(*args):
    """``conflict-events ARGS`` run in this process (quicker than a new Python for each): exit code, stdout and stderr."""
    import contextlib
    import io

    from conflict_events._cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as stop:  # argparse's refusal of bad arguments
            code = stop.code
    return subprocess.CompletedProcess(["conflict-events", *map(str, args)], code, out.getvalue(), err.getvalue())


def test_diff_command_text_and_json(history):
    a, b = history / "releases" / "2.0.0", history / "releases" / "3.0.1"
    text = _run("diff", a, b)
    assert text.returncode == 0, text.stderr
    assert "version bump by the data-package-version rules: MAJOR" in text.stdout
    for line in ("  + CE000021", "  - CE000003: merged into CE000002", "  ~ CE000004", "      fatalities_best: 46 -> 40", "  ~ CE000010"):
        assert line in text.stdout
    as_json = _run("diff", a, b, "--format", "json")
    assert as_json.returncode == 0
    document = json.loads(as_json.stdout)
    assert (document["from"]["version"], document["to"]["version"], document["level"]) == ("2.0.0", "3.0.1", "major")
    assert document["events"]["added"] == ["CE000021"]
    assert [e["event_id"] for e in document["events"]["changed"]] == ["CE000004", "CE000010"]
    assert document["tables"]["casualties"]["added"] == [{"event_id": "CE000004", "as_of": "2023-02-01", "source_id": "article-2023-01-16-belarus-drills-dnipro-strike"}]


def test_diff_command_errors(tmp_path, dataset):
    missing = _run("diff", "1.0.0", tmp_path / "nowhere")
    assert missing.returncode == 2 and "not a version" in missing.stderr and "Traceback" not in missing.stderr
    unknown = _run("diff", "1.0.0", "7.0.0")
    assert unknown.returncode == 2 and "no release 7.0.0" in unknown.stderr
    edit(dataset / "events" / "CE000006.yaml", "verification: confirmed", "verification: certain")
    invalid = _run("diff", "1.0.0", dataset)
    assert invalid.returncode == 1 and "[enum]" in invalid.stderr
    assert _run("diff", "1.0.0", "1.0.0", "--format", "xml").returncode == 2


def _package_with(tmp_path, name, path):
    """Release 1.0.0 copied to a folder whose descriptor names ``path`` for resource ``name``, of 0 bytes (as a FIFO or device has)."""
    import shutil

    from conflict_events._paths import RELEASES_DIR

    folder = tmp_path / "package"
    shutil.copytree(RELEASES_DIR / "1.0.0", folder)
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in desc["resources"]:
        if resource["name"] == name:
            resource["path"], resource["bytes"] = path, 0
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    return folder


@pytest.mark.parametrize("path", ["/dev/zero", "../events.parquet", "sub/../../events.parquet"])
def test_diff_refuses_a_resource_path_outside_the_package_folder(tmp_path, path):
    from conflict_events._integrity import IntegrityError

    folder = _package_with(tmp_path, "events", path)
    with pytest.raises(IntegrityError, match="resource path .* (must be a name inside|is not a file name inside) the package folder"):
        ce.diff(folder, "1.0.0")


def test_diff_refuses_a_symbolic_link_that_leaves_the_package_folder(tmp_path):
    from conflict_events._integrity import IntegrityError

    folder = _package_with(tmp_path, "events", "events.parquet")
    (folder / "events.parquet").unlink()
    (folder / "events.parquet").symlink_to("/dev/zero")
    with pytest.raises(IntegrityError, match="leads outside the package folder"):
        ce.diff(folder, "1.0.0")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_diff_on_a_fifo_or_a_device_is_a_clear_error_not_a_hang(tmp_path):
    folder = _package_with(tmp_path, "events", "events.parquet")
    (folder / "events.parquet").unlink()
    os.mkfifo(folder / "events.parquet")
    result = subprocess.run([sys.executable, "-m", "conflict_events", "diff", str(folder), "1.0.0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("a released file must be a regular file") and "events.parquet is not a regular file" in result.stderr

"""validation/gallery: one failing example per rule, each with its expected report."""

import json
from pathlib import Path

import pytest

import conflict_events as ce
from conflict_events._catalogue import RULES
from tests.conftest import REPO

GALLERY = REPO / "validation" / "gallery"
CASES = sorted(p.name for p in GALLERY.iterdir() if p.is_dir())
#: rules whose example cannot be a small file in a repository: tested in test_validate_files.py
NOT_IN_GALLERY = {"file-unreadable", "file-too-large", "retired-id",
                  # FIFOs, devices, links out of the repository and megabyte lines: tested in test_hostile.py
                  "file-not-regular", "path-outside-dataset", "line-too-long", "cell-too-long"}


def _inputs(case: Path) -> list[Path]:
    folder = case / "input"
    if (folder / "dataset").is_dir():
        return [folder / "dataset"]
    return sorted(p for p in folder.iterdir())


@pytest.mark.parametrize("name", CASES)
def test_gallery_example_gives_its_expected_report(name):
    case = GALLERY / name
    expected = json.loads((case / "expected.json").read_text("utf-8"))
    assert expected["rule"] == name
    report = ce.validate(_inputs(case))
    actual = [
        {"file": Path(p.file).resolve().relative_to((case / "input").resolve()).as_posix(), "line": p.line, "field": p.field, "rule": p.rule}
        for p in report.problems
    ]
    assert actual == expected["problems"]
    for problem in report.problems:
        assert problem.message and problem.hint


def test_gallery_covers_every_rule():
    assert set(CASES) - {"valid"} == set(RULES) - NOT_IN_GALLERY

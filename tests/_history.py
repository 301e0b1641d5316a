"""A release history made in a temporary copy: 1.0.0 and 2.0.0 (the package's), then 2.1.0, 3.0.0 and 3.0.1 from changed records.

The changes are test fixtures in a temporary copy of the records, never data:
2.1.0 adds event CE000021 and a later casualty report for CE000004 (MINOR);
3.0.0 merges CE000003 into CE000002 (an event removed: MAJOR);
3.0.1 corrects the summary of CE000010 (PATCH).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conflict_events._paths import DATASET_DIR, RELEASES_DIR
from conflict_events._release import release
from tests.conftest import REPO, edit

CREATED = {"2.1.0": "2026-12-01", "3.0.0": "2026-12-02", "3.0.1": "2026-12-03"}
NEW_CASUALTY_REPORT = """
  - as_of: 2023-02-01
    as_of_precision: day
    source_id: article-2023-01-16-belarus-drills-dnipro-strike
    reported_by: UKR-REZNICHENKO
    killed_low: null
    killed_best: 40
    killed_high: null
    injured: 75
    missing: 30
    rescued: null
    note: Test fixture, not a report.
"""
RETIRED = "- {event_id: CE000003, reason: merged, successor: CE000002, retired_in: 3.0.0, note: Test fixture.}\n"

#: A changelog as the project keeps it, with nothing unreleased.
CHANGELOG = """# Changelog

All notable changes to this project are documented here, as [Keep a Changelog](https://keepachangelog.com/en/2.1.0/) says.

## [Unreleased]

## [2.0.0] - 2026-11-29

### Added
- Release 2.0.0 of the data, inside the package.

## [1.0.0] - 2026-11-27

### Added
- Release 1.0.0 of the data, inside the package.
"""

_cache: dict[str, Path] = {}


def copy_workspace(root: Path) -> Path:
    """The records, the releases and CITATION.cff copied to ``root``, and a CHANGELOG.md."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DATASET_DIR, root / "dataset")
    shutil.copytree(RELEASES_DIR, root / "releases", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "CITATION.cff", root / "CITATION.cff")
    (root / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    return root


def add_event_and_casualty_report(dataset: Path) -> None:
    """CE000021 (a copy of CE000010 on another day) and a report of 2023-02-01 for CE000004."""
    text = (dataset / "events" / "CE000010.yaml").read_text(encoding="utf-8")
    for old, new in [("event_id: CE000010", "event_id: CE000021"), ("start_date: 2023-01-09", "start_date: 2023-01-16"),
                     ("end_date: 2023-01-15", "end_date: 2023-01-16"),
                     ("summary: President Zelensky said Ukraine must be ready at its border with Belarus.", "summary: Test fixture, not an event.")]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (dataset / "events" / "CE000021.yaml").write_text(text, encoding="utf-8")
    path = dataset / "events" / "CE000004.yaml"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + NEW_CASUALTY_REPORT, encoding="utf-8")


def merge_ce000003(dataset: Path) -> None:
    (dataset / "events" / "CE000003.yaml").unlink()
    (dataset / "retired.yaml").write_text(RETIRED, encoding="utf-8")


def correct_summary(dataset: Path) -> None:
    edit(dataset / "events" / "CE000010.yaml", "summary: President Zelensky said", "summary: President Volodymyr Zelensky said")


def make(root: Path, version: str) -> Path:
    return release(version, root / "dataset", root / "releases", CREATED[version],
                   changelog=root / "CHANGELOG.md", citation=root / "CITATION.cff")


def history(tmp_path_factory) -> Path:
    """The workspace after releases 2.1.0, 3.0.0 and 3.0.1 (made once per test session; do not change it)."""
    if "root" not in _cache:
        root = copy_workspace(tmp_path_factory.mktemp("history"))
        add_event_and_casualty_report(root / "dataset")
        make(root, "2.1.0")
        shutil.copy(root / "CITATION.cff", root / "CITATION-2.1.0.cff")
        merge_ce000003(root / "dataset")
        make(root, "3.0.0")
        correct_summary(root / "dataset")
        make(root, "3.0.1")
        _cache["root"] = root
    return _cache["root"]

"""Archived source texts stay in the repository: the wheel and the releases carry their sha256 only."""

import shutil
import tomllib

import conflict_events as ce
from conflict_events import _data
from conflict_events import _validator as validator
from tests.conftest import REPO


def test_the_wheel_leaves_the_archive_out():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    included = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert "dataset" not in included and not any("archive" in source for source in included)
    assert {"dataset/events", "dataset/sources.yaml", "dataset/actors.yaml", "dataset/retired.yaml"} <= set(included)


def test_the_releases_carry_no_text_only_the_sha256():
    for version in ce.versions():
        folder = _data.release_dir(version)
        assert sorted(p.suffix for p in folder.iterdir()) == [".json"] + [".parquet"] * (len(list(folder.iterdir())) - 1)
    sources = ce.load("sources", version="2.0.0").set_index("source_id")
    assert sources.loc["article-2023-01-16-belarus-drills-dnipro-strike", "archived_sha256"]


def test_validate_without_the_archive_says_it_skipped_the_quote_check(tmp_path, monkeypatch):
    """As from an installed wheel: the records without dataset/archive/."""
    records = tmp_path / "_dataset"
    shutil.copytree(REPO / "dataset", records, ignore=shutil.ignore_patterns("archive"))
    monkeypatch.setattr(validator, "DATASET_DIR", records)
    report = validator.validate()
    assert report.valid
    reason = report.skipped["quote-not-in-source"]
    assert "article-2023-01-16-belarus-drills-dnipro-strike" in reason and "left out of the wheel" in reason
    assert "quote-not-in-source" not in validator.validate([REPO / "dataset"]).skipped  # in a checkout the quotes are checked

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from conflict_events._paths import DATASET_DIR, RELEASES_DIR

# CI runs the "ci" profile; export HYPOTHESIS_PROFILE=thorough for a longer search.
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent
ARTICLE = "article-2023-01-16-belarus-drills-dnipro-strike"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A private copy of the package's records, free to break."""
    target = tmp_path / "dataset"
    shutil.copytree(DATASET_DIR, target)
    return target


@pytest.fixture
def release_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package's releases copied to a temporary folder that load() reads instead."""
    from conflict_events import _paths, _data as data

    target = tmp_path / "releases"
    shutil.copytree(RELEASES_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(_paths, "RELEASES_DIR", target)
    monkeypatch.setattr(data, "RELEASES_DIR", target)
    monkeypatch.setattr(data, "_verified", set())
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a record file (the test fails if it is not there once)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")

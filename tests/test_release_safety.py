"""A release survives a crash at any step without breaking load(), and only one release runs at a time."""

import fcntl
import json
import os
import stat
import subprocess
import sys

import pytest

import conflict_events as ce
from conflict_events import _paths, _data as data
from conflict_events._release import LOCK_NAME, ReleaseError, write_atomic
from tests._history import add_event_and_casualty_report, copy_workspace, make
from tests.conftest import REPO

#: Runs `release 2.1.0` in a workspace and dies (os._exit, so no cleanup runs) at one step.
CRASH = r"""
import os, sys
from pathlib import Path
from conflict_events import _build as build, _release as release
root, step = Path(sys.argv[1]), sys.argv[2]
if step == "build":  # while the Parquet files are written
    build.pq.write_table = lambda *args, **kwargs: os._exit(9)
else:  # "registry": the folder is in place, the registry not written; "changelog": the registry is written
    real = release.write_atomic
    names = {"registry": "registry.json", "changelog": "CHANGELOG.md"}
    release.write_atomic = lambda path, text: os._exit(9) if Path(path).name == names[step] else real(path, text)
release.release("2.1.0", root / "dataset", root / "releases", "2026-12-01", changelog=root / "CHANGELOG.md", citation=root / "CITATION.cff")
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A workspace with a change worth 2.1.0, whose releases folder is the one load() reads."""
    root = copy_workspace(tmp_path / "work")
    add_event_and_casualty_report(root / "dataset")
    monkeypatch.setattr(_paths, "RELEASES_DIR", root / "releases")
    monkeypatch.setattr(data, "RELEASES_DIR", root / "releases")
    monkeypatch.setattr(data, "_verified", set())
    return root


def _registered(root):
    return list(json.loads((root / "releases" / "registry.json").read_text(encoding="utf-8"))["releases"])


def _crash(root, step):
    result = subprocess.run([sys.executable, "-c", CRASH, str(root), step], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 9, result.stderr


@pytest.mark.slow  # a subprocess or a full release per case: in the slow tier, which CI runs too
@pytest.mark.parametrize("step", ["build", "registry"])
def test_a_crash_before_the_registry_is_written_leaves_the_releases_as_they_were(workspace, step):
    _crash(workspace, step)
    left = sorted(p.name for p in (workspace / "releases").iterdir())
    assert any(".staging-" in name for name in left)  # what the crash left behind
    if step == "registry":
        assert (workspace / "releases" / "2.1.0" / "datapackage.json").is_file()
    assert _registered(workspace) == ["1.0.0", "2.0.0"]
    assert ce.versions() == ["1.0.0", "2.0.0"]
    events = ce.load()
    assert (events.attrs["version"], len(events)) == ("2.0.0", 20)
    assert "version 2.0.0" in ce.cite()

    make(workspace, "2.1.0")  # the next release clears what the crash left, and succeeds
    assert sorted(p.name for p in (workspace / "releases").iterdir()) == ["1.0.0", "2.0.0", "2.1.0", "registry.json"]
    assert _registered(workspace) == ["1.0.0", "2.0.0", "2.1.0"]
    assert len(ce.load(version="2.1.0")) == 21


def test_a_crash_after_the_registry_is_written_leaves_a_complete_release(workspace):
    changelog = (workspace / "CHANGELOG.md").read_bytes()
    _crash(workspace, "changelog")
    assert _registered(workspace) == ["1.0.0", "2.0.0", "2.1.0"]
    events = ce.load()
    assert (events.attrs["version"], len(events)) == ("2.1.0", 21)
    assert "version 2.1.0" in ce.cite()
    assert (workspace / "CHANGELOG.md").read_bytes() == changelog  # the one thing the crash cost


def test_an_error_before_the_registry_is_written_takes_the_release_back(workspace, monkeypatch):
    from conflict_events import _release as module

    registry = (workspace / "releases" / "registry.json").read_bytes()

    def fail(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module, "write_atomic", fail)
    with pytest.raises(OSError, match="No space left"):
        make(workspace, "2.1.0")
    assert sorted(p.name for p in (workspace / "releases").iterdir()) == ["1.0.0", "2.0.0", "registry.json"]
    assert (workspace / "releases" / "registry.json").read_bytes() == registry


def _hold_lock(releases):
    handle = os.open(releases / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(handle, b"4242")
    return handle


@pytest.mark.slow  # a subprocess or a full release per case: in the slow tier, which CI runs too
def test_a_second_release_while_one_runs_is_refused(workspace):
    releases = workspace / "releases"
    handle = _hold_lock(releases)
    try:
        with pytest.raises(ReleaseError, match=r"another release is running in .* \(process 4242\): it holds .*\.release\.lock"):
            make(workspace, "2.1.0")
        command = [sys.executable, "-m", "conflict_events", "release", "2.1.0", "--dataset", workspace / "dataset", "--releases", releases,
                   "--changelog", workspace / "CHANGELOG.md", "--citation", workspace / "CITATION.cff", "--created", "2026-12-01"]
        refused = subprocess.run(list(map(str, command)), capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and "another release is running" in refused.stderr and "Traceback" not in refused.stderr
        assert _registered(workspace) == ["1.0.0", "2.0.0"] and not (releases / "2.1.0").exists()
    finally:
        os.close(handle)
    make(workspace, "2.1.0")  # the lock is free again
    assert _registered(workspace) == ["1.0.0", "2.0.0", "2.1.0"]
    assert not (releases / LOCK_NAME).exists()


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_a_release_honours_the_umask(workspace, umask):
    previous = os.umask(umask)
    try:
        folder = make(workspace, "2.1.0")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {p.name: 0o666 & ~umask for p in folder.iterdir()}


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_write_atomic_gives_a_new_file_the_umask_and_keeps_an_existing_mode(tmp_path, umask):
    kept = tmp_path / "kept.txt"
    kept.write_text("old", encoding="utf-8")
    kept.chmod(0o600)
    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "new.txt", "new")
        write_atomic(kept, "new")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "new.txt"]

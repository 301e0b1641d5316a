"""conflict-events build: deterministic, atomic, and a valid Frictionless package."""

import json
import os
import signal
import stat
import subprocess
import sys

import pytest
from frictionless import Checklist, Package, system

import yaml

from conflict_events._paths import SCHEMA_DIR
from conflict_events._build import BuildError, build
from conflict_events._integrity import sha256_file
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


#: Builds into argv[1] from argv[2], and sends itself the signal argv[3] while the first Parquet file is written.
SIGNAL_DURING_BUILD = r"""
import os, signal, sys
from pathlib import Path
from conflict_events import _build as build
real = build.pq.write_table
def write(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), getattr(signal, sys.argv[3]))
build.pq.write_table = write
build.build(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def _build_with_signal(out, dataset, name):
    return subprocess.run([sys.executable, "-c", SIGNAL_DURING_BUILD, str(out), str(dataset), name], capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # a subprocess or a full release per case: in the slow tier, which CI runs too
def test_a_build_killed_outright_leaves_a_staging_folder_that_the_next_build_removes(tmp_path, dataset):
    killed = _build_with_signal(tmp_path / "out", dataset, "SIGKILL")
    assert killed.returncode == -signal.SIGKILL
    (left,) = [p for p in tmp_path.iterdir() if p.name != "dataset"]
    assert left.name.startswith(".out.staging-") and any(left.iterdir())
    build(tmp_path / "out", dataset)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset", "out"]


def test_a_terminated_build_cleans_up_at_once(tmp_path, dataset):
    terminated = _build_with_signal(tmp_path / "out", dataset, "SIGTERM")
    assert terminated.returncode == 128 + signal.SIGTERM, terminated.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]


def test_only_staging_folders_of_processes_that_are_gone_are_removed(tmp_path):
    from conflict_events._build import remove_stale_staging, staging_dir

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = tmp_path / f".out.staging-{gone.pid}-0123abcd"
        alive = tmp_path / f".out.staging-{running.pid}-0123abcd"
        other = tmp_path / f".out.staging-{gone.pid}-not-ours"
        for folder in (dead, alive, other):
            (folder / "sub").mkdir(parents=True)
        mine = staging_dir(tmp_path, "out")
        assert remove_stale_staging(tmp_path) == []  # staging_dir removed the dead one already
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name, mine.name])
        assert mine.name.startswith(f".out.staging-{os.getpid()}-")
    finally:
        running.kill()
        running.wait()


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_build_honours_the_umask(tmp_path, dataset, umask):
    previous = os.umask(umask)
    try:
        out = build(tmp_path / "out", dataset)
        build(out, dataset)  # a rebuild over an existing folder too
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {p.name: 0o666 & ~umask for p in out.iterdir()}

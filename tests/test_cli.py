"""The command line, run as a user runs it: a subprocess, its output and exit code."""

import importlib.metadata
import json
import subprocess
import sys

import pytest

import conflict_events as ce
from conflict_events._paths import RELEASES_DIR
from tests.conftest import edit


def run(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "conflict_events", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)


def test_info_summarises_the_latest_release():
    result = run("info")
    assert result.returncode == 0, result.stderr
    df = ce.load()
    assert f"conflict-events {ce.versions()[-1]}" in result.stdout
    assert f"events: {len(df)}, from {df.start_date.min():%Y-%m-%d} to {df.end_date.max():%Y-%m-%d}" in result.stdout
    for table in ce.tables():
        assert f"  {table}" in result.stdout


def test_validate_exit_codes(dataset, tmp_path):
    assert run("validate").returncode == 0
    assert run("validate", dataset).returncode == 0
    edit(dataset / "events" / "CE000001.yaml", "end_date: 2023-02-01", "end_date: 2023-01-10")
    invalid = run("validate", dataset, "--format", "json")
    assert invalid.returncode == 1
    report = json.loads(invalid.stdout)
    assert (report["format"], report["valid"], report["counts"]) == (1, False, {"end-before-start": 1})
    (problem,) = report["problems"]
    assert set(problem) >= {"file", "line", "field", "rule", "message", "value"}
    assert (problem["rule"], problem["field"], problem["line"], problem["value"]) == ("end-before-start", "end_date", 5, "2023-01-10")
    missing = run("validate", tmp_path / "nothing-here.yaml")
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    assert run("validate", "--format", "xml").returncode == 2


def test_build_to_an_output_folder(tmp_path):
    result = run("build", "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "datapackage.json").is_file()


def test_build_reports_problems_and_fails(dataset, tmp_path):
    edit(dataset / "events" / "CE000006.yaml", "verification: confirmed", "verification: certain")
    result = run("build", "--dataset", dataset, "--output", tmp_path / "out")
    assert result.returncode == 1
    assert "[enum]" in result.stderr and "CE000006.yaml" in result.stderr
    assert not (tmp_path / "out").exists()


def test_version_prints_the_package_and_its_data_releases():
    result = run("--version")
    assert result.returncode == 0, result.stderr
    bundled = sorted((p.name for p in RELEASES_DIR.iterdir() if (p / "datapackage.json").is_file()), key=lambda v: tuple(map(int, v.split("."))))
    assert result.stdout.splitlines()[:2] == [f"conflict-events {ce.__version__}", f"data releases bundled: {', '.join(bundled)}"]
    assert ce.__version__ == importlib.metadata.version("conflict-events")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["cite"], ["cite", "--style", "bibtex"], ["export", "--help"]])
def test_quick_commands_start_without_pandas(args):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "conflict_events", *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "conflict_events._cli" in imported  # the log is there
    assert not {"pandas", "pyarrow", "pandera", "numpy"} & imported

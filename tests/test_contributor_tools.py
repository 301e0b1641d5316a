"""The contributor's tools, run for real: pre-commit try-repo, and the GitHub Action's commands."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

GOOD = REPO / "validation" / "gallery" / "valid" / "input" / "CE000100.yaml"
BAD = REPO / "validation" / "gallery" / "end-before-start" / "input" / "CE000100.yaml"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.invalid"})


@pytest.fixture
def records_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "records"
    (repo / "dataset" / "events").mkdir(parents=True)
    _git(repo, "init", "-q")
    return repo


#: What pip prints when it cannot reach the package registry (pre-commit installs the hook's package with pip).
_OFFLINE = re.compile(r"Failed to establish a new connection|NewConnectionError|Temporary failure in name resolution|Name or service not known"
                      r"|Network is unreachable|ProxyError|ConnectTimeout|Read timed out|Could not find a version that satisfies"
                      r"|No matching distribution found")


def _registry_unreachable() -> str | None:
    """Why pip cannot find the hook's requirements (so pre-commit cannot install the hook), or None if it can.

    One quick ``pip index versions`` per requirement of the package and of its build, all at once, 5 s each.
    """
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = project["build-system"]["requires"] + project["project"]["dependencies"]
    names = [re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0) for requirement in requirements]
    probes = {name: subprocess.Popen([sys.executable, "-m", "pip", "index", "versions", "--timeout", "5", "--retries", "0", "--no-cache-dir", name],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for name in names}
    missing = []
    for name, probe in probes.items():
        try:
            _, errors = probe.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            probe.kill()
            probe.communicate()
            missing.append(f"{name} (no answer in 60 s)")
            continue
        if probe.returncode:
            missing.append(name)
    if missing:
        return f"no package registry offers {', '.join(missing)} (pip index versions failed)"
    return None


@pytest.mark.slow
def test_pre_commit_try_repo_passes_a_good_record_and_fails_a_bad_one(records_repo, tmp_path):
    if shutil.which("pre-commit") is None and subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True).returncode:
        pytest.fail("pre-commit is part of the test extra; install it with pip install -e '.[test]'")
    offline = _registry_unreachable()
    if offline:
        pytest.skip(f"pre-commit installs the hook with pip, and {offline}")
    record = records_repo / "dataset" / "events" / "CE000100.yaml"
    # pip inside pre-commit: give up on an unreachable registry in seconds, not after minutes of retries
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_DEFAULT_TIMEOUT": "15", "PIP_RETRIES": "1"}

    def try_repo() -> subprocess.CompletedProcess:
        _git(records_repo, "add", "-A")
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "conflict-events-validate",
                               "--files", "dataset/events/CE000100.yaml"], cwd=records_repo, capture_output=True, text=True, env=env)

    shutil.copyfile(GOOD, record)
    good = try_repo()
    log = tmp_path / "pre-commit-home" / "pre-commit.log"
    said = good.stdout + good.stderr + (log.read_text(encoding="utf-8", errors="replace") if log.is_file() else "")
    if good.returncode and "An unexpected error has occurred" in said and _OFFLINE.search(said):
        pytest.skip(f"the package registry went away while pre-commit installed the hook ({_OFFLINE.search(said).group(0)})")
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"conflict-events validate\.+Passed", good.stdout)

    shutil.copyfile(BAD, record)
    before = record.read_bytes()
    bad = try_repo()
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"conflict-events validate\.+Failed", bad.stdout)
    assert "end-before-start" in bad.stdout and "line 5" in bad.stdout
    assert record.read_bytes() == before


def test_action_is_composite_and_its_validate_step_annotates(tmp_path):
    action = yaml.safe_load((REPO / "validation" / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = [s for s in action["runs"]["steps"] if "run" in s]
    install, validate = steps
    assert 'pip install "${{ github.action_path }}/.."' in install["run"]
    assert (REPO / "validation" / ".." / "pyproject.toml").is_file()  # the install step's path is the package
    bad = tmp_path / "dataset" / "events"
    bad.mkdir(parents=True)
    shutil.copyfile(BAD, bad / "CE000100.yaml")
    command = validate["run"].replace("${{ inputs.paths }}", "dataset")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True,
                            env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=dataset/events/CE000100.yaml,line=5,title=end-before-start (end_date)::")
    assert "| dataset/events/CE000100.yaml | 5 | end_date | end-before-start |" in (tmp_path / "summary.md").read_text("utf-8")


def test_workflow_example_uses_the_action():
    workflow = yaml.safe_load((REPO / "validation" / "workflow-example.yml").read_text("utf-8"))
    (step,) = [s for s in workflow["jobs"]["validate"]["steps"] if "validation@" in s.get("uses", "")]
    assert step["uses"].startswith("conflict-events/conflict-events/validation@")

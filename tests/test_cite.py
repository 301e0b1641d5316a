"""cite() and `conflict-events cite`: the dataset, the version, the release date, the fingerprint and where to get it."""

import os
import re
import shutil
import subprocess

import pytest
import yaml

import conflict_events as ce
from conflict_events import _data
from tests import _history

FINGERPRINT = "sha256:4b7ec337515086b3b044f0f6157a49be8e6ce9bf246fb80a1083543d2ec2ae92"
HOME = "https://github.com/conflict-events/conflict-events"


@pytest.mark.parametrize("style", ["text", "apa", "bibtex", "ris", "cff"])
def test_every_style_names_dataset_version_date_fingerprint_and_location(style):
    citation = ce.cite("1.0.0", style=style)
    assert "conflict-events" in citation and "1.0.0" in citation and FINGERPRINT in citation and HOME in citation
    date = {"text": "2026-11-27", "apa": "2026, November 27", "bibtex": "2026-11-27", "ris": "2026/11/27", "cff": "2026-11-27"}[style]
    assert date in citation


def test_the_default_is_the_latest_release_in_text():
    assert ce.cite() == ce.cite(ce.versions()[-1], "text")
    assert ce.cite("1.0.0") == (
        "conflict-events contributors (2026). conflict-events, version 1.0.0 [Data set], released 2026-11-27. "
        f"{HOME}. Fingerprint: {FINGERPRINT}. In Python: conflict_events.load(version=\"1.0.0\")."
    )


def test_bibtex_and_ris_are_well_formed():
    bibtex = ce.cite("1.0.0", "bibtex")
    assert bibtex.startswith("@misc{conflict_events_1_0_0,\n") and bibtex.endswith("\n}")
    assert bibtex.count("{") == bibtex.count("}")
    fields = dict(re.findall(r"^  (\w+)\s+= (.*),$", bibtex, re.M))
    assert (fields["version"], fields["date"], fields["year"], fields["month"]) == ("{1.0.0}", "{2026-11-27}", "{2026}", "nov")
    ris = ce.cite("1.0.0", "ris").splitlines()
    assert ris[0] == "TY  - DATA" and ris[-1].rstrip() == "ER  -"
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in ris)
    assert "ET  - 1.0.0" in ris and "DA  - 2026/11/27" in ris


def test_cff_style_is_a_citation_file(tmp_path):
    cff = yaml.safe_load(ce.cite("1.0.0", "cff"))
    assert (cff["cff-version"], cff["type"], cff["version"], cff["date-released"]) == ("1.2.0", "dataset", "1.0.0", "2026-11-27")
    assert cff["identifiers"][0]["value"] == FINGERPRINT
    if os.environ.get("CFFCONVERT"):
        path = tmp_path / "CITATION.cff"
        path.write_text(ce.cite("1.0.0", "cff"), encoding="utf-8")
        result = subprocess.run([os.environ["CFFCONVERT"], "--validate", "-i", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_repository_citation_names_the_latest_release():
    cff = yaml.safe_load((_history.REPO / "CITATION.cff").read_text(encoding="utf-8"))
    latest = ce.versions()[-1]
    desc = _data.descriptor(latest)
    assert (cff["version"], str(cff["date-released"]), cff["identifiers"][0]["value"]) == (latest, desc["created"][:10], desc["fingerprint"])


def test_a_release_known_only_to_the_registry_is_cited_without_download(tmp_path_factory, release_copy, monkeypatch):
    history = _history.history(tmp_path_factory)
    shutil.copy(history / "releases" / "registry.json", release_copy / "registry.json")
    monkeypatch.setenv("CONFLICT_EVENTS_RELEASES_URL", "http://127.0.0.1:9/")  # nothing listens: a download would fail
    monkeypatch.setenv("CONFLICT_EVENTS_CACHE", str(tmp_path_factory.mktemp("cache")))
    citation = ce.cite("2.1.0")
    assert "version 2.1.0" in citation and "released 2026-12-01" in citation
    assert _data.registry.read(release_copy)["2.1.0"]["fingerprint"] in citation


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


def test_cite_command():
    result = _run("cite", "--version", "1.0.0", "--style", "bibtex")
    assert result.returncode == 0 and result.stdout.strip() == ce.cite("1.0.0", "bibtex")
    assert _run("cite").stdout.strip() == ce.cite()
    unknown = _run("cite", "--version", "4.0.0")
    assert unknown.returncode == 2 and "no release 4.0.0" in unknown.stderr and "Traceback" not in unknown.stderr
    assert _run("cite", "--style", "mla").returncode == 2
    with pytest.raises(ValueError, match="unknown citation style 'mla'"):
        ce.cite(style="mla")

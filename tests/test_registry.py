"""The shipped registry of release hashes: every released file matches it, and loading checks it."""

import hashlib
import json
import shutil

import pytest

import conflict_events as ce
from conflict_events._paths import RELEASES_DIR
from conflict_events._integrity import IntegrityError

#: Release 1.0.0 as published: pinned here, so that a change to a file and to the registry together still fails.
PUBLISHED = {
    "1.0.0": {
        "fingerprint": "sha256:4b7ec337515086b3b044f0f6157a49be8e6ce9bf246fb80a1083543d2ec2ae92",
        "events.parquet": "sha256:7a3c304b532c8a3b5565fb2ab9f99eb9aac0ea57cce2b113aa670ce7c5e191a8",
        "datapackage.json": "sha256:6579f9cd0deb611440226375fe450176e1ed7db09b1c93f0b4a57fdfb0258852",
    },
}


def _registry():
    return json.loads((RELEASES_DIR / "registry.json").read_text(encoding="utf-8"))["releases"]


def _bundled():
    return sorted(p.name for p in RELEASES_DIR.iterdir() if (p / "datapackage.json").is_file())


def _sha256(path):
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_bundled_file_matches_the_registry():
    registry = _registry()
    assert set(_bundled()) <= set(registry)
    for version in _bundled():
        folder = RELEASES_DIR / version
        assert sorted(p.name for p in folder.iterdir()) == sorted(registry[version]["files"]), version
        for name, spec in registry[version]["files"].items():
            assert spec == {"bytes": (folder / name).stat().st_size, "hash": _sha256(folder / name)}, f"{version}/{name} changed"


def test_the_registry_agrees_with_each_datapackage():
    registry = _registry()
    for version in _bundled():
        desc = json.loads((RELEASES_DIR / version / "datapackage.json").read_text(encoding="utf-8"))
        entry = registry[version]
        assert desc["version"] == version
        assert (entry["created"], entry["fingerprint"]) == (desc["created"], desc["fingerprint"])
        jsonld = {"dataset.jsonld"} if version not in ("1.0.0", "2.0.0") else set()  # releases made after 2.0.0 carry one
        assert set(entry["files"]) == {"datapackage.json"} | {r["path"] for r in desc["resources"]} | jsonld
        for resource in desc["resources"]:
            assert entry["files"][resource["path"]] == {"bytes": resource["bytes"], "hash": resource["hash"]}
        lines = sorted(f"{r['path']} {r['hash'].removeprefix('sha256:')}\n" for r in desc["resources"])
        assert desc["fingerprint"] == "sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest()


def test_published_releases_never_change():
    registry = _registry()
    for version, pinned in PUBLISHED.items():
        assert registry[version]["fingerprint"] == pinned["fingerprint"]
        for name, digest in pinned.items():
            if name != "fingerprint":
                assert registry[version]["files"][name]["hash"] == digest
                assert _sha256(RELEASES_DIR / version / name) == digest


def test_a_changed_datapackage_json_is_refused(release_copy):
    path = release_copy / "1.0.0" / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"created": "2026-11-27T00:00:00Z"', '"created": "2026-11-28T00:00:00Z"'), encoding="utf-8")
    with pytest.raises(IntegrityError, match=r"datapackage.json does not match the registry of releases"):
        ce.load(version="1.0.0")
    with pytest.raises(IntegrityError):
        ce.tables("1.0.0")


def test_a_release_missing_from_the_registry_is_refused(release_copy):
    shutil.copytree(release_copy / "1.0.0", release_copy / "1.0.1")
    assert ce.versions() == ["1.0.0", "2.0.0"]  # a folder the registry does not list is not a release (an interrupted `release`)
    with pytest.raises(IntegrityError, match="release 1.0.1 .* is not in the registry"):
        ce.load(version="1.0.1")
    assert ce.load().attrs["version"] == "2.0.0"
    assert len(ce.load(version="1.0.0")) == 13


def _forge(release_copy, name, change):
    """Change one file of 1.0.0, and its hash and bytes in datapackage.json and in the registry's entry for datapackage.json.

    What is left as it was is the registry's entry for the changed file itself.
    """
    folder = release_copy / "1.0.0"
    data = bytearray((folder / name).read_bytes())
    change(data)
    (folder / name).write_bytes(bytes(data))
    desc = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in desc["resources"]:
        if resource["path"] == name:
            resource["bytes"], resource["hash"] = len(data), _sha256(folder / name)
    (folder / "datapackage.json").write_text(json.dumps(desc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    document = json.loads((release_copy / "registry.json").read_text(encoding="utf-8"))
    document["releases"]["1.0.0"]["files"]["datapackage.json"] = {
        "bytes": (folder / "datapackage.json").stat().st_size, "hash": _sha256(folder / "datapackage.json")}
    (release_copy / "registry.json").write_text(json.dumps(document, indent=2), encoding="utf-8")


def _flip_last_byte_of_the_footer(data):
    data[-9] ^= 0x01  # inside the footer's length: the file is no longer the released one


def test_a_data_file_changed_with_its_descriptor_is_refused(release_copy):
    _forge(release_copy, "events.parquet", _flip_last_byte_of_the_footer)
    assert ce.tables("1.0.0")[0] == "events"  # the descriptor itself now agrees with the registry
    with pytest.raises(IntegrityError, match=r"events.parquet does not match its release in the registry of releases: expected 19098 bytes"):
        ce.load(version="1.0.0")
    assert len(ce.load("actors", version="1.0.0")) > 0  # the other files are as released


def test_a_data_file_of_the_same_size_changed_with_its_descriptor_is_refused(release_copy):
    _forge(release_copy, "sources.parquet", lambda data: data.__setitem__(len(data) // 2, data[len(data) // 2] ^ 0xFF))
    with pytest.raises(IntegrityError, match=r"sources.parquet does not match its release in the registry"):
        ce.load("sources", version="1.0.0")


def test_cite_refuses_a_release_whose_files_changed(release_copy):
    _forge(release_copy, "evidence.parquet", _flip_last_byte_of_the_footer)
    with pytest.raises(IntegrityError, match="evidence.parquet does not match its release in the registry"):
        ce.cite("1.0.0")


def test_each_file_is_checked_once_per_process(release_copy, monkeypatch):
    from conflict_events import _data as data

    checked = []
    real = data.verify_file
    monkeypatch.setattr(data, "verify_file", lambda path, *args: (checked.append(path.name), real(path, *args)))
    ce.load(version="1.0.0")
    ce.load(columns=["event_id"], version="1.0.0")
    ce.cite("1.0.0")
    assert sorted(checked) == sorted(p.name for p in (release_copy / "1.0.0").iterdir() if p.suffix == ".parquet")


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_released_file_replaced_by_a_fifo_is_refused_without_hanging(release_copy):
    import os

    path = release_copy / "1.0.0" / "events.parquet"
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(IntegrityError, match="events.parquet is not a regular file"):
        ce.load(version="1.0.0")


def test_a_malformed_registry_is_a_clear_error(release_copy):
    (release_copy / "registry.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IntegrityError, match="registry.json is not a registry of releases"):
        ce.versions()

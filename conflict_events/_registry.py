"""The registry of releases: ``releases/registry.json``, the sha256 of every released file.

One entry per version: its ``created`` date, its ``fingerprint`` and the
sha256 and byte count of each of its files, ``datapackage.json`` included.
The package ships the registry and ``conflict-events release`` adds to it;
an entry never changes. Loading a release checks its ``datapackage.json``
and each data file it reads against the registry (so a data file changed
together with the hash in ``datapackage.json`` is still refused); a release
that is not inside the installed package is downloaded and checked against
the registry before it is cached.

This module imports nothing heavy: ``import conflict_events`` uses it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from conflict_events._integrity import IntegrityError, member, read_regular, sha256_file, verify_file

REGISTRY_NAME = "registry.json"
DESCRIPTOR = "datapackage.json"
#: the release's schema.org Dataset (JSON-LD), derived from its descriptor by `release`
JSONLD = "dataset.jsonld"


def registry_path(releases_dir: Path) -> Path:
    return Path(releases_dir) / REGISTRY_NAME


def read(releases_dir: Path) -> dict[str, dict[str, Any]]:
    """``{version: entry}`` from the registry in ``releases_dir``; empty if there is none."""
    path = registry_path(releases_dir)
    if not path.is_file():
        return {}
    try:
        releases = json.loads(path.read_text(encoding="utf-8"))["releases"]
    except (ValueError, KeyError, TypeError) as error:
        raise IntegrityError(f"{path} is not a registry of releases ({error}); reinstall the package") from error
    if not isinstance(releases, dict):
        raise IntegrityError(f"{path} is not a registry of releases; reinstall the package")
    return releases


def entry_for(folder: Path) -> dict[str, Any]:
    """The registry entry of a built release folder: its files' sha256 and bytes."""
    folder = Path(folder)
    descriptor = json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))
    files = {DESCRIPTOR: _file(folder / DESCRIPTOR)}
    for resource in descriptor["resources"]:
        files[resource["path"]] = _file(member(folder, resource["path"]))
    if (folder / JSONLD).is_file():  # releases after 2.0.0 carry their schema.org Dataset
        files[JSONLD] = _file(folder / JSONLD)
    return {
        "created": descriptor.get("created"),
        "fingerprint": descriptor.get("fingerprint"),
        "files": dict(sorted(files.items())),
    }


def _file(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "hash": f"sha256:{sha256_file(path)}"}


def render(releases: dict[str, dict[str, Any]]) -> str:
    """The text of a registry holding ``releases``, oldest first (deterministic)."""
    from conflict_events._data import _semver

    ordered = {version: releases[version] for version in sorted(releases, key=_semver)}
    document = {
        "description": "sha256 and bytes of every file of every release of conflict-events; written by `conflict-events release`, never edited.",
        "releases": ordered,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def entry(version: str, releases_dir: Path, folder: Path | None = None) -> dict[str, Any]:
    """The registry entry of ``version``; :class:`IntegrityError` when the registry does not have it."""
    found = read(releases_dir).get(version)
    if not isinstance(found, dict) or not isinstance(found.get("files"), dict):
        where = f" ({folder})" if folder is not None else ""
        raise IntegrityError(
            f"release {version}{where} is not in the registry {registry_path(releases_dir)}: "
            "every release is recorded there when `conflict-events release` makes it; reinstall the package"
        )
    return found


def expected_file(version: str, name: str, releases_dir: Path) -> dict[str, Any]:
    """The ``bytes`` and ``hash`` that the registry records for one file of a release."""
    files = entry(version, releases_dir)["files"]
    if name not in files:
        raise IntegrityError(f"release {version} has no file {name!r} in the registry {registry_path(releases_dir)}; "
                             f"its files are: {', '.join(files)}")
    return files[name]


def verify_descriptor(folder: Path, version: str, releases_dir: Path) -> bytes:
    """The bytes of a release's datapackage.json, once they match the registry; else :class:`IntegrityError`."""
    path = Path(folder) / DESCRIPTOR
    expected = entry(version, releases_dir, folder)["files"][DESCRIPTOR]
    data = read_regular(path)
    if len(data) != expected["bytes"] or "sha256:" + hashlib.sha256(data).hexdigest() != expected["hash"]:
        raise IntegrityError(
            f"{path} does not match the registry of releases: expected {expected['bytes']} bytes with {expected['hash']}. "
            "A released file must never change; reinstall the package or delete the cached copy."
        )
    return data


def verify_release(folder: Path, entry: dict[str, Any]) -> None:
    """Every file of the entry, in ``folder``, has its bytes and sha256; else :class:`IntegrityError`."""
    for name, expected in entry["files"].items():
        path = member(Path(folder), name)
        if not path.exists():
            raise IntegrityError(f"{path} is missing: the release has {', '.join(entry['files'])}")
        verify_file(path, expected, "the registry of releases")

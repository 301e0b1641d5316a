"""Checksums of released files: sha256 of a file, and the fingerprint of a release."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable


class IntegrityError(Exception):
    """A released file does not match its recorded checksum."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(resources: Iterable[dict[str, Any]]) -> str:
    """One sha256 over every resource's path and sha256: it changes if any file changes."""
    lines = sorted(f"{r['path']} {r['hash'].removeprefix('sha256:')}\n" for r in resources)
    return "sha256:" + hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def verify_file(path: Path, resource: dict[str, Any]) -> None:
    """Raise :class:`IntegrityError` unless the file has the resource's bytes and sha256."""
    expected = resource["hash"].removeprefix("sha256:")
    size = path.stat().st_size
    if size != resource["bytes"] or sha256_file(path) != expected:
        raise IntegrityError(
            f"{path} does not match its release: expected {resource['bytes']} bytes with sha256 {expected}. "
            "A released file must never change; reinstall the package or delete the cached copy."
        )

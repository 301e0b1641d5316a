"""Checksums of released files: sha256 of a file, and the fingerprint of a release.

Only regular files are read: a FIFO or a device named where a released file
should be is refused before a byte is read (a read from either may never end).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from conflict_events._errors import ConflictEventsError


class IntegrityError(ConflictEventsError):
    """A released file does not match its recorded checksum."""


def _open_regular(path: Path) -> int:
    """A file descriptor of ``path`` opened for reading, once it is known to be a regular file."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise IntegrityError(f"{path} is not a regular file (a folder, FIFO or device): a released file must be a regular file")
    return handle


def sha256_file(path: Path) -> str:
    """The sha256 (hex) of a regular file; :class:`IntegrityError` for anything else."""
    return _digest(_open_regular(path))[1]


def _digest(handle: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(handle, "rb", closefd=True) as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            size += len(block)
            digest.update(block)
    return size, digest.hexdigest()


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file; :class:`IntegrityError` for a FIFO, a device or a folder."""
    with open(_open_regular(path), "rb", closefd=True) as stream:
        return stream.read()


def fingerprint(resources: Iterable[dict[str, Any]]) -> str:
    """One sha256 over every resource's path and sha256: it changes if any file changes."""
    lines = sorted(f"{r['path']} {r['hash'].removeprefix('sha256:')}\n" for r in resources)
    return "sha256:" + hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def verify_file(path: Path, expected: dict[str, Any], against: str = "its release") -> None:
    """Raise :class:`IntegrityError` unless the file is a regular file with the ``bytes`` and sha256 ``hash`` of ``expected``."""
    digest = expected["hash"].removeprefix("sha256:")
    handle = _open_regular(path)
    if os.fstat(handle).st_size != expected["bytes"]:
        os.close(handle)
        matches = False
    else:
        size, actual = _digest(handle)
        matches = size == expected["bytes"] and actual == digest
    if not matches:
        raise IntegrityError(
            f"{path} does not match {against}: expected {expected['bytes']} bytes with sha256 {digest}. "
            "A released file must never change; reinstall the package or delete the cached copy."
        )


def member(folder: Path, name: Any) -> Path:
    """``folder / name`` for a resource path of a descriptor, which must be a relative name inside the folder.

    A path that is absolute, climbs out with ``..``, or (through a symbolic
    link) leads outside the folder is refused with :class:`IntegrityError`.
    """
    folder = Path(folder)
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        raise IntegrityError(f"{folder}: resource path {name!r} is not a file name inside the package folder")
    parts = PurePosixPath(name).parts
    if PurePosixPath(name).is_absolute() or any(part in ("..", ".") for part in parts) or Path(name).is_absolute():
        raise IntegrityError(f"{folder}: resource path {name!r} must be a name inside the package folder, "
                             "never absolute and never climbing out with ..")
    path = folder / name
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symbolic link loop
        inside = False
    if not inside:
        raise IntegrityError(f"{folder}: resource path {name!r} leads outside the package folder (a symbolic link)")
    return path

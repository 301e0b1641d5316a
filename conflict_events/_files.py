"""File safety for everything the validator reads: regular files only, inside the folder given, within a size.

The validator reads only what a contributor named: files they gave, and the
files inside folders they gave. Whatever they named is read through here:

- :func:`open_regular` opens a file only if it is a regular file, so a FIFO,
  a device or a socket is a problem and never blocks a read;
- :func:`read_bytes` reads a whole file, refusing one over a size limit;
- :func:`inside` tells whether a path, with its symlinks resolved, stays
  inside a folder; :func:`folder_files` lists a folder's files and refuses
  the symlinks that leave it;
- :func:`archived_text` resolves a source id to its archived text: the id is
  a name, never a path.

Each refusal is a :class:`FileProblem` carrying the :class:`Problem` to report.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from conflict_events._problems import Problem

#: A source id, as the ``sources.source_id`` field's pattern says; only such a name is looked up in the archive.
SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
#: Largest archived source text read (a news article is a few tens of kilobytes).
MAX_ARCHIVE_BYTES = 20 << 20

_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder", stat.S_IFLNK: "a symbolic link"}


class FileProblem(Exception):
    """The file cannot be read; carries the problem to report."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.message)


def _not_regular(mode: int, display: str) -> Problem:
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return Problem(display, None, None, "file-not-regular", f"the path is {kind}, not a regular file; it was not read")


def check_regular(path: Path, display: str) -> None:
    """Raise :class:`FileProblem` unless ``path`` (following symlinks) is a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise FileProblem(unreadable(display, error)) from None
    if not stat.S_ISREG(mode):
        raise FileProblem(_not_regular(mode, display))


def unreadable(display: str, error: OSError) -> Problem:
    return Problem(display, None, None, "file-unreadable", f"cannot read the file: {error.strerror or error}")


def open_regular(path: Path, display: str) -> BinaryIO:
    """The file opened for binary reading, if it is a regular file.

    It is checked with ``os.stat`` before opening, and opened non-blocking and
    checked again on the open descriptor, so a FIFO swapped in between still
    never blocks.
    """
    check_regular(path, display)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise FileProblem(unreadable(display, error)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(_not_regular(mode, display))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def too_large(display: str, size: int, limit: int, what: str) -> Problem:
    return Problem(display, None, None, "file-too-large", f"the file has {size:,} bytes; {what} up to {limit:,} bytes", size)


def read_bytes(path: Path, display: str, limit: int, what: str) -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes; ``what`` says why there is a limit."""
    with open_regular(path, display) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise FileProblem(too_large(display, size, limit, what))
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise FileProblem(unreadable(display, error)) from None
    if len(data) > limit:  # grew while being read
        raise FileProblem(too_large(display, len(data), limit, what))
    return data


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, with every symlink resolved, lies inside ``folder`` (also resolved)."""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False
    return True


def outside(display: str, folder: str) -> Problem:
    return Problem(display, None, None, "path-outside-dataset",
                   f"the path is a symbolic link that leads outside {folder}; it was not read")


def folder_files(folder: Path, suffixes: Iterable[str]) -> tuple[list[Path], list[Path]]:
    """The files under ``folder`` with one of ``suffixes``, in a stable order, and the links among them that leave it.

    Symlinked folders are not entered (one that leads outside ``folder`` is
    listed among the leaving links); a symlinked file is listed only if it
    resolves inside ``folder``.
    """
    suffixes = tuple(s.lower() for s in suffixes)
    kept: list[Path] = []
    leaving: list[Path] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        leaving += [Path(root) / name for name in dirs if (Path(root) / name).is_symlink() and not inside(Path(root) / name, folder)]
        for name in names:
            path = Path(root) / name
            if path.suffix.lower() not in suffixes:
                continue
            (kept if not path.is_symlink() or inside(path, folder) else leaving).append(path)
    return sorted(kept), sorted(leaving)


def archived_text(archive: Path, source_id: object, display: str | None = None) -> bytes | None:
    """The archived text of a source: ``<dataset>/archive/<source_id>.txt``, or None if it has none.

    ``source_id`` is a name (``[a-z0-9][a-z0-9-]*``), never a path: any other
    value has no archived text (the ``pattern`` rule reports it). The file must
    be a regular file whose resolved path stays inside the archive folder,
    itself inside the dataset; otherwise :class:`FileProblem` is raised and
    nothing of the file is read. ``display`` is how the file is named in
    problems (by default its path as given).
    """
    if not isinstance(source_id, str) or not SOURCE_ID.fullmatch(source_id):
        return None
    path = Path(archive) / f"{source_id}.txt"
    display = display or str(path)
    if not os.path.lexists(path):
        return None
    if not inside(archive, Path(archive).parent) or not inside(path, archive):
        raise FileProblem(outside(display, "the dataset's archive folder"))
    return read_bytes(path, display, MAX_ARCHIVE_BYTES, "archived texts are read")


@contextlib.contextmanager
def reading(display: str) -> Iterator[None]:
    """Mark an unexpected error raised inside with the file being read, for the one-line internal-error report."""
    try:
        yield
    except Exception as error:
        if not isinstance(error, FileProblem) and not hasattr(error, "conflict_events_file"):
            error.conflict_events_file = display  # type: ignore[attr-defined]
        raise

"""Staging folders: where files are written before they are moved into place.

A staging folder is named after the process that writes it
(``.NAME.staging-PID-RANDOM``), so that one left behind by a process that was
killed outright (SIGKILL cannot be caught) is recognised and removed by the
next process that stages in the same folder. Folders and files are created
with the modes the umask gives (``tempfile.mkdtemp`` and ``mkstemp`` would
make them 0700 and 0600).

This module imports nothing heavy: downloads use it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import threading
from pathlib import Path
from typing import Any, Iterator

_STAGING = re.compile(r"^\..+\.staging-(?P<pid>[0-9]+)-[0-9a-f]{8}$")


def staging_dir(parent: Path, name: str) -> Path:
    """A new, empty folder ``parent/.NAME.staging-PID-RANDOM``, created with the mode the umask gives.

    Staging folders in ``parent`` left by processes that no longer run are
    removed first.
    """
    parent = Path(parent)
    remove_stale_staging(parent)
    while True:
        path = parent / f".{name}.staging-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(path, 0o777)  # the umask applies, as to any folder (tempfile.mkdtemp would make it 0700)
            return path
        except FileExistsError:
            continue


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders in ``parent`` whose process is gone (killed while writing); return them."""
    removed = []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _STAGING.match(path.name)
        if match and not path.is_symlink() and path.is_dir() and not _running(int(match["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would end the process: never guess there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """While it runs, SIGTERM and SIGHUP raise SystemExit, so that cleanup runs (SIGKILL cannot be caught).

    Only in the main thread and only where the signal has its default action:
    a handler the application installed is left alone.
    """
    changed = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) == signal.SIG_DFL:
                changed[number] = signal.signal(number, _exit_on_signal)
    try:
        yield
    finally:
        for number, previous in changed.items():
            signal.signal(number, previous)


def _exit_on_signal(number: int, frame: Any) -> None:
    raise SystemExit(128 + number)


def umask_mode(folder: Path) -> int:
    """The mode a new file in ``folder`` gets under the current umask (0666 less the umask), found by making one."""
    while True:
        probe = Path(folder) / f".umask-probe-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            handle = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        return os.fstat(handle).st_mode & 0o777
    finally:
        os.close(handle)
        probe.unlink(missing_ok=True)

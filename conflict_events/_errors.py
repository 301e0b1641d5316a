"""The errors conflict-events raises, under one base class that callers can catch.

::

    ConflictEventsError
    ├── BuildError          the records have problems; nothing was written (build, release, diff of records)
    ├── ReleaseError        a release was refused: wrong version bump, existing version, another release running
    ├── IntegrityError      a release's file does not match its sha256 in the registry
    ├── UsageError          validate() could not run: a path that does not exist, an unknown table
    └── DownloadError       a release could not be downloaded (also an OSError)

Invalid filter values given to ``load()`` raise ``ValueError``, as Python does for a bad argument.
"""

from __future__ import annotations


class ConflictEventsError(Exception):
    """The base class of every error this package raises on purpose."""


__all__ = ["ConflictEventsError"]

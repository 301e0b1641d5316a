"""conflict-events: a versioned, sourced, schema-validated dataset of armed-conflict events.

>>> import conflict_events as ce
>>> events = ce.load()                      # the latest release, events table
>>> strikes = ce.load(event_type="strike", version="1.0.0")
>>> releases = ce.versions()                # every release, oldest first
>>> bibtex = ce.cite("1.0.0", style="bibtex")
"""

from __future__ import annotations

import importlib
from typing import Any

from conflict_events._paths import DATASET_DIR as _DATASET_DIR
from conflict_events._errors import ConflictEventsError

__all__ = ["ConflictEventsError", "cite", "diff", "from_acled", "from_ucdp_ged", "load", "pandera_schema", "tables",
           "to_acled", "to_plover", "to_ucdp_ged", "validate", "validate_frame", "versions"]
#: The version of the package (the code), the one source of it: pyproject.toml reads it from here.
#: The data releases have versions of their own: see versions().
__version__ = "1.0.0"

#: Public names defined in modules that import pandas: imported on first use, so that
#: ``import conflict_events`` (and the command line's --help, --version and cite) stay quick.
_LAZY = {
    "load": "conflict_events._data",
    "tables": "conflict_events._data",
    "versions": "conflict_events._data",
    "validate_frame": "conflict_events._engine.frames",
    "pandera_schema": "conflict_events._rules",
    "from_acled": "conflict_events._interop",
    "from_ucdp_ged": "conflict_events._interop",
    "to_acled": "conflict_events._interop",
    "to_ucdp_ged": "conflict_events._interop",
    "to_plover": "conflict_events._interop",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names only: what ``dir(conflict_events)`` and tab completion offer."""
    return sorted({*__all__, "__version__"})


def validate(paths: Any = None, *, base: Any = _DATASET_DIR, table: str | None = None, max_problems: int = 1000) -> Any:
    """Validate record files, folders and table files, and report every problem at once.

    Parameters
    ----------
    paths : iterable of str or pathlib.Path, optional
        Event record files (``CE000100.yaml``), ``actors.yaml``, ``sources.yaml``,
        dataset folders, and table files of any table (CSV, JSON, JSON Lines or
        Parquet, named after their table: ``events.csv``, ``evidence-2024.json``).
        None validates the package's own records.
    base : str or pathlib.Path, optional
        The records folder that the given rows are checked against (for
        references and replaced rows): the package's own records by default.
        None checks the given files on their own.
    table : str, optional
        The table that the table files hold, when their names do not say it.
    max_problems : int, default 1000
        At most this many problems are listed per rule; ``counts`` always has
        the exact total of each rule.

    Returns
    -------
    Report
        ``valid`` (no problem), ``problems`` (each with ``file``, ``line``,
        ``field``, ``rule``, ``message``, ``value`` and ``hint``, sorted by file
        and line), ``counts`` (``{rule: total}``), ``skipped`` (rules that could
        not run, and why) and ``files`` (the files read). The inputs are never
        changed.

    Raises
    ------
    conflict_events._validator.UsageError
        A path that does not exist, or an unknown ``table``.

    See Also
    --------
    validate_frame : the same rules on a DataFrame in memory.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import conflict_events as ce
    >>> ce.validate().valid                      # the package's own records
    True
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "events.csv").write_text("event_id,event_type\\nCE000100,strikes\\n")
    >>> report = ce.validate([folder / "events.csv"], base=None)
    >>> report.valid, report.counts
    (False, {'missing-field': 8, 'enum': 1})
    >>> problem = report.problems[-1]
    >>> problem.line, problem.field, problem.rule
    (2, 'event_type', 'enum')
    """
    from conflict_events._validator import validate as _validate

    return _validate(paths, base=base, table=table, max_problems=max_problems)


def diff(a: Any, b: Any) -> Any:
    """What changed between two releases, built package folders or records folders.

    Parameters
    ----------
    a, b : str or pathlib.Path
        Each a version (``"1.0.0"``), a folder holding a built package (a
        ``datapackage.json`` and its Parquet files), or a records folder
        (``dataset/`` of a checkout). ``a`` is the older one.

    Returns
    -------
    Diff
        ``level`` is the version bump the changes call for (``"major"``,
        ``"minor"``, ``"patch"``, or None when nothing changed); ``changes``
        lists the changes of the schema and of each table; ``events`` the
        events added, removed, retired and corrected, field by field;
        ``text()`` and ``to_json()`` render it as ``conflict-events diff`` does.

    Raises
    ------
    LookupError
        A version that is not a release of this package.

    Examples
    --------
    >>> import conflict_events as ce
    >>> changes = ce.diff("1.0.0", "1.0.0")
    >>> print(changes.level)
    None
    >>> print(changes.text())
    conflict-events 1.0.0 -> 1.0.0
    fingerprint: sha256:... -> sha256:...
    no changes
    """
    from conflict_events._changes import diff as _diff

    return _diff(a, b)


def cite(version: str | None = None, style: str = "text") -> str:
    """How to cite a release: the exact version, its date and its fingerprint.

    Parameters
    ----------
    version : str, optional
        The release, such as ``"1.0.0"``; the latest when None. Cite the
        version you loaded: ``df.attrs["version"]``.
    style : {"text", "apa", "bibtex", "ris", "cff"}, default "text"
        The format of the citation; ``cff`` is a Citation File Format document.

    Returns
    -------
    str
        The citation. It names the version, the release date and the
        fingerprint (one sha256 over the sha256 of every file of the release).

    Raises
    ------
    ValueError
        An unknown style, or a version that is not ``MAJOR.MINOR.PATCH``.
    LookupError
        A version that is not a release of this package.

    Examples
    --------
    >>> import conflict_events as ce
    >>> print(ce.cite("1.0.0"))
    conflict-events contributors (...). conflict-events, version 1.0.0 [Data set], released ... Fingerprint: sha256:.... In Python: conflict_events.load(version="1.0.0").
    >>> print(ce.cite("1.0.0", style="bibtex"))
    @misc{conflict_events_1_0_0,
      author       = {{conflict-events contributors}},
    ...
    }
    """
    from conflict_events._citation import cite as _cite

    return _cite(version, style)

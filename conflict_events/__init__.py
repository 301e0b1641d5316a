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

from conflict_events.errors import ConflictEventsError

__all__ = ["ConflictEventsError", "cite", "diff", "from_acled", "from_ucdp_ged", "load", "pandera_schema", "tables",
           "to_acled", "to_plover", "to_ucdp_ged", "validate", "validate_frame", "versions"]
#: The version of the package (the code), the one source of it: pyproject.toml reads it from here.
#: The data releases have versions of their own: see versions().
__version__ = "1.0.0"

#: Public names defined in modules that import pandas: imported on first use, so that
#: ``import conflict_events`` (and the command line's --help, --version and cite) stay quick.
_LAZY = {
    "load": "conflict_events.data",
    "tables": "conflict_events.data",
    "versions": "conflict_events.data",
    "validate_frame": "conflict_events._engine.frames",
    "pandera_schema": "conflict_events.rules",
    "from_acled": "conflict_events._interop",
    "from_ucdp_ged": "conflict_events._interop",
    "to_acled": "conflict_events._interop",
    "to_ucdp_ged": "conflict_events._interop",
    "to_plover": "conflict_events._interop",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    try:  # a submodule, as ``conflict_events.data`` was reachable when this module imported it
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def validate(paths: Any = None, **options: Any):
    """Validate record files, folders and tables; see :func:`conflict_events.validator.validate`."""
    from conflict_events.validator import validate as _validate

    return _validate(paths, **options)


def diff(a: Any, b: Any):
    """What changed between two versions (or package or records folders); see :func:`conflict_events.changes.diff`."""
    from conflict_events.changes import diff as _diff

    return _diff(a, b)


def cite(version: str | None = None, style: str = "text") -> str:
    """The citation of a release: text, apa, bibtex, ris or cff; see :func:`conflict_events.citation.cite`."""
    from conflict_events.citation import cite as _cite

    return _cite(version, style)

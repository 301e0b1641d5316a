"""conflict-events: a versioned, sourced, schema-validated dataset of armed-conflict events.

>>> import conflict_events as ce
>>> events = ce.load()                      # the latest release, events table
>>> strikes = ce.load(event_type="strike", version="1.0.0")
>>> print(ce.diff("1.0.0", "1.1.0").text())   # what changed, record by record
>>> print(ce.cite("1.0.0", style="bibtex"))
"""

from __future__ import annotations

from typing import Any

from conflict_events.data import load, tables, versions

__all__ = ["cite", "diff", "load", "tables", "validate", "versions"]
__version__ = "1.0.0"


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

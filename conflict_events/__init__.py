"""conflict-events: a versioned, sourced, schema-validated dataset of armed-conflict events.

>>> import conflict_events as ce
>>> events = ce.load()                      # the latest release, events table
>>> strikes = ce.load(event_type="strike", version="1.0.0")
"""

from __future__ import annotations

from typing import Any

from conflict_events.data import load, tables, versions

__all__ = ["load", "tables", "validate", "versions"]
__version__ = "1.0.0"


def validate(paths: Any = None, **options: Any):
    """Validate record files, folders and tables; see :func:`conflict_events.validator.validate`."""
    from conflict_events.validator import validate as _validate

    return _validate(paths, **options)

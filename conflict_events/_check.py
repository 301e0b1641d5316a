"""Checking typed tables in memory (the records that build compiles): the rule catalogue through the engine.

Input is a mapping of table name to a DataFrame (typed columns plus the
origin columns ``_file``/``_line``/``_lines`` that records carry); output is
every problem, sorted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from conflict_events._engine.columnar import Engine
from conflict_events._engine.frames import parts_of
from conflict_events._problems import Problem


def check_tables(frames: Mapping[str, Any], archives: Iterable[Path] = (), related: Mapping[str, Any] | None = None,
                 max_problems: int = 10**9) -> list[Problem]:
    """Every problem in the given tables, checked against each other (and ``related``, as context)."""
    engine = Engine(max_problems)
    for name, frame in frames.items():
        if name == "vocabularies":
            continue
        for part in parts_of(frame, name, file="<input>"):
            engine.add(part)
    for name, frame in (related or {}).items():
        if name not in frames and name != "vocabularies":
            for part in parts_of(frame, name, given=False, file=f"<{name}>"):
                engine.add(part)
    findings = engine.finish(archives)
    return sorted(findings.problems, key=Problem.sort_key)

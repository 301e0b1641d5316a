"""The descriptor: schema/ resolved into one Frictionless Data Package descriptor.

``schema/datapackage.yaml`` holds the tables, fields, keys and constraints and
``schema/vocabularies.yaml`` the code lists. :func:`descriptor` joins them: a
field marked ``x-vocabulary: NAME`` gets the codes of that vocabulary as its
``enum``. Everything else (the pandera schemas, the dtypes of :func:`load`,
the shipped ``vocabularies`` table) is derived from that result.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from conflict_events._paths import SCHEMA_DIR

#: Columns of the ``vocabularies`` table, in order, after ``vocabulary`` and ``code``.
VOCABULARY_COLUMNS = (
    "label",
    "definition",
    "parent",
    "ucdp",
    "acled_event_type",
    "acled_sub_event_type",
    "cameo",
    "plover",
)


def _read_yaml(path: Path) -> Any:
    import yaml

    with open(path, encoding="utf-8") as handle:  # the package's own schema: libyaml's safe loader, where it is built
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def vocabularies(schema_dir: Path = SCHEMA_DIR) -> dict[str, dict[str, dict[str, Any]]]:
    """Every vocabulary: ``{name: {code: {label, definition, ...}}}``, in file order."""
    return _read_yaml(Path(schema_dir) / "vocabularies.yaml")


@functools.cache
def _descriptor(schema_dir: Path) -> dict[str, Any]:
    source = _read_yaml(Path(schema_dir) / "datapackage.yaml")
    vocabs = vocabularies(schema_dir)
    for resource in source["resources"]:
        resource.setdefault("format", "parquet")
        resource.setdefault("profile", "tabular-data-resource")
        for field in resource["schema"]["fields"]:
            name = field.get("x-vocabulary")
            if name is not None:
                field.setdefault("constraints", {})["enum"] = list(vocabs[name])
                field.setdefault("description", f"A code of the {name} vocabulary.")
    return source


def descriptor(schema_dir: Path = SCHEMA_DIR) -> dict[str, Any]:
    """The resolved Data Package descriptor (a fresh copy: callers may change it)."""
    return copy.deepcopy(_descriptor(Path(schema_dir)))


def resource_names(desc: dict[str, Any] | None = None) -> list[str]:
    """The table names, in the descriptor's order."""
    return [r["name"] for r in (desc or _descriptor(SCHEMA_DIR))["resources"]]


def resource(name: str, desc: dict[str, Any] | None = None) -> dict[str, Any]:
    """One resource of a descriptor (the package's own by default)."""
    for item in (desc or _descriptor(SCHEMA_DIR))["resources"]:
        if item["name"] == name:
            return item
    known = ", ".join(resource_names(desc))
    raise KeyError(f"no table named {name!r}; the tables are: {known}")


def fields(name: str, desc: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The field descriptors of one table."""
    return resource(name, desc)["schema"]["fields"]


def record_tables(kind: str | None = None, desc: dict[str, Any] | None = None) -> list[str]:
    """The tables contributors keep as records (``x-records``), in the descriptor's order.

    ``kind`` keeps one layout: ``"event"`` (one YAML file per event),
    ``"nested"`` (inside the event's file, under the table's name) or
    ``"file"`` (one YAML list in ``dataset/<table>.yaml``).
    """
    return [r["name"] for r in (desc or _descriptor(SCHEMA_DIR))["resources"]
            if "x-records" in r and (kind is None or r["x-records"] == kind)]


def vocabulary_rows(schema_dir: Path = SCHEMA_DIR) -> list[dict[str, Any]]:
    """The ``vocabularies`` table as rows, one per code."""
    rows = []
    for vocabulary, codes in vocabularies(schema_dir).items():
        for code, entry in codes.items():
            row = {"vocabulary": vocabulary, "code": code}
            row.update({column: entry.get(column) for column in VOCABULARY_COLUMNS})
            rows.append(row)
    return rows

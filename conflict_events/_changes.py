"""``diff(a, b)``: what changed between two versions, record by record, and the version bump it calls for.

``a`` and ``b`` are each a release version ("1.0.0"), a built package folder
(one with a ``datapackage.json``), or a records folder (``dataset/``, built
on the fly), so that the working records can be compared with the latest
release. The comparison covers

* the schema: every change classified by the Frictionless data-package-version
  rules (MAJOR: a resource or field removed, added, renamed, re-ordered or
  retyped, a key changed, a constraint tightened; MINOR: a resource added, a
  constraint loosened; PATCH: descriptive metadata);
* the data, by primary key: rows added (MINOR), rows changed (PATCH: a
  correction), rows removed (MAJOR from a table that others reference, such
  as events, whose ids users cite; PATCH elsewhere);
* the events, one by one: added, removed (with the retirement that explains
  it: merged into a successor or withdrawn) and changed, field by field, with
  the changes to their evidence, casualty reports and equipment.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import tempfile
from pathlib import Path
from typing import Any

LEVELS = ("patch", "minor", "major")
_PACKAGE_KEYS_IGNORED = {"version", "created", "fingerprint", "resources"}
_RESOURCE_KEYS_IGNORED = {"name", "path", "hash", "bytes", "schema"}
_BREAKING_RESOURCE_KEYS = {"format", "mediatype", "encoding", "profile", "dialect"}
#: Table Schema field properties that change how a value is read: a change is MAJOR. Any other key
#: (description, title, example, x-...), or one the spec does not define (such as the half sentences that 1.0.0 holds as keys), is descriptive: PATCH.
_BREAKING_FIELD_KEYS = {"type", "format", "delimiter", "itemType", "missingValues", "trueValues", "falseValues",
                        "bareNumber", "groupChar", "decimalChar", "floatNumber", "rdfType"}
_LOWER_BOUNDS = {"minimum", "minLength", "exclusiveMinimum"}
_UPPER_BOUNDS = {"maximum", "maxLength", "exclusiveMaximum"}


@dataclasses.dataclass(frozen=True)
class Change:
    """One change and the version level it calls for."""

    level: str
    change: str

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "change": self.change}


def next_version(version: str, level: str) -> str:
    """``version`` bumped at ``level``: 1.2.3 -> 2.0.0 (major), 1.3.0 (minor), 1.2.4 (patch)."""
    major, minor, patch = (int(part) for part in version.split("."))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def highest(changes: list[Change]) -> str | None:
    """The highest level of the changes; None when there are none."""
    return max((c.level for c in changes), key=LEVELS.index, default=None)


# --- schema ---------------------------------------------------------------------


def schema_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The changes between two Data Package descriptors, each with its version level."""
    changes: list[Change] = []
    if old.get("name") != new.get("name"):
        changes.append(Change("major", f"package renamed from {old.get('name')!r} to {new.get('name')!r}"))
    for key in sorted((set(old) | set(new)) - _PACKAGE_KEYS_IGNORED - {"name"}):
        if old.get(key) != new.get(key):
            changes.append(Change("patch", f"package {key} changed"))
    before = {r["name"]: r for r in old.get("resources", [])}
    after = {r["name"]: r for r in new.get("resources", [])}
    changes += [Change("major", f"resource {name} removed") for name in before if name not in after]
    changes += [Change("minor", f"resource {name} added") for name in after if name not in before]
    for name in before:
        if name in after:
            changes += _resource_changes(name, before[name], after[name])
    return changes


def _resource_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for key in sorted((set(old) | set(new)) - _RESOURCE_KEYS_IGNORED):
        if old.get(key) != new.get(key):
            level = "major" if key in _BREAKING_RESOURCE_KEYS else "patch"
            changes.append(Change(level, f"{name}: {key} changed from {old.get(key)!r} to {new.get(key)!r}"))
    old_schema, new_schema = old.get("schema", {}), new.get("schema", {})
    old_fields = {f["name"]: f for f in old_schema.get("fields", [])}
    new_fields = {f["name"]: f for f in new_schema.get("fields", [])}
    changes += [Change("major", f"{name}.{field}: field removed (or renamed)") for field in old_fields if field not in new_fields]
    changes += [Change("major", f"{name}.{field}: field added") for field in new_fields if field not in old_fields]
    common_old = [f for f in old_fields if f in new_fields]
    common_new = [f for f in new_fields if f in old_fields]
    if common_old != common_new:
        changes.append(Change("major", f"{name}: fields re-ordered"))
    for field in common_old:
        changes += _field_changes(f"{name}.{field}", old_fields[field], new_fields[field])
    if old_schema.get("primaryKey") != new_schema.get("primaryKey"):
        changes.append(Change("major", f"{name}: primary key changed from {old_schema.get('primaryKey')} to {new_schema.get('primaryKey')}"))
    old_keys = {json.dumps(fk, sort_keys=True) for fk in old_schema.get("foreignKeys", [])}
    new_keys = {json.dumps(fk, sort_keys=True) for fk in new_schema.get("foreignKeys", [])}
    changes += [Change("major", f"{name}: foreign key {_fk(fk)} added") for fk in sorted(new_keys - old_keys)]
    changes += [Change("minor", f"{name}: foreign key {_fk(fk)} removed") for fk in sorted(old_keys - new_keys)]
    for key in sorted((set(old_schema) | set(new_schema)) - {"fields", "primaryKey", "foreignKeys"}):
        if old_schema.get(key) != new_schema.get(key):
            changes.append(Change("major", f"{name}: schema {key} changed"))
    return changes


def _fk(text: str) -> str:
    fk = json.loads(text)
    return f"{','.join(fk['fields'])} -> {fk['reference'].get('resource') or 'itself'}.{','.join(fk['reference']['fields'])}"


def _field_changes(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for key in sorted((set(old) | set(new)) - {"name", "constraints"}):
        a, b = old.get(key), new.get(key)
        if a == b and (key in old) == (key in new):
            continue
        if key not in _BREAKING_FIELD_KEYS:
            changes.append(Change("patch", f"{where}: {key} changed"))
        elif key == "type":
            changes.append(Change("major", f"{where}: retyped from {a} to {b}"))
        else:
            changes.append(Change("major", f"{where}: {key} changed from {a!r} to {b!r}"))
    old_c, new_c = old.get("constraints", {}), new.get("constraints", {})
    for key in sorted(set(old_c) | set(new_c)):
        a, b = old_c.get(key), new_c.get(key)
        if a != b:
            changes.append(_constraint_change(where, key, a, b))
    return changes


def _constraint_change(where: str, key: str, a: Any, b: Any) -> Change:
    def tightened(detail: str) -> Change:
        return Change("major", f"{where}: constraint {key} tightened ({detail})")

    def loosened(detail: str) -> Change:
        return Change("minor", f"{where}: constraint {key} loosened ({detail})")

    if a is None:
        return loosened(f"{key}: false") if key in ("required", "unique") and not b else tightened(f"added: {b!r}")
    if b is None:
        return tightened(f"{key}: {a!r} -> none") if key in ("required", "unique") and not a else loosened(f"removed: {a!r}")
    if key in ("required", "unique"):
        return tightened(f"{a} -> {b}") if b and not a else loosened(f"{a} -> {b}")
    if key == "enum":
        removed, added = [c for c in a if c not in b], [c for c in b if c not in a]
        if removed:
            return tightened(f"codes removed: {', '.join(map(str, removed))}" + (f"; added: {', '.join(map(str, added))}" if added else ""))
        if added:
            return loosened(f"codes added: {', '.join(map(str, added))}")
        return Change("patch", f"{where}: codes of {key} re-ordered")
    try:
        if key in _LOWER_BOUNDS:
            return tightened(f"{a!r} -> {b!r}") if b > a else loosened(f"{a!r} -> {b!r}")
        if key in _UPPER_BOUNDS:
            return tightened(f"{a!r} -> {b!r}") if b < a else loosened(f"{a!r} -> {b!r}")
    except TypeError:
        pass
    return tightened(f"changed from {a!r} to {b!r}; it may exclude values it allowed")


# --- data -------------------------------------------------------------------------


@dataclasses.dataclass
class Package:
    """A package read for comparison: its descriptor and every table as rows of plain values."""

    label: str
    descriptor: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]

    @property
    def info(self) -> dict[str, Any]:
        return {"label": self.label, "version": self.descriptor.get("version"), "created": self.descriptor.get("created"),
                "fingerprint": self.descriptor.get("fingerprint")}


def open_package(ref: str | Path) -> Package:
    """A version, a built package folder (or its datapackage.json), or a records folder, read for comparison."""
    from conflict_events import _data as data
    from conflict_events._integrity import member, verify_file

    if isinstance(ref, str) and data._is_version(ref):
        folder = data.release_dir(ref)
        desc = data._read_descriptor(folder)
        paths = {r["name"]: data._verified_path(folder, r) for r in desc["resources"]}
        return Package(ref, desc, _read_rows(desc, paths))
    path = Path(ref)
    if path.is_file() and path.name == "datapackage.json":
        path = path.parent
    if (path / "datapackage.json").is_file():
        desc = _descriptor(path / "datapackage.json")
        paths = {}
        for resource in desc["resources"]:  # only regular files inside the folder: a device or FIFO would never end
            paths[resource["name"]] = member(path, resource["path"])
            verify_file(paths[resource["name"]], resource)
        return Package(str(ref), desc, _read_rows(desc, paths))
    if (path / "events").is_dir():
        from conflict_events._build import compile_records, write_package

        frames = compile_records(path)
        with tempfile.TemporaryDirectory(prefix="conflict-events-diff-") as scratch:
            built = write_package(frames, Path(scratch) / "package")
            package = open_package(built)
        package.label = f"records in {ref}"
        return package
    raise ValueError(f"{ref}: not a version (such as 1.0.0), a built package folder (with a datapackage.json) or a records folder (with events/)")


def _descriptor(path: Path) -> dict[str, Any]:
    """A package folder's datapackage.json, with resources that each name a path and give its bytes and hash."""
    from conflict_events._integrity import IntegrityError, read_regular

    try:
        desc = json.loads(read_regular(path).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise IntegrityError(f"{path} is not a JSON Data Package descriptor ({error})") from error
    resources = desc.get("resources") if isinstance(desc, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise IntegrityError(f"{path} is not a Data Package descriptor: it has no list of resources")
    for resource in resources:
        missing = [key for key in ("name", "path", "bytes", "hash") if resource.get(key) in (None, "")]
        if missing or not isinstance(resource["hash"], str) or not isinstance(resource["bytes"], int):
            raise IntegrityError(f"{path}: resource {resource.get('name')!r} does not give its {', '.join(missing) or 'bytes and hash'} "
                                 "(a built package records the bytes and sha256 of each file)")
    return desc


def _read_rows(desc: dict[str, Any], paths: dict[str, Path]) -> dict[str, list[dict[str, Any]]]:
    import pyarrow.parquet as pq

    tables = {}
    for resource in desc["resources"]:
        lists = {f["name"]: f.get("delimiter", ",") for f in resource["schema"]["fields"] if f["type"] == "list"}
        rows = pq.read_table(paths[resource["name"]]).to_pylist()
        for row in rows:
            for name, value in row.items():
                if name in lists:
                    row[name] = value.split(lists[name]) if isinstance(value, str) and value else []
                elif isinstance(value, _dt.datetime) and value.tzinfo is not None and value.utcoffset() == _dt.timedelta(0) \
                        and value.time() == _dt.time(0):  # midnight UTC names its day, as a date alone does
                    row[name] = value.date().isoformat()
                elif isinstance(value, (_dt.date, _dt.datetime)):
                    row[name] = value.isoformat()
        tables[resource["name"]] = rows
    return tables


def _key_of(resource: dict[str, Any], other: dict[str, Any] | None, rows_a: list[dict], rows_b: list[dict]) -> list[str] | None:
    key = resource["schema"].get("primaryKey") or []
    if other is not None and (other["schema"].get("primaryKey") or []) != key:
        return None
    columns = set().union(*(row.keys() for row in rows_a[:1] + rows_b[:1])) if rows_a or rows_b else set(key)
    return list(key) if key and set(key) <= columns else None


def compare_rows(rows_a: list[dict], rows_b: list[dict], key: list[str]) -> dict[str, list]:
    """Rows added, removed and changed (field by field), matched by ``key``: each ``{"key", "row"}``, plus ``"fields"`` if changed."""
    before = {tuple(row.get(k) for k in key): row for row in rows_a}
    after = {tuple(row.get(k) for k in key): row for row in rows_b}
    added = [{"key": dict(zip(key, k)), "row": after[k]} for k in sorted(after, key=_sortable) if k not in before]
    removed = [{"key": dict(zip(key, k)), "row": before[k]} for k in sorted(before, key=_sortable) if k not in after]
    changed = []
    for k in sorted(before, key=_sortable):
        if k in after:
            fields = [{"field": name, "from": before[k][name], "to": after[k][name]}
                      for name in after[k] if name in before[k] and before[k][name] != after[k][name]]
            if fields:
                changed.append({"key": dict(zip(key, k)), "fields": fields, "row": after[k]})
    return {"added": added, "removed": removed, "changed": changed}


def _sortable(key: tuple) -> tuple:
    return tuple((value is None, str(value)) for value in key)


def _referenced(desc: dict[str, Any]) -> set[str]:
    """The resources that a foreign key points to."""
    return {fk["reference"].get("resource") or r["name"] for r in desc.get("resources", []) for fk in r["schema"].get("foreignKeys", [])}


def _children(desc: dict[str, Any]) -> list[str]:
    """The tables whose rows belong to an event (a foreign key event_id -> events)."""
    return [r["name"] for r in desc.get("resources", [])
            if any(fk["fields"] == ["event_id"] and fk["reference"].get("resource") == "events" for fk in r["schema"].get("foreignKeys", []))]


@dataclasses.dataclass
class Diff:
    """The changes from package ``a`` to package ``b``."""

    a: dict[str, Any]
    b: dict[str, Any]
    changes: list[Change]
    events: dict[str, list]
    tables: dict[str, dict[str, list]]
    #: the tables whose rows belong to an event; their changes are listed under the event
    child_tables: tuple[str, ...] = ()
    #: the primary key of each table compared
    keys: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def level(self) -> str | None:
        """The version bump the changes call for (major, minor, patch), None when nothing changed."""
        return highest(self.changes)

    def to_dict(self) -> dict[str, Any]:
        tables = {}
        for name, parts in self.tables.items():
            tables[name] = {"added": [r["key"] for r in parts["added"]], "removed": [r["key"] for r in parts["removed"]],
                            "changed": [{"key": r["key"], "fields": r["fields"]} for r in parts["changed"]]}
        return {"from": self.a, "to": self.b, "level": self.level, "changes": [c.to_dict() for c in self.changes],
                "events": self.events, "tables": tables}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)

    def text(self) -> str:
        lines = [f"conflict-events {self.a['label']} -> {self.b['label']}",
                 f"fingerprint: {self.a['fingerprint']} -> {self.b['fingerprint']}"]
        if self.level is None:
            lines.append("no changes")
            return "\n".join(lines)
        lines.append(f"version bump by the data-package-version rules: {self.level.upper()}")
        lines += [f"  {c.level:<5} {c.change}" for c in sorted(self.changes, key=lambda c: -LEVELS.index(c.level))]
        events = self.events
        lines.append(f"events: {len(events['added'])} added, {len(events['removed'])} removed, {len(events['changed'])} changed")
        for event_id in events["added"]:
            lines.append(f"  + {event_id}")
        for item in events["removed"]:
            lines.append(f"  - {item['event_id']}: {_retirement(item)}")
        for item in events["changed"]:
            lines.append(f"  ~ {item['event_id']}")
            lines += [f"      {f['field']}: {_show(f['from'])} -> {_show(f['to'])}" for f in item["fields"]]
            for table in [t for t in item if t not in ("event_id", "fields")]:
                part = item[table]
                lines += [f"      {table} + {_row_text(row)}" for row in part["added"]]
                lines += [f"      {table} - {_row_text(row)}" for row in part["removed"]]
                for row in part["changed"]:
                    key = ", ".join(f"{k}={_show(v)}" for k, v in row["key"].items() if k != "event_id")
                    lines.append(f"      {table} ~ {key}: " + "; ".join(f"{f['field']} {_show(f['from'])} -> {_show(f['to'])}" for f in row["fields"]))
        for name, parts in self.tables.items():
            if name == "events" or name in self.child_tables or not any(parts.values()):
                continue
            lines.append(f"{name}: {len(parts['added'])} added, {len(parts['removed'])} removed, {len(parts['changed'])} changed")
            lines += [f"  + {_key_text(r['key'])}" for r in parts["added"]]
            lines += [f"  - {_key_text(r['key'])}" for r in parts["removed"]]
            lines += [f"  ~ {_key_text(r['key'])}: " + ", ".join(f["field"] for f in r["fields"]) for r in parts["changed"]]
        return "\n".join(lines)


def _retirement(item: dict[str, Any]) -> str:
    reason = item.get("reason")
    if reason is None:
        return "removed, and not in the retired list"
    text = f"merged into {item['successor']}" if reason == "merged" and item.get("successor") else str(reason)
    if item.get("retired_in"):
        text += f" (retired in {item['retired_in']})"
    if item.get("note"):
        text += f": {item['note']}"
    return text


def _show(value: Any, width: int = 80) -> str:
    if value is None:
        return "empty"
    text = ";".join(value) if isinstance(value, list) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(_show(v, 60) for v in key.values())


def _row_text(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_show(v, 60)}" for k, v in row.items() if k != "event_id" and v is not None)


def diff(a: str | Path, b: str | Path) -> Diff:
    """What changed from ``a`` to ``b`` (versions, built package folders or records folders)."""
    return compare(open_package(a), open_package(b))


def compare(old: Package, new: Package) -> Diff:
    changes = schema_changes(old.descriptor, new.descriptor)
    before = {r["name"]: r for r in old.descriptor["resources"]}
    after = {r["name"]: r for r in new.descriptor["resources"]}
    referenced = _referenced(old.descriptor)
    tables: dict[str, dict[str, list]] = {}
    keys: dict[str, list[str]] = {}
    for name, resource in after.items():
        if name not in before:
            continue
        key = _key_of(resource, before[name], old.rows[name], new.rows[name])
        if key is None:
            changes.append(Change("major", f"{name}: rows cannot be matched (the primary key changed)"))
            continue
        tables[name] = parts = compare_rows(old.rows[name], new.rows[name], key)
        keys[name] = key
        if parts["added"]:
            changes.append(Change("minor", f"{name}: {len(parts['added'])} row(s) added"))
        if parts["removed"]:
            level = "major" if name in referenced else "patch"
            changes.append(Change(level, f"{name}: {len(parts['removed'])} row(s) removed" + (", which other tables reference" if level == "major" else "")))
        if parts["changed"]:
            changes.append(Change("patch", f"{name}: {len(parts['changed'])} row(s) corrected"))
    children = tuple(name for name in _children(new.descriptor) if name in tables)
    return Diff(old.info, new.info, changes, _events(tables, children, new.rows.get("retired", [])), tables, children, keys)


def _events(tables: dict[str, dict[str, list]], children: tuple[str, ...], retired: list[dict[str, Any]]) -> dict[str, list]:
    if "events" not in tables:
        return {"added": [], "removed": [], "changed": []}
    events = tables["events"]
    retirements = {row["event_id"]: row for row in retired}
    added = [r["key"]["event_id"] for r in events["added"]]
    removed = []
    for r in events["removed"]:
        event_id = r["key"]["event_id"]
        entry = retirements.get(event_id, {})
        removed.append({"event_id": event_id, "reason": entry.get("reason"), "successor": entry.get("successor"),
                        "retired_in": entry.get("retired_in"), "note": entry.get("note")})
    gone_or_new = set(added) | {r["event_id"] for r in removed}
    changed: dict[str, dict[str, Any]] = {}
    for r in events["changed"]:
        changed[r["key"]["event_id"]] = {"event_id": r["key"]["event_id"], "fields": r["fields"]}
    for table in children:
        for kind in ("added", "removed", "changed"):
            for r in tables[table][kind]:
                row = r["row"]
                event_id = row["event_id"]
                if event_id in gone_or_new:
                    continue
                item = changed.setdefault(event_id, {"event_id": event_id, "fields": []})
                part = item.setdefault(table, {"added": [], "removed": [], "changed": []})
                part[kind].append({k: v for k, v in row.items() if k != "event_id"} if kind != "changed"
                                  else {"key": r["key"], "fields": r["fields"]})
    return {"added": added, "removed": removed, "changed": [changed[k] for k in sorted(changed)]}

"""Every descriptor holds only properties that the Data Package, Tabular Data Resource and Table Schema profiles define.

The property lists come from frictionless 5's own metadata profiles
(``Package``, ``Resource``, ``Schema``, ``Field`` and each field type's class,
such as ``ListField`` for ``delimiter`` and ``itemType``). Beyond them, a key
may start with ``x-`` (an extension, such as ``x-vocabulary``) or be one this
package documents (``fingerprint``). A key nobody defines is a mistake: in
release 1.0.0, five descriptions cut at a comma by YAML's flow style turned
the rest of the sentence into a key.
"""

import json

import pytest
from frictionless import Field, Package, Resource, Schema

from conflict_events import _schema as schema
from conflict_events._paths import RELEASES_DIR

#: Properties this package adds and documents, by level.
DOCUMENTED = {"package": {"fingerprint"}}

#: Release 1.0.0 is immutable: its known defects, each (where, key). Nothing may be added here for a later release.
RELEASE_1_0_0_DEFECTS = {
    ("resources[events].schema.fields[start_date]", "or of the window it falls in."),
    ("resources[events].schema.fields[end_date]", "or of the window it falls in; equal to start_date for a one-day event."),
    ("resources[events].schema.fields[weapon]", "such as a missile type."),
    ("resources[actors].schema.fields[parent_id]", "such as an official's government."),
    ("resources[vocabularies].schema.fields[parent]", "the event_type it belongs to."),
}


def _allowed(profile):
    return set(profile.get("properties", {}))


def _check(value, profile, where, extra=frozenset()):
    """(where, key) for every key of ``value`` (and of the objects inside it) that ``profile`` does not define."""
    found = []
    if isinstance(value, dict) and "properties" in profile:
        for key, item in value.items():
            if key.startswith("x-"):
                continue
            if key not in _allowed(profile) and key not in extra:
                found.append((where, key))
            elif key in profile["properties"]:
                found += _check(item, profile["properties"][key], f"{where}.{key}" if where else key)
    elif isinstance(value, list) and isinstance(profile.get("items"), dict):
        for index, item in enumerate(value):
            found += _check(item, profile["items"], f"{where}[{index}]")
    return found


def _field_profile(field):
    profile = json.loads(json.dumps(Field.metadata_profile))
    patch = Field.metadata_select_class(field.get("type", "any")).metadata_profile_patch
    profile["properties"].update(patch.get("properties", {}))
    return profile


def unknown_properties(desc):
    """Every (where, key) in a Data Package descriptor that no profile defines."""
    found = _check({k: v for k, v in desc.items() if k != "resources"}, Package.metadata_profile, "", DOCUMENTED["package"])
    for resource in desc.get("resources", []):
        where = f"resources[{resource.get('name')}]"
        found += _check({k: v for k, v in resource.items() if k != "schema"}, Resource.metadata_profile, where)
        table = resource.get("schema", {})
        found += _check({k: v for k, v in table.items() if k != "fields"}, Schema.metadata_profile, f"{where}.schema")
        for field in table.get("fields", []):
            found += _check(field, _field_profile(field), f"{where}.schema.fields[{field.get('name')}]")
    return sorted(set(found))


def _releases():
    return sorted(p.name for p in RELEASES_DIR.iterdir() if (p / "datapackage.json").is_file())


def test_the_linter_finds_an_unknown_key_at_every_level():
    desc = {"name": "p", "fingerprint": "sha256:0", "x-note": "fine", "colour": "red",
            "contributors": [{"title": "a", "mail": "a@b"}],
            "resources": [{"name": "t", "path": "t.parquet", "shape": 1,
                           "schema": {"primaryKey": ["a"], "order": 1,
                                      "foreignKeys": [{"fields": ["a"], "reference": {"resource": "u", "fields": ["b"], "table": "u"}}],
                                      "fields": [{"name": "a", "type": "list", "delimiter": ";", "itemType": "string", "x-vocabulary": "v",
                                                  "constraints": {"required": True, "mandatory": True}, "rest of it.": None},
                                                 {"name": "b", "type": "integer", "delimiter": ";"}]}}]}
    assert unknown_properties(desc) == [
        ("", "colour"),
        ("contributors[0]", "mail"),
        ("resources[t]", "shape"),
        ("resources[t].schema", "order"),
        ("resources[t].schema.fields[a]", "rest of it."),
        ("resources[t].schema.fields[a].constraints", "mandatory"),
        ("resources[t].schema.fields[b]", "delimiter"),
        ("resources[t].schema.foreignKeys[0].reference", "table"),
    ]


def test_the_resolved_descriptor_has_no_unknown_properties():
    assert unknown_properties(schema.descriptor()) == []


@pytest.mark.parametrize("version", _releases())
def test_every_shipped_release_has_no_unknown_properties(version):
    desc = json.loads((RELEASES_DIR / version / "datapackage.json").read_text(encoding="utf-8"))
    known = RELEASE_1_0_0_DEFECTS if version == "1.0.0" else set()
    assert set(unknown_properties(desc)) == known


def test_a_new_release_has_no_unknown_properties(tmp_path_factory):
    """The next release is clean: 2.1.0 to 3.0.1, made by `release` from the package's records in a temporary copy."""
    from tests import _history

    history = _history.history(tmp_path_factory)
    for version in ("2.1.0", "3.0.0", "3.0.1"):
        desc = json.loads((history / "releases" / version / "datapackage.json").read_text(encoding="utf-8"))
        assert unknown_properties(desc) == [], version

"""Rules on one cell, derived from its field's type and constraints in the descriptor.

A field rule's ``applies(field)`` reads the field descriptor and gives the
rule's parameters (or None where the rule does not hold for that field), and
its ``check(value, **params)`` gives a narwhals expression, true where the
typed cell breaks the rule. An empty cell breaks only ``required``.
"""

from __future__ import annotations

import functools
from typing import Any

import narwhals as nw

from conflict_events._catalogue._rule import Rule, register

#: A text a spreadsheet would run as a formula starts with one of these (OWASP: CSV injection).
FORMULA_CHARACTERS = "=+-@\t\r"
FORMULA_START = r"^[=+\-@\t\r]"
#: Raw control characters that no text field may hold: C0 controls but tab and line feed,
#: DEL, C1 controls, and the bidirectional overrides and isolates (Trojan Source, CVE-2021-42574).
CONTROL_CHARACTERS = r"[\x00-\x08\x0B-\x1F\x7F-\x9F\x{202A}-\x{202E}\x{2066}-\x{2069}]"

#: How each Table Schema type is described in a ``type`` problem.
EXPECTED = {
    "string": "text",
    "integer": "a whole number between -2**63 and 2**63-1",
    "number": "a number",
    "date": "a date as YYYY-MM-DD, a day of the calendar",
    "datetime": "a date and time as YYYY-MM-DDThh:mm[:ss][Z|+hh:mm], or a date",
    "list": "a list of non-empty texts",
}


def _constraint(name: str):
    def applies(field: dict[str, Any]) -> dict[str, Any] | None:
        constraints = field.get("constraints", {})
        return {name: constraints[name]} if name in constraints else None

    return applies


def _is(kind: str):
    return lambda field: {} if field["type"] == kind else None


@functools.cache
def iso3_codes() -> tuple[str, ...]:
    """Every ISO 3166-1 alpha-3 code (pycountry)."""
    import pycountry

    return tuple(sorted(country.alpha_3 for country in pycountry.countries))


register(Rule(
    "required", "field", "the field has a value", "give the value; a required field cannot be left empty",
    "{field} is required but empty ({key})",
    applies=lambda field: {} if field.get("constraints", {}).get("required") else None,
    check=lambda value: value.is_null(),
    example={"events": {"summary": ""}},
))
register(Rule(
    "type", "field", "the value has the field's type",
    "write the value in the field's type (dates as YYYY-MM-DD, whole numbers for counts)",
    "{field}: expected {expected}, got {value}",
    applies=lambda field: {"expected": EXPECTED[field["type"]]},
    # the engines type each cell as they read it; a cell that does not parse breaks this rule
    example={"events": {"fatalities_best": "about 35"}},
))
register(Rule(
    "enum", "field", "the value is a code of the field's vocabulary",
    "use one of the codes listed in the message (see schema/vocabularies.yaml)",
    "{field} is {value}, which is not one of: {codes}",
    applies=lambda field: {"enum": field["constraints"]["enum"]} if "enum" in field.get("constraints", {}) else None,
    check=lambda value, enum: ~value.is_in(enum),
    example={"events": {"verification": "rumoured"}},
))
register(Rule(
    "pattern", "field", "the value matches the field's pattern", "follow the pattern given in the message",
    "{field} is {value}, which does not match the pattern {pattern}",
    applies=_constraint("pattern"),
    # Table Schema patterns match the whole value
    check=lambda value, pattern: ~value.str.contains(f"^(?:{pattern})$"),
    example={"actors": {"actor_id": "not an id"}},
))
register(Rule(
    "minimum", "field", "the value is not below the field's minimum", "counts and coordinates cannot be below the minimum given",
    "{field} is {value}, below the minimum {minimum}",
    applies=_constraint("minimum"),
    check=lambda value, minimum: value < minimum,
    example={"equipment": {"quantity": "0"}},
))
register(Rule(
    "maximum", "field", "the value is not above the field's maximum", "coordinates cannot be above the maximum given",
    "{field} is {value}, above the maximum {maximum}",
    applies=_constraint("maximum"),
    check=lambda value, maximum: value > maximum,
    example={"events": {"latitude": "91", "longitude": None}},
))


def _length(field: dict[str, Any]) -> dict[str, Any] | None:
    constraints = field.get("constraints", {})
    if "minLength" not in constraints and "maxLength" not in constraints:
        return None
    return {"min_length": constraints.get("minLength", 0), "max_length": constraints.get("maxLength", "any"), "list": field["type"] == "list"}


def _length_check(value: Any, min_length: int, max_length: Any, list: bool) -> Any:
    length = value.list.len() if list else value.str.len_chars()
    broken = length < min_length
    return broken if max_length == "any" else broken | (length > max_length)


register(Rule(
    "length", "field", "the text's length is within the field's limits", "shorten or fill in the text",
    "{field} is {value}, whose length is outside {min_length}..{max_length}",
    applies=_length,
    check=_length_check,
    example={"evidence": {"quote": "x" * 1001}},
))
register(Rule(
    "formula-injection", "field", "no text cell starts with = + - @ (or a tab or carriage return)",
    "reword the text: a spreadsheet would run it as a formula",
    "{field} is {value}: a spreadsheet would run it as a formula",
    applies=_is("string"),
    check=lambda value: value.str.contains(FORMULA_START),
    example={"events": {"summary": "=HYPERLINK(\"http://example.org\")"}},
))
register(Rule(
    "control-character", "field", "no text holds a raw control character (NUL, CR, ESC, ...) or a bidirectional override",
    "remove the invisible character; write line breaks in YAML as a folded block (>-)",
    "{field} holds a raw control character or bidirectional override: {value}",
    applies=_is("string"),
    check=lambda value: value.str.contains(CONTROL_CHARACTERS),
    example={"events": {"summary": "A strike\u202e on a town."}},
))
register(Rule(
    "country-code", "field", "the value is an ISO 3166-1 alpha-3 code", "use the three-letter ISO code, such as UKR or BLR",
    "{field} {value} is not an ISO 3166-1 alpha-3 code",
    applies=lambda field: {} if field["name"].endswith("iso3") else None,
    # letter case is the pattern rule's: 'ukr' breaks the pattern, not this rule
    check=lambda value: ~value.str.to_uppercase().is_in(iso3_codes()),
    example={"actors": {"country_iso3": "XXX"}},
))

__all__ = ["CONTROL_CHARACTERS", "EXPECTED", "FORMULA_CHARACTERS", "iso3_codes", "nw"]

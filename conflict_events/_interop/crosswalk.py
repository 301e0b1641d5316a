"""The crosswalk of ``schema/vocabularies.yaml``, read as lookup tables in both directions.

Nothing here copies a code list: every table is computed from
:func:`conflict_events._schema.vocabularies` when first asked for, so a code
added to the vocabulary (on any branch) is mapped without a change here.

The only facts kept here are the ones the vocabulary does not hold: how
ACLED's own precision codes (1 to 3) read as UCDP's (whose codes the
vocabulary does hold), and the ACLED event types that the vocabulary has
deliberately no counterpart for.
"""

from __future__ import annotations

import functools
from typing import Any

from conflict_events import _schema

#: ACLED time_precision -> UCDP date_prec. 1: the day; 2: the week (ACLED codes the middle day of it);
#: 3: the month (ACLED codes a day in it). The UCDP code then reads through the vocabulary.
ACLED_TIME_TO_UCDP = {"1": 1, "2": 3, "3": 4}
#: ACLED geo_precision -> UCDP where_prec. 1: the named place; 2: near it (a part of a region or a
#: town nearby); 3: only a larger region is known and ACLED gives its capital's coordinates.
ACLED_GEO_TO_UCDP = {"1": 1, "2": 2, "3": 4}
#: How many days either side of ACLED's coded day a time_precision 2 window reaches.
ACLED_WEEK_HALF = 3


def _vocab(name: str) -> dict[str, dict[str, Any]]:
    return _schema.vocabularies()[name]


@functools.cache
def ucdp_to_code(vocabulary: str) -> dict[int, str]:
    """UCDP code -> our code, for ``date_precision`` (date_prec) or ``geo_precision`` (where_prec)."""
    return {int(entry["ucdp"]): code for code, entry in _vocab(vocabulary).items() if entry.get("ucdp") is not None}


@functools.cache
def code_to_ucdp(vocabulary: str) -> dict[str, int]:
    return {code: ucdp for ucdp, code in ucdp_to_code(vocabulary).items()}


def acled_precision(vocabulary: str, value: str) -> str | None:
    """An ACLED time_precision or geo_precision ("1" to "3") as our code; None when it is not one."""
    table = ACLED_TIME_TO_UCDP if vocabulary == "date_precision" else ACLED_GEO_TO_UCDP
    ucdp = table.get(value.strip()) if value else None
    return None if ucdp is None else ucdp_to_code(vocabulary).get(ucdp)


def to_acled_precision(vocabulary: str, code: str | None) -> str | None:
    """Our date or geo precision as ACLED's 1 to 3: the nearest code no finer than ours."""
    table = ACLED_TIME_TO_UCDP if vocabulary == "date_precision" else ACLED_GEO_TO_UCDP
    ucdp = code_to_ucdp(vocabulary).get(code or "")
    if ucdp is None:
        return None
    fitting = [acled for acled, level in table.items() if level >= ucdp]
    return min(fitting, key=lambda a: table[a]) if fitting else max(table, key=lambda a: table[a])


@functools.cache
def acled_types() -> dict[tuple[str, str], tuple[str, str | None] | None]:
    """(ACLED event_type, sub_event_type) -> (event_type, event_subtype or None), for the pairs the vocabulary names.

    Use :func:`from_acled_type`: it also resolves the sub-event types that the vocabulary names only at type level.
    """
    out: dict[tuple[str, str], tuple[str, str | None] | None] = {}
    types, subtypes = _vocab("event_type"), _vocab("event_subtype")
    for code, entry in types.items():
        if entry.get("acled_event_type") and entry.get("acled_sub_event_type"):
            out[(entry["acled_event_type"], entry["acled_sub_event_type"])] = (code, None)
    pairs: dict[tuple[str, str], list[str]] = {}
    for code, entry in subtypes.items():
        if entry.get("acled_event_type") and entry.get("acled_sub_event_type"):
            pairs.setdefault((entry["acled_event_type"], entry["acled_sub_event_type"]), []).append(code)
    for pair, codes in pairs.items():
        parents = {subtypes[c]["parent"] for c in codes}
        if len(parents) == 1:
            parent = parents.pop()
            out[pair] = (parent, codes[0] if len(codes) == 1 else None)
    return out


@functools.lru_cache(maxsize=1024)
def from_acled_type(event_type: str, sub_event_type: str) -> tuple[str, str | None, str] | None:
    """ACLED's type and sub-type as (event_type, event_subtype, how), or None when nothing here fits.

    ``how`` says which crosswalk entry decided: ``"sub-event type"`` (an exact pair),
    ``"event type"`` (the one type of ours that names only ACLED's event type), or
    ``"ambiguous subtype"`` (an exact pair shared by several of our subtypes: the type is
    sure, the subtype is left empty).
    """
    event_type, sub_event_type = event_type.strip(), sub_event_type.strip()
    exact = acled_types().get((event_type, sub_event_type))
    if exact is not None:
        many = sum(1 for e in _vocab("event_subtype").values()
                   if (e.get("acled_event_type"), e.get("acled_sub_event_type")) == (event_type, sub_event_type)) > 1
        return exact[0], exact[1], "ambiguous subtype" if many else "sub-event type"
    broad = [code for code, entry in _vocab("event_type").items()
             if _same(entry.get("acled_event_type"), event_type) and not entry.get("acled_sub_event_type")]
    if len(broad) == 1:
        return broad[0], None, "event type"
    return None


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.casefold() == b.casefold()


def to_acled_type(event_type: str | None, event_subtype: str | None) -> tuple[str | None, str | None]:
    """Our type and subtype as ACLED's (event_type, sub_event_type); None where the vocabulary has none."""
    types, subtypes = _vocab("event_type"), _vocab("event_subtype")
    sub = subtypes.get(event_subtype or "", {})
    kind = types.get(event_type or "", {})
    acled_type = sub.get("acled_event_type") or kind.get("acled_event_type")
    acled_sub = sub.get("acled_sub_event_type") or kind.get("acled_sub_event_type")
    return acled_type, acled_sub


def plover_type(event_type: str | None, event_subtype: str | None) -> str | None:
    """The PLOVER event type of our type and subtype: the subtype's when it has one, else the type's."""
    sub = _vocab("event_subtype").get(event_subtype or "", {})
    return sub.get("plover") or _vocab("event_type").get(event_type or "", {}).get("plover")


def label(vocabulary: str, code: str | None) -> str | None:
    entry = _vocab(vocabulary).get(code or "")
    return entry["label"] if entry else None


def vocabulary_codes(vocabulary: str) -> list[str]:
    return list(_vocab(vocabulary))


#: The crosswalk columns of each vocabulary the tables of docs/interop.md show.
_DOC_TABLES = {
    "event_type": ("acled_event_type", "acled_sub_event_type", "cameo", "plover"),
    "event_subtype": ("parent", "acled_event_type", "acled_sub_event_type", "cameo", "plover"),
    "date_precision": ("ucdp",),
    "geo_precision": ("ucdp",),
}


#: The markers in docs/interop.md between which :func:`crosswalk_markdown` goes.
DOC_BEGIN = "<!-- crosswalk tables: generated by conflict_events._interop.crosswalk.crosswalk_markdown(); do not edit -->"
DOC_END = "<!-- end of the generated crosswalk tables -->"


def write_docs(path: Any) -> bool:
    """Rewrite the generated tables of docs/interop.md; True when they changed."""
    from pathlib import Path

    text = Path(path).read_text(encoding="utf-8")
    head, _, rest = text.partition(DOC_BEGIN)
    _, _, tail = rest.partition(DOC_END)
    new = f"{head}{DOC_BEGIN}\n\n{crosswalk_markdown()}\n{DOC_END}{tail}"
    if new != text:
        Path(path).write_text(new, encoding="utf-8")
    return new != text


def crosswalk_markdown() -> str:
    """The crosswalk tables of ``docs/interop.md``, generated from ``schema/vocabularies.yaml``."""
    out = []
    for vocabulary, columns in _DOC_TABLES.items():
        out.append(f"### `{vocabulary}`\n")
        header = ["code", "label", *columns]
        if vocabulary in ("date_precision", "geo_precision"):
            header.append("ACLED " + ("time_precision" if vocabulary == "date_precision" else "geo_precision"))
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        acled = {v: k for k, v in (ACLED_TIME_TO_UCDP if vocabulary == "date_precision" else ACLED_GEO_TO_UCDP).items()}
        for code, entry in _vocab(vocabulary).items():
            cells = [f"`{code}`", entry["label"], *[_cell(entry.get(c)) for c in columns]]
            if vocabulary in ("date_precision", "geo_precision"):
                cells.append(acled.get(entry.get("ucdp"), "—"))
            out.append("| " + " | ".join(str(c) for c in cells) + " |")
        out.append("")
    return "\n".join(out)


def _cell(value: Any) -> str:
    return "—" if value is None else str(value).replace("|", "\\|")


if __name__ == "__main__":  # python -m conflict_events._interop.crosswalk docs/interop.md
    import sys

    for target in sys.argv[1:] or ["docs/interop.md"]:
        print(f"{target}: {'rewritten' if write_docs(target) else 'current'}")

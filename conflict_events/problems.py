"""Problems found in the data, and the catalogue of rules that find them.

Every check in the package reports a :class:`Problem` with one of the rule ids
below. The catalogue gives each rule its meaning and a hint on how to fix it;
``validation/gallery/`` holds one failing example per rule.
"""

from __future__ import annotations

import dataclasses
from typing import Any

#: rule id -> (what the rule demands, how to fix a violation)
RULES: dict[str, tuple[str, str]] = {
    # reading files
    "file-unreadable": ("the file can be opened and read", "check the path and the file's permissions"),
    "file-empty": ("the file is not empty", "add records to the file or remove it from the change"),
    "file-binary": ("the file is text", "save the records as UTF-8 text (YAML, CSV or JSON) or as Parquet"),
    "file-encoding": ("the file is UTF-8", "re-save the file as UTF-8 (in most editors: Save with encoding > UTF-8)"),
    "file-format": ("the file's format is known", "use .yaml/.yml records, or a table as .csv, .json or .parquet"),
    "file-too-large": ("the file is small enough to read in full", "split the file, or give it as CSV or Parquet, which are read in batches"),
    "yaml-syntax": ("the YAML parses", "fix the YAML syntax at the line given (indentation, quotes, colons)"),
    "yaml-unsafe-tag": ("the YAML has no tags that would construct objects", "remove the !! or ! tag: records hold plain text, numbers, dates and lists"),
    "json-syntax": ("the JSON parses", "fix the JSON syntax at the line given"),
    "record-shape": ("the record has the expected shape", "follow the layout of an existing record in dataset/events/"),
    "table-unknown": ("the file names a table of the package", "name the file after its table (events.csv, actors.csv, ...) or pass --table"),
    # structure and types (Table Schema)
    "missing-field": ("every field of the table is present", "add the field; write null (YAML) or leave the cell empty (CSV) when the source does not say"),
    "unknown-field": ("every field is a field of the table", "remove the field or correct its name"),
    "required": ("the field has a value", "give the value; a required field cannot be left empty"),
    "type": ("the value has the field's type", "write the value in the field's type (dates as YYYY-MM-DD, whole numbers for counts)"),
    "enum": ("the value is a code of the field's vocabulary", "use one of the codes listed in the message (see schema/vocabularies.yaml)"),
    "pattern": ("the value matches the field's pattern", "follow the pattern given in the message"),
    "minimum": ("the value is not below the field's minimum", "counts and coordinates cannot be below the minimum given"),
    "maximum": ("the value is not above the field's maximum", "coordinates cannot be above the maximum given"),
    "length": ("the text's length is within the field's limits", "shorten or fill in the text"),
    "unique": ("the value is unique in the table", "give each record its own identifier"),
    "primary-key": ("the row's key is unique in the table", "remove the duplicate row or change its key"),
    "foreign-key": ("the referenced row exists", "add the referenced actor, source or event, or correct the identifier"),
    # rules a Table Schema cannot express
    "end-before-start": ("end_date is on or after start_date", "swap the dates, or correct the one that is wrong"),
    "fatalities-order": ("low <= best <= high", "order the estimates: the low figure cannot exceed the best, nor the best the high"),
    "coordinates-outside-country": ("the coordinates lie inside or near country_iso3", "check the sign and order of latitude and longitude, and the country code"),
    "country-code": ("country_iso3 is an ISO 3166-1 alpha-3 code", "use the three-letter ISO code, such as UKR or BLR"),
    "subtype-mismatch": ("event_subtype belongs to event_type", "use a subtype whose parent is the event's type (see schema/vocabularies.yaml)"),
    "casualties-not-latest": ("the event's figures equal its latest casualty report", "copy the figures of the latest report, or add a report for the new figures"),
    "event-without-evidence": ("every event has at least one evidence quote", "add an evidence entry with a verbatim quote from a source"),
    "source-not-cited": ("source_ids lists the sources of the event's evidence", "list every source the evidence and casualty reports cite"),
    "quote-not-in-source": ("the quote occurs verbatim in the archived source text", "copy the quote exactly, with its punctuation and quotation marks"),
    "archive-mismatch": ("the archived text matches its sha256", "restore the archived text, or update archived_sha256 if the source was re-archived"),
    "near-duplicate": ("no two events share type, place and dates", "merge the two records, or say in the summary what sets them apart"),
    "formula-injection": ("no text cell starts with = + - @", "reword the text: a spreadsheet would run it as a formula"),
    "retired-id": ("a new event does not reuse a retired or released event_id", "take the next free event_id"),
    # hostile input: what the readers refuse (limits are constants of records.py and tablefiles.py)
    "file-not-regular": ("the file is a regular file", "give a regular file, not a FIFO, device, socket or folder"),
    "path-outside-dataset": ("every file read lies inside the folder it was found in", "replace the symbolic link by the file itself, or name the file's own path"),
    "yaml-duplicate-key": ("each key occurs once in a YAML mapping", "remove one of the two keys, or merge their values into one"),
    "yaml-alias-limit": ("YAML aliases (*name) expand to few nodes and never into themselves", "write the values out instead of using anchors (&name) and aliases (*name)"),
    "nesting-too-deep": ("the data is nested only as deep as records need", "flatten the data: fields hold text, numbers or lists of text"),
    "line-too-long": ("a line (or a record with quoted line breaks) is short enough to read", "check for an unclosed quote; split very long text"),
    "cell-too-long": ("a cell holds no more text than a field needs", "shorten the text: quotes and summaries are a few sentences"),
    "duplicate-column": ("each column name occurs once", "remove or rename the repeated column"),
}


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows.

    ``line`` is the physical line of a text file (1-based) or the row number
    of a Parquet file (1-based, header not counted); ``None`` when the problem
    concerns the whole file.
    """

    file: str
    line: int | None
    field: str | None
    rule: str
    message: str
    value: Any = None
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule id {self.rule!r}")
        if self.hint is None:
            object.__setattr__(self, "hint", RULES[self.rule][1])

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def sort_key(self) -> tuple:
        return (self.file, self.line if self.line is not None else -1, self.field or "", self.rule, str(self.value))


def dedupe(problems: list[Problem]) -> list[Problem]:
    """The problems without repeats, in report order.

    A cell whose value has the wrong type (or is too long to read) is also
    empty once typed; it gets that problem only, not a second ``required`` one.
    """
    mistyped = {(p.file, p.line, p.field) for p in problems if p.rule in ("type", "cell-too-long")}
    unique = {(p.sort_key(), p.message): p for p in problems if not (p.rule == "required" and (p.file, p.line, p.field) in mistyped)}
    return [unique[key] for key in sorted(unique)]


class BuildError(Exception):
    """The records have problems; nothing was written. Lives here, with no heavy imports, so the CLI can catch it cheaply."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the records; nothing was written")

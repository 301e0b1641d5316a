"""Rules about the file itself. The readers raise them; no row is typed yet."""

from __future__ import annotations

from conflict_events._catalogue._rule import Rule, register


def _file(rule_id: str, meaning: str, hint: str, message: str = "{detail}") -> Rule:
    return register(Rule(rule_id, "file", meaning, hint, message))


_file("file-unreadable", "the file can be opened and read", "check the path and the file's permissions")
_file("file-empty", "the file is not empty", "add records to the file or remove it from the change")
_file("file-binary", "the file is text", "save the records as UTF-8 text (YAML, CSV or JSON) or as Parquet")
_file("file-encoding", "the file is UTF-8", "re-save the file as UTF-8 (in most editors: Save with encoding > UTF-8)")
_file("file-format", "the file's format is known", "use .yaml/.yml records, or a table as .csv, .json or .parquet")
_file("file-too-large", "the file is small enough to read in full", "split the file, or give it as CSV or Parquet, which are read in batches")
_file("yaml-syntax", "the YAML parses", "fix the YAML syntax at the line given (indentation, quotes, colons)")
_file("yaml-unsafe-tag", "the YAML has no tags that would construct objects", "remove the !! or ! tag: records hold plain text, numbers, dates and lists")
_file("json-syntax", "the JSON parses", "fix the JSON syntax at the line given")
_file("record-shape", "the record has the expected shape", "follow the layout of an existing record in dataset/events/")
_file("table-unknown", "the file names a table of the package", "name the file after its table (events.csv, actors.csv, ...) or pass --table")
# hostile input: what the readers refuse (the limits are constants of records.py, tablefiles.py and _files.py)
_file("file-not-regular", "the file is a regular file", "give a regular file, not a FIFO, device, socket or folder")
_file("path-outside-dataset", "every file read lies inside the folder it was found in",
      "replace the symbolic link by the file itself, or name the file's own path")
_file("yaml-duplicate-key", "each key occurs once in a YAML mapping", "remove one of the two keys, or merge their values into one")
_file("yaml-alias-limit", "YAML aliases (*name) expand to few nodes and never into themselves",
      "write the values out instead of using anchors (&name) and aliases (*name)")
_file("nesting-too-deep", "the data is nested only as deep as records need", "flatten the data: fields hold text, numbers or lists of text")
_file("line-too-long", "a line (or a record with quoted line breaks) is short enough to read", "check for an unclosed quote; split very long text")
_file("cell-too-long", "a cell holds no more text than a field needs", "shorten the text: quotes and summaries are a few sentences")
_file("duplicate-column", "each column name occurs once", "remove or rename the repeated column")
_file("missing-field", "every field of the table is present", "add the field; write null (YAML) or leave the cell empty (CSV) when the source does not say")
_file("unknown-field", "every field is a field of the table", "remove the field or correct its name")

"""Rules on evidence against the archived source texts. The engine reads the texts (inside the dataset only)."""

from __future__ import annotations

from conflict_events._catalogue._rule import Rule, register

register(Rule(
    "quote-not-in-source", "source", "the quote occurs verbatim in the archived source text",
    "copy the quote exactly, with its punctuation and quotation marks",
    "the quote does not occur in the archived text of {source_id}{closest}",
    tables=("evidence",),
))
register(Rule(
    "archive-mismatch", "source", "the archived text matches its sha256",
    "restore the archived text, or update archived_sha256 if the source was re-archived",
    "the archived text of {source_id} has sha256 {actual}, not {archived_sha256}",
    tables=("sources",), reads={"sources": ("source_id", "archived_sha256")},
))

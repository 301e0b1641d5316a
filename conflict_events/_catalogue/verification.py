"""Rules on what the evidence can carry: its kind, and the event's verification level.

``verification`` follows the sources. :func:`requirements` says, per event,
which of the levels that need something of the evidence the evidence meets;
the ``verification`` rule reports an event whose level is not met, and
``load(known_at=...)`` re-judges each event from the evidence known at that
moment with :func:`rejudge`. The definitions (``../shared/DESIGN.md``), as
implemented:

- ``confirmed``: among the sources that support the event, either an
  authority (an actor of type state, force, government_body or official)
  of the event's country (``country_iso3``, the affected party) is the one
  an evidence entry attributes the fact to, or at least two different
  publishers (``sources.publisher``; a source whose publisher is unknown
  counts for none, and copies of one agency's story name that agency);
- ``disputed``: at least one evidence entry has the stance ``contradicts``;
- ``claimed``: an evidence entry attributes the fact to an actor of a state
  with a stake: the event's country or the country of its actor1 or actor2;
- ``reported`` and ``unverified`` ask nothing of the evidence (whether an
  outlet is credible, or said it could not verify, is in the source's note).
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from conflict_events._catalogue._rule import Rule, register

#: actor types that speak for a state
AUTHORITIES = ("state", "force", "government_body", "official")
#: the levels that ask something of the evidence, strongest first
DEMANDING = ("disputed", "confirmed", "claimed")
#: what a level falls back to, in order, when its demand is not met (at an earlier moment)
FALLBACK = {"disputed": ("confirmed", "claimed", "reported"), "confirmed": ("claimed", "reported"), "claimed": ("reported",)}
#: the least that each level needs, in words (for the message)
NEEDS = {
    "disputed": "an evidence entry with the stance contradicts",
    "confirmed": "an authority of the event's country among those the evidence attributes it to, or two different publishers",
    "claimed": "an evidence entry attributed to an actor of the event's country or of its actor1 or actor2",
}


def _native(frame: Any) -> Any:
    return nw.from_native(frame, eager_only=True) if not isinstance(frame, nw.DataFrame) else frame


def requirements(events: Any, evidence: Any, sources: Any, actors: Any) -> Any:
    """Per event (``event_id``), booleans ``disputed``, ``confirmed`` and ``claimed``: is that level's demand met?

    The frames are narwhals, pandas or polars frames; the answer is a
    narwhals frame with one row per event.
    """
    events, evidence, sources, actors = (_native(f) for f in (events, evidence, sources, actors))
    kind = nw.String
    ev = evidence.select(
        nw.col("event_id").cast(kind), nw.col("source_id").cast(kind), nw.col("attributed_to").cast(kind),
        stance=nw.col("stance").cast(kind).fill_null("supports"),
    )
    who = actors.select(
        _actor=nw.col("actor_id").cast(kind), _country=nw.col("country_iso3").cast(kind), _type=nw.col("actor_type").cast(kind)
    )
    place = events.select(nw.col("event_id").cast(kind), nw.col("country_iso3").cast(kind), nw.col("actor1_id").cast(kind), nw.col("actor2_id").cast(kind))
    place = (
        place.join(who.select(actor1_id="_actor", _c1="_country"), on="actor1_id", how="left")
        .join(who.select(actor2_id="_actor", _c2="_country"), on="actor2_id", how="left")
        .select("event_id", "country_iso3", "_c1", "_c2")
    )
    disputed = ev.filter(nw.col("stance") == "contradicts").select("event_id").unique()
    supports = ev.filter(nw.col("stance") != "contradicts")
    publishers = (
        supports.join(sources.select(nw.col("source_id").cast(kind), _publisher=nw.col("publisher").cast(kind)), on="source_id", how="inner")
        .filter(~nw.col("_publisher").is_null())
        .select("event_id", "_publisher").unique()
        .group_by("event_id").agg(nw.len().alias("_publishers"))
        .filter(nw.col("_publishers") >= 2)
        .select("event_id")
    )
    attributed = supports.join(who, left_on="attributed_to", right_on="_actor", how="inner").join(place, on="event_id", how="inner")
    authority = attributed.filter(nw.col("_type").is_in(AUTHORITIES) & (nw.col("_country") == nw.col("country_iso3")).fill_null(False))
    stake = attributed.filter(
        ((nw.col("_country") == nw.col("country_iso3")).fill_null(False))
        | ((nw.col("_country") == nw.col("_c1")).fill_null(False))
        | ((nw.col("_country") == nw.col("_c2")).fill_null(False))
    )
    confirmed = nw.concat([publishers, authority.select("event_id")]).unique()
    out = events.select(nw.col("event_id").cast(kind)).unique()
    for name, met in (("disputed", disputed), ("confirmed", confirmed), ("claimed", stake.select("event_id").unique())):
        out = out.join(met.with_columns(nw.lit(True).alias(name)), on="event_id", how="left").with_columns(nw.col(name).fill_null(False))
    return out


def rejudge(recorded: str | None, met: dict[str, bool]) -> str | None:
    """The level an event recorded as ``recorded`` has when only the evidence behind ``met`` is known.

    A level whose demand is met (or that demands nothing) stands; otherwise
    the first of its fallbacks whose demand is met.
    """
    if recorded not in DEMANDING or met.get(recorded):
        return recorded
    return next(level for level in FALLBACK[recorded] if level not in DEMANDING or met.get(level))


def _unmet(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    # only the events at a level that asks something of the evidence, and only their evidence, are judged
    rows = frame.select("_row", nw.col("event_id").cast(nw.String), _level=nw.col("verification").cast(nw.String)).filter(nw.col("_level").is_in(DEMANDING))
    evidence = related["evidence"].with_columns(nw.col("event_id").cast(nw.String)).join(rows.select("event_id").unique(), on="event_id", how="semi")
    asking = frame.select(nw.col("event_id").cast(nw.String), "country_iso3", "actor1_id", "actor2_id").join(
        rows.select("event_id").unique(), on="event_id", how="semi")
    met = requirements(asking, evidence, related["sources"], related["actors"])
    rows = rows.join(met, on="event_id", how="left")
    broken = nw.lit(False)
    for level in DEMANDING:
        broken = broken | ((nw.col("_level") == level) & ~nw.col(level).fill_null(False)).fill_null(False)
    return {"verification": rows.filter(broken).select("_row", _bad=nw.col("_level"))}


register(Rule(
    "verification", "reference", "the verification level is one the evidence supports: " + "; ".join(f"{k} needs {v}" for k, v in NEEDS.items()),
    "choose the level the evidence supports (reported asks nothing), or add the evidence the level needs",
    "event {event_id} is {level}, which needs {needs}",
    tables=("events",), needs=("evidence", "sources", "actors"), check=_unmet, spark=False,
    reads={"events": ("event_id", "country_iso3", "actor1_id", "actor2_id", "verification"),
           "evidence": ("event_id", "source_id", "attributed_to", "stance"), "sources": ("source_id", "publisher"),
           "actors": ("actor_id", "country_iso3", "actor_type")},
    extra=lambda row, table: {"level": row.get("_bad") or row.get("verification"), "needs": NEEDS.get(str(row.get("_bad") or row.get("verification")), "?")},
))


def _kind(frame: Any, related: dict[str, Any], table: str) -> dict[str, Any]:
    sources = related["sources"].select(
        nw.col("source_id").cast(nw.String), _type=nw.col("source_type").cast(nw.String), _archived=~nw.col("archived_sha256").is_null()
    ).unique("source_id", keep="any")
    rows = frame.select("_row", nw.col("source_id").cast(nw.String), "quote", "claim")
    neither = rows.filter(nw.col("quote").is_null() & nw.col("claim").is_null()).select("_row", _bad=nw.lit("has neither a quote nor a claim"))
    both = rows.filter(~nw.col("quote").is_null() & ~nw.col("claim").is_null()).select("_row", _bad=nw.lit("has both a quote and a claim"))
    cited = (
        rows.filter(~nw.col("quote").is_null())
        .join(sources, on="source_id", how="inner")
        .filter(~nw.col("_archived") & (nw.col("_type") != "dataset").fill_null(True))
        .select("_row", _bad=nw.lit("quotes a source that is neither archived nor a dataset row; restate its claim in our own words instead"))
    )
    return {"quote": nw.concat([neither, both, cited]).unique("_row", keep="any")}


register(Rule(
    "evidence-kind", "reference",
    "an evidence entry has exactly one of quote and claim, and a quote comes from an archived source or a dataset row",
    "give a verbatim quote of an archived text (or a dataset row), or a claim in our own words for a cited report, not both",
    "the evidence of {event_id} from {source_id} {why}",
    tables=("evidence",), needs=("sources",), check=_kind, spark=False,
    reads={"evidence": ("source_id", "quote", "claim"), "sources": ("source_id", "source_type", "archived_sha256")},
    extra=lambda row, table: {"why": row.get("_bad") or "breaks the rule"},
))

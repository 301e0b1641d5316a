"""When a report became known: the one ordering of casualty reports and sources.

A time stamped to the minute or hour (``as_of``, ``published``) is known from
that moment. A time known only to the day is known from the END of that day
(UTC), so that nothing reported later that day leaks into an earlier moment.
The latest casualty report of an event is the last by that moment, then by
``source_id`` (then by ``as_of`` itself, so that no two reports tie).

Everything that picks the latest report or asks "was this known at T?"
(the build, the ``casualties-not-latest`` rule, the validator's derived
columns, the hypothesis strategies, ``load(known_at=...)``) uses this module:
:func:`known_moment` for scalars (records, dicts), :func:`known_moment_expr`
and :func:`latest_reports` for frames (pandas or polars, through narwhals).
The two forms are tested to agree.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import narwhals as nw

#: time_precision code -> how long after the written value it becomes known
DELAY = {"minute": _dt.timedelta(0), "hour": _dt.timedelta(0), "day": _dt.timedelta(days=1)}
#: the offset of DELAY["day"] as polars/narwhals writes it
_DAY_OFFSET = "1d"
UTC = _dt.timezone.utc
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def moment(value: Any) -> _dt.datetime | None:
    """A date, a date-time or their ISO 8601 text as an aware UTC date-time (a date is its midnight, no zone is UTC)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        if value is getattr(__import__("pandas"), "NaT"):
            return None
        value = value.to_pydatetime()
    if isinstance(value, str):
        text = value.strip().replace(" ", "T")
        try:
            value = _dt.date.fromisoformat(text) if _DATE.match(text) else _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def known_moment(value: Any, precision: Any) -> _dt.datetime | None:
    """The moment a time stamp with its precision became known (the end of its day for ``day``, or an unknown precision)."""
    at = moment(value)
    if at is None:
        return None
    return at + DELAY.get(str(precision), DELAY["day"])


def known_at(value: Any) -> _dt.datetime:
    """A ``known_at`` argument as a moment: a date means the end of that day (UTC); a date-time without a zone is UTC."""
    is_date = isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
    if isinstance(value, str) and _DATE.match(value.strip()):
        is_date = True
    at = moment(value)
    if at is None:
        raise ValueError(f"known_at must be a date or a date-time (ISO 8601), got {value!r}")
    return at + DELAY["day"] if is_date else at


def report_key(report: dict[str, Any]) -> tuple:
    """The sort key of one casualty report (a dict of raw or typed cells): its known moment, then source_id."""
    lowest = _dt.datetime.min.replace(tzinfo=UTC)
    at = known_moment(report.get("as_of"), report.get("as_of_precision"))
    return (at is not None, at or lowest, str(report.get("source_id")), moment(report.get("as_of")) or lowest)


def latest_report(reports: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The report whose figures an event carries (see :func:`report_key`)."""
    return max(reports, key=report_key) if reports else None


def known_moment_expr(value: str = "as_of", precision: str = "as_of_precision") -> Any:
    """A narwhals expression: the moment a typed date-time column with its precision column became known."""
    column = nw.col(value)
    exact = [code for code, delay in DELAY.items() if not delay]
    return nw.when(nw.col(precision).is_in(exact).fill_null(False)).then(column).otherwise(column.dt.offset_by(_DAY_OFFSET))


def latest_reports(reports: Any) -> Any:
    """The latest report of each event (a pandas or polars frame in, the same kind out, one row per event_id)."""
    frame = nw.from_native(reports, eager_only=True)
    ordered = (
        frame.filter(~nw.col("event_id").is_null())
        .with_columns(_known=known_moment_expr())
        .sort(["event_id", "_known", "source_id", "as_of"], nulls_last=False)
    )
    latest = ordered.filter(nw.col("event_id").is_last_distinct()).drop("_known")
    return latest.to_native()

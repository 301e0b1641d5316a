"""The offline HTML report: one self-contained page with a timeline, a map, casualty figures over time and coverage.

Every chart is SVG drawn here, on the server side, so the page needs no
script, no font, no stylesheet and no tile from anywhere: a
Content-Security-Policy of ``default-src 'none'`` (inline styles aside)
makes the browser refuse any request the page might make. Every text from
the data is escaped. The page holds no timestamp: the same release gives
the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from conflict_events._report.outlines import SOURCE as OUTLINES_SOURCE
from conflict_events._report.outlines import outlines

TABLES = ("events", "actors", "sources", "evidence", "casualties", "equipment")
#: Okabe-Ito's colour-blind-safe colours (with wine and grey), in the order of the event-type vocabulary.
PALETTE = ("#009E73", "#D55E00", "#E69F00", "#882255", "#0072B2", "#56B4E9", "#CC79A7", "#6B6B6B",
           "#117733", "#332288", "#AA4499", "#44AA99")
#: Date precisions whose window is only a bound on when the event happened: drawn pale.
VAGUE_PRECISIONS = ("week", "month", "year")
SERIES = (("killed", "#B2182B"), ("injured", "#E08214"), ("missing", "#2166AC"))
WIDTH = 960
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def render(version: str | None = None) -> str:
    """The report of a release (the latest when ``version`` is None) as one HTML page."""
    import conflict_events as ce

    events = ce.load("events", version=version)
    version = events.attrs["version"]
    frames = {"events": events, **{table: ce.load(table, version=version) for table in TABLES if table != "events"}}
    return render_frames(frames, version=version, fingerprint=events.attrs["fingerprint"], citation=ce.cite(version))


def write(output: str | os.PathLike[str], version: str | None = None) -> Path:
    """Write the report of a release to ``output``, atomically; return the path."""
    output = Path(output)
    write_text(output, render(version))
    return output


def write_text(output: Path, text: str) -> None:
    """Write ``text`` to ``output`` through a temporary file and a rename, with the mode the umask gives a new file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    try:  # Linux says it without changing it
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def render_frames(frames: Mapping[str, pd.DataFrame], *, version: str, fingerprint: str, citation: str) -> str:
    """The page for a dataset given as frames (``events``, ``sources`` and ``casualties`` at least, as ``load()`` returns them)."""
    events, sources, casualties = frames["events"], frames["sources"], frames["casualties"]
    colours = _colours(events["event_type"])
    counts = " · ".join(f"{esc(name)} {len(frame)}" for name, frame in frames.items())
    body = [
        "<header>",
        f"<h1>conflict-events <span class=version>{esc(version)}</span></h1>",
        f"<p class=lede>Rows: {counts}</p>",
        f"<dl><dt>Version</dt><dd>{esc(version)}</dd><dt>Fingerprint</dt><dd><code>{esc(fingerprint)}</code></dd></dl>",
        f"<h2>How to cite</h2><blockquote class=cite>{esc(citation)}</blockquote>",
        f"<p>Load this exact release in Python: <code>conflict_events.load(version=\"{esc(version)}\")</code></p>",
        "</header>",
        "<section id=timeline><h2>Timeline</h2>",
        ("<p class=note>Each bar runs from the first to the last day an event may have taken place. "
         "A pale bar is a window that bounds an event known only to the week, month or year.</p>"),
        _legend([(_label(t), colours[t]) for t in _present(events["event_type"])]),
        timeline(events, colours),
        "</section>",
        "<section id=map><h2>Map of geolocated events</h2>",
        event_map(events, colours),
        "</section>",
        "<section id=casualties><h2>Casualty figures over time</h2>",
        casualty_charts(casualties, events, frames.get("actors")),
        "</section>",
        "<section id=coverage><h2>Coverage</h2>",
        coverage(events, sources, colours),
        "</section>",
        "<section id=events><h2>Events</h2>",
        event_table(events),
        "</section>",
        f"<footer>Made by <code>conflict-events report</code>. Map outlines: {esc(OUTLINES_SOURCE)}.</footer>",
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        "<html lang=en>",
        "<head>",
        "<meta charset=utf-8>",
        f"<meta http-equiv=Content-Security-Policy content=\"{CSP}\">",
        "<meta name=viewport content=\"width=device-width, initial-scale=1\">",
        f"<title>conflict-events {esc(version)}: report</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
        "",
    ])


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:#222;background:#fff;
 max-width:1000px;margin:0 auto;padding:24px 20px 48px;line-height:1.45;font-size:15px}
h1{font-size:26px;margin:0 0 4px}h1 .version{color:#666;font-weight:400}
h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:0 0 4px}
header h2{font-size:15px;border:0;margin:16px 0 4px}
.lede{color:#555;margin:0 0 12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dt{color:#666}dd{margin:0;overflow-wrap:anywhere}
code{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:13px;background:#f4f4f4;padding:1px 4px;border-radius:3px}
blockquote.cite{margin:0;padding:8px 12px;background:#f7f7f4;border-left:3px solid #bbb;overflow-wrap:anywhere}
.note{color:#555;font-size:13px;margin:4px 0 8px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;margin:4px 0 8px}
.legend span{display:inline-flex;align-items:center;gap:6px}.legend i{width:12px;height:12px;border-radius:2px;display:inline-block}
svg{display:block;max-width:100%;height:auto}svg text{font-family:inherit}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(310px,1fr));gap:16px}
figure{margin:0 0 16px}figcaption{font-size:13px;color:#555}
.card{border:1px solid #e3e3e3;border-radius:6px;padding:10px;display:flex;flex-wrap:wrap;gap:8px 20px;align-items:flex-start}
.card h3{flex-basis:100%}.card table{flex:1;min-width:280px;width:auto}.stack{display:grid;gap:16px}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eee;vertical-align:top}
th{color:#555;font-weight:600}td.date{white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.stat{font-size:28px;font-weight:600}
footer{margin-top:40px;color:#777;font-size:12px}
"""


# ---------------------------------------------------------------- helpers


def esc(value: Any) -> str:
    """Text for HTML and inline SVG: ``&``, ``<``, ``>`` and both quotes escaped; a missing value is empty."""
    return "" if _missing(value) else html.escape(str(value), quote=True)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, tuple, str)) and bool(pd.isna(value)))


def _label(code: Any) -> str:
    return str(code).replace("_", " ")


def _present(column: pd.Series) -> list[Any]:
    """The values that occur in a column, in vocabulary order for a categorical, else sorted."""
    found = set(column.dropna())
    order = list(column.cat.categories) if isinstance(column.dtype, pd.CategoricalDtype) else sorted(found, key=str)
    return [value for value in order if value in found]


def _colours(column: pd.Series) -> dict[Any, str]:
    """A colour per event type, fixed by its place in the vocabulary so that it stays the same across releases."""
    order = list(column.cat.categories) if isinstance(column.dtype, pd.CategoricalDtype) else sorted(set(column.dropna()), key=str)
    return {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(order)}


def _legend(items: Iterable[tuple[str, str]]) -> str:
    return "<div class=legend>" + "".join(f"<span><i style=\"background:{c}\"></i>{esc(t)}</span>" for t, c in items) + "</div>"


def _day(value: Any) -> float:
    """A date or date-time as a number of days (proleptic Gregorian ordinal, with the time as a fraction)."""
    stamp = pd.Timestamp(value)
    return stamp.toordinal() + (stamp.hour * 3600 + stamp.minute * 60 + stamp.second) / 86400


def _date(value: Any) -> str:
    if _missing(value):
        return ""
    stamp = pd.Timestamp(value)
    if (stamp.hour, stamp.minute) == (0, 0):
        return f"{stamp:%Y-%m-%d}"
    return f"{stamp:%Y-%m-%d %H:%M}" + (" UTC" if stamp.tzinfo is not None else "")


def _number(value: Any) -> str:
    return "–" if _missing(value) else f"{int(value):,}"


def _svg(width: float, height: float, content: Iterable[str], label: str) -> str:
    return (f"<svg viewBox=\"0 0 {width:g} {height:g}\" width=\"{width:g}\" height=\"{height:g}\" "
            f"role=img aria-label=\"{esc(label)}\">" + "".join(content) + "</svg>")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


def _time_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Tick positions (in days) and labels between two days: months when the span is long, days when short."""
    first, last = _dt.date.fromordinal(math.floor(low)), _dt.date.fromordinal(math.ceil(high))
    span = high - low
    if span > 62:
        step = next(s for s in (1, 2, 3, 6, 12, 24, 60) if span / (30.4 * s) <= 12)
        month = first.year * 12 + first.month  # the first of the month after `first`
        ticks = []
        while True:
            year, index = divmod(month, 12)
            day = _dt.date(year, index + 1, 1)
            if day > last:
                break
            if (index % step) == 0:
                ticks.append((float(day.toordinal()), f"{day:%b %Y}" if index == 0 or not ticks else f"{day:%b}"))
            month += 1
        return ticks
    step = next(s for s in (1, 2, 7, 14, 28) if span / s <= 12)
    day = first + _dt.timedelta(days=(-first.weekday()) % 7 if step >= 7 else 0)
    ticks = []
    while day <= last:
        ticks.append((float(day.toordinal()), f"{day.day} {day:%b %Y}" if not ticks else f"{day.day} {day:%b}"))
        day += _dt.timedelta(days=step)
    return ticks


# ---------------------------------------------------------------- timeline


def timeline(events: pd.DataFrame, colours: Mapping[Any, str]) -> str:
    """Events as bars from start to end date, in one lane per type; events that do not overlap share a row."""
    events = events.dropna(subset=["start_date", "end_date"])
    if events.empty:
        return "<p class=note>No event has dates.</p>"
    labelled = len(events) <= 60
    left, right, row_height, top = 130, WIDTH - (72 if labelled else 20), 18, 8
    low = _day(events["start_date"].min())
    high = _day(events["end_date"].max()) + 1
    pad = max((high - low) * 0.02, 1)
    low, high = low - pad, high + pad

    def x(day: float) -> float:
        return left + (day - low) / (high - low) * (right - left)

    parts: list[str] = []
    rows = 0
    for event_type in _present(events["event_type"]):
        lane = events[events["event_type"] == event_type].sort_values(["start_date", "end_date", "event_id"])
        ends: list[float] = []  # the right edge (with its label) of the last mark in each row of this lane
        marks = []
        for event in lane.itertuples(index=False):
            x0, x1 = x(_day(event.start_date)), x(_day(event.end_date) + 1)
            reach = max(x1, x0 + 8) + (62 if labelled else 2)
            row = next((i for i, end in enumerate(ends) if end < x0 - 2), None)
            if row is None:
                ends.append(reach)
                row = len(ends) - 1
            else:
                ends[row] = reach
            marks.append((row, x0, x1, event))
        lane_top = top + rows * row_height
        if rows:
            parts.append(f"<line x1=0 x2={right} y1={lane_top - 1} y2={lane_top - 1} stroke=#eee />")
        parts.append(f"<text x=0 y={lane_top + 13} font-size=13 fill=#333>{esc(_label(event_type))}</text>")
        for row, x0, x1, event in marks:
            y = lane_top + row * row_height + 4
            colour = colours[event_type]
            vague = str(event.date_precision) in VAGUE_PRECISIONS
            title = (f"{event.event_id} · {_label(event.event_type)}"
                     + (f" ({_label(event.event_subtype)})" if not _missing(event.event_subtype) else "")
                     + f" · {_date(event.start_date)} to {_date(event.end_date)} ({event.date_precision})"
                     + f" · {event.country_iso3}" + (f" · {event.summary}" if not _missing(event.summary) else ""))
            if x1 - x0 < 6:
                shape = (f"<circle class=mark cx={(x0 + x1) / 2:.1f} cy={y + 5} r=5 fill=\"{colour}\""
                         f" fill-opacity={0.35 if vague else 0.9} stroke=\"{colour}\" />")
                end = (x0 + x1) / 2 + 5
            else:
                shape = (f"<rect class=mark x={x0:.1f} y={y} width={x1 - x0:.1f} height=10 rx=2 fill=\"{colour}\""
                         f" fill-opacity={0.3 if vague else 0.9} stroke=\"{colour}\" />")
                end = x1
            label = f"<text x={end + 4:.1f} y={y + 9} font-size=11 fill=#555>{esc(event.event_id)}</text>" if labelled else ""
            parts.append(f"<g><title>{esc(title)}</title>{shape}{label}</g>")
        rows += len(ends)
    height = top + rows * row_height + 30
    axis = [f"<line x1={left} x2={right} y1={height - 26} y2={height - 26} stroke=#999 />"]
    for day, text in _time_ticks(low, high):
        axis.append(f"<line x1={x(day):.1f} x2={x(day):.1f} y1={top} y2={height - 22} stroke=#ddd stroke-dasharray=2,3 />"
                    f"<text x={x(day):.1f} y={height - 8} font-size=11 fill=#555 text-anchor=middle>{esc(text)}</text>")
    return _svg(WIDTH, height, [*axis, *parts], "Timeline of events by type")


# ---------------------------------------------------------------- map


def event_map(events: pd.DataFrame, colours: Mapping[Any, str]) -> str:
    """The geolocated events as points on the bundled country outlines, in an equirectangular projection."""
    located = events.dropna(subset=["latitude", "longitude"])
    share = f"{len(located)} of {len(events)} events are geolocated"
    if located.empty:
        return f"<p class=note>{share}: there is nothing to map.</p>"
    width, height = WIDTH, 440
    lats, lons = located["latitude"].astype(float), located["longitude"].astype(float)
    mid_lat, mid_lon = (lats.min() + lats.max()) / 2, (lons.min() + lons.max()) / 2
    cos = max(math.cos(math.radians(mid_lat)), 0.2)
    lat_span = max(lats.max() - lats.min() + 4, 14.0)
    lon_span = max(lons.max() - lons.min() + 6, 14.0 / cos)
    k = min(width / (lon_span * cos), height / lat_span)  # pixels per degree of latitude
    west, east = mid_lon - width / 2 / (k * cos), mid_lon + width / 2 / (k * cos)
    south, north = mid_lat - height / 2 / k, mid_lat + height / 2 / k

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * k * cos, (north - lat) * k

    land = []
    for country in outlines().values():
        for polygon in country["polygons"]:
            outer = polygon[0]
            if (max(p[0] for p in outer) < west or min(p[0] for p in outer) > east
                    or max(p[1] for p in outer) < south or min(p[1] for p in outer) > north):
                continue
            path = "".join("M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in (project(*p) for p in ring)) + "Z" for ring in polygon)
            land.append(f"<path d=\"{path}\" />")
    grid = []
    for lat in range(math.ceil(south / 5) * 5, math.floor(north) + 1, 5):
        y = project(west, lat)[1]
        grid.append(f"<line x1=0 x2={width} y1={y:.1f} y2={y:.1f} /><text x=4 y={y - 3:.1f}>{lat}°{'N' if lat >= 0 else 'S'}</text>")
    for lon in range(math.ceil(west / 5) * 5, math.floor(east) + 1, 5):
        x = project(lon, south)[0]
        grid.append(f"<line x1={x:.1f} x2={x:.1f} y1=0 y2={height} /><text x={x + 3:.1f} y={height - 4}>{lon}°{'E' if lon >= 0 else 'W'}</text>")
    points = []
    labelled = len(located) <= 12  # more labels would overlap; each point has its tooltip
    for event in located.sort_values("event_id").itertuples(index=False):
        px, py = project(float(event.longitude), float(event.latitude))
        name = " · ".join(esc(v) for v in (event.event_id, event.location) if not _missing(v))
        title = (f"{event.event_id} · {_label(event.event_type)} · {_date(event.start_date)} to {_date(event.end_date)} · "
                 f"{event.latitude:.4f}, {event.longitude:.4f} ({event.geo_precision})"
                 + (f" · {event.summary}" if not _missing(event.summary) else ""))
        label = (f"<text x={px + 9:.1f} y={py + 4:.1f} font-size=13 fill=#222 stroke=#fff stroke-width=3 paint-order=stroke>"
                 f"{name}</text>") if labelled else ""
        points.append(f"<g><title>{esc(title)}</title><circle class=mark cx={px:.1f} cy={py:.1f} r=6 "
                      f"fill=\"{colours.get(event.event_type, '#999')}\" stroke=#fff stroke-width=1.5 />{label}</g>")
    svg = _svg(width, height, [
        f"<rect width={width} height={height} fill=#e8f0f6 />",
        f"<g fill=#f5f2ea stroke=#a59f91 stroke-width=0.8 stroke-linejoin=round>{''.join(land)}</g>",
        f"<g stroke=#000 stroke-opacity=0.08 font-size=10 fill=#667>{''.join(grid)}</g>",
        *points,
    ], "Map of geolocated events")
    return (f"<figure>{svg}<figcaption>{share} ({len(located) / len(events):.0%}); the others are located only to a "
            "region or a country and are not drawn. Equirectangular projection. Outlines: Natural Earth 1:110m, whose "
            "default boundaries show where a government has control, not what is recognised: they draw Crimea "
            "within Russia.</figcaption></figure>")


# ---------------------------------------------------------------- casualties


def casualty_charts(casualties: pd.DataFrame, events: pd.DataFrame, actors: pd.DataFrame | None = None) -> str:
    """One small chart per event with casualty reports: killed (best, with its low–high range), injured and missing by report date."""
    if casualties.empty:
        return "<p class=note>No casualty report in this release.</p>"
    described = events.set_index("event_id")
    names = {} if actors is None else dict(zip(actors["actor_id"], actors["name"]))
    cards = []
    for event_id, reports in casualties.sort_values(["event_id", "as_of"]).groupby("event_id", sort=True):
        reports = reports.reset_index(drop=True)
        heading = esc(event_id)
        if event_id in described.index:
            event = described.loc[event_id]
            heading += " · " + " · ".join(esc(v) for v in (_label(event["event_type"]), event["location"], event["country_iso3"]) if not _missing(v))
        rows = "".join(
            f"<tr><td class=date>{esc(_date(r.as_of))}</td><td class=n>{_killed(r)}</td><td class=n>{_number(r.injured)}</td>"
            f"<td class=n>{_number(r.missing)}</td><td>{esc(names.get(r.reported_by, r.reported_by))}</td></tr>" for r in reports.itertuples(index=False))
        table = ("<table><tr><th>as of</th><th class=n>killed</th><th class=n>injured</th><th class=n>missing</th>"
                 f"<th>reported by</th></tr>{rows}</table>")
        cards.append(f"<figure class=card><h3>{heading}</h3>{_casualty_chart(reports, str(event_id))}{table}</figure>")
    return (_legend([(name, colour) for name, colour in SERIES])
            + "<p class=note>One chart per event with casualty reports: each report's figures on the day it was made; "
              "a pale bar is the low–high range of the killed.</p><div class=stack>" + "".join(cards) + "</div>")


def _killed(report: Any) -> str:
    best = _number(report.killed_best)
    low, high = report.killed_low, report.killed_high
    if _missing(low) and _missing(high):
        return best
    if _missing(low):
        return f"{best} (≤{_number(high)})"
    if _missing(high):
        return f"{best} (≥{_number(low)})"
    return f"{best} ({_number(low)}–{_number(high)})"


def _casualty_chart(reports: pd.DataFrame, event_id: str) -> str:
    width, height, left, right, top, bottom = 440, 180, 40, 430, 12, 156
    values = [reports[c] for c in ("killed_low", "killed_best", "killed_high", "injured", "missing")]
    top_value = _nice_max(max([int(v) for column in values for v in column.dropna()] or [0]))
    days = [_day(v) for v in reports["as_of"]]
    low, high = min(days), max(days)
    if high - low < 1:
        low, high = low - 1, high + 1

    def x(day: float) -> float:
        return left + 10 + (day - low) / (high - low) * (right - left - 20)

    def y(value: float) -> float:
        return bottom - value / top_value * (bottom - top)

    parts = [f"<line x1={left} x2={right} y1={bottom} y2={bottom} stroke=#999 />"]
    for fraction in (0, 0.5, 1):
        value = top_value * fraction
        parts.append(f"<line x1={left} x2={right} y1={y(value):.1f} y2={y(value):.1f} stroke=#eee />"
                     f"<text x={left - 4} y={y(value) + 4:.1f} font-size=10 fill=#666 text-anchor=end>{value:g}</text>")
    first, last = reports["as_of"].iloc[0], reports["as_of"].iloc[-1]
    ticks = [(days[0], first, "middle")] if days[0] == days[-1] else [(days[0], first, "start"), (days[-1], last, "end")]
    for day, when, anchor in ticks:  # the first and the last report; the table gives every date
        parts.append(f"<line x1={x(day):.1f} x2={x(day):.1f} y1={bottom} y2={bottom + 4} stroke=#999 />"
                     f"<text x={x(day) + {'start': -6, 'end': 6}.get(anchor, 0):.1f} y={bottom + 16} font-size=11 fill=#555 "
                     f"text-anchor={anchor}>{esc(_date(when))}</text>")
    for shift, (name, colour) in zip((-5, 0, 5), SERIES):  # dodged, so that equal figures stay apart
        column = "killed_best" if name == "killed" else name
        points = [(x(d) + shift, y(int(v)), int(v), r) for d, v, r in zip(days, reports[column], reports.itertuples(index=False)) if not _missing(v)]
        if name == "killed":  # the low–high range of each report, where it gives one
            for d, r in zip(days, reports.itertuples(index=False)):
                if not (_missing(r.killed_low) and _missing(r.killed_high)):
                    lo = r.killed_low if not _missing(r.killed_low) else r.killed_best
                    hi = r.killed_high if not _missing(r.killed_high) else r.killed_best
                    if not (_missing(lo) or _missing(hi)):
                        parts.append(f"<line x1={x(d) + shift:.1f} x2={x(d) + shift:.1f} y1={y(int(lo)):.1f} y2={y(int(hi)):.1f} "
                                     f"stroke=\"{colour}\" stroke-width=6 stroke-opacity=0.25 />")
        if len(points) > 1:
            parts.append(f"<polyline fill=none stroke=\"{colour}\" stroke-width=2 points=\""
                         + " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points) + "\" />")
        for px, py, value, report in points:
            title = f"{event_id} · {name} {value:,} as of {_date(report.as_of)}" + (
                f" · reported by {report.reported_by}" if not _missing(report.reported_by) else "")
            parts.append(f"<g><title>{esc(title)}</title><circle class=mark cx={px:.1f} cy={py:.1f} r=4 fill=\"{colour}\" /></g>")
    return _svg(width, height, parts, f"Casualty figures of {event_id} over time")


# ---------------------------------------------------------------- coverage


def coverage(events: pd.DataFrame, sources: pd.DataFrame, colours: Mapping[Any, str]) -> str:
    """Events by type, country and month; sources by publisher; the share of events that are geolocated."""
    by_type = [(_label(t), int((events["event_type"] == t).sum()), colours[t]) for t in _present(events["event_type"])]
    countries = Counter(events["country_iso3"].dropna())
    by_country = [(f"{code} {_country_name(code)}".strip(), n, "#4C78A8") for code, n in sorted(countries.items(), key=lambda i: (-i[1], i[0]))]
    publishers = Counter("unknown" if _missing(p) else str(p) for p in sources["publisher"]) if "publisher" in sources else Counter()
    by_publisher = [(name, n, "#72B7B2") for name, n in sorted(publishers.items(), key=lambda i: (-i[1], i[0]))]
    located = int(events[["latitude", "longitude"]].notna().all(axis=1).sum())
    share = located / len(events) if len(events) else 0.0
    gauge = _svg(300, 22, ["<rect width=300 height=14 y=4 rx=3 fill=#eee />",
                           f"<rect class=mark width={300 * share:.1f} height=14 y=4 rx=3 fill=#4C78A8 />"], "Share geolocated")
    return "".join([
        "<div class=grid>",
        f"<figure><h3>Events by type</h3>{_bars(by_type, 'Events by type')}</figure>",
        f"<figure><h3>Events by country</h3>{_bars(by_country, 'Events by country')}</figure>",
        f"<figure><h3>Sources by publisher</h3>{_bars(by_publisher, 'Sources by publisher')}</figure>",
        (f"<figure><h3>Geolocated</h3><div class=stat>{share:.0%}</div>{gauge}"
         f"<figcaption>{located} of {len(events)} events have coordinates</figcaption></figure>"),
        "</div>",
        f"<figure><h3>Events by month they began</h3>{_months(events)}</figure>",
    ])


def _country_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_3=str(code))
    return getattr(country, "common_name", None) or (country.name if country else "")


def _bars(items: list[tuple[str, int, str]], label: str) -> str:
    if not items:
        return "<p class=note>None.</p>"
    width, left, row = 300, 150, 22
    top_value = max(n for _, n, _ in items)
    parts = []
    for i, (name, n, colour) in enumerate(items):
        y = i * row
        shown = name if len(name) <= 21 else name[:20] + "…"
        length = max(n / top_value * (width - left - 40), 1)
        parts.append(f"<g><title>{esc(name)}: {n}</title><text x={left - 6} y={y + 15} font-size=12 fill=#333 text-anchor=end>{esc(shown)}</text>"
                     f"<rect class=mark x={left} y={y + 4} width={length:.1f} height=14 rx=2 fill=\"{colour}\" />"
                     f"<text x={left + length + 5:.1f} y={y + 15} font-size=12 fill=#555>{n}</text></g>")
    return _svg(width, len(items) * row + 4, parts, label)


def _months(events: pd.DataFrame) -> str:
    starts = events["start_date"].dropna()
    if starts.empty:
        return "<p class=note>No event has a start date.</p>"
    counts = Counter((d.year, d.month) for d in starts)
    first, last = min(counts), max(counts)
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    width, height, left, bottom = WIDTH, 170, 30, 140
    column = (width - left - 10) / len(months)
    top_value = _nice_max(max(counts.values()))
    parts = [f"<line x1={left} x2={width - 10} y1={bottom} y2={bottom} stroke=#999 />"]
    for fraction in (0.5, 1):
        y = bottom - fraction * (bottom - 10)
        parts.append(f"<line x1={left} x2={width - 10} y1={y:.1f} y2={y:.1f} stroke=#eee />"
                     f"<text x={left - 4} y={y + 4:.1f} font-size=10 fill=#666 text-anchor=end>{top_value * fraction:g}</text>")
    every = max(1, math.ceil(len(months) / 16))
    for i, (year, month) in enumerate(months):
        n = counts.get((year, month), 0)
        x = left + i * column
        bar = n / top_value * (bottom - 10)
        name = _dt.date(year, month, 1)
        parts.append(f"<g><title>{name:%B %Y}: {n} event(s)</title>"
                     f"<rect class=mark x={x + column * 0.15:.1f} y={bottom - bar:.1f} width={column * 0.7:.1f} height={bar:.1f} fill=#4C78A8 />"
                     + (f"<text x={x + column / 2:.1f} y={bottom - bar - 3:.1f} font-size=10 fill=#555 text-anchor=middle>{n}</text>" if n else "")
                     + "</g>")
        if i % every == 0:
            text = f"{name:%b %Y}" if month == 1 or i == 0 else f"{name:%b}"
            parts.append(f"<text x={x + column / 2:.1f} y={bottom + 14} font-size=10 fill=#555 text-anchor=middle>{text}</text>")
    return _svg(width, height, parts, "Events by month they began")


# ---------------------------------------------------------------- events table


def event_table(events: pd.DataFrame) -> str:
    rows = []
    for event in events.sort_values("event_id").itertuples(index=False):
        kind = _label(event.event_type) + (f" ({_label(event.event_subtype)})" if not _missing(event.event_subtype) else "")
        dates = _date(event.start_date) + ("" if event.end_date == event.start_date else f" to {_date(event.end_date)}")
        place = ", ".join(str(v) for v in (event.location, event.country_iso3) if not _missing(v))
        rows.append(f"<tr><td><code>{esc(event.event_id)}</code></td><td>{esc(kind)}</td><td class=date>{esc(dates)}<br>"
                    f"<small>{esc(event.date_precision)}</small></td><td>{esc(place)}</td>"
                    f"<td class=n>{_number(event.fatalities_best)}</td><td>{esc(event.verification)}</td><td>{esc(event.summary)}</td></tr>")
    return ("<table><tr><th>event</th><th>type</th><th>dates</th><th>place</th><th class=n>killed</th><th>verification</th>"
            "<th>summary</th></tr>" + "".join(rows) + "</table>")

"""The country outlines the report's map is drawn on, shipped as package data.

``outlines.json`` holds Natural Earth's 1:110m admin-0 countries (version
4.1.0, public domain), as redistributed in TopoJSON by the npm package
``world-atlas`` 2.0.2 (``countries-110m.json``, ISC licence), turned into
plain lon/lat rings rounded to 0.01 degree and keyed by ISO 3166-1 alpha-3
(or by the name, for the few areas Natural Earth gives no ISO code). To
remake it::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m conflict_events._report.outlines package/countries-110m.json
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

OUTLINES_PATH = Path(__file__).with_name("outlines.json")
SOURCE = ("Natural Earth 1:110m admin-0 countries, version 4.1.0 (public domain), "
          "from the npm package world-atlas 2.0.2 (countries-110m.json)")

Ring = list[tuple[float, float]]


@lru_cache(maxsize=1)
def outlines() -> dict[str, dict[str, Any]]:
    """``{key: {"name": ..., "polygons": [[outer ring, hole, ...], ...]}}``, each ring a list of (lon, lat)."""
    with open(OUTLINES_PATH, encoding="utf-8") as handle:
        return json.load(handle)["countries"]


def from_topojson(topology: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The countries of a world-atlas TopoJSON as ``{key: {"name", "polygons"}}``."""
    import pycountry

    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:  # quantised and delta-encoded
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * scale_x + shift_x, 2), round(y * scale_y + shift_y, 2)))
        arcs.append(points)

    def ring(indices: list[int]) -> Ring:
        points: Ring = []
        for k, index in enumerate(indices):
            part = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(part if k == 0 else part[1:])
        return [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]

    countries: dict[str, dict[str, Any]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = {"Polygon": [geometry.get("arcs", [])], "MultiPolygon": geometry.get("arcs", [])}.get(geometry["type"], [])
        name = geometry["properties"]["name"]
        country = pycountry.countries.get(numeric=geometry["id"]) if geometry.get("id") else None
        key = country.alpha_3 if country else name
        countries[key] = {"name": name, "polygons": [[ring(r) for r in polygon] for polygon in polygons]}
    return countries


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as handle:
        countries = from_topojson(json.load(handle))
    from conflict_events._report.page import write_text

    write_text(OUTLINES_PATH, json.dumps({"source": SOURCE, "countries": dict(sorted(countries.items()))},
                                         separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {len(countries)} countries to {OUTLINES_PATH}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))

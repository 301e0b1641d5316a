"""The offline HTML report: ``conflict-events report -o report.html``.

The unit tests read the page as text. The browser test opens it in Debian's
headless Chromium, driven over the DevTools protocol through a pipe (no
websocket library), and checks that the charts have a size, that the page
asked for nothing but itself and logged no error, and takes a screenshot
(kept at $REPORT_SCREENSHOT when set, as docs/img/report.png was made).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import stat
import struct
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import conflict_events as ce
import conflict_events._report.page as page_module
from conflict_events._report import render, render_frames, write
from conflict_events._report.outlines import from_topojson, outlines
from conflict_events._cli import main

CHROMIUM = "/usr/bin/chromium"
TABLES = ("events", "actors", "sources", "evidence", "casualties", "equipment")


class Parsed(HTMLParser):
    """The tags, attributes, style text and visible text of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def frames(version: str = "1.0.0") -> dict[str, pd.DataFrame]:
    return {table: ce.load(table, version=version) for table in TABLES}


def synthetic_page(data: dict[str, pd.DataFrame]) -> str:
    return render_frames(data, version="9.9.9", fingerprint="sha256:" + "0" * 64, citation="Test citation, https://example.org/x.")


# ---------------------------------------------------------------- the file


def test_write_replaces_the_file_atomically_with_the_umask_mode(tmp_path):
    output = tmp_path / "report.html"
    old = os.umask(0o027)
    try:
        assert write(output, version="1.0.0") == output
    finally:
        os.umask(old)
    assert stat.S_IMODE(output.stat().st_mode) == 0o640
    assert output.read_text(encoding="utf-8") == render("1.0.0")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    output = tmp_path / "report.html"
    output.write_text("the old report", encoding="utf-8")

    def refuse(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(page_module.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write(output, version="1.0.0")
    assert output.read_text(encoding="utf-8") == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_the_command_writes_the_page_of_the_release(tmp_path, capsys):
    output = tmp_path / "out" / "report.html"
    assert main(["report", "--version", "1.0.0", "-o", str(output)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {output}"
    assert output.read_text(encoding="utf-8") == render("1.0.0")  # no timestamp: same release, same bytes


def test_an_unknown_release_is_an_error_and_writes_nothing(tmp_path, capsys):
    output = tmp_path / "report.html"
    assert main(["report", "--version", "0.0.1", "-o", str(output)]) == 2
    assert "no release 0.0.1" in capsys.readouterr().err
    assert not output.exists()


# ---------------------------------------------------------------- requests nothing


def test_the_page_refers_to_no_other_resource():
    text = render("1.0.0")
    parsed = Parsed(text)
    assert not {"script", "link", "img", "iframe", "object", "embed", "image", "use", "audio", "video", "source"} & set(parsed.tags)
    fetching = [(tag, name, value) for tag, name, value in parsed.attributes
                if name in {"src", "href", "xlink:href", "srcset", "poster", "data", "action", "background"}
                or "//" in value or "url(" in value]
    assert fetching == []
    style = "".join(parsed.styles)
    assert "@import" not in style and "url(" not in style and "@font-face" not in style
    csp = [value for tag, name, value in parsed.attributes if tag == "meta" and value.startswith("default-src")]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'"]
    # links appear only as text: the citation's
    assert re.findall(r"https?://\S+", text) == re.findall(r"https?://\S+", "".join(parsed.text))


# ---------------------------------------------------------------- what it shows


def test_the_page_shows_the_release_and_how_to_cite_it():
    text = render("1.0.0")
    events = ce.load(version="1.0.0")
    assert events.attrs["fingerprint"] in text
    assert Parsed(ce.cite("1.0.0")).text[0].strip() in "".join(Parsed(text).text)
    for label in ("Timeline of events by type", "Map of geolocated events", "Casualty figures of CE000004 over time",
                  "Events by type", "Events by country", "Events by month they began", "Sources by publisher"):
        assert f'aria-label="{label}"' in text
    assert "1 of 13 events are geolocated" in text
    assert ">unknown</text>" in text  # the one source has no publisher


def test_text_from_the_data_is_escaped():
    data = frames()
    events = data["events"]
    events.loc[events["event_id"] == "CE000004", "summary"] = "<script>alert(1)</script>"
    events.loc[events["event_id"] == "CE000004", "location"] = '"><img src=x onerror=alert(2)>'
    data["sources"].loc[0, "publisher"] = "<b>Press & Co</b>"
    text = synthetic_page(data)
    parsed = Parsed(text)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in text
    assert "&lt;b&gt;Press &amp; Co&lt;/b&gt;" in text
    assert not [a for a in parsed.attributes if a[1].startswith("on")]


def test_one_casualty_chart_per_event_with_a_point_per_report():
    data = frames()
    reports = data["casualties"]
    later = reports.iloc[[0, 0]].copy()
    later["as_of"] = pd.to_datetime(["2023-01-18 00:00", "2023-01-20 14:00"]).astype(reports["as_of"].dtype)
    later["killed_best"] = pd.array([40, 45], dtype="Int64")
    later["killed_high"] = pd.array([pd.NA, 50], dtype="Int64")
    other = reports.iloc[[0]].copy()
    other["event_id"] = "CE000005"
    data["casualties"] = pd.concat([reports, later, other], ignore_index=True)
    text = synthetic_page(data)
    charts = re.findall(r'aria-label="Casualty figures of (CE\d+) over time">(.*?)</svg>', text)
    assert [event_id for event_id, _ in charts] == ["CE000004", "CE000005"]
    killed = re.findall(r'<polyline fill=none stroke="#B2182B" stroke-width=2 points="([^"]*)"', charts[0][1])
    assert len(killed) == 1 and len(killed[0].split()) == 3  # one line through the three reports
    assert "killed 45 as of 2023-01-20 14:00" in charts[0][1]
    assert "45 (≤50)" in text  # the table gives the range
    assert "<polyline" not in charts[1][1]  # one report: a point, no line


def test_a_long_timeline_is_marked_in_months_and_a_short_one_in_weeks():
    data = frames()
    events = data["events"]
    timeline = r'aria-label="Timeline of events by type">(.*?)</svg>'
    axis = re.search(timeline, synthetic_page(data)).group(1)
    assert re.findall(r"text-anchor=middle>([^<]*)</text>", axis) == ["Mar 2022", "May", "Jul", "Sep", "Nov", "Jan 2023"]
    data["events"] = events[events["start_date"] >= "2023-01-09"].reset_index(drop=True)
    axis = re.search(timeline, synthetic_page(data)).group(1)
    assert re.findall(r"text-anchor=middle>([^<]*)</text>", axis) == ["9 Jan 2023", "16 Jan", "23 Jan", "30 Jan"]  # Mondays


def test_a_release_with_nothing_geolocated_gets_a_note_not_a_map():
    data = frames()
    data["events"]["latitude"] = float("nan")
    data["events"]["longitude"] = float("nan")
    text = synthetic_page(data)
    assert 'aria-label="Map of geolocated events"' not in text
    assert "0 of 13 events are geolocated: there is nothing to map." in text


# ---------------------------------------------------------------- in a browser


class DevTools:
    """Chromium driven over the DevTools protocol through ``--remote-debugging-pipe``: JSON messages ended by NUL on fds 3 and 4."""

    def __init__(self, profile: Path):
        to_browser_read, self._write = os.pipe()
        self._read, from_browser_write = os.pipe()
        to_browser_read, from_browser_write = (_above_4(fd) for fd in (to_browser_read, from_browser_write))
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
                 f"--user-data-dir={profile}", "--remote-debugging-pipe",
                 # should anything be asked for, it goes to a closed port on this machine, and no name is resolved
                 "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank"]

        def onto_3_and_4():  # in the child, before exec: dup2 leaves the copies inheritable; every other descriptor is close-on-exec
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(  # preexec_fn is unsafe with threads; this test starts none
            [CHROMIUM, *flags], preexec_fn=onto_3_and_4, close_fds=False,  # noqa: PLW1509
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 15) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        reply = self._until(lambda m: m.get("id") == self._next_id, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def wait_for(self, method: str, since: int, timeout: float = 15) -> dict:
        """The first event ``method`` from ``self.events[since]`` on, waiting for it if it has not come yet."""
        seen = next((e for e in self.events[since:] if e["method"] == method), None)
        return seen or self._until(lambda m: m.get("method") == method, timeout)

    def _until(self, wanted, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if wanted(message):
                    return message
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk

    def close(self) -> None:
        try:
            os.write(self._write, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        os.close(self._write)
        os.close(self._read)


def _above_4(fd: int) -> int:
    """The same pipe end, close-on-exec, on a descriptor above 4, so that putting one on 3 or 4 cannot close the other."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def visit(browser: DevTools, session: str, path: Path) -> tuple[list[str], list[str]]:
    """Open a file; return the URLs it asked for and the errors it logged."""
    start = len(browser.events)
    browser.send("Page.navigate", {"url": path.as_uri()}, session)
    browser.wait_for("Page.loadEventFired", since=start)
    browser.send("Runtime.evaluate", {"expression": "new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))",
                                      "awaitPromise": True}, session)  # let late errors and requests arrive
    seen = browser.events[start:]
    requests = [e["params"]["request"]["url"] for e in seen if e["method"] == "Network.requestWillBeSent"]
    errors = ([json.dumps(e["params"]["args"]) for e in seen if e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert")]
              + [e["params"]["exceptionDetails"]["text"] for e in seen if e["method"] == "Runtime.exceptionThrown"]
              + [e["params"]["entry"]["text"] for e in seen if e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"])
    return requests, errors


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
def test_the_page_renders_in_chromium_offline_without_errors(tmp_path):
    report = write(tmp_path / "report.html", version="1.0.0")
    control = tmp_path / "control.html"  # proves that the harness sees a request and an error when there are some
    control.write_text('<img src="http://example.invalid/x.png"><script>console.error("control")</script>', encoding="utf-8")
    browser = DevTools(tmp_path / "profile")
    try:
        target = next(t for t in browser.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        session = browser.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            browser.send(f"{domain}.enable", {}, session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": 1040, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)

        requests, errors = visit(browser, session, control)
        assert "http://example.invalid/x.png" in requests and any("control" in e for e in errors)

        requests, errors = visit(browser, session, report)
        assert requests == [report.as_uri()]
        assert errors == []
        charts = browser.send("Runtime.evaluate", {"returnByValue": True, "expression": """
            [...document.querySelectorAll('svg')].map(svg => {
              const box = svg.getBoundingClientRect();
              const marks = [...svg.querySelectorAll('.mark')].filter(m => {
                const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
              return {label: svg.getAttribute('aria-label'), width: box.width, height: box.height, marks: marks.length};
            })"""}, session)["result"]["value"]
        drawn = {c["label"]: c for c in charts}
        assert len(drawn) == len(charts)
        for label, marks in {"Timeline of events by type": 13, "Map of geolocated events": 1, "Casualty figures of CE000004 over time": 2,
                             "Events by type": 6, "Events by country": 6, "Sources by publisher": 1, "Events by month they began": 3, "Share geolocated": 1}.items():
            assert drawn[label]["width"] > 200 and drawn[label]["height"] > 15, label
            assert drawn[label]["marks"] == marks, label
        paths = browser.send("Runtime.evaluate", {"returnByValue": True, "expression":
                             "document.querySelectorAll('svg[aria-label=\"Map of geolocated events\"] path').length"}, session)
        assert paths["result"]["value"] > 10  # the country outlines

        size = browser.send("Page.getLayoutMetrics", {}, session)["cssContentSize"]
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                       "clip": {"x": 0, "y": 0, "width": 1040, "height": size["height"], "scale": 1}}, session)
    finally:
        browser.close()
    png = base64.b64decode(shot["data"])
    assert png_size(png) == (1040, int(size["height"]))
    keep = Path(os.environ.get("REPORT_SCREENSHOT") or tmp_path / "report.png")
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.write_bytes(png)


def test_chromium_is_there_in_ci():
    if os.environ.get("CI") and not shutil.which("chromium") and not Path(CHROMIUM).exists():
        pytest.fail(".ci/run installs Debian's chromium; it is missing, so the browser test would skip")


# ---------------------------------------------------------------- the bundled outlines


def inside(point: tuple[float, float], ring: list) -> bool:
    """Ray casting: is the point inside the ring?"""
    x, y = point
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1


def test_the_bundled_outlines_put_dnipro_in_ukraine_and_kyiv_not_in_belarus():
    countries = outlines()
    dnipro, kyiv = (35.04, 48.47), (30.52, 50.45)
    assert [key for key, c in countries.items() if any(inside(dnipro, polygon[0]) for polygon in c["polygons"])] == ["UKR"]
    assert [key for key, c in countries.items() if any(inside(kyiv, polygon[0]) for polygon in c["polygons"])] == ["UKR"]
    assert {"BLR", "POL", "RUS", "MDA", "ROU", "HUN", "SVK"} <= set(countries)  # Ukraine's neighbours


def test_topojson_arcs_are_decoded_joined_and_keyed_by_iso3():
    topology = {  # two countries sharing one arc, quantised on a 1-degree grid from (20, 40)
        "transform": {"scale": [1, 1], "translate": [20, 40]},
        "arcs": [[[0, 0], [0, 2]], [[0, 2], [2, 0], [0, -2], [-2, 0]], [[0, 0], [-2, 0], [0, 2], [2, 0]]],
        "objects": {"countries": {"geometries": [
            {"type": "Polygon", "id": "804", "properties": {"name": "Ukraine"}, "arcs": [[0, 1]]},
            {"type": "MultiPolygon", "properties": {"name": "Nowhere"}, "arcs": [[[~0, 2]]]},
        ]}},
    }
    countries = from_topojson(topology)
    assert countries["UKR"] == {"name": "Ukraine", "polygons": [[[(20, 40), (20, 42), (22, 42), (22, 40), (20, 40)]]]}
    assert countries["Nowhere"]["polygons"] == [[[(20, 42), (20, 40), (18, 40), (18, 42), (20, 42)]]]

"""load(version=...) of a release that is not inside the package: downloaded from a local HTTP server, verified, cached."""

import functools
import http.server
import shutil
import socket
import threading
import time

import pytest

import conflict_events as ce
from conflict_events import _data as data
from conflict_events._integrity import IntegrityError
from conflict_events._remote import CACHE_VARIABLE, URL_VARIABLE, DownloadError
from tests import _history


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    return _history.history(tmp_path_factory)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(folder):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, f"http://127.0.0.1:{server.server_address[1]}/releases/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def remote(history, release_copy, tmp_path, monkeypatch):
    """The package knows 1.0.0 to 3.0.1 from its registry but ships only 1.0.0 and 2.0.0; the others are published in ``site``."""
    shutil.copy(history / "releases" / "registry.json", release_copy / "registry.json")
    site = tmp_path / "site"
    for version in ("2.1.0", "3.0.0", "3.0.1"):
        shutil.copytree(history / "releases" / version, site / "releases" / version)
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_VARIABLE, str(cache))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    return site, cache


def test_versions_lists_bundled_and_registered_releases(remote):
    assert data.bundled_versions() == ["1.0.0", "2.0.0"]
    assert ce.versions() == ["1.0.0", "2.0.0", "2.1.0", "3.0.0", "3.0.1"]


def test_load_downloads_verifies_and_caches_a_release(remote, serve, history, monkeypatch):
    site, cache = remote
    server, url = serve(site)
    monkeypatch.setenv(URL_VARIABLE, url)
    events = ce.load(version="2.1.0")
    assert events.attrs["version"] == "2.1.0"
    assert "CE000021" in set(events["event_id"])
    dnipro = events.set_index("event_id").loc["CE000004"]
    assert (dnipro["fatalities_best"], dnipro["injured"], dnipro["missing"]) == (40, 75, 30)
    cached = {p.name: p.read_bytes() for p in (cache / "2.1.0").iterdir()}
    assert cached == {p.name: p.read_bytes() for p in (history / "releases" / "2.1.0").iterdir()}
    assert sorted(p.name for p in cache.iterdir()) == ["2.1.0"]  # nothing else: no partial downloads
    server.shutdown()  # offline from here: the cache serves
    again = ce.load("casualties", version="2.1.0")
    assert len(again) == 30 and again.attrs["fingerprint"] == events.attrs["fingerprint"]


def test_a_corrupted_download_is_rejected_and_nothing_is_cached(remote, serve, monkeypatch):
    site, cache = remote
    path = site / "releases" / "3.0.0" / "events.parquet"
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    _, url = serve(site)
    monkeypatch.setenv(URL_VARIABLE, url)
    with pytest.raises(IntegrityError, match=r"release 3.0.0: events.parquet downloaded from .* does not match the registry"):
        ce.load(version="3.0.0")
    assert not cache.exists() or list(cache.iterdir()) == []


def test_a_missing_file_on_the_server_is_a_clear_error(remote, serve, monkeypatch):
    site, cache = remote
    (site / "releases" / "3.0.1" / "retired.parquet").unlink()
    _, url = serve(site)
    monkeypatch.setenv(URL_VARIABLE, url)
    with pytest.raises(DownloadError, match="cannot download release 3.0.1") as caught:
        ce.load(version="3.0.1")
    assert "404" in str(caught.value)
    assert list(cache.iterdir()) == []


def test_without_network_the_error_names_the_version_and_the_cache(remote, monkeypatch):
    _, cache = remote
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(URL_VARIABLE, f"http://127.0.0.1:{port}/releases/")
    with pytest.raises(DownloadError) as caught:
        ce.load(version="3.0.1")
    message = str(caught.value)
    assert "release 3.0.1" in message and str(cache / "3.0.1") in message and f"127.0.0.1:{port}" in message
    assert not (cache / "3.0.1").exists()
    assert len(ce.load(version="1.0.0")) == 13  # the bundled release needs no network


def test_a_tampered_cache_is_refused(remote, serve, monkeypatch):
    site, cache = remote
    _, url = serve(site)
    monkeypatch.setenv(URL_VARIABLE, url)
    ce.load("actors", version="3.0.1")
    monkeypatch.setattr(data, "_verified", set())  # a new process
    path = cache / "3.0.1" / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"3.0.1"', '"2.0.2"'), encoding="utf-8")
    with pytest.raises(IntegrityError, match="delete the cached copy"):
        ce.load(version="3.0.1")


def test_the_url_template(monkeypatch):
    from conflict_events._remote import release_url

    monkeypatch.delenv(URL_VARIABLE, raising=False)
    assert release_url("1.2.3") == "https://raw.githubusercontent.com/conflict-events/conflict-events/v1.2.3/conflict_events/releases/1.2.3/"
    monkeypatch.setenv(URL_VARIABLE, "https://example.org/data")
    assert release_url("1.2.3") == "https://example.org/data/1.2.3/"
    monkeypatch.setenv(URL_VARIABLE, "https://example.org/v{version}/files")
    assert release_url("1.2.3") == "https://example.org/v1.2.3/files/"


class _Trickle(_Quiet):
    """Sends the headers, then one byte every 10 ms, without a length (a close-delimited HTTP/1.0 body)."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        try:
            for _ in range(3000):  # 30 s at most, far beyond the test's deadline
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.01)
        except OSError:  # the client gave up
            pass


class _TrickleHeaders(_Quiet):
    """Sends a header line a byte at a time, without end."""

    def do_GET(self):
        self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
        try:
            for _ in range(3000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.01)
        except OSError:
            pass


class _Stall(_Quiet):
    """Sends the headers, then nothing."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.flush()
        time.sleep(10)


class _Endless(_Quiet):
    """Sends zeros without end, and no length."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        try:
            for _ in range(10_000):
                self.wfile.write(bytes(1 << 16))
        except OSError:
            pass


class _Announces(_Quiet):
    """Announces a gigabyte."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 30))
        self.end_headers()


@pytest.fixture
def serve_with():
    servers = []

    def start(handler):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/releases/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("handler, reason", [
    (_Trickle, r"not complete after 1 s: the server is too slow"),
    (_TrickleHeaders, r"not complete after 1 s: the server is too slow"),
    (_Stall, r"[Rr]ead timed out|not complete after 1 s"),  # whichever of the per-read timeout and the deadline (both 1 s) comes first
    (_Endless, r"the server sent more than the \d+ bytes the registry records"),
    (_Announces, r"the server announces 1073741824 bytes; the registry records \d+"),
])
def test_a_slow_or_oversized_download_is_cut_off_and_nothing_is_cached(remote, serve_with, monkeypatch, handler, reason):
    from conflict_events import _remote as module

    _, cache = remote
    monkeypatch.setattr(module, "TIMEOUT", 1)
    monkeypatch.setattr(module, "MIN_RATE", 10**9)  # so the deadline of each file is TIMEOUT: 1 s
    monkeypatch.setenv(URL_VARIABLE, serve_with(handler))
    started = time.monotonic()
    with pytest.raises(DownloadError, match=reason):
        ce.load(version="3.0.1")
    assert time.monotonic() - started < 5
    assert list(cache.iterdir()) == []  # no partial file, no staging folder


def test_the_deadline_scales_with_the_size():
    from conflict_events._remote import MIN_RATE, TIMEOUT, Downloader

    assert Downloader(0).seconds == TIMEOUT
    assert Downloader(10 * MIN_RATE).seconds == TIMEOUT + 10


def test_a_download_killed_outright_is_cleared_by_the_next_and_files_honour_the_umask(remote, serve, monkeypatch):
    import os
    import stat
    import subprocess
    import sys

    site, cache = remote
    _, url = serve(site)
    monkeypatch.setenv(URL_VARIABLE, url)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left = cache / f".2.1.0.partial.staging-{gone.pid}-0123abcd"
    left.mkdir(parents=True)
    (left / "events.parquet").write_bytes(b"PAR1 half")
    previous = os.umask(0o027)
    try:
        ce.load(version="2.1.0")
    finally:
        os.umask(previous)
    assert sorted(p.name for p in cache.iterdir()) == ["2.1.0"]
    assert stat.S_IMODE((cache / "2.1.0").stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in (cache / "2.1.0").iterdir()} == {0o640}

"""Releases that are not inside the installed package: downloaded with pooch, verified, cached.

A release's files are published at ``RELEASES_URL`` (``{version}`` stands for
the version; without it, ``<url>/<version>/`` is used), one file per name in
the registry entry. Every file is checked against the sha256 of the shipped
registry; the release is cached in ``pooch.os_cache("conflict-events")/<version>``
only when all its files are downloaded and verified, so a failed or corrupted
download leaves nothing behind (a download killed outright leaves a staging
folder that the next download removes).

Each file has a deadline in all, not only per read, so a server that sends a
byte at a time cannot hold ``load()``: ``TIMEOUT + bytes / MIN_RATE``
seconds. A file may not be longer than the bytes the registry records for
it; a server that sends more is cut off at once.

Environment variables: ``CONFLICT_EVENTS_RELEASES_URL`` overrides the URL,
``CONFLICT_EVENTS_CACHE`` the cache folder.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

from conflict_events._staging import staging_dir, umask_mode
from conflict_events._errors import ConflictEventsError
from conflict_events._integrity import IntegrityError

#: Where the releases are published: the release folder inside the repository, at the release's tag.
RELEASES_URL = "https://raw.githubusercontent.com/conflict-events/conflict-events/v{version}/conflict_events/releases/{version}/"
URL_VARIABLE = "CONFLICT_EVENTS_RELEASES_URL"
CACHE_VARIABLE = "CONFLICT_EVENTS_CACHE"
#: Seconds to wait for the server to connect, to answer or to send more.
TIMEOUT = 60
#: The slowest transfer (bytes per second) that is waited for: a file gets ``TIMEOUT + bytes / MIN_RATE`` seconds in all.
MIN_RATE = 25_000
#: Bytes read at a time (at most).
CHUNK = 1 << 16


class DownloadError(ConflictEventsError, OSError):
    """A release could not be downloaded."""


def release_url(version: str, template: str | None = None) -> str:
    """The URL of the folder of a release's files (ends with ``/``)."""
    template = template or os.environ.get(URL_VARIABLE) or RELEASES_URL
    if "{version}" not in template:
        template = template.rstrip("/") + "/{version}/"
    url = template.replace("{version}", version)
    return url if url.endswith("/") else url + "/"


def cache_root() -> Path:
    """The folder that holds one folder per downloaded release."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured:
        return Path(configured)
    import pooch

    return Path(pooch.os_cache("conflict-events"))


def fetch(version: str, entry: dict[str, Any]) -> Path:
    """The cached folder of a release, downloaded and verified first if it is not cached yet."""
    root = cache_root()
    target = root / version
    if (target / "datapackage.json").is_file():
        return target
    import pooch

    url = release_url(version)
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = staging_dir(root, f"{version}.partial")
    except OSError as error:
        raise DownloadError(f"cannot download release {version}: cannot write to the cache folder {target} ({error}); "
                            f"set {CACHE_VARIABLE} to a writable folder") from error
    try:
        files = pooch.create(path=staging, base_url=url, registry={name: spec["hash"] for name, spec in entry["files"].items()})
        for name, spec in entry["files"].items():
            try:
                files.fetch(name, downloader=Downloader(int(spec["bytes"])))
            except ValueError as error:  # pooch: the sha256 of the download is not the registry's (Downloader raises no ValueError)
                raise IntegrityError(f"release {version}: {name} downloaded from {url} does not match the registry of releases "
                                     f"({error}); nothing was cached in {target}") from error
            except Exception as error:  # DownloadError, and OSError from writing the file
                raise DownloadError(f"cannot download release {version} from {url} into {target}: {_reason(error)}. "
                                    f"Check the connection, or set {URL_VARIABLE} to where the releases are published") from error
        mode = umask_mode(staging)
        for path in staging.iterdir():
            path.chmod(mode)  # pooch's temporary files are 0600
        try:
            os.replace(staging, target)
        except OSError as error:
            if not (target / "datapackage.json").is_file():  # not cached by another process meanwhile
                raise DownloadError(f"cannot cache release {version} in {target}: {error}; delete that folder and try again") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class Downloader:
    """A pooch downloader with a deadline in all and a size cap: ``Downloader(size)(url, output_file, pooch)``.

    It streams ``url`` into ``output_file`` and raises :class:`DownloadError`
    (never ValueError, which pooch means for a wrong hash) when the server
    fails, answers with an HTTP error, sends more or fewer than ``size``
    bytes, or has not sent them all within ``TIMEOUT + size / MIN_RATE``
    seconds. The transfer runs in a thread that the caller stops waiting for
    at the deadline, whatever the server does (even a trickle of headers);
    the thread then stops at its next read.
    """

    def __init__(self, size: int):
        self.size = size
        self.seconds = TIMEOUT + size / MIN_RATE

    def __call__(self, url: str, output_file: Any, pooch: Any = None, check_only: bool = False) -> None:
        outcome: list[BaseException | None] = []
        stop = threading.Event()
        worker = threading.Thread(target=self._run, args=(url, output_file, stop, outcome), daemon=True, name="conflict-events download")
        worker.start()
        worker.join(self.seconds)
        if worker.is_alive():
            stop.set()
            raise DownloadError(f"not complete after {self.seconds:.0f} s: the server is too slow")
        if outcome and outcome[0] is not None:
            raise outcome[0]

    def _run(self, url: str, output_file: Any, stop: threading.Event, outcome: list) -> None:
        try:
            self._download(url, output_file, stop)
            outcome.append(None)
        except DownloadError as error:
            outcome.append(error)
        except Exception as error:  # requests' and urllib3's errors, OSError
            outcome.append(DownloadError(_reason(error)))

    def _download(self, url: str, output_file: Any, stop: threading.Event) -> None:
        import requests

        # identity: the bytes counted are the file's, not a compressed form of them
        with requests.get(url, stream=True, timeout=TIMEOUT, headers={"Accept-Encoding": "identity"}) as response:
            response.raise_for_status()
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.size:
                raise DownloadError(f"the server announces {declared} bytes; the registry records {self.size}")
            received = 0
            with open(output_file, "wb") as stream:
                while not stop.is_set():
                    chunk = response.raw.read1(CHUNK)  # what has arrived: the deadline is checked between reads
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > self.size:
                        raise DownloadError(f"the server sent more than the {self.size} bytes the registry records")
                    stream.write(chunk)
        if not stop.is_set() and received != self.size:
            raise DownloadError(f"the server sent {received} of the {self.size} bytes the registry records")


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) < 300 else text[:300] + "..."

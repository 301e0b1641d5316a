"""Releases that are not inside the installed package: downloaded with pooch, verified, cached.

A release's files are published at ``RELEASES_URL`` (``{version}`` stands for
the version; without it, ``<url>/<version>/`` is used), one file per name in
the registry entry. Every file is checked against the sha256 of the shipped
registry; the release is cached in ``pooch.os_cache("conflict-events")/<version>``
only when all its files are downloaded and verified, so a failed or corrupted
download leaves nothing behind.

Environment variables: ``CONFLICT_EVENTS_RELEASES_URL`` overrides the URL,
``CONFLICT_EVENTS_CACHE`` the cache folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from conflict_events.integrity import IntegrityError

#: Where the releases are published: the release folder inside the repository, at the release's tag.
RELEASES_URL = "https://raw.githubusercontent.com/conflict-events/conflict-events/v{version}/conflict_events/releases/{version}/"
URL_VARIABLE = "CONFLICT_EVENTS_RELEASES_URL"
CACHE_VARIABLE = "CONFLICT_EVENTS_CACHE"
#: Seconds to wait for the server before giving up on a file.
TIMEOUT = 60


class DownloadError(OSError):
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
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.partial.", dir=root))
    except OSError as error:
        raise DownloadError(f"cannot download release {version}: cannot write to the cache folder {target} ({error}); "
                            f"set {CACHE_VARIABLE} to a writable folder") from error
    try:
        files = pooch.create(path=staging, base_url=url, registry={name: spec["hash"] for name, spec in entry["files"].items()})
        downloader = pooch.HTTPDownloader(progressbar=False, timeout=TIMEOUT)
        for name in entry["files"]:
            try:
                files.fetch(name, downloader=downloader)
            except ValueError as error:  # pooch: the sha256 of the download is not the registry's
                raise IntegrityError(f"release {version}: {name} downloaded from {url} does not match the registry of releases "
                                     f"({error}); nothing was cached in {target}") from error
            except Exception as error:  # requests' connection, timeout and HTTP errors, and OSError
                raise DownloadError(f"cannot download release {version} from {url} into {target}: {_reason(error)}. "
                                    f"Check the connection, or set {URL_VARIABLE} to where the releases are published") from error
        try:
            os.replace(staging, target)
        except OSError as error:
            if not (target / "datapackage.json").is_file():  # not cached by another process meanwhile
                raise DownloadError(f"cannot cache release {version} in {target}: {error}; delete that folder and try again") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) < 300 else text[:300] + "..."

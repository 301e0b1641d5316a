"""``release X.Y.Z``: build the records into a new, immutable release folder."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from conflict_events._paths import DATASET_DIR, RELEASES_DIR
from conflict_events.build import build, compile_records
from conflict_events.data import _is_version


class ReleaseError(Exception):
    """The release cannot be made as asked."""


def release(version: str, dataset_dir: Path = DATASET_DIR, releases_dir: Path = RELEASES_DIR, created: str | None = None) -> Path:
    if not _is_version(version):
        raise ReleaseError(f"{version!r} is not a version: write it as MAJOR.MINOR.PATCH, such as 1.0.0")
    target = Path(releases_dir) / version
    if target.exists():
        raise ReleaseError(f"release {version} already exists in {target}; a release never changes, so make a new version")
    compile_records(dataset_dir)
    created = created or _dt.date.today().isoformat()
    return build(target, dataset_dir, {"version": version, "created": created})

"""Reading files safely: regular files only, and nothing outside the folder they belong to."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

#: a source id is a name, never a path (the sources.source_id pattern)
SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def read_archived(archive: Path, source_id: str) -> bytes | None:
    """The archived text of a source, or None when there is none that may be read.

    The id must be a name; the file ``<archive>/<source_id>.txt`` must be a
    regular file whose real path lies inside the archive folder.
    """
    if not isinstance(source_id, str) or not SOURCE_ID.fullmatch(source_id):
        return None
    folder = Path(archive).resolve()
    path = (Path(archive) / f"{source_id}.txt")
    try:
        real = path.resolve(strict=True)
        if folder not in real.parents or not stat.S_ISREG(os.stat(real).st_mode):
            return None
        return real.read_bytes()
    except OSError:
        return None

"""Where the package finds its schema, records and releases.

A wheel carries ``schema/`` and ``dataset/`` inside the package as ``_schema/``
and ``_dataset/``; a source checkout (or an editable install) uses the
top-level folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RELEASES_DIR = PACKAGE_DIR / "releases"


def _bundled_or_repo(name: str) -> Path:
    bundled = PACKAGE_DIR / f"_{name}"
    return bundled if bundled.is_dir() else PACKAGE_DIR.parent / name


SCHEMA_DIR = _bundled_or_repo("schema")
DATASET_DIR = _bundled_or_repo("dataset")
#: The changelog and citation file that ``release`` updates (in a source checkout).
CHANGELOG_PATH = PACKAGE_DIR.parent / "CHANGELOG.md"
CITATION_PATH = PACKAGE_DIR.parent / "CITATION.cff"

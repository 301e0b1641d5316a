"""``release X.Y.Z``: build the records into a new, immutable release, and record it.

A release is refused unless

* the version is new (not a folder of the releases, not in the registry);
* the records are valid;
* every event of the previous release is still there or retired (in
  ``dataset/retired.yaml``, with ``retired_in`` the new version);
* the version is exactly the bump that the changes since the previous release
  call for by the data-package-version rules (see :func:`conflict_events.diff`);
  the refusal names the version to use.

Then the release folder (Parquet files, a datapackage.json with version,
created, sha256 and bytes per file, and the fingerprint, and dataset.jsonld,
the schema.org Dataset derived from it) is moved into place,
and the registry of releases, CHANGELOG.md (a section with the record-level
changes) and CITATION.cff (version, date-released, fingerprint) are updated.
Every file is written to a temporary file first and renamed into place.

Crash safety: writing the registry is the moment a release is made. A
release folder that the registry does not list is not a release (``load()``
and ``versions()`` ignore it), so a crash before that moment leaves the
releases as they were, and the next ``release`` removes what the crash left
(the unregistered folder, and staging folders of processes that are gone);
an error or SIGTERM before it removes them at once. A crash after it leaves
a complete release, with CHANGELOG.md or CITATION.cff possibly not updated.

One release at a time: ``release`` holds an exclusive lock (``fcntl.flock``
on ``.release.lock`` in the releases folder) from start to end; a second
``release`` meanwhile is refused with :class:`ReleaseError` (on the command
line: exit 1, like every refusal).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any, Iterator

from conflict_events import _paths, _registry as registry
from conflict_events._staging import staging_dir, terminate_as_exit
from conflict_events._build import compile_records, write_package
from conflict_events._changes import Diff, compare, next_version, open_package
from conflict_events._data import _is_version, _semver
from conflict_events._errors import ConflictEventsError

CHANGELOG_TYPES = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
#: The lock file that a running release holds, in the releases folder.
LOCK_NAME = ".release.lock"


class ReleaseError(ConflictEventsError):
    """The release cannot be made as asked."""

    def __init__(self, message: str, proposed: str | None = None):
        super().__init__(message)
        self.proposed = proposed


def release(
    version: str,
    dataset_dir: Path | None = None,
    releases_dir: Path | None = None,
    created: str | None = None,
    *,
    changelog: Path | None = _paths.CHANGELOG_PATH,
    citation: Path | None = _paths.CITATION_PATH,
) -> Path:
    """Build the records in ``dataset_dir`` into release ``version`` in ``releases_dir``; return its folder.

    ``created`` is the release date or date-time (default: today). ``changelog`` and
    ``citation`` are the CHANGELOG.md and CITATION.cff to update (None: leave
    it alone). Raises :class:`ReleaseError` when the release is refused and
    :class:`conflict_events._build.BuildError` when the records are invalid.
    """
    from conflict_events import _data as data

    dataset_dir = Path(dataset_dir if dataset_dir is not None else _paths.DATASET_DIR)
    releases_dir = Path(releases_dir if releases_dir is not None else data.RELEASES_DIR)
    version = str(version)
    if not _is_version(version):
        raise ReleaseError(f"{version!r} is not a version: write it as MAJOR.MINOR.PATCH, such as 1.0.0")
    created = _created(created)
    releases_dir.mkdir(parents=True, exist_ok=True)
    with _locked(releases_dir), terminate_as_exit():
        return _release(version, dataset_dir, releases_dir, created, changelog, citation)


def _release(version: str, dataset_dir: Path, releases_dir: Path, created: str, changelog: Path | None, citation: Path | None) -> Path:
    day = created[:10]
    known = registry.read(releases_dir)
    target = releases_dir / version
    if version in known:
        raise ReleaseError(f"release {version} already exists ({target}); a release never changes, so make a new version")
    texts = {path: _read(path) for path in (changelog, citation) if path is not None}
    if changelog is not None and re.search(rf"^## \[{re.escape(version)}\]", texts[changelog], re.M):
        raise ReleaseError(f"{changelog} already has a section for {version}")

    frames = compile_records(dataset_dir)
    scratch = staging_dir(releases_dir, f"release-{version}")
    try:
        if target.exists() or target.is_symlink():  # not in the registry: what an interrupted release left
            os.replace(target, scratch / "unfinished")
        built = write_package(frames, scratch / version, {"version": version, "created": created})
        _write_jsonld(built)
        previous = _previous(releases_dir, known)
        changes = None
        if previous is not None:
            old = open_package(_previous_folder(previous, releases_dir, known))
            old.label = previous
            new = open_package(built)
            new.label = version
            changes = compare(old, new)
            _check(version, previous, changes)
        entry = registry.entry_for(built)
        updates = {}
        if changelog is not None:
            updates[changelog] = update_changelog(texts[changelog], version, day, entry["fingerprint"], previous, changes)
        if citation is not None:
            from conflict_events._citation import update_cff

            try:
                updates[citation] = update_cff(texts[citation], version, day, entry["fingerprint"])
            except ValueError as error:
                raise ReleaseError(f"{citation}: {error}") from error
        os.replace(built, target)
        try:
            write_atomic(registry.registry_path(releases_dir), registry.render({**known, version: entry}))  # the release is made
        except BaseException:
            if version not in registry.read(releases_dir):  # not made: take the folder back out
                os.replace(target, scratch / "withdrawn")
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for path, text in updates.items():
        try:
            write_atomic(path, text)
        except OSError as error:
            raise ReleaseError(f"release {version} is made and in the registry, but {path} could not be updated "
                               f"({error.strerror or error}); update it by hand") from error
    return target


def _write_jsonld(folder: Path) -> None:
    """The release's schema.org Dataset, from its descriptor, beside it (the registry lists it with the tables)."""
    from conflict_events._jsonld import render

    descriptor = json.loads((folder / registry.DESCRIPTOR).read_text(encoding="utf-8"))
    (folder / registry.JSONLD).write_text(render(descriptor), encoding="utf-8")


@contextlib.contextmanager
def _locked(releases_dir: Path) -> Iterator[None]:
    """Hold the releases folder's lock; :class:`ReleaseError` at once if another release holds it."""
    try:
        import fcntl
    except ImportError as error:  # pragma: no cover - Windows
        raise ReleaseError("conflict-events release needs a POSIX system (it locks the releases folder with fcntl.flock)") from error
    path = releases_dir / LOCK_NAME
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 100).decode("ascii", "replace").strip()
            os.close(handle)
            raise ReleaseError(f"another release is running in {releases_dir}" + (f" (process {holder})" if holder else "")
                               + f": it holds {path}. Wait for it to finish, then try again") from None
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(os.fstat(handle), current):
            break
        os.close(handle)  # the release that held it finished and removed it meanwhile: lock the file that is there now
    try:
        os.ftruncate(handle, 0)
        os.write(handle, str(os.getpid()).encode("ascii"))
        yield
    finally:
        path.unlink(missing_ok=True)  # still holding the lock, so no one else holds this file
        os.close(handle)


def _created(created: str | None) -> str:
    """The release time as the Data Package spec wants ``created``: an RFC 3339 date-time (a day is its midnight UTC)."""
    if created is None:
        return _dt.date.today().isoformat() + "T00:00:00Z"
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", created):
            return _dt.date.fromisoformat(created).isoformat() + "T00:00:00Z"
        moment = _dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError as error:
        raise ReleaseError(f"created {created!r} is not a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM:SSZ)") from error
    if moment.tzinfo is None:
        raise ReleaseError(f"created {created!r} has no time zone; add Z for UTC")
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ReleaseError(f"cannot read {path} ({error.strerror}); give its path, or None to leave it alone") from error


def _previous(releases_dir: Path, known: dict[str, Any]) -> str | None:
    """The latest release in the registry (a folder it does not list is not a release)."""
    versions = sorted((v for v in known if _is_version(v)), key=_semver)
    return versions[-1] if versions else None


def _previous_folder(version: str, releases_dir: Path, known: dict[str, Any]) -> Path:
    entry = known.get(version)
    if entry is None:
        raise ReleaseError(f"release {version} is not in the registry {registry.registry_path(releases_dir)}, so it cannot be "
                           "trusted as the previous release; every release must be made by `conflict-events release`")
    folder = releases_dir / version
    if not (folder / "datapackage.json").is_file():
        from conflict_events._remote import fetch

        folder = fetch(version, entry)
    registry.verify_release(folder, entry)
    return folder


def _check(version: str, previous: str, changes: Diff) -> None:
    if changes.level is None:
        raise ReleaseError(f"nothing changed since {previous} (fingerprint {changes.a['fingerprint']}): there is nothing to release")
    lost = [item["event_id"] for item in changes.events["removed"] if item["reason"] is None]
    if lost:
        raise ReleaseError(
            f"event(s) {', '.join(lost)} of {previous} are missing from the records and not retired: a released event id never "
            f"disappears. Add each to dataset/retired.yaml with its reason (merged or withdrawn), successor and retired_in: {next_version(previous, 'major')} (removing an event is a MAJOR change)"
        )
    proposed = next_version(previous, changes.level)
    if version != proposed:
        reasons = "\n".join(f"  - {c.change}" for c in changes.changes if c.level == changes.level)
        raise ReleaseError(
            f"release {version} breaks the data-package-version rules against {previous}: the changes call for a "
            f"{changes.level.upper()} release, {proposed}:\n{reasons}\nrelease {proposed} instead",
            proposed,
        )
    late = [f"{item['event_id']} (retired_in {item['retired_in']})" for item in changes.events["removed"] if item["retired_in"] != version]
    if late:
        raise ReleaseError(f"event(s) {', '.join(late)} leave the data in {version}: set their retired_in to {version} in dataset/retired.yaml")


# --- CHANGELOG.md -------------------------------------------------------------------


def changelog_items(changes: Diff | None) -> dict[str, list[str]]:
    """The record-level changes as Keep a Changelog items, by type."""
    items: dict[str, list[str]] = {kind: [] for kind in CHANGELOG_TYPES}
    if changes is None:
        return items
    events = changes.events
    if events["added"]:
        items["Added"].append(f"Event{'s' if len(events['added']) > 1 else ''} {', '.join(events['added'])}.")
    for table, parts in changes.tables.items():
        if table not in ("events", "retired") and table not in changes.child_tables and parts["added"]:
            items["Added"].append(f"{table}: {', '.join(_key(r['key']) for r in parts['added'])}.")
    for item in events["changed"]:
        what = [_field_change(f) for f in item["fields"]]
        for table in changes.child_tables:
            part = item.get(table)
            if part:
                key = [k for k in changes.keys[table] if k != "event_id"]
                what += [f"{table} ({_key(r, key)}) added" for r in part["added"]]
                what += [f"{table} ({_key(r, key)}) removed" for r in part["removed"]]
                what += [f"{table} ({_key(r['key'], key)}): " + ", ".join(_field_change(f) for f in r["fields"])
                         for r in part["changed"]]
        items["Changed"].append(f"Event {item['event_id']}: {'; '.join(what)}.")
    for table, parts in changes.tables.items():
        if table != "events" and table not in changes.child_tables and parts["changed"]:
            items["Changed"].append(f"{table}: " + "; ".join(f"{_key(r['key'])} ({', '.join(f['field'] for f in r['fields'])})" for r in parts["changed"]) + ".")
    items["Changed"] += [f"Schema: {c.change} ({c.level})." for c in changes.changes if not re.match(r"^\w+: \d+ row\(s\)", c.change)]
    for item in events["removed"]:
        reason = f"merged into {item['successor']}" if item["reason"] == "merged" and item["successor"] else item["reason"]
        items["Removed"].append(f"Event {item['event_id']}: {reason}" + (f" ({item['note']})" if item.get("note") else "") + "; its id is retired.")
    for table, parts in changes.tables.items():
        if table != "events" and table not in changes.child_tables and parts["removed"]:
            items["Removed"].append(f"{table}: {', '.join(_key(r['key']) for r in parts['removed'])}.")
    return items


def _key(row: dict[str, Any], columns: list[str] | None = None) -> str:
    """The key values of a row (all its values when ``columns`` is None)."""
    return " / ".join(_value(row.get(k)) for k in (columns if columns is not None else list(row)))


def _field_change(change: dict[str, Any], width: int = 60) -> str:
    before, after = _value(change["from"], None), _value(change["to"], None)
    if max(len(before), len(after)) > width:
        return f"{change['field']} corrected"
    return f"{change['field']} {before} -> {after}"


def _value(value: Any, width: int | None = 60) -> str:
    if value is None:
        return "empty"
    text = ";".join(value) if isinstance(value, list) else str(value)
    return text if width is None or len(text) <= width else text[: width - 3] + "..."


def update_changelog(text: str, version: str, created: str, fingerprint: str, previous: str | None, changes: Diff | None) -> str:
    """CHANGELOG.md with a section for the release: the [Unreleased] entries moved into it, and the record-level changes."""
    headings = list(re.finditer(r"^## \[(?P<name>[^\]]+)\].*$", text, re.M))
    unreleased = next((m for m in headings if m["name"].strip().lower() == "unreleased"), None)
    if unreleased is not None:
        following = [m for m in headings if m.start() > unreleased.start()]
        end = following[0].start() if following else len(text)
        head, body, tail = text[: unreleased.start()], text[unreleased.end():end], text[end:]
    else:
        start = headings[0].start() if headings else len(text)
        head, body, tail = text[:start], "", text[start:]
    intro = (f"Data release {version}" + (f", a {changes.level.upper()} release after {previous}" if changes is not None else "")
             + f"; fingerprint `{fingerprint}`.")
    preamble, sections = _sections(body)
    for kind, entries in changelog_items(changes).items():
        if entries:
            sections.setdefault(kind, [])
            while sections[kind] and not sections[kind][-1].strip():
                sections[kind].pop()
            sections[kind] += [f"- {entry}" for entry in entries]
    order = [k for k in CHANGELOG_TYPES if k in sections] + [k for k in sections if k not in CHANGELOG_TYPES]
    parts = [f"## [{version}] - {created}", "", intro, ""]
    if any(line.strip() for line in preamble):
        parts += [line for line in preamble if line.strip()] + [""]
    for kind in order:
        lines = [line for line in sections[kind]]
        while lines and not lines[-1].strip():
            lines.pop()
        parts += [f"### {kind}", *lines, ""]
    section = "\n".join(parts) + "\n"
    head = head if head.endswith("\n") or not head else head + "\n"
    return head + "## [Unreleased]\n\n" + section + tail


def _sections(body: str) -> tuple[list[str], dict[str, list[str]]]:
    preamble: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] = preamble
    for line in body.strip("\n").splitlines():
        match = re.match(r"^### (.+?)\s*$", line)
        if match:
            current = sections.setdefault(match.group(1), [])
        else:
            current.append(line)
    return preamble, sections


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed into place.

    A new file gets the mode the umask gives; a file that exists keeps its mode.
    """
    path = Path(path)
    while True:
        temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies (mkstemp: 0600)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        if path.exists():
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

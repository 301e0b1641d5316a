"""``cite()``: how to cite a release, in text, APA, BibTeX, RIS or CFF; and the CITATION.cff update of a release.

A citation names the dataset, the version, the release date, the
fingerprint (one sha256 over the sha256 of every file of the release, see
:mod:`conflict_events._integrity`) and where to get it.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any

STYLES = ("text", "apa", "bibtex", "ris", "cff")
#: The authors, when a release's datapackage.json names no contributors (as in CITATION.cff).
AUTHORS = ("conflict-events contributors",)
CFF_MESSAGE = "If you use this dataset, please cite the exact release you used, as below."


def fingerprint_identifier(version: str, fingerprint: str) -> dict[str, str]:
    """The CFF identifier that carries a release's fingerprint."""
    return {"type": "other", "value": fingerprint,
            "description": f"Fingerprint of release {version}: the sha256 over its files' sha256 sums."}


def title(desc: dict[str, Any]) -> str:
    """The title of a release, as citations, CITATION.cff and the JSON-LD give it."""
    return desc.get("title") or desc.get("name") or "conflict-events"


def authors(desc: dict[str, Any]) -> list[str]:
    """The authors of a release: its descriptor's contributors, or :data:`AUTHORS` when it names none."""
    return [c["title"] for c in desc.get("contributors", []) if c.get("title")] or list(AUTHORS)


def release_info(version: str | None = None) -> dict[str, Any]:
    """What a citation needs about a release: from its datapackage.json, or from the registry if it is not installed."""
    from conflict_events import _data as data, _registry as registry
    from conflict_events._remote import RELEASES_URL, release_url

    version = data.latest() if version is None else str(version)
    if not data._is_version(version):
        raise ValueError(f"{version!r} is not a version: write it as MAJOR.MINOR.PATCH, such as 1.0.0")
    if (data.RELEASES_DIR / version / "datapackage.json").is_file():
        desc = data._verified_descriptor(version)  # every file checked: the fingerprint is of the files as they are
    else:
        entry = registry.read(data.RELEASES_DIR).get(version)
        if entry is None:
            raise LookupError(f"conflict-events has no release {version}; the releases are: {', '.join(data.versions()) or 'none'}")
        from conflict_events import _schema as schema

        desc = {**schema.descriptor(), "version": version, "created": entry["created"], "fingerprint": entry["fingerprint"]}
    licenses = [item.get("name") for item in desc.get("licenses", []) if item.get("name")]
    return {
        "title": title(desc),
        "authors": authors(desc),
        "version": desc["version"],
        "date": str(desc["created"])[:10],
        "fingerprint": desc["fingerprint"],
        "url": desc.get("homepage"),
        "files": release_url(version, RELEASES_URL),
        "license": licenses[0] if licenses else None,
    }


def cite(version: str | None = None, style: str = "text") -> str:
    """The citation of a release (the latest when ``version`` is None) in ``style``: text, apa, bibtex, ris or cff."""
    if style not in STYLES:
        raise ValueError(f"unknown citation style {style!r}; the styles are: {', '.join(STYLES)}")
    info = release_info(version)
    return {"text": _text, "apa": _apa, "bibtex": _bibtex, "ris": _ris, "cff": _cff}[style](info)


def _date(info: dict[str, Any]) -> _dt.date:
    return _dt.date.fromisoformat(info["date"])


def _text(info: dict[str, Any]) -> str:
    return (f"{' and '.join(info['authors'])} ({_date(info).year}). {info['title']}, version {info['version']} [Data set], "
            f"released {info['date']}. {info['url']}. Fingerprint: {info['fingerprint']}. "
            f"In Python: conflict_events.load(version=\"{info['version']}\").")


def _apa(info: dict[str, Any]) -> str:
    day = _date(info)
    return (f"{', '.join(info['authors'])}. ({day.year}, {day:%B} {day.day}). {info['title']} (Version {info['version']}) "
            f"[Data set]. {info['url']}. Fingerprint: {info['fingerprint']}.")


def _bibtex(info: dict[str, Any]) -> str:
    day = _date(info)
    key = "conflict_events_" + info["version"].replace(".", "_")
    fields = [
        ("author", "{" + " and ".join("{" + a + "}" for a in info["authors"]) + "}"),
        ("title", "{{" + info["title"] + "}}"),
        ("year", "{" + str(day.year) + "}"),
        ("month", f"{day:%b}".lower()),
        ("date", "{" + info["date"] + "}"),
        ("version", "{" + info["version"] + "}"),
        ("url", "{" + info["url"] + "}"),
        ("howpublished", "{\\url{" + info["url"] + "}}"),
        ("note", "{Data set, release " + info["version"] + " of " + info["date"] + "; fingerprint " + info["fingerprint"] + "}"),
    ]
    return f"@misc{{{key},\n" + "".join(f"  {name:<12} = {value},\n" for name, value in fields) + "}"


def _ris(info: dict[str, Any]) -> str:
    day = _date(info)
    lines = [("TY", "DATA"), *[("AU", a) for a in info["authors"]], ("TI", info["title"]), ("PY", str(day.year)),
             ("DA", f"{day:%Y/%m/%d}"), ("ET", info["version"]), ("UR", info["url"]), ("N1", f"Fingerprint: {info['fingerprint']}"),
             ("ER", "")]
    return "\n".join(f"{tag}  - {value}" for tag, value in lines)


def _cff(info: dict[str, Any]) -> str:
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    identifier = fingerprint_identifier(info["version"], info["fingerprint"])
    lines = [
        "cff-version: 1.2.0",
        f"message: {q(CFF_MESSAGE)}",
        "type: dataset",
        f"title: {q(info['title'])}",
        "authors:",
        *[f"  - name: {q(a)}" for a in info["authors"]],
        f"version: {q(info['version'])}",
        f"date-released: {q(info['date'])}",
    ]
    if info["license"]:
        lines.append(f"license: {info['license']}")
    if info["url"]:
        lines.append(f"url: {q(info['url'])}")
    lines += ["identifiers:", *_identifier_lines([identifier])]
    return "\n".join(lines) + "\n"


def _identifier_lines(identifiers: list[dict[str, Any]]) -> list[str]:
    lines = []
    for item in identifiers:
        first = True
        for key, value in item.items():
            shown = value if key == "type" and re.fullmatch(r"[a-z]+", str(value)) else json.dumps(value, ensure_ascii=False)
            lines.append(f"{'  - ' if first else '    '}{key}: {shown}")
            first = False
    return lines


def update_cff(text: str, version: str, date: str, fingerprint: str) -> str:
    """CITATION.cff with the release's version, date-released and fingerprint; everything else as it was."""
    import yaml

    try:
        current = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"CITATION.cff does not parse as YAML: {error}") from error
    if not isinstance(current, dict):
        raise ValueError("CITATION.cff is not a mapping of keys")
    text = text if text.endswith("\n") else text + "\n"
    text = _set(text, "version", json.dumps(version))
    text = _set(text, "date-released", json.dumps(date))
    kept = [item for item in current.get("identifiers") or []
            if not (isinstance(item, dict) and str(item.get("value", "")).startswith("sha256:"))]
    block = "\n".join(["identifiers:", *_identifier_lines([fingerprint_identifier(version, fingerprint), *kept])]) + "\n"
    pattern = re.compile(r"^identifiers:[ \t]*\n(?:(?:[ \t-].*)?\n)*", re.M)
    text = pattern.sub(lambda _: block, text, count=1) if pattern.search(text) else text.rstrip("\n") + "\n" + block
    updated = yaml.safe_load(text)
    if updated.get("version") != version or updated.get("date-released") != date or updated["identifiers"][0]["value"] != fingerprint:
        raise ValueError("CITATION.cff has a layout this update does not know; set version, date-released and identifiers by hand")
    return text


def _set(text: str, key: str, value: str) -> str:
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.M)
    if pattern.search(text):
        return pattern.sub(lambda _: f"{key}: {value}", text, count=1)
    return text.rstrip("\n") + f"\n{key}: {value}\n"

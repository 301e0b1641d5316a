"""A release as a schema.org ``Dataset`` in JSON-LD, for dataset search engines.

:func:`dataset_jsonld` derives it from the release's ``datapackage.json``
alone (nothing else is read): ``release`` writes it beside the descriptor
(``dataset.jsonld``, listed in the registry), and ``conflict-events export
--jsonld`` prints it for any release. The
authors are those of :func:`conflict_events._citation.cite`.
"""

from __future__ import annotations

import json
from typing import Any

#: IANA media types of the formats a release's files can have.
MEDIA_TYPES = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv", "json": "application/json"}


def dataset_jsonld(desc: dict[str, Any]) -> dict[str, Any]:
    """The schema.org ``Dataset`` of a release, from its ``datapackage.json`` (as a dict).

    Parameters
    ----------
    desc : dict
        A release's descriptor, with ``version`` and, for each resource, ``path``
        (and, when the release has them, ``bytes`` and ``hash``).

    Returns
    -------
    dict
        JSON-LD: ``name``, ``description``, ``version``, ``datePublished``,
        ``url``, ``license``, ``creator``, ``identifier`` (the fingerprint),
        one ``DataDownload`` per file (at the release's published URL, with
        its size and sha256) and one ``variableMeasured`` per field.

    Examples
    --------
    >>> from conflict_events._data import descriptor
    >>> from conflict_events._jsonld import dataset_jsonld
    >>> ld = dataset_jsonld(descriptor("1.0.0"))
    >>> ld["@type"], ld["version"]
    ('Dataset', '1.0.0')
    """
    from conflict_events._citation import authors, title
    from conflict_events._remote import RELEASES_URL, release_url

    version = desc["version"]
    files = release_url(version, RELEASES_URL)
    out: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": title(desc),
        "alternateName": desc["name"],
        "description": desc.get("description", ""),
        "version": version,
    }
    if desc.get("created"):
        out["datePublished"] = desc["created"]
    if desc.get("homepage"):
        out["url"] = desc["homepage"]
        out["sameAs"] = desc["homepage"]
    licenses = [item.get("path") or item.get("name") for item in desc.get("licenses", [])]
    if licenses:
        out["license"] = licenses[0] if len(licenses) == 1 else licenses
    out["isAccessibleForFree"] = True
    out["creator"] = [{"@type": "Organization", "name": name} for name in authors(desc)]
    if desc.get("keywords"):
        out["keywords"] = desc["keywords"]
    if desc.get("fingerprint"):
        out["identifier"] = desc["fingerprint"]
    out["distribution"] = [_download(resource, files) for resource in desc["resources"]]
    out["variableMeasured"] = [
        {"@type": "PropertyValue", "name": f"{resource['name']}.{field['name']}",
         **({"description": field["description"]} if isinstance(field.get("description"), str) else {})}
        for resource in desc["resources"] for field in resource["schema"]["fields"]
    ]
    return out


def render(desc: dict[str, Any]) -> str:
    """The text of a release's ``dataset.jsonld``: :func:`dataset_jsonld` as indented JSON."""
    return json.dumps(dataset_jsonld(desc), indent=2, ensure_ascii=False) + "\n"


def _download(resource: dict[str, Any], files: str) -> dict[str, Any]:
    download: dict[str, Any] = {"@type": "DataDownload", "name": resource["name"], "contentUrl": files + resource["path"]}
    media_type = MEDIA_TYPES.get(resource.get("format", ""))
    if media_type:
        download["encodingFormat"] = media_type
    if resource.get("description"):
        download["description"] = resource["description"]
    if resource.get("bytes") is not None:
        download["contentSize"] = f"{resource['bytes']} B"
    if str(resource.get("hash", "")).startswith("sha256:"):
        download["sha256"] = resource["hash"].removeprefix("sha256:")
    return download

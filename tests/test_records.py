"""The package's own records: valid, sourced, and faithful to the archived article."""

import datetime
import hashlib
import json

import yaml

from conflict_events import validate
from conflict_events._paths import DATASET_DIR
from tests.conftest import ARTICLE, REPO


def _events():
    for path in sorted((DATASET_DIR / "events").glob("*.yaml")):
        yield path, yaml.safe_load(path.read_text(encoding="utf-8"))


def test_own_records_are_valid():
    report = validate()
    assert report.problems == []
    assert len(report.files) == 2 + len(list((DATASET_DIR / "events").glob("*.yaml")))


def test_every_event_has_evidence_quoted_verbatim_or_a_claim_of_a_cited_report():
    archive = (DATASET_DIR / "archive" / f"{ARTICLE}.txt").read_text(encoding="utf-8")
    sources = {s["source_id"]: s for s in yaml.safe_load((DATASET_DIR / "sources.yaml").read_text(encoding="utf-8"))}
    quotes = claims = 0
    for path, record in _events():
        assert record["evidence"], f"{path.name} has no evidence"
        for item in record["evidence"]:
            assert (item.get("quote") is None) != (item.get("claim") is None), f"{path.name}: {item}"
            if item.get("quote") is not None:  # quoted: the archived article
                assert item["source_id"] == ARTICLE and item["quote"] in archive, f"{path.name}: {item['quote']!r}"
                quotes += 1
            else:  # a cited report: publisher (or a note on why none), address and publication time
                source = sources[item["source_id"]]
                assert source["archived_sha256"] is None and source["url"] and source["published"] and source["title"] is None
                assert source["publisher"] or source["note"]
                claims += 1
    assert quotes >= 13 and claims >= 45


def test_archive_is_the_article_in_shared_sources():
    archived = (DATASET_DIR / "archive" / f"{ARTICLE}.txt").read_bytes()
    sidecar = REPO.parent / "shared" / "sources" / "belarus-drills-dnipro-strike-2023-01-16.json"
    if sidecar.is_file():  # the shared folder sits beside the repository in development and CI
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        assert hashlib.sha256(archived).hexdigest() == meta["sha256"]
        assert len(archived) == meta["bytes"]
    sources = yaml.safe_load((DATASET_DIR / "sources.yaml").read_text(encoding="utf-8"))
    assert sources[0]["archived_sha256"] == hashlib.sha256(archived).hexdigest()


def test_resolved_dates_and_places_say_how():
    for path, record in _events():
        assert record["date_note"], f"{path.name}: every date here is resolved from the text and needs a note"
        if record["latitude"] is not None:
            assert record["geo_precision"] != "exact" and "GeoNames" in record["geo_note"]


def test_the_dnipro_casualty_reports_run_from_the_first_to_the_final_toll():
    record = yaml.safe_load((DATASET_DIR / "events" / "CE000004.yaml").read_text(encoding="utf-8"))
    reports = record["casualties"]
    seed = [r for r in reports if r["source_id"] == ARTICLE]
    assert [(r["as_of"], r["as_of_precision"], r["killed_best"], r["missing"], r["reported_by"]) for r in seed] == [
        (datetime.date(2023, 1, 16), "day", 35, 35, "UKR-REZNICHENKO")]
    assert len(reports) >= 25 and all(r["source_id"] and r["reported_by"] and r["note"] for r in reports)
    assert min(r["killed_best"] for r in reports if r["killed_best"] is not None) == 2
    assert max(r["killed_best"] for r in reports if r["killed_best"] is not None) == 46
    assert record["weapon"] == "Kh-22" and record["start_date"] == datetime.date(2023, 1, 14)


def test_own_records_read_the_same_under_yaml_1_2_as_under_1_1():
    """The switch to YAML 1.2's core schema changed no value of the package's records (dates stay text in both readings)."""
    from conflict_events._records import load_yaml

    def plain(value):  # numbers as floats: YAML 1.1 made them numbers, the reader keeps their text
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and value[:1].isdigit() and value.replace(".", "", 1).isdigit():
            return float(value)
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    paths = sorted((DATASET_DIR / "events").glob("*.yaml")) + [DATASET_DIR / "actors.yaml", DATASET_DIR / "sources.yaml", DATASET_DIR / "retired.yaml"]
    for path in paths:
        data, problems = load_yaml(path, path.name)
        assert problems == [] and plain(data) == plain(yaml.safe_load(path.read_text(encoding="utf-8"))), path.name

"""conflict-events validate on table files and hostile input: every problem, located, nothing changed."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import conflict_events as ce
from conflict_events import _data
from conflict_events import _tablefiles as tablefiles
from conflict_events._export import _text_rows, export
from conflict_events._render import GITHUB_ANNOTATIONS, render
from conflict_events._problems import Problem
from tests.conftest import edit

TABLES = ["events", "actors", "sources", "evidence", "casualties", "equipment", "vocabularies"]


def _rules(report):
    return sorted({p.rule for p in report.problems})


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_then_validate_passes_for_every_table(tmp_path, fmt):
    paths = [export(table, fmt, tmp_path / f"{table}.{fmt}") for table in TABLES]
    for path in paths:
        report = ce.validate([path])
        assert report.problems == [], path.name
    assert ce.validate(paths).valid


def test_export_round_trips_values(tmp_path):
    events = ce.load()
    for fmt in ("csv", "json"):
        path = export("events", fmt, tmp_path / f"events.{fmt}")
        if fmt == "csv":
            rows = pd.read_csv(path, dtype=str, keep_default_na=False).to_dict(orient="records")
        else:
            rows = json.loads(path.read_text("utf-8"))
        assert [r["event_id"] for r in rows] == events["event_id"].tolist()
        (dnipro,) = [r for r in rows if r["event_id"] == "CE000004"]
        assert (str(dnipro["fatalities_best"]), dnipro["start_date"]) == ("46", "2023-01-14")
        assert dnipro["fatalities_low"] in ("", None)


def test_export_neutralises_formulas():
    frame = pd.DataFrame({"actor_id": ["X"], "name": ['=HYPERLINK("http://x")'], "actor_type": ["group"],
                          "country_iso3": [None], "parent_id": [None], "note": ["@SUM(A1)"]})
    fields = _data.descriptor()["resources"][1]["schema"]["fields"]
    rows = _text_rows(frame, fields, for_csv=True)
    assert rows.loc[0, "name"] == '\'=HYPERLINK("http://x")' and rows.loc[0, "note"] == "'@SUM(A1)"


def _write_csv(path: Path, frame: pd.DataFrame, **options) -> Path:
    frame.to_csv(path, index=False, **options)
    return path


def _actors(tmp_path):
    return pd.read_csv(export("actors", "csv", tmp_path / "source.csv"), dtype=str, keep_default_na=False)


def test_formula_in_a_csv_cell_is_flagged(tmp_path):
    actors = _actors(tmp_path)
    actors.loc[2, "note"] = "=1+1"
    (problem,) = ce.validate([_write_csv(tmp_path / "actors.csv", actors)]).problems
    assert (problem.rule, problem.field, problem.line, problem.value) == ("formula-injection", "note", 4, "=1+1")


def test_bom_and_crlf_are_accepted(tmp_path):
    actors = _actors(tmp_path)
    path = _write_csv(tmp_path / "actors.csv", actors, encoding="utf-8-sig", lineterminator="\r\n")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in path.read_bytes()
    assert ce.validate([path]).valid
    record = tmp_path / "CE000003.yaml"
    text = (ce._paths.DATASET_DIR / "events" / "CE000003.yaml").read_text("utf-8")
    record.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert ce.validate([record]).valid


def test_non_utf8_names_the_line_and_the_encoding(tmp_path):
    actors = _actors(tmp_path)
    actors = actors[actors["name"].map(lambda name: name.isascii())].reset_index(drop=True)  # all but one name fit Windows-1252
    actors.loc[1, "name"] = "Bélarus"
    path = _write_csv(tmp_path / "actors.csv", actors, encoding="cp1252")
    (problem,) = ce.validate([path]).problems
    assert problem.rule == "file-encoding" and problem.line == 3
    assert "UTF-8" in problem.message and "Windows-1252" in problem.message


@pytest.mark.parametrize("name, content, rule", [
    ("events.csv", b"", "file-empty"),
    ("events.csv", b"   \n\n", "file-empty"),
    ("evidence.csv", b"\x00\x01PK\x03\x04", "file-binary"),
    ("CE000050.yaml", b"", "file-empty"),
    ("CE000050.yaml", b"\x89PNG\r\n\x1a\n\x00\x00", "file-binary"),
    ("CE000050.yaml", b"event_id: [unclosed\n", "yaml-syntax"),
    ("events.json", b'[{"event_id": "CE000001",}]', "json-syntax"),
    ("events.parquet", b"PAR1 not really", "file-format"),
    ("notes.txt", b"hello", "file-format"),
    ("people.csv", b"a,b\n1,2\n", "table-unknown"),
])
def test_bad_files_get_a_named_rule(tmp_path, name, content, rule):
    path = tmp_path / name
    path.write_bytes(content)
    report = ce.validate([path])
    assert _rules(report) == [rule]
    assert report.problems[0].file.endswith(name)


def test_yaml_object_tags_are_refused_and_never_constructed(tmp_path):
    marker = tmp_path / "constructed"
    path = tmp_path / "CE000051.yaml"
    path.write_text(f'event_id: CE000051\nevent_type: !!python/object/apply:os.system ["touch {marker}"]\n', "utf-8")
    (problem,) = ce.validate([path]).problems
    assert (problem.rule, problem.line) == ("yaml-unsafe-tag", 2)
    assert not marker.exists()


def test_yaml_too_large_is_refused(tmp_path, monkeypatch):
    from conflict_events import _records as records

    monkeypatch.setattr(records, "MAX_YAML_BYTES", 100)
    path = tmp_path / "CE000052.yaml"
    path.write_text("summary: " + "x" * 200 + "\n", "utf-8")
    assert _rules(ce.validate([path])) == ["file-too-large"]


def test_csv_lines_are_physical_lines(tmp_path):
    actors = _actors(tmp_path)
    actors.loc[0, "note"] = "one\ntwo\nthree"
    actors.loc[5, "actor_type"] = "statee"
    (problem,) = ce.validate([_write_csv(tmp_path / "actors.csv", actors)]).problems
    assert (problem.rule, problem.line) == ("enum", 5 + 2 + 2)  # header, 5 rows before it, 2 extra lines in row 0


def test_parquet_problems_name_the_row(tmp_path):
    actors = ce.load("actors")
    actors["actor_type"] = actors["actor_type"].astype(object)
    actors.loc[4, "actor_type"] = "statee"
    path = tmp_path / "actors.parquet"
    actors.to_parquet(path)
    (problem,) = ce.validate([path]).problems
    assert (problem.rule, problem.line, problem.field) == ("enum", 5, "actor_type")


def test_repeats_across_batches_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(tablefiles, "BATCH_BYTES", 256)  # many small batches
    actors = _actors(tmp_path)
    actors = pd.concat([actors, actors.iloc[[0]]], ignore_index=True)
    path = _write_csv(tmp_path / "actors.csv", actors)
    assert path.stat().st_size > 3 * 256
    (problem,) = ce.validate([path]).problems
    assert (problem.rule, problem.field, problem.line, problem.value) == ("unique", "actor_id", len(actors) + 1, actors.loc[0, "actor_id"])


def test_events_without_any_evidence_file_are_counted_and_listed_up_to_the_limit(tmp_path):
    events = pd.read_csv(export("events", "csv", tmp_path / "x.csv"), dtype=str, keep_default_na=False)
    events["event_id"] = [f"CE9{i:05d}" for i in range(len(events))]
    events["start_date"] = "2020-01-01"  # not near-duplicates of the released events
    report = ce.validate([_write_csv(tmp_path / "events.csv", events)], max_problems=5)
    listed = [p for p in report.problems if p.rule == "event-without-evidence"]
    assert report.counts["event-without-evidence"] == len(events) == 20
    assert [p.line for p in listed] == [2, 3, 4, 5, 6]
    assert listed[0].message == "event 'CE900000' has no evidence"


def test_a_near_duplicate_event_is_flagged(dataset):
    text = (dataset / "events" / "CE000003.yaml").read_text("utf-8").replace("CE000003", "CE000099")
    (dataset / "events" / "CE000099.yaml").write_text(text, "utf-8")
    problems = ce.validate([dataset]).problems
    assert [(p.rule, Path(p.file).name) for p in problems] == [("near-duplicate", "CE000099.yaml")]


def test_a_single_new_record_is_checked_against_the_package(tmp_path):
    text = (ce._paths.DATASET_DIR / "events" / "CE000010.yaml").read_text("utf-8")
    record = tmp_path / "CE000060.yaml"
    record.write_text(text.replace("CE000010", "CE000060").replace("end_date: 2023-01-15", "end_date: 2023-01-14"), "utf-8")
    assert ce.validate([record]).valid
    edit(record, "actor1_id: UKR-ZELENSKY", "actor1_id: UKR-NOBODY")
    assert _rules(ce.validate([record])) == ["foreign-key"]
    alone = ce.validate([record], base=None).problems  # no actors or sources at all
    assert {(p.rule, p.field) for p in alone} == {("foreign-key", "actor1_id"), ("foreign-key", "source_id"), ("foreign-key", "attributed_to")}


def _digest(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_validation_never_changes_its_inputs_and_is_repeatable(dataset, tmp_path):
    edit(dataset / "events" / "CE000001.yaml", "end_date: 2023-02-01", "end_date: 2023-01-10")
    export("events", "csv", dataset / "events.csv")
    before = _digest(dataset)
    first = ce.validate([dataset, dataset / "events.csv"])
    second = ce.validate([dataset, dataset / "events.csv"])
    assert _digest(dataset) == before
    assert first.problems == second.problems and first.problems


def test_github_annotations_are_escaped_and_capped(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    problems = [Problem(f"dir,a:b/{i}.yaml", i + 1, "summary", "enum", f"bad\nvalue 100%, {i}") for i in range(GITHUB_ANNOTATIONS + 5)]
    out = render(problems, "github").splitlines()
    errors = [line for line in out if line.startswith("::error ")]
    assert len(errors) == GITHUB_ANNOTATIONS
    assert errors[0] == "::error file=dir%2Ca%3Ab/0.yaml,line=1,title=enum (summary)::bad%0Avalue 100%25, 0. Hint: use one of the codes listed in the message (see schema/vocabularies.yaml)"
    table = summary.read_text("utf-8")
    assert table.count("\n| dir,a:b/") == GITHUB_ANNOTATIONS + 5


def test_cli_export_and_unreadable_exit_codes(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "conflict_events", *map(str, a)], capture_output=True, text=True)
    result = run("export", "--table", "actors", "--format", "csv", "-o", tmp_path / "actors.csv")
    assert result.returncode == 0 and (tmp_path / "actors.csv").is_file()
    assert run("validate", tmp_path / "actors.csv").returncode == 0
    bad = run("export", "--table", "people", "--format", "csv", "-o", tmp_path / "x.csv")
    assert bad.returncode == 2 and "no table 'people'" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x.csv").exists()


def test_a_new_record_that_repeats_a_released_event_is_a_near_duplicate(tmp_path):
    text = (ce._paths.DATASET_DIR / "events" / "CE000003.yaml").read_text("utf-8")
    record = tmp_path / "CE000061.yaml"
    record.write_text(text.replace("CE000003", "CE000061"), "utf-8")
    (problem,) = ce.validate([record]).problems
    assert (problem.rule, problem.field, problem.line) == ("near-duplicate", "event_id", 1)


def test_csv_chunks_end_at_record_ends(tmp_path, monkeypatch):
    """Small batches cut a file with quoted commas, quotes and line breaks only between records."""
    monkeypatch.setattr(tablefiles, "BATCH_BYTES", 64)
    rows = pd.DataFrame({"actor_id": [f"X{i}" for i in range(40)], "name": [f'Name, "{i}"\nsecond line' for i in range(40)],
                         "actor_type": "group", "country_iso3": "", "parent_id": "", "note": ["" if i % 3 else "a\n\nb" for i in range(40)]})
    path = _write_csv(tmp_path / "actors.csv", rows)
    read = pd.concat([batch.table.to_pandas() for batch in tablefiles.csv_batches(path, "actors.csv")])
    assert read["name"].tolist() == rows["name"].tolist() and read["note"].tolist() == rows["note"].tolist()
    assert ce.validate([path]).valid


def _lines_by_hand(chunk: bytes, eol: bytes, first: int) -> tuple[list[int], list[int]]:
    """The physical line and length of each non-blank record, walking the bytes: a line end outside quotes ends a record."""
    records, start, start_line, line, quotes = [], 0, first, first, 0
    for at, byte in enumerate(chunk):
        quotes += byte == ord('"')
        if byte == eol[0]:
            line += 1
            if quotes % 2 == 0:
                records.append((start_line, start, at))
                start, start_line = at + 1, line
    if start < len(chunk):
        records.append((start_line, start, len(chunk)))
    kept = [(n, end - begin - (eol == b"\n" and chunk[begin:end] == b"\r")) for n, begin, end in records]
    return [n for n, size in kept if size > 0], [size for n, size in kept if size > 0]


@given(st.lists(st.sampled_from([b"a", b",", b'"', b"\n", b"\r", b"\r\n"]), min_size=1, max_size=40), st.sampled_from([b"\n", b"\r"]))
def test_record_lines_agree_with_a_walk_over_the_bytes(pieces, eol):
    """Any chunk the reader cuts (never an empty one): quotes, blank lines, CRLF and line breaks inside quotes."""
    chunk = b"".join(pieces)
    lines, sizes = tablefiles._record_lines(chunk, eol, 7, *tablefiles._line_ends(chunk, eol))
    assert (list(lines), list(sizes)) == _lines_by_hand(chunk, eol, 7)


def test_tables_read_in_batches_line_up_and_keep_codes_as_categoricals(tmp_path, monkeypatch):
    """The kept parts of a table read in many batches have their chunks in line (else every eager polars
    operation copies the whole table), and identifiers and codes are kept as Categoricals."""
    import polars as pl

    from conflict_events._engine import columnar

    monkeypatch.setattr(tablefiles, "BATCH_BYTES", 256)
    merged = {}
    original = columnar.Engine.merged

    def keep(self):
        merged.update(original(self))
        return merged

    monkeypatch.setattr(columnar.Engine, "merged", keep)
    # the package retires no id: every retired row is given, and successor is empty in each batch
    rows = pd.DataFrame({"event_id": [f"CE9{i:05d}" for i in range(60)], "reason": "withdrawn", "successor": "",
                         "retired_in": "9.0.0", "note": [f"withdrawn, note {i}" for i in range(60)]})
    ce.validate([_write_csv(tmp_path / "retired.csv", rows)])
    retired = merged["retired"]
    assert retired.height == 60 and retired["event_id"].n_chunks() > 5
    assert {c: retired[c].n_chunks() for c in retired.columns} == dict.fromkeys(retired.columns, retired["event_id"].n_chunks())
    assert retired.schema["event_id"] == pl.Categorical and retired.schema["reason"] == pl.Categorical


def test_a_short_csv_row_is_reported(tmp_path):
    path = tmp_path / "actors.csv"
    path.write_text("actor_id,name,actor_type,country_iso3,parent_id,note\nXA,One,group,,,\nXB,Two,group\n", "utf-8")
    (problem,) = ce.validate([path]).problems
    assert problem.rule == "record-shape" and "3 cells where the header has 6" in problem.message


def test_a_base_record_changed_between_two_validations_is_read_again(tmp_path):
    """validate() keeps the base records it read; a change to any of their files is seen at the next call."""
    import shutil

    base = shutil.copytree(ce._paths.DATASET_DIR, tmp_path / "dataset", ignore=shutil.ignore_patterns("archive"))
    given = tmp_path / "actors.csv"
    given.write_text("actor_id,name,actor_type,country_iso3,parent_id,note\nBENCH-UNIT,A unit,force,UKR,BENCH-HQ,\n", encoding="utf-8")
    first = ce.validate([given], base=base)
    assert first.counts == {"foreign-key": 1}  # parent BENCH-HQ is no actor of the base
    with open(base / "actors.yaml", "a", encoding="utf-8") as handle:
        handle.write("- {actor_id: BENCH-HQ, name: A headquarters, actor_type: force, country_iso3: UKR, parent_id: UKR, note: null}\n")
    assert ce.validate([given], base=base).counts == {}
    (base / "actors.yaml").write_text((ce._paths.DATASET_DIR / "actors.yaml").read_text("utf-8"), encoding="utf-8")
    assert ce.validate([given], base=base).counts == {"foreign-key": 1}

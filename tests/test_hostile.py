"""Hostile input: every malformed, oversized, irregular or sneaky file gets a named problem; nothing crashes, hangs or leaks."""

import json
import os
import threading
import tomllib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import conflict_events as ce
from conflict_events import _files, _cli as cli, _records as records, _tablefiles as tablefiles
from conflict_events._export import export
from conflict_events._records import load_yaml
from conflict_events._render import render
from tests.conftest import REPO

RECORD = (REPO / "validation" / "gallery" / "valid" / "input" / "CE000100.yaml").read_text("utf-8")
SECRET = "TOPSECRET: the launch codes are 0000, said the President Volodymyr Zelensky said last week"


def _found(report):
    return [(Path(p.file).name, p.line, p.field, p.rule) for p in report.problems]


def _rules(report):
    return {p.rule for p in report.problems}


def _yaml(tmp_path, text, name="CE000100.yaml"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    data, problems = load_yaml(path, name)
    return data, [(p.line, p.field, p.rule) for p in problems]


def _finishes(function, seconds=20):
    """Run ``function`` in a thread; fail (instead of hanging the suite) if it does not return in time."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return result["value"]


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory):
    """The released events as CSV text."""
    return export("events", "csv", tmp_path_factory.mktemp("export") / "events.csv").read_text("utf-8")


# --- YAML -----------------------------------------------------------------------------------------


def test_yaml_is_read_with_the_core_schema_of_yaml_1_2_and_numbers_keep_their_text(tmp_path):
    data, problems = _yaml(tmp_path, "a: 1:30\nb: 012\nc: yes\nd: off\ne: 0o14\nf: 0x0c\ng: 1e3\nh: ~\ni: 2023-02-30\nj: true\nk: 0E0\n")
    assert problems == []
    assert data == {"a": "1:30", "b": "012", "c": "yes", "d": "off", "e": "0o14", "f": "0x0c", "g": "1e3", "h": None, "i": "2023-02-30", "j": True,
                    "k": "0E0"}


def test_numbers_in_records_are_typed_by_their_field(tmp_path):
    path = tmp_path / "CE000100.yaml"
    record = RECORD.replace("summary: A gallery example of a statement record.", "summary: 1:30")
    path.write_text(record.replace("weapon: null", "weapon: 0E0"), "utf-8")
    assert ce.validate([path]).valid  # text fields keep the text written, even when YAML calls it a number
    with_figures = RECORD + "casualties:\n  - {as_of: 2023-01-08, as_of_precision: day, source_id: article-2023-01-16-belarus-drills-dnipro-strike, killed_best: 012}\n"
    path.write_text(with_figures, "utf-8")
    assert ce.validate([path]).valid  # 012 is twelve, not octal ten: no sexagesimal or octal readings
    path.write_text(with_figures.replace("killed_best: 012", "killed_best: 0x0c"), "utf-8")
    assert _found(ce.validate([path])) == [("CE000100.yaml", 27, "killed_best", "type")]


def test_nan_in_a_record_is_a_type_problem_not_an_empty_value(tmp_path):
    path = tmp_path / "CE000100.yaml"
    path.write_text(RECORD.replace("latitude: null", "latitude: .nan"), "utf-8")
    assert _found(ce.validate([path])) == [("CE000100.yaml", 11, "latitude", "type")]


def test_a_duplicate_key_names_both_lines(tmp_path):
    path = tmp_path / "CE000100.yaml"
    path.write_text(RECORD.replace("weapon: null\n", "weapon: null\nweapon: Kh-22\n"), "utf-8")
    (problem,) = ce.validate([path]).problems
    assert (problem.rule, problem.line, problem.field) == ("yaml-duplicate-key", 18, "weapon")
    assert "first on line 17" in problem.message


def test_keys_that_are_not_text_are_problems_not_crashes(tmp_path):
    data, problems = _yaml(tmp_path, "event_id: CE000100\n? [a, b]\n: list key\n? {a: 1}\n: map key\n2023: number key\nnull: null key\n")
    assert data == {"event_id": "CE000100"}
    assert problems == [(2, None, "record-shape"), (4, None, "record-shape"), (6, None, "record-shape"), (7, None, "record-shape")]


def test_deep_yaml_is_refused_before_the_stack_runs_out(tmp_path):
    assert _yaml(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n")[1] == [(1, None, "nesting-too-deep")]
    assert _yaml(tmp_path, "a:\n" + "".join("  " * i + "- \n" for i in range(records.MAX_YAML_DEPTH + 5)))[1] == [(records.MAX_YAML_DEPTH + 1, None, "nesting-too-deep")]


def test_a_billion_laughs_is_refused(tmp_path):
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    data, problems = _finishes(lambda: _yaml(tmp_path, "\n".join(lines) + "\n"))
    assert data is None and [rule for _, _, rule in problems] == ["yaml-alias-limit"]
    assert _yaml(tmp_path, "a: &x [1, *x]\n")[1] == [(1, None, "yaml-alias-limit")]  # an alias inside itself
    data, problems = _yaml(tmp_path, "a: &q a quote\nb: *q\n")  # a few aliases are fine
    assert (data, problems) == ({"a": "a quote", "b": "a quote"}, [])


def test_only_plain_data_tags(tmp_path):
    for text in ("a: !!binary aGVsbG8=\n", "a: !!set {x}\n", "a: !!timestamp 2023-01-01\n", "a: !!int 1:30\n", "a: !!bool maybe\n"):
        assert _yaml(tmp_path, text) == (None, [(1, None, "yaml-unsafe-tag")]), text
    assert _yaml(tmp_path, 'a: !!str 012\nb: !!int "12"\n') == ({"a": "012", "b": "12"}, [])


def test_a_record_file_of_comments_or_null_holds_no_record(tmp_path):
    assert _yaml(tmp_path, "# event_id: CE000100\n# to do\n") == (None, [(None, None, "file-empty")])
    assert _yaml(tmp_path, "null\n") == (None, [(1, None, "record-shape")])
    path = tmp_path / "CE000100.yaml"
    path.write_text("# nothing yet\n", "utf-8")
    assert _rules(ce.validate([path], base=None)) == {"file-empty"}


# --- files that are not regular, and reads outside the folder ----------------------------------------


@pytest.mark.parametrize("name", ["CE000100.yaml", "events.csv", "events.json", "events.jsonl", "events.parquet", "sources.yaml"])
def test_a_fifo_is_a_problem_and_never_blocks(tmp_path, name):
    os.mkfifo(tmp_path / name)
    report = _finishes(lambda: ce.validate([tmp_path / name], base=None))
    assert _found(report) == [(name, None, None, "file-not-regular")]


def test_a_device_is_a_problem(tmp_path):
    for name in ("CE000100.yaml", "events.csv"):
        (tmp_path / name).symlink_to("/dev/zero")  # reading it would never end
        report = _finishes(lambda: ce.validate([tmp_path / name], base=None))
        assert _found(report) == [(name, None, None, "file-not-regular")]
        assert "character device" in report.problems[0].message


def _archive_attack(dataset: Path, outside: Path) -> None:
    """Three sources whose archived text would be a file outside the dataset, each cited by an event whose quote is not in it."""
    (outside / "secret.txt").write_text(SECRET, "utf-8")
    (dataset / "archive" / "linked-source.txt").symlink_to(outside / "secret.txt")
    ids = [os.path.relpath(outside / "secret", dataset / "archive"), str(outside / "secret"), "linked-source"]
    assert ids[0].startswith("../")
    with open(dataset / "sources.yaml", "a", encoding="utf-8") as handle:
        for source_id in ids:
            handle.write(f"- {{source_id: '{source_id}', source_type: article, title: T, publisher: null, url: null, published: 2023-01-16,"
                         " language: en, archived_sha256: null, note: null}\n")
    for number, source_id in enumerate(ids):
        record = RECORD.replace("CE000100", f"CE00010{number}").replace("2023-01-02", f"2023-01-0{number + 2}")
        record = record.replace("source_id: article-2023-01-16-belarus-drills-dnipro-strike", f"source_id: '{source_id}'")
        (dataset / "events" / f"CE00010{number}.yaml").write_text(record, "utf-8")


def test_a_source_id_is_a_name_and_no_file_outside_the_archive_is_read_or_printed(dataset, tmp_path, capsys):
    _archive_attack(dataset, tmp_path)
    report = ce.validate([dataset])
    found = {(Path(p.file).name, p.field, p.rule) for p in report.problems}
    assert ("sources.yaml", "source_id", "pattern") in found  # the two ids that are paths
    assert ("linked-source.txt", None, "path-outside-dataset") in found
    assert "quote-not-in-source" not in _rules(report)
    for fmt in ("text", "json", "github"):
        assert "TOPSECRET" not in render(report.problems, fmt)
    assert cli.main(["validate", str(dataset), "--format", "json"]) == 1
    assert "TOPSECRET" not in capsys.readouterr().out


def test_the_archived_text_of_a_source(tmp_path):
    archive = tmp_path / "dataset" / "archive"
    archive.mkdir(parents=True)
    (archive / "a-source.txt").write_text("text", "utf-8")
    (tmp_path / "outside.txt").write_text(SECRET, "utf-8")
    (archive / "away.txt").symlink_to(tmp_path / "outside.txt")
    assert _files.archived_text(archive, "a-source") == b"text"
    assert _files.archived_text(archive, "no-such-source") is None
    for source_id in ("../outside", str(tmp_path / "outside"), "A-Source", None, 7):
        assert _files.archived_text(archive, source_id) is None, source_id
    with pytest.raises(_files.FileProblem) as refused:
        _files.archived_text(archive, "away")
    assert refused.value.problem.rule == "path-outside-dataset" and "TOPSECRET" not in refused.value.problem.message


def test_symlinks_that_leave_a_given_folder_are_not_followed(dataset, tmp_path, events_csv):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "events.csv").write_text(events_csv, "utf-8")
    (tmp_path / "elsewhere" / "CE000100.yaml").write_text(RECORD, "utf-8")
    contribution = tmp_path / "contribution"
    contribution.mkdir()
    (contribution / "events.csv").symlink_to(tmp_path / "elsewhere" / "events.csv")
    (contribution / "more").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert _found(ce.validate([contribution])) == [("events.csv", None, None, "path-outside-dataset"), ("more", None, None, "path-outside-dataset")]
    (dataset / "events" / "CE000100.yaml").symlink_to(tmp_path / "elsewhere" / "CE000100.yaml")
    assert _found(ce.validate([dataset])) == [("CE000100.yaml", None, None, "path-outside-dataset")]
    assert ce.validate([tmp_path / "elsewhere" / "CE000100.yaml"]).valid  # a file named outside any dataset is read: it was given


# --- CSV ------------------------------------------------------------------------------------------


def _one_bad(events_csv):
    """The events CSV with the third row's event_type misspelt (line 4)."""
    lines = events_csv.splitlines(keepends=True)
    event_id, event_type, rest = lines[3].split(",", 2)
    lines[3] = f"{event_id},{event_type}s,{rest}"
    return "".join(lines)


def _csv(tmp_path, text, name="events.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_an_empty_event_id_is_a_problem_not_a_crash(tmp_path, events_csv):
    lines = events_csv.splitlines(keepends=True)
    lines[1] = "," + lines[1].split(",", 1)[1]
    report = ce.validate([_csv(tmp_path, "".join(lines))])
    assert ("events.csv", 2, "event_id", "required") in _found(report)


@pytest.mark.parametrize("line_end", ["\r", "\r\n", "\n"])
def test_csv_line_ends_of_every_kind_are_read_with_their_lines(tmp_path, events_csv, line_end):
    text = _one_bad(events_csv).replace("\n", line_end)
    (raw,) = tablefiles.batches(_csv(tmp_path, text), "events.csv")
    assert raw.table.num_rows == len(events_csv.splitlines()) - 1 and raw.lines_exact
    report = ce.validate([_csv(tmp_path, "\ufeff" + text)])
    assert ("events.csv", 4, "event_type", "enum") in _found(report)


def test_the_header_is_the_first_line_that_is_not_blank(tmp_path, events_csv):
    path = _csv(tmp_path, "\n\r\n  \n" + _one_bad(events_csv).replace("\n", "\n\n", 5))
    (raw,) = tablefiles.batches(path, "events.csv")
    assert raw.table.column_names[0] == "event_id" and raw.table.num_rows == len(events_csv.splitlines()) - 1
    assert raw.table.column("_line").to_pylist()[:4] == [6, 8, 10, 12]
    assert ("events.csv", 10, "event_type", "enum") in _found(ce.validate([path]))


def test_rows_after_a_short_row_keep_their_lines(tmp_path):
    path = _csv(tmp_path, 'actor_id,name,actor_type,country_iso3,parent_id,note\n"X1","a\nb",group,,,\nX2,short\nX3,c,groups,,,\n', "actors.csv")
    assert sorted(_found(ce.validate([path], base=None))) == [("actors.csv", 4, None, "record-shape"), ("actors.csv", 5, "actor_type", "enum")]


def test_a_repeated_csv_column_is_a_problem(tmp_path, events_csv):
    lines = events_csv.splitlines(keepends=True)
    text = "".join(line.rstrip("\n") + (",summary\n" if i == 0 else ",another\n") for i, line in enumerate(lines))
    assert _found(ce.validate([_csv(tmp_path, text)])) == [("events.csv", 1, "summary", "duplicate-column")]


def test_huge_cells_and_lines_are_problems(tmp_path, events_csv):
    lines = events_csv.splitlines(keepends=True)
    big = "x" * (200 << 10)  # beyond the csv module's 128 KiB field limit and Arrow's block
    text = events_csv.replace("Belarus and Russia held a joint tactical flight exercise", big, 1)
    assert big in text.splitlines()[1]
    report = ce.validate([_csv(tmp_path, text)])
    assert ("events.csv", 2, "summary", "cell-too-long") in _found(report) and "required" not in _rules(report)
    assert all(len(str(p.value)) < 1000 and len(p.message) < 1000 for p in report.problems)
    report = ce.validate([_csv(tmp_path, lines[0] + "x" * (tablefiles.MAX_LINE_BYTES + 10) + "\n" + "".join(lines[2:]))])
    assert ("events.csv", 2, None, "line-too-long") in _found(report)
    unclosed = _finishes(lambda: ce.validate([_csv(tmp_path, lines[0] + '"' + "a,\n" * (tablefiles.MAX_LINE_BYTES // 2))]))
    assert _found(unclosed) == [("events.csv", 2, None, "line-too-long")]


# --- JSON and JSON Lines ------------------------------------------------------------------------


@pytest.mark.parametrize("name, text, line, rule", [
    ("events.json", "[" * 100_000 + "]" * 100_000, None, "nesting-too-deep"),
    ("events.jsonl", '{"event_id": ' + "[" * 100_000 + "]" * 100_000 + "}\n", 1, "nesting-too-deep"),
    ("events.json", '[{"event_id": "CE000100"}]\n]garbage', 2, "json-syntax"),
    ("events.json", '{"data": []} {"data": []}', 1, "json-syntax"),
    ("events.json", '[{"event_id": "CE000100"},]', 1, "json-syntax"),
    ("events.json", '[{"latitude": NaN}]', 1, "json-syntax"),
    ("events.jsonl", '{"event_id": "CE000100"}\n{"latitude": Infinity}\n', 2, "json-syntax"),
    ("events.jsonl", '{"event_id": "CE000100"} {"event_id": "CE000101"}\n', 1, "json-syntax"),
])
def test_bad_json_is_a_located_problem(tmp_path, name, text, line, rule):
    assert _found(ce.validate([_csv(tmp_path, text, name)], base=None)) == [(name, line, None, rule)]


def test_json_cells_are_the_text_written(tmp_path):
    path = _csv(tmp_path, '[{"actor_id": "X1", "name": "a", "actor_type": "group", "note": 1.50}, {"actor_id": "X2", "name": true, '
                          '"actor_type": "group", "parent_id": ["X1"], "country_iso3": {"a": 1}}]', "actors.json")
    (raw,) = tablefiles.batches(path, "actors.json")
    assert raw.table.to_pylist()[0] == {"actor_id": "X1", "name": "a", "actor_type": "group", "note": "1.50", "_line": 1,
                                        "parent_id": None, "country_iso3": None}
    assert sorted(_found(ce.validate([path], base=None))) == [("actors.json", 1, f, "type") for f in ("country_iso3", "name", "parent_id")]


def test_a_large_json_array_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tablefiles, "MAX_JSON_BYTES", 100)
    path = _csv(tmp_path, json.dumps([{"event_id": f"CE{i:06d}"} for i in range(10)]), "events.json")
    assert _found(ce.validate([path], base=None)) == [("events.json", None, None, "file-too-large")]


# --- Parquet ------------------------------------------------------------------------------------


def test_a_parquet_file_written_by_polars_validates_as_the_pandas_one(tmp_path):
    pl = pytest.importorskip("polars")
    pandas_written = export("events", "parquet", tmp_path / "pandas" / "events.parquet")
    polars_written = tmp_path / "polars" / "events.parquet"
    polars_written.parent.mkdir()
    frame = pl.read_parquet(pandas_written)
    assert frame["fatalities_best"].null_count() > 0  # nullable whole numbers, without pandas metadata
    frame.write_parquet(polars_written)
    assert b"pandas" not in pq.read_schema(polars_written).to_string().encode()
    assert ce.validate([polars_written]).problems == ce.validate([pandas_written]).problems == []


def test_parquet_types_become_text_by_the_descriptor(tmp_path):
    table = pq.read_table(export("events", "parquet", tmp_path / "export.parquet"))
    columns = dict(zip(table.column_names, table.columns))
    columns["source_ids"] = pa.array([ids.split(";") for ids in columns["source_ids"].to_pylist()])  # a list column
    columns["event_type"] = columns["event_type"].dictionary_encode()
    columns["start_date"] = columns["start_date"].cast(pa.timestamp("ns"))  # a day as its midnight
    pq.write_table(pa.table(columns), tmp_path / "events.parquet")
    (raw,) = tablefiles.batches(tmp_path / "events.parquet", "events.parquet")
    first = raw.table.slice(0, 1).to_pylist()[0]
    assert {k: first[k] for k in ("start_date", "fatalities_best", "source_ids", "_line")} == {
        "start_date": "2023-01-16", "fatalities_best": None, "source_ids": "article-2023-01-16-belarus-drills-dnipro-strike;dzen-2023-02-01-awards;lenta-2023-01-26-drills;newsaz-2023-01-16-start;"
                      "pledgetimes-2023-02-01-ruzhany;pravda-2023-01-08-drills;sbby-2023-02-02-drills-completed", "_line": 1}
    assert all(raw.table.schema.field(name).type == pa.large_string() for name in table.column_names)
    assert ce.validate([tmp_path / "events.parquet"]).valid


def test_a_parquet_file_with_the_wrong_schema_is_a_problem_per_column(tmp_path):
    table = pq.read_table(export("actors", "parquet", tmp_path / "export.parquet"))
    rows = table.num_rows
    table = table.set_column(table.column_names.index("note"), "note", pa.array([{"a": 1}] * rows))
    table = table.set_column(table.column_names.index("name"), "name", pa.array([True] * rows))
    table = table.append_column("actor_id", table.column("actor_id"))
    pq.write_table(table, tmp_path / "actors.parquet")
    assert sorted(_found(ce.validate([tmp_path / "actors.parquet"])), key=str) == [
        ("actors.parquet", None, "actor_id", "duplicate-column"), ("actors.parquet", None, "name", "type"), ("actors.parquet", None, "note", "type")]


# --- the command line ----------------------------------------------------------------------------


def test_an_internal_error_is_one_line_naming_the_file_and_where_to_report_it(tmp_path, monkeypatch, capsys):
    path = _csv(tmp_path, '[{"actor_id": "X1"}]', "actors.json")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(tablefiles._Cells, "add", broken)
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "actors.json: internal error (ZeroDivisionError)" in err and cli.ISSUES_URL in err
    with pytest.raises(ZeroDivisionError):
        cli.main(["--debug", "validate", str(path)])


def test_the_issue_tracker_is_the_projects():
    urls = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["urls"]
    assert cli.ISSUES_URL == urls["Issues"]

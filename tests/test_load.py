"""load(), tables(), versions(): typed frames, filters, pinned versions, verified files."""

import datetime
import doctest
import re

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import conflict_events as ce
from conflict_events import _data
from conflict_events._paths import SCHEMA_DIR
from conflict_events._integrity import IntegrityError


def test_public_api_is_small():
    assert set(ce.__all__) >= {"load", "tables", "versions", "validate"}
    assert all(callable(getattr(ce, name)) for name in ce.__all__)


def test_events_dtypes():
    df = ce.load()
    assert df["event_id"].dtype == "str"
    for column in ("start_date", "end_date", "casualties_as_of"):
        assert pd.api.types.is_datetime64_any_dtype(df[column]), column
    for column in ("fatalities_low", "fatalities_best", "fatalities_high", "injured", "missing"):
        assert df[column].dtype == "Int64", column
    for column in ("latitude", "longitude"):
        assert df[column].dtype == "float64"
    assert all(isinstance(v, list) and v for v in df["source_ids"])


def test_codes_are_categoricals_with_the_vocabularys_codes():
    vocabularies = yaml.safe_load((SCHEMA_DIR / "vocabularies.yaml").read_text(encoding="utf-8"))
    df = ce.load()
    for column, vocabulary in [("event_type", "event_type"), ("event_subtype", "event_subtype"),
                               ("date_precision", "date_precision"), ("geo_precision", "geo_precision"),
                               ("verification", "verification")]:
        assert isinstance(df[column].dtype, pd.CategoricalDtype)
        assert list(df[column].cat.categories) == list(vocabularies[vocabulary]), column


def test_load_matches_the_parquet_file():
    df = ce.load()
    raw = pq.read_table(_data.release_dir() / "events.parquet").to_pylist()
    assert df["event_id"].tolist() == [r["event_id"] for r in raw]
    assert df["source_ids"].tolist() == [r["source_ids"].split(";") for r in raw]
    dnipro = df.set_index("event_id").loc["CE000004"]
    assert (dnipro["fatalities_best"], dnipro["injured"], dnipro["weapon"]) == (46, 81, "Kh-22")
    assert pd.isna(dnipro["missing"])
    assert pd.isna(dnipro["fatalities_low"])


def test_filters():
    df = ce.load()
    strikes = ce.load(event_type="strike")
    assert sorted(strikes["event_id"]) == sorted(df.loc[df["event_type"] == "strike", "event_id"])
    some = ce.load(country_iso3=["UKR", "GBR"])
    assert set(some["country_iso3"]) == {"UKR", "GBR"}
    recent = ce.load(start_date=("2023-01-01", None))
    assert (recent["start_date"] >= "2023-01-01").all() and len(recent) == (df["start_date"] >= "2023-01-01").sum()
    window = ce.load(start_date=("2023-01-14", "2023-01-15"), columns=["event_id"])
    assert list(window.columns) == ["event_id"]
    assert set(window["event_id"]) == set(df.loc[df["start_date"].between("2023-01-14", "2023-01-15"), "event_id"])


def test_other_tables_and_versions():
    assert ce.tables() == ["events", "actors", "sources", "evidence", "casualties", "equipment", "vocabularies", "retired"]
    assert ce.tables("1.0.0") == ["events", "actors", "sources", "evidence", "casualties", "equipment", "vocabularies"]
    assert "1.0.0" in ce.versions()
    casualties = ce.load("casualties", version="1.0.0")
    assert casualties.attrs["version"] == "1.0.0" and casualties.attrs["fingerprint"].startswith("sha256:")


def test_clear_errors():
    with pytest.raises(ValueError, match="no column 'colour'"):
        ce.load(colour="red")
    with pytest.raises(ValueError, match="no table 'people'"):
        ce.load("people")
    with pytest.raises(LookupError, match="no release 9.9.9"):
        ce.load(version="9.9.9")
    with pytest.raises(ValueError, match="not a version"):
        ce.load(version="latest")


def test_a_changed_file_is_refused(release_copy):
    path = release_copy / "2.0.0" / "events.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="does not match its release"):
        ce.load()
    ce.load("actors")  # the other files are intact


# --- filters that catch mistakes -----------------------------------------------------------------

VOCABULARIES = yaml.safe_load((SCHEMA_DIR / "vocabularies.yaml").read_text(encoding="utf-8"))
RAW_EVENTS = pq.read_table(_data.release_dir("2.0.0") / "events.parquet").to_pylist()
SOURCE = "article-2023-01-16-belarus-drills-dnipro-strike"


def test_a_code_outside_the_vocabulary_names_the_codes_and_the_closest():
    with pytest.raises(ValueError) as error:
        ce.load(event_type="strikes")
    message = str(error.value)
    assert "event_type='strikes'" in message and "did you mean 'strike'?" in message
    assert all(code in message for code in VOCABULARIES["event_type"])
    with pytest.raises(ValueError, match="did you mean 'confirmed'"):
        ce.load(verification=["reported", "confirmd"])


def test_a_value_that_cannot_match_the_pattern_says_so_and_suggests_a_fix():
    with pytest.raises(ValueError, match=re.escape("country_iso3='ukr' can never match: every country_iso3 matches the pattern [A-Z]{3}; did you mean 'UKR'?")):
        ce.load(country_iso3="ukr")
    with pytest.raises(ValueError, match=r"pattern CE\[0-9\]\{6\}\|\[A-Z\]\[A-Z0-9\]\*-\[A-Za-z0-9\._-\]\+\.$"):
        ce.load(event_id="event 4")


def test_values_of_the_wrong_type_are_refused():
    with pytest.raises(ValueError, match="fatalities_best='35'.*whole number"):
        ce.load(fatalities_best="35")
    with pytest.raises(ValueError, match="not codes"):
        ce.load(event_type=("exercise", "strike"))
    assert ce.load(fatalities_best=46)["event_id"].tolist() == [r["event_id"] for r in RAW_EVENTS if r["fatalities_best"] == 46] == ["CE000004"]


def test_one_column_by_name():
    df = ce.load(columns="event_id")
    assert list(df.columns) == ["event_id"] and df["event_id"].tolist() == [r["event_id"] for r in RAW_EVENTS]


def test_a_filter_on_a_list_column_means_membership():
    cites = [r["event_id"] for r in RAW_EVENTS if SOURCE in r["source_ids"].split(";")]
    assert cites and ce.load(source_ids=SOURCE)["event_id"].tolist() == cites
    assert ce.load(source_ids=["no-such-source", SOURCE])["event_id"].tolist() == cites
    assert ce.load(source_ids="no-such-source").empty


def test_membership_in_lists_row_by_row():
    from conflict_events._data import _contains_any

    lists = pa.chunked_array([pa.array([["a", "b"], ["c"], [], None, ["b", "d"]], pa.list_(pa.string()))])
    assert _contains_any(lists, ["b"]).to_pylist() == [True, False, False, False, True]
    assert _contains_any(lists, ["c", "d"]).to_pylist() == [False, True, False, False, True]


def test_a_bad_date_names_its_filter():
    with pytest.raises(ValueError, match=r"start_date=\('2023-02-30', None\): '2023-02-30' is not a date; write it as YYYY-MM-DD") as error:
        ce.load(start_date=("2023-02-30", None))
    assert type(error.value) is ValueError  # not pandas' DateParseError
    with pytest.raises(ValueError, match="overlaps=.*'January' is not a date"):
        ce.load(overlaps=("January", None))
    with pytest.raises(ValueError, match="ends before it starts"):
        ce.load(overlaps=("2023-02-01", "2023-01-01"))


@pytest.mark.parametrize("period", [("2023-01-16", "2023-01-31"), ("2022-12-01", "2022-12-31"), (None, "2023-01-08"), ("2023-01-17", None)])
def test_overlaps_keeps_events_whose_window_overlaps_the_period(period):
    start, end = (None if p is None else datetime.date.fromisoformat(p) for p in period)
    expected = [r["event_id"] for r in RAW_EVENTS
                if (end is None or r["start_date"] <= end) and (start is None or r["end_date"] >= start)]
    assert ce.load(overlaps=period, columns="event_id")["event_id"].tolist() == expected


def test_a_campaign_from_october_to_january_shows_up_in_january():
    (campaign,) = [r for r in RAW_EVENTS if r["start_date"].month == 10]
    january = ce.load(overlaps=("2023-01-01", "2023-01-31"))
    assert campaign["event_id"] in set(january["event_id"])
    assert campaign["event_id"] not in set(ce.load(start_date=("2023-01-01", "2023-01-31"))["event_id"])


def test_actor_names_come_with_the_events():
    names = {a["actor_id"]: a["name"] for a in pq.read_table(_data.release_dir("2.0.0") / "actors.parquet").to_pylist()}
    df = ce.load(with_actor_names=True)
    at = list(df.columns).index("actor1_id")
    assert list(df.columns)[at:at + 4] == ["actor1_id", "actor1_name", "actor2_id", "actor2_name"]
    for number in ("1", "2"):
        expected = [names.get(r[f"actor{number}_id"]) for r in RAW_EVENTS]
        assert [None if pd.isna(v) else v for v in df[f"actor{number}_name"]] == expected
    assert "reported_by_name" in ce.load("casualties", with_actor_names=True).columns
    with pytest.raises(ValueError, match="sources has no column that refers to an actor"):
        ce.load("sources", with_actor_names=True)


def test_engine_polars_has_enums_and_lists():
    pl = pytest.importorskip("polars")
    frame = ce.load(engine="polars")
    assert isinstance(frame, pl.DataFrame)
    assert frame.schema["event_type"] == pl.Enum(list(VOCABULARIES["event_type"]))
    assert frame.schema["verification"] == pl.Enum(list(VOCABULARIES["verification"]))
    assert frame.schema["source_ids"] == pl.List(pl.String) and frame.schema["start_date"] == pl.Date
    assert frame["source_ids"].to_list() == [r["source_ids"].split(";") for r in RAW_EVENTS]
    assert frame["event_type"].cast(pl.String).to_list() == [r["event_type"] for r in RAW_EVENTS]
    assert ce.load(engine="polars", event_type="strike").height == sum(r["event_type"] == "strike" for r in RAW_EVENTS)


def test_engine_arrow_has_dictionaries_and_lists():
    table = ce.load(engine="arrow", version="2.0.0")
    assert isinstance(table, pa.Table)
    assert pa.types.is_dictionary(table.schema.field("event_type").type)
    assert table.column("event_type").combine_chunks().dictionary.to_pylist() == list(VOCABULARIES["event_type"])
    assert table.schema.field("source_ids").type == pa.list_(pa.string())
    assert table.column("event_type").to_pylist() == [r["event_type"] for r in RAW_EVENTS]
    assert table.schema.metadata[b"version"] == b"2.0.0"


def test_an_unknown_engine_names_the_engines():
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        ce.load(engine="spark")


@pytest.mark.parametrize("function", ["load", "tables", "versions"])
def test_docstrings_are_numpydoc_with_examples_that_run(function):
    doc = getattr(ce, function).__doc__
    assert "Returns\n    -------" in doc and "Examples\n    --------" in doc
    if function != "versions":
        assert "Parameters\n    ----------" in doc
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(getattr(ce, function), function, globs={}):
        runner.run(test)
    assert runner.failures == 0

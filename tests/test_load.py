"""load(), tables(), versions(): typed frames, filters, pinned versions, verified files."""

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

import conflict_events as ce
from conflict_events._paths import SCHEMA_DIR
from conflict_events.integrity import IntegrityError


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
    raw = pq.read_table(ce.data.release_dir() / "events.parquet").to_pylist()
    assert df["event_id"].tolist() == [r["event_id"] for r in raw]
    assert df["source_ids"].tolist() == [r["source_ids"].split(";") for r in raw]
    dnipro = df.set_index("event_id").loc["CE000004"]
    assert (dnipro["fatalities_best"], dnipro["missing"], dnipro["weapon"]) == (35, 35, "Kh-22")
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
    assert ce.tables() == ["events", "actors", "sources", "evidence", "casualties", "equipment", "vocabularies"]
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
    path = release_copy / "1.0.0" / "events.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="does not match its release"):
        ce.load()
    ce.load("actors")  # the other files are intact

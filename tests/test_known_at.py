"""load(known_at=...): the dataset as it could have been known at a moment, with no look-ahead."""

import datetime

import pandas as pd
import pytest

import conflict_events as ce
from conflict_events import _timeline

DNIPRO = "CE000004"


def _dnipro(when):
    events = ce.load(version="2.0.0", known_at=when).set_index("event_id")
    return events.loc[DNIPRO]


@pytest.mark.parametrize(
    "when, killed, injured, as_of",
    [
        # 18:00 Kyiv time on the 14th: the Kyiv Independent's item of 17:34 is the latest known
        ("2023-01-14T16:00:00Z", 5, 27, "2023-01-14T15:34:00Z"),
        # 19:00 Kyiv time on the 15th: the evening figures come from pages known only to the day,
        # which count from the end of it; the latest known is the Kyiv Independent's 08:36 item
        ("2023-01-15T17:00", 20, 73, "2023-01-15T06:36:00Z"),
        # 14:00 Kyiv time on the 17th: the emergency service's figures as of 13:00, published at 13:37
        (datetime.datetime(2023, 1, 17, 14, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))), 44, 79, "2023-01-17T11:00:00Z"),
        # a month later: the final toll
        (datetime.date(2023, 2, 14), 46, 81, "2023-01-23T12:19:00Z"),
    ],
)
def test_the_dnipro_toll_is_the_one_known_at_each_moment(when, killed, injured, as_of):
    event = _dnipro(when)
    assert (event["fatalities_best"], event["injured"]) == (killed, injured)
    assert event["casualties_as_of"] == pd.Timestamp(as_of)
    assert event["casualties_as_of_precision"] == "minute"


def test_the_casualty_reports_known_at_a_moment_are_those_made_and_published_by_then():
    when = "2023-01-15T17:00"
    reports = ce.load("casualties", version="2.0.0", known_at=when, event_id=DNIPRO)
    sources = ce.load("sources", version="2.0.0", known_at=when).set_index("source_id")
    moment = _timeline.known_at(when)
    assert len(reports) and set(reports["source_id"]) <= set(sources.index)
    for _, row in reports.iterrows():
        assert _timeline.known_moment(row["as_of"], row["as_of_precision"]) <= moment
        source = sources.loc[row["source_id"]]
        assert _timeline.known_moment(source["published"], source["published_precision"]) <= moment


def test_a_date_means_the_end_of_that_day_and_a_day_report_counts_from_its_end():
    # the seed article (published 2023-01-16, known to the day) is not known at 23:59 UTC that day, and is by its end
    assert "article-2023-01-16-belarus-drills-dnipro-strike" not in set(
        ce.load("sources", version="2.0.0", known_at="2023-01-16T23:59")["source_id"])
    assert "article-2023-01-16-belarus-drills-dnipro-strike" in set(ce.load("sources", version="2.0.0", known_at="2023-01-16")["source_id"])


def test_an_event_is_absent_before_its_first_report():
    # Poland's first Leopards (CE000018): first reported on 2023-02-24
    assert "CE000018" not in set(ce.load(version="2.0.0", known_at="2023-02-23")["event_id"])
    assert "CE000018" in set(ce.load(version="2.0.0", known_at="2023-02-24")["event_id"])
    # nothing at all is known before the first source
    assert ce.load(version="2.0.0", known_at="2023-01-01").empty


def test_source_ids_list_only_the_sources_known_then():
    event = _dnipro("2023-01-14T16:00:00Z")
    assert event["source_ids"] == ["kyivindependent-2023-01-14-dnipro-5-killed", "kyivschina24-2023-01-14-dnipro"]


def test_verification_is_judged_from_the_sources_known_then():
    # the Kremlin's denial (TASS, 16 January) is what makes the Dnipro strike disputed
    assert _dnipro("2023-01-16T06:00:00Z")["verification"] == "confirmed"
    assert _dnipro("2023-01-16T07:00:00Z")["verification"] == "disputed"
    assert _dnipro("2023-01-16T07:00:00Z")["verification"] == ce.load(version="2.0.0").set_index("event_id").loc[DNIPRO, "verification"]


def test_known_at_is_checked():
    with pytest.raises(ValueError, match="known_at must be a date or a date-time"):
        ce.load(version="2.0.0", known_at="yesterday")


def test_info_known_at(capsys):
    from conflict_events._cli import main

    assert main(["info", "--version", "2.0.0", "--known-at", "2023-01-14T16:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "known at: 2023-01-14T16:00:00+00:00" in out
    assert main(["info", "--known-at", "soon"]) == 2

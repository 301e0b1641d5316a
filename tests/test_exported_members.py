"""The public API is small and explicit: __all__ is pinned, errors share one base class, and the package is typed."""

import importlib.resources

import conflict_events as ce


def test_all_is_exactly_the_public_api():
    assert ce.__all__ == [
        "ConflictEventsError", "cite", "diff", "from_acled", "from_ucdp_ged", "load", "pandera_schema", "tables",
        "to_acled", "to_plover", "to_ucdp_ged", "validate", "validate_frame", "versions",
    ]
    for name in ce.__all__:
        assert callable(getattr(ce, name)), name


def test_every_error_the_package_raises_on_purpose_is_a_conflict_events_error():
    from conflict_events.integrity import IntegrityError
    from conflict_events.problems import BuildError
    from conflict_events.release import ReleaseError
    from conflict_events.remote import DownloadError
    from conflict_events.validator import UsageError

    for error in (IntegrityError, BuildError, ReleaseError, DownloadError, UsageError):
        assert issubclass(error, ce.ConflictEventsError), error
    assert issubclass(DownloadError, OSError)  # callers that caught OSError still do


def test_an_error_raised_by_the_api_can_be_caught_by_the_base_class(tmp_path):
    try:
        ce.validate([tmp_path / "no-such-file.yaml"])
    except ce.ConflictEventsError as error:
        assert "no such file" in str(error)
    else:  # pragma: no cover - the assertion is the point
        raise AssertionError("validate() of a missing path did not raise")


def test_the_package_ships_py_typed():
    assert importlib.resources.files("conflict_events").joinpath("py.typed").is_file()

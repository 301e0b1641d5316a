"""The public API is small and explicit: __all__ is pinned, errors share one base class, and the package is typed."""

import importlib.resources
import pkgutil
import pydoc
import re

import conflict_events as ce


def test_all_is_exactly_the_public_api():
    assert ce.__all__ == [
        "ConflictEventsError", "cite", "diff", "from_acled", "from_ucdp_ged", "load", "pandera_schema", "tables",
        "to_acled", "to_plover", "to_ucdp_ged", "validate", "validate_frame", "versions",
    ]
    for name in ce.__all__:
        assert callable(getattr(ce, name)), name


def test_every_module_but_the_documented_strategies_is_private():
    modules = {info.name for info in pkgutil.iter_modules(ce.__path__)}
    assert {name for name in modules if not name.startswith("_")} == {"strategies"}


PUBLIC_FUNCTIONS = ["cite", "diff", "from_acled", "from_ucdp_ged", "load", "pandera_schema", "tables", "to_acled", "to_plover",
                    "to_ucdp_ged", "validate", "validate_frame", "versions"]


def test_help_and_dir_show_only_the_public_api():
    import conflict_events._validator  # noqa: F401  (an imported private module is still not offered)

    text = pydoc.render_doc(ce, renderer=pydoc.plaintext)
    contents = re.search(r"PACKAGE CONTENTS\n(.*?)\n\n", text, re.S).group(1).splitlines()
    assert [line.split()[0] for line in contents if not line.split()[0].startswith("_")] == ["strategies"]
    functions = re.findall(r"^    (\w+)\(", text.split("FUNCTIONS", 1)[1], re.M)
    assert [name for name in functions if not name.startswith("__")] == PUBLIC_FUNCTIONS
    assert dir(ce) == ["ConflictEventsError", "__version__", *PUBLIC_FUNCTIONS]


def test_every_error_the_package_raises_on_purpose_is_a_conflict_events_error():
    from conflict_events._integrity import IntegrityError
    from conflict_events._problems import BuildError
    from conflict_events._release import ReleaseError
    from conflict_events._remote import DownloadError
    from conflict_events._validator import UsageError

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

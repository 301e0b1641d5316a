"""The command line: ``conflict-events`` (or ``python -m conflict_events``).

Exit codes: 0 success (for ``validate``: every record valid), 1 the input is
invalid, 2 the command could not run (bad arguments, unreadable input). An
unexpected error inside is one line on stderr, naming the file being read and
where to report it, and exit 2; ``--debug`` shows its traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2
#: Where to report an internal error: the issue tracker of pyproject.toml's [project.urls].
ISSUES_URL = "https://github.com/conflict-events/conflict-events/issues"

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str):
    def register(function: Callable[[argparse.Namespace], int]):
        _COMMANDS[name] = function
        return function

    return register


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits with 2 too; keep its message, drop the traceback-free usage noise
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def version_text() -> str:
    """What ``conflict-events --version`` prints: the package's version and its data releases."""
    from conflict_events import __version__, _data as data

    bundled = data.bundled_versions()
    lines = [f"conflict-events {__version__}", f"data releases bundled: {', '.join(bundled) or 'none'}"]
    elsewhere = [v for v in data.versions() if v not in bundled]
    if elsewhere:
        lines.append(f"data releases downloaded on first use: {', '.join(elsewhere)}")
    return "\n".join(lines)


class _Version(argparse.Action):
    """``--version``: computed only when asked for, so that other commands do not read the releases folder for it."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None):
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option_string: str | None = None):
        print(version_text())
        parser.exit(EXIT_OK)


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="conflict-events", description="A versioned, sourced, schema-validated dataset of armed-conflict events.")
    top.add_argument("--version", action=_Version, help="print the package's version and the data releases it bundles, and exit")
    top.add_argument("--debug", action="store_true", help="show the traceback of an internal error instead of one line")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)

    info = sub.add_parser("info", help="print a release's version, tables, row counts and date range")
    info.add_argument("--version", dest="release", help="the release (default: the latest)")
    info.add_argument("--known-at", dest="known_at", metavar="WHEN",
                      help="summarise the release as it could have been known then: a date (up to the end of that day, UTC) or an ISO 8601 date-time (UTC when no zone)")

    build = sub.add_parser("build", help="compile the records into Parquet tables and a datapackage.json")
    build.add_argument("--dataset", type=Path, help="the records folder (default: the package's dataset/)")
    build.add_argument("--output", "-o", type=Path, default=Path("build/dataset"), help="output folder (default: build/dataset)")

    validate = sub.add_parser("validate", help="check records and tables; report every problem")
    validate.add_argument("paths", nargs="*", type=Path, help="record files, folders or table files (default: the package's records)")
    validate.add_argument("--format", choices=("text", "json", "github"), default="text")
    validate.add_argument("--table", help="the table that table files hold, when their names do not say it")
    validate.add_argument("--no-base", action="store_true", help="check the files on their own, not against the package's records")
    validate.add_argument("--max-problems", type=_positive, default=1000, metavar="N",
                          help="list at most N problems per rule (default 1000); the counts are always exact")

    export = sub.add_parser("export", help="write a table (CSV, JSON, Parquet, Stata), every table as a CSV Data Package, or the JSON-LD",
                            description="Write one table (--table), every table as a CSV Data Package (--all) or the release's "
                                        "schema.org Dataset JSON-LD (--jsonld). -o - writes CSV, JSON or JSON-LD to standard output.")
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("--table", help="the table to export, such as events")
    what.add_argument("--all", action="store_true", help="every table as a CSV Data Package (datapackage.json and one CSV per table) in the folder -o")
    what.add_argument("--jsonld", action="store_true", help="the release's schema.org Dataset JSON-LD (default output: standard output)")
    what.add_argument("--as", dest="as_layout", choices=("acled", "ucdp-ged", "plover"),
                      help="the events in another dataset's layout (CSV), codes through the crosswalk; what it cannot hold is reported")
    export.add_argument("--dataset", type=Path, help="with --as: a dataset folder (records or table files) instead of a release")
    export.add_argument("--format", choices=("csv", "json", "parquet", "dta"), help="the format of --table (dta: Stata 14 or later); by default the suffix of -o")
    export.add_argument("--version", dest="release", help="the release (default: the latest)")
    export.add_argument("-o", "--output", help="the file (or folder) to write; - for standard output")

    imp = sub.add_parser("import", help="turn an ACLED or UCDP GED file into draft records, with a mapping report",
                         description="Write draft records (events, evidence citing the dataset row, casualties, actors, sources) "
                                     "into a new folder: YAML records for up to 1,000 events, Parquet tables beyond.")
    imp.add_argument("dataset", choices=("acled", "ucdp-ged"), help="the dataset the file comes from")
    imp.add_argument("file", type=Path, help="the file (CSV or Parquet) as downloaded")
    imp.add_argument("-o", "--output", type=Path, required=True, help="the folder to write (new or empty)")
    imp.add_argument("--report", type=Path, help="also write the mapping report as JSON to this file")
    imp.add_argument("--layout", choices=("auto", "records", "tables"), default="auto", help="YAML records, Parquet tables, or by size (default)")
    imp.add_argument("--published", help="the day (YYYY-MM-DD) the file was downloaded (default: the day it was last written)")

    release = sub.add_parser("release", help="build the records into a new immutable release")
    release.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    release.add_argument("--dataset", type=Path, help="the records folder (default: the package's dataset/)")
    release.add_argument("--releases", type=Path, help="the releases folder (default: the package's releases/)")
    release.add_argument("--changelog", type=Path, help="the CHANGELOG.md to update (default: the repository's)")
    release.add_argument("--citation", type=Path, help="the CITATION.cff to update (default: the repository's)")
    release.add_argument("--created", help="the release date, YYYY-MM-DD (default: today)")

    diff = sub.add_parser("diff", help="what changed between two versions, record by record")
    diff.add_argument("a", help="a version (1.0.0), a built package folder, or a records folder")
    diff.add_argument("b", help="a version, a built package folder, or a records folder")
    diff.add_argument("--format", choices=("text", "json"), default="text")

    cite = sub.add_parser("cite", help="how to cite a release")
    cite.add_argument("--version", dest="release", help="the release (default: the latest)")
    cite.add_argument("--style", choices=("text", "apa", "bibtex", "ris", "cff"), default="text")

    report = sub.add_parser("report", help="write an offline HTML page of a release: timeline, map, casualty figures, coverage")
    report.add_argument("--version", dest="release", help="the release (default: the latest)")
    report.add_argument("-o", "--output", type=Path, required=True, help="the HTML file to write")
    return top


@command("info")
def _info(args: argparse.Namespace) -> int:
    from conflict_events._summary import summary

    try:
        text = summary(args.release, args.known_at)
    except ValueError as error:
        print(f"conflict-events info: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(text)
    return EXIT_OK


@command("build")
def _build(args: argparse.Namespace) -> int:
    from conflict_events._paths import DATASET_DIR
    from conflict_events._build import build

    print(f"built {build(args.output, args.dataset or DATASET_DIR)}")
    return EXIT_OK


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    from conflict_events._render import render
    from conflict_events._validator import UsageError, validate

    try:
        report = validate(args.paths or None, table=args.table, max_problems=args.max_problems, **({"base": None} if args.no_base else {}))
    except UsageError as error:
        print(f"conflict-events validate: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(render(report.problems, args.format, files=report.files, counts=report.counts, skipped=report.skipped))
    if any(p.rule == "file-unreadable" for p in report.problems):
        return EXIT_ERROR
    return EXIT_OK if report.valid else EXIT_INVALID


@command("export")
def _export(args: argparse.Namespace) -> int:
    from conflict_events import _export as export

    if args.dataset is not None and not args.as_layout:
        raise ValueError("--dataset goes with --as; the other exports read a release (--version)")
    if args.as_layout:
        from conflict_events._interop import export_file

        written, mapping = export_file(args.as_layout, args.output or "-", args.release, args.dataset)
        print(mapping.text(), file=sys.stderr)
        written = None if written == "-" else written
    elif args.jsonld:
        written = export.export_jsonld(args.output or export.STDOUT, args.release)
    elif args.output is None:
        raise ValueError("give the output with -o (a file, a folder, or - for standard output)")
    elif args.all:
        if args.format not in (None, "csv"):
            raise ValueError("--all writes a CSV Data Package; leave out --format or give --format csv")
        written = export.export_package(args.output, args.release)
    else:
        fmt = args.format or _format_of(args.output, export.FORMATS)
        if fmt is None:
            raise ValueError(f"give the format of {args.table} with --format ({', '.join(export.FORMATS)}), "
                             "or name the output file with one of them as its suffix (events.csv)")
        written = export.export(args.table, fmt, args.output, args.release)
    if written is not None:
        print(f"wrote {written}")
    return EXIT_OK


def _format_of(output: str, formats: tuple[str, ...]) -> str | None:
    """The format an output file's suffix names (``events.csv``: csv), or None."""
    suffix = Path(output).suffix.lower().lstrip(".") if output != "-" else ""
    return suffix if suffix in formats else None


@command("import")
def _import(args: argparse.Namespace) -> int:
    from conflict_events._interop import import_file

    report = import_file(args.dataset, args.file, args.output, layout=args.layout, published=args.published)
    print(report.text())
    if args.report:
        args.report.write_text(report.to_json(), encoding="utf-8")
    print(f"wrote {args.output}")
    return EXIT_OK


@command("release")
def _release(args: argparse.Namespace) -> int:
    from conflict_events import _paths
    from conflict_events._release import ReleaseError, release

    try:
        path = release(args.version, args.dataset, args.releases, args.created,
                       changelog=args.changelog or _paths.CHANGELOG_PATH, citation=args.citation or _paths.CITATION_PATH)
    except ReleaseError as error:
        print(f"conflict-events release: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"released {args.version} in {path}")
    return EXIT_OK


@command("diff")
def _diff(args: argparse.Namespace) -> int:
    from conflict_events._changes import diff

    changes = diff(args.a, args.b)
    print(changes.to_json() if args.format == "json" else changes.text())
    return EXIT_OK


@command("cite")
def _cite(args: argparse.Namespace) -> int:
    from conflict_events._citation import cite

    print(cite(args.release, args.style))
    return EXIT_OK


@command("report")
def _report(args: argparse.Namespace) -> int:
    from conflict_events._report import write

    print(f"wrote {write(args.output, args.release)}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    from conflict_events._problems import BuildError
    from conflict_events._integrity import IntegrityError

    args = parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except BuildError as error:  # the records have problems: say every one
        from conflict_events._render import render

        print(render(error.problems, "text"), file=sys.stderr)
        print(f"conflict-events {args.command}: {error}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:
        if args.debug:
            raise
        file = getattr(error, "conflict_events_file", None)  # set by the readers: the error came from inside them
        if isinstance(error, (LookupError, ValueError, OSError, IntegrityError)) and file is None:
            print(f"conflict-events {args.command}: {error}", file=sys.stderr)
        else:  # a bug: one line, not a traceback in a contributor's CI log
            where = f"{file}: " if file else ""
            print(f"conflict-events {args.command}: {where}internal error ({type(error).__name__}); please report it at {ISSUES_URL} "
                  "(run with --debug for the traceback)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

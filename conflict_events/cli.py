"""The command line: ``conflict-events`` (or ``python -m conflict_events``).

Exit codes: 0 success (for ``validate``: every record valid), 1 the input is
invalid, 2 the command could not run (bad arguments, unreadable input).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2

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


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="conflict-events", description="A versioned, sourced, schema-validated dataset of armed-conflict events.")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)

    info = sub.add_parser("info", help="print a release's version, tables, row counts and date range")
    info.add_argument("--version", dest="release", help="the release (default: the latest)")

    build = sub.add_parser("build", help="compile the records into Parquet tables and a datapackage.json")
    build.add_argument("--dataset", type=Path, help="the records folder (default: the package's dataset/)")
    build.add_argument("--output", "-o", type=Path, default=Path("build/dataset"), help="output folder (default: build/dataset)")

    validate = sub.add_parser("validate", help="check records and tables; report every problem")
    validate.add_argument("paths", nargs="*", type=Path, help="record files, folders or table files (default: the package's records)")
    validate.add_argument("--format", choices=("text", "json", "github"), default="text")

    release = sub.add_parser("release", help="build the records into a new immutable release")
    release.add_argument("version", help="the new version, MAJOR.MINOR.PATCH")
    release.add_argument("--dataset", type=Path, help="the records folder (default: the package's dataset/)")
    return top


@command("info")
def _info(args: argparse.Namespace) -> int:
    from conflict_events.summary import summary

    print(summary(args.release))
    return EXIT_OK


@command("build")
def _build(args: argparse.Namespace) -> int:
    from conflict_events._paths import DATASET_DIR
    from conflict_events.build import BuildError, build
    from conflict_events.report import render

    try:
        out = build(args.output, args.dataset or DATASET_DIR)
    except BuildError as error:
        print(render(error.problems, "text"), file=sys.stderr)
        print(f"build: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"built {out}")
    return EXIT_OK


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    from conflict_events.report import render
    from conflict_events.validator import UsageError, validate

    try:
        report = validate(args.paths or None)
    except UsageError as error:
        print(f"conflict-events validate: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(render(report.problems, args.format, files=report.files))
    return EXIT_OK if report.valid else EXIT_INVALID


@command("release")
def _release(args: argparse.Namespace) -> int:
    from conflict_events._paths import DATASET_DIR
    from conflict_events.build import BuildError
    from conflict_events.release import ReleaseError, release
    from conflict_events.report import render

    try:
        path = release(args.version, args.dataset or DATASET_DIR)
    except BuildError as error:
        print(render(error.problems, "text"), file=sys.stderr)
        return EXIT_INVALID
    except ReleaseError as error:
        print(f"conflict-events release: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"released {args.version} in {path}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (LookupError, ValueError, OSError) as error:
        print(f"conflict-events {args.command}: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Benchmarks of conflict-events, each measured side by side with its baseline in one run.

    python bench/run.py                         # 900,000 events + 900,000 evidence rows, 3 repeats; and import+load
    python bench/run.py --rows 100000           # the same, scaled down: a quick run
    python bench/run.py --only load             # import conflict_events + load() vs import pandas, pyarrow + read_parquet

Validation of a bulk contribution (bench/data/, made by bench/generate.py if missing):
``events.csv`` with ``--rows`` new events (ids from CE100000), ``evidence.csv`` with
one row per event, each a claim of one of five new sources, and ``sources.csv`` with
those sources (none has an archived text). Measured, each as a child process:

* ``validate``: ``python -m conflict_events validate events.csv evidence.csv
  sources.csv --format json`` on the valid contribution (the command line, run
  with this interpreter: the package is the one ``PYTHONPATH`` or the install gives);
* ``floor``: bench/floor.py on the same three files, a hand-written pyarrow.csv +
  pyarrow.compute pass over the same rules, not derived from the catalogue;
* ``validate all-bad``: ``validate`` on a contribution of the same size in which
  every event breaks the id pattern and every other one repeats the type, place
  and dates of the one before it (``--rows`` + ``--rows``/2 problems, at most
  1,000 of each listed);
* ``frictionless``: frictionless-py on the valid ``events.csv`` with the
  package's Table Schema (without foreign keys). It is slow: it is measured at
  ``--frictionless-rows`` and a tenth of that, and its time at ``--rows`` is
  extrapolated on a straight line through the two (t = a + b * rows).

Each runs ``--repeats`` times, all interleaved in a rotating order, so that the noise of
a shared machine falls on all of them alike. Reported: the median wall time (with min
and max), the peak memory of the child (its max RSS from wait4), the problems each
found (exact counts per rule, against those the contribution's meta.json expects),
and the ratios, each against its target (PASS/MISS):

* validate / floor <= 2 (valid contribution);
* frictionless / validate >= 8 on the same events file: frictionless' time
  for ``events.csv`` (extrapolated to ``--rows``) over that of ``validate
  events.csv``, the file alone (its problems, every event citing sources and
  lacking evidence that are not given, are counted, not compared); the ratio
  per row of the whole contribution is printed too, without a target;
* validate all-bad / validate <= 3;
* peak memory of validate < 1 GB, valid and all-bad.

Import and load: ``python -c "import conflict_events as ce; ce.load()"`` against
``python -c "import pandas as pd, pyarrow; pd.read_parquet(EVENTS)"`` on the same
bundled events.parquet, ``--load-repeats`` times each, interleaved; median and ratio
(target <= 1.3).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ensure_contribution(rows: int, kind: str) -> Path:
    """bench/data/contribution-ROWS-KIND/, made by bench/generate.py in a child process if it is not there or stale.

    The data are made in a child, and this process imports neither the
    package nor pandas: on Linux a child's peak memory (its max RSS, from
    wait4) counts the pages of the process it was forked from, so the parent
    is kept small (about 20 MB) for the children's peaks to be their own.
    """
    made = subprocess.run([sys.executable, str(HERE / "generate.py"), "--rows", str(rows), "--kinds", kind, "--ensure"],
                          check=True, stdout=subprocess.PIPE, text=True)
    return Path(made.stdout.splitlines()[-1])

FILES = ["events.csv", "evidence.csv", "sources.csv"]
TARGETS = {
    "validate / floor": ("<=", 2.0),
    "frictionless / validate, same events file": (">=", 8.0),
    "validate all-bad / validate": ("<=", 3.0),
    "validate peak MB": ("<", 1024.0),
    "validate all-bad peak MB": ("<", 1024.0),
    "load / read_parquet": ("<=", 1.3),
}


def run_child(argv: list[str], stdout_path: Path | None = None, cwd: Path | None = None) -> tuple[float, float, int]:
    """Run a command; (wall seconds, peak RSS in MB of that child, exit code)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        began = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    finally:
        if stdout_path:
            out.close()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, argv))} failed with exit code {process.returncode}:\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss / 1024, process.returncode  # ru_maxrss is in KB on Linux


def validate_command(files: list[str]) -> list[str]:
    """The command line, run with this interpreter, so that it imports the package this one does."""
    return [sys.executable, "-m", "conflict_events", "validate", *files, "--format", "json"]


def counts_of(tool: str, output: Path) -> tuple[dict[str, int], int]:
    """(exact problems per rule, problems listed) from a tool's output."""
    data = json.loads(output.read_text(encoding="utf-8") or "{}")
    if tool == "frictionless":
        counts = collections.Counter(rule for _, rule in data["problems"])
        return dict(counts), sum(counts.values())
    return dict(data.get("counts", {})), len(data.get("problems", []))


def _rows(path: Path) -> int:
    """The data rows of a CSV file the generator wrote (one line each, after the header)."""
    with open(path, "rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b"")) - 1


def bench_validation(args: argparse.Namespace) -> dict:
    valid, bad = ensure_contribution(args.rows, "valid"), ensure_contribution(args.rows, "bad")
    fr_rows = min(args.rows, args.frictionless_rows)
    fr_sizes = [args.rows] if args.rows <= args.frictionless_rows else sorted({max(1000, fr_rows // 10), fr_rows})
    floor = [sys.executable, str(HERE / "floor.py"), *FILES]
    jobs: dict[str, tuple[list[str], Path, int]] = {  # name -> (argv, folder it runs in, rows)
        "validate": (validate_command(FILES), valid, args.rows),
        "floor": (floor, valid, args.rows),
        "validate all-bad": (validate_command(FILES), bad, args.rows),
        # the file frictionless reads, alone: its events cite sources and lack evidence that are not given
        "validate events.csv": (validate_command(["events.csv"]), valid, args.rows),
    }
    if args.floor_bad:
        jobs["floor all-bad"] = (floor, bad, args.rows)
    if not args.skip_frictionless:
        for n in fr_sizes:
            jobs[f"frictionless@{n}"] = ([sys.executable, str(HERE / "frictionless_check.py"), "events.csv"], ensure_contribution(n, "valid"), n)
    walls: dict[str, list[float]] = {name: [] for name in jobs}
    peaks: dict[str, float] = {name: 0.0 for name in jobs}
    found: dict[str, tuple[dict[str, int], int]] = {}
    names = list(jobs)
    with tempfile.TemporaryDirectory(prefix="conflict-events-bench-") as tmp:
        for repeat in range(args.repeats):
            order = names[repeat % len(names):] + names[: repeat % len(names)]
            for name in order:
                argv, folder, _ = jobs[name]
                output = Path(tmp) / f"{name.replace(' ', '-')}.json"
                wall, peak, _ = run_child(argv, output, cwd=folder)
                walls[name].append(wall)
                peaks[name] = max(peaks[name], peak)
                found[name] = counts_of(name.split("@")[0].split(" ")[0], output)
                print(f"  repeat {repeat + 1}/{args.repeats} {name:<22} {wall:8.2f} s {peak:8.0f} MB", file=sys.stderr)
    sizes = {folder: sum((folder / f).stat().st_size for f in FILES) / 1e6 for folder in (valid, bad)}
    expected = {folder: json.loads((folder / "meta.json").read_text(encoding="utf-8"))["expected"] for _, folder, _ in jobs.values()}
    result: dict = {"rows": args.rows, "repeats": args.repeats, "valid": str(valid), "bad": str(bad),
                    "size_mb": round(sizes[valid], 1), "bad_size_mb": round(sizes[bad], 1), "tools": {}}
    for name, (_, folder, rows) in jobs.items():
        counts, listed = found[name]
        want = expected[folder]
        if name.startswith("frictionless"):  # a Table Schema expresses the pattern, not the near-duplicates
            want = {k: v for k, v in want.items() if k == "pattern"}
        if name == "validate events.csv":  # the file alone: its references and evidence are not given (counted, not compared)
            want = None
        result["tools"][name] = {"rows": rows, "median_s": statistics.median(walls[name]), "min_s": min(walls[name]), "max_s": max(walls[name]),
                                 "peak_mb": peaks[name], "counts": counts, "listed": listed, "expected": want,
                                 "as_expected": None if want is None else counts == want}
    fr = {v["rows"]: v["median_s"] for k, v in result["tools"].items() if k.startswith("frictionless@")}
    if fr:
        if args.rows in fr:
            result["frictionless_s"], result["frictionless_note"] = fr[args.rows], f"measured at {args.rows:,} rows"
        else:
            (n1, t1), (n2, t2) = sorted(fr.items())
            slope = (t2 - t1) / (n2 - n1)
            result["frictionless_s"] = t2 + slope * (args.rows - n2)
            result["frictionless_note"] = (f"extrapolated from the medians at {n1:,} ({t1:.2f} s) and {n2:,} rows ({t2:.2f} s): "
                                           f"t = {t1 - slope * n1:.2f} s + {slope * 1e6:.2f} s per million rows")
    tools = result["tools"]
    v = tools["validate"]
    result["ratios"] = {"validate / floor": v["median_s"] / tools["floor"]["median_s"]}
    if "frictionless_s" in result:
        # the same events file: frictionless and validate on events.csv alone
        result["ratios"]["frictionless / validate, same events file"] = result["frictionless_s"] / tools["validate events.csv"]["median_s"]
        # per row: frictionless reads the events file; validate, the events, evidence and sources files
        contribution_rows = sum(_rows(valid / name) for name in FILES)
        result["contribution_rows"] = contribution_rows
        result["ratios"]["frictionless / validate, per row of the contribution"] = (
            (result["frictionless_s"] / args.rows) / (v["median_s"] / contribution_rows))
    result["ratios"]["validate all-bad / validate"] = tools["validate all-bad"]["median_s"] / v["median_s"]
    result["ratios"]["validate peak MB"] = v["peak_mb"]
    result["ratios"]["validate all-bad peak MB"] = tools["validate all-bad"]["peak_mb"]
    return result


LOAD_SNIPPETS = {
    "import conflict_events; load()": "import conflict_events as ce; ce.load()",
    "import pandas, pyarrow; read_parquet": "import pandas as pd, pyarrow; pd.read_parquet({path!r})",
}


def bench_load(args: argparse.Namespace) -> dict:
    code = "from conflict_events import _data; print(_data.release_dir() / 'events.parquet')"  # in a child: see ensure_contribution
    path = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    names = list(LOAD_SNIPPETS)
    walls: dict[str, list[float]] = {name: [] for name in names}
    peaks: dict[str, float] = {name: 0.0 for name in names}
    for name in names:  # warm the page cache and the bytecode cache once, unmeasured
        run_child([sys.executable, "-c", LOAD_SNIPPETS[name].format(path=path)])
    for repeat in range(args.load_repeats):
        for name in names if repeat % 2 == 0 else names[::-1]:
            wall, peak, _ = run_child([sys.executable, "-c", LOAD_SNIPPETS[name].format(path=path)])
            walls[name].append(wall)
            peaks[name] = max(peaks[name], peak)
    tools = {name: {"median_s": statistics.median(walls[name]), "min_s": min(walls[name]), "max_s": max(walls[name]), "peak_mb": peaks[name]} for name in names}
    ours, baseline = (tools[n]["median_s"] for n in names)
    return {"file": path, "repeats": args.load_repeats, "tools": tools, "ratios": {"load / read_parquet": ours / baseline}}


def _verdict(name: str, value: float) -> str:
    if name not in TARGETS:
        return "(no target)"
    op, limit = TARGETS[name]
    ok = {"<=": value <= limit, ">=": value >= limit, "<": value < limit}[op]
    return f"target {op} {limit:g}  {'PASS' if ok else 'MISS'}"


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{rule} {n:,}" for rule, n in sorted(counts.items())) or "none"


def report(validation: dict | None, load: dict | None) -> str:
    lines = []
    if validation:
        rows = validation["rows"]
        lines += [f"validate a contribution of {rows:,} events + {rows:,} evidence rows + 5 sources "
                  f"(valid: {validation['size_mb']} MB of CSV, all-bad: {validation['bad_size_mb']} MB), "
                  f"{validation['repeats']} run(s) each, interleaved:", ""]
        lines.append(f"  {'tool':<22} {'rows':>9} {'median s':>9} {'min s':>8} {'max s':>8} {'peak MB':>8}  problems found (exact counts; listed)")
        for name, tool in validation["tools"].items():
            check = ("not compared" if tool["as_expected"] is None else
                     "as expected" if tool["as_expected"] else f"EXPECTED {_counts_text(tool['expected'])}")
            lines.append(f"  {name:<22} {tool['rows']:>9,} {tool['median_s']:9.2f} {tool['min_s']:8.2f} {tool['max_s']:8.2f} {tool['peak_mb']:8.0f}  "
                         f"{_counts_text(tool['counts'])}; {tool['listed']:,} listed: {check}")
        if "frictionless_s" in validation and f"frictionless@{rows}" not in validation["tools"]:
            lines.append(f"  {'frictionless@' + format(rows, ','):<22} {rows:>9,} {validation['frictionless_s']:9.2f}   ({validation['frictionless_note']})")
        lines.append("")
        for name, value in validation["ratios"].items():
            lines.append(f"  {name:<62} {value:8.2f}   {_verdict(name, value)}")
    if load:
        lines += ["", f"import + load of {Path(load['file']).name}, median of {load['repeats']} runs each (interleaved):", ""]
        for name, tool in load["tools"].items():
            lines.append(f"  {name:<40} {tool['median_s']:7.3f} s (min {tool['min_s']:.3f}, max {tool['max_s']:.3f}) {tool['peak_mb']:6.0f} MB")
        value = load["ratios"]["load / read_parquet"]
        lines.append(f"  {'load / read_parquet':<40} {value:7.2f}   {_verdict('load / read_parquet', value)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=900_000, help="events (and evidence rows) of the contribution (default 900,000, the most the ids allow)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each validation tool (default 3)")
    parser.add_argument("--frictionless-rows", type=int, default=100_000, help="largest file frictionless is measured on (default 100,000)")
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--floor-bad", action="store_true", help="also run the floor on the all-bad contribution")
    parser.add_argument("--load-repeats", type=int, default=15, help="runs of each import+load snippet (default 15)")
    parser.add_argument("--only", choices=("validate", "load"), help="run one benchmark only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    validation = bench_validation(args) if args.only in (None, "validate") else None
    load = bench_load(args) if args.only in (None, "load") else None
    print(report(validation, load))
    if args.json:
        args.json.write_text(json.dumps({"validation": validation, "load": load}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

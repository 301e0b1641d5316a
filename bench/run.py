"""Benchmarks of conflict-events, each measured side by side with its baseline in one run.

    python bench/run.py --rows 1000000                # validate vs pyarrow floor vs frictionless, and import+load
    python bench/run.py --rows 100000 --repeats 5 --frictionless-rows 100000
    python bench/run.py --only load                   # import conflict_events + load() vs import pandas, pyarrow + read_parquet

Validation of an events CSV (bench/data/, made by bench/generate.py if missing):

* ``conflict-events validate FILE.csv --format json``, the command line, as a subprocess;
* the practical floor: bench/floor.py, a hand-written pyarrow.csv + pyarrow.compute pass
  that checks the same rules;
* frictionless-py validating the same CSV with the package's Table Schema (the ``events``
  resource, without foreign keys). frictionless is slow: by default it is measured at
  ``--frictionless-rows`` and a tenth of that, and its time at ``--rows`` is extrapolated
  from a straight line through the two (t = a + b * rows). The output says so.

Each tool runs ``--repeats`` times, the tools interleaved in a rotating order, so that
the noise of a shared machine falls on all of them alike. Reported: the median wall time
(with min and max), the peak memory of the child process (its max RSS from wait4), the
ratios, and the corruptions each tool found against those the sidecar JSON lists.

Import and load: ``python -c "import conflict_events as ce; ce.load()"`` against
``python -c "import pandas as pd, pyarrow; pd.read_parquet(EVENTS)"`` on the same
bundled events.parquet, ``--load-repeats`` times each, interleaved; median and ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import ensure  # noqa: E402

TARGETS = {"validate / floor": ("<=", 2.0), "frictionless / validate": (">=", 20.0), "validate peak MB": ("<", 1024.0), "load / read_parquet": ("<=", 1.3)}


def run_child(argv: list[str], stdout_path: Path | None = None) -> tuple[float, float, int]:
    """Run a command; (wall seconds, peak RSS in MB of that child, exit code)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        began = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
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


def validate_command(path: Path) -> list[str]:
    script = Path(sys.executable).with_name("conflict-events")
    command = [str(script)] if script.is_file() else [shutil.which("conflict-events") or ""]
    if not command[0]:
        command = [sys.executable, "-m", "conflict_events"]
    return [*command, "validate", str(path), "--format", "json"]


def problems_of(tool: str, output: Path) -> list[tuple[int | None, str]]:
    data = json.loads(output.read_text(encoding="utf-8") or "[]")
    if tool == "validate":
        return [(p["line"], p["rule"]) for p in data]
    return [(line, rule) for line, rule in data["problems"]]


def score(problems: list[tuple[int | None, str]], meta: dict, applicable: list[str]) -> dict:
    """Per corruption kind, how many of its rows the tool reported with the kind's rule; and what else it reported."""
    reported = {(line, rule) for line, rule in problems}
    found = {}
    expected_pairs = set()
    for kind, lines in meta["lines"].items():
        rule = meta["rules"][kind]
        expected_pairs |= {(line, rule) for line in lines}
        found[kind] = sum((line, rule) in reported for line in lines) if kind in applicable else None
    file_level = meta.get("file_level", {})
    extra = [p for p in problems if p not in expected_pairs and not (p[0] is None and p[1] in file_level)]
    return {"found": found, "extra": len(extra), "extra_sample": extra[:5]}


def bench_validation(args: argparse.Namespace) -> dict:
    path, sidecar = ensure(args.rows, args.valid)
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    all_kinds = list(meta["rules"])
    fr_sizes = sorted({min(args.rows, args.frictionless_rows), max(1000, min(args.rows, args.frictionless_rows) // 10)})
    if args.rows <= args.frictionless_rows:
        fr_sizes = [args.rows]
    fr_files = {n: ensure(n, args.valid) for n in fr_sizes}
    jobs = {
        "validate": (validate_command(path), path, meta, all_kinds),
        "floor": ([sys.executable, str(HERE / "floor.py"), str(path)], path, meta, all_kinds),
    }
    for n, (fpath, fsidecar) in fr_files.items():
        fmeta = json.loads(fsidecar.read_text(encoding="utf-8"))
        jobs[f"frictionless@{n}"] = ([sys.executable, str(HERE / "frictionless_check.py"), str(fpath)], fpath, fmeta, fmeta["table_schema_kinds"])
    if args.skip_frictionless:
        jobs = {k: v for k, v in jobs.items() if not k.startswith("frictionless")}
    walls: dict[str, list[float]] = {name: [] for name in jobs}
    peaks: dict[str, float] = {name: 0.0 for name in jobs}
    scores: dict[str, dict] = {}
    names = list(jobs)
    with tempfile.TemporaryDirectory(prefix="conflict-events-bench-") as tmp:
        for repeat in range(args.repeats):
            order = names[repeat % len(names):] + names[: repeat % len(names)]
            for name in order:
                argv, file, fmeta, applicable = jobs[name]
                output = Path(tmp) / f"{name}.json"
                wall, peak, _ = run_child(argv, output)
                walls[name].append(wall)
                peaks[name] = max(peaks[name], peak)
                if repeat == 0:
                    scores[name] = score(problems_of(name.split("@")[0], output), fmeta, applicable)
                print(f"  repeat {repeat + 1}/{args.repeats} {name:<22} {wall:8.2f} s {peak:8.0f} MB", file=sys.stderr)
    result = {"rows": args.rows, "file": str(path), "size_mb": round(path.stat().st_size / 1e6, 1), "repeats": args.repeats,
              "expected": meta["corruptions"], "file_level": meta.get("file_level", {}), "tools": {}}
    for name in jobs:
        result["tools"][name] = {"median_s": statistics.median(walls[name]), "min_s": min(walls[name]), "max_s": max(walls[name]),
                                 "peak_mb": peaks[name], **scores[name]}
    fr = {int(k.split("@")[1]): v for k, v in result["tools"].items() if k.startswith("frictionless@")}
    if fr:
        if args.rows in fr:
            result["frictionless_s"], result["frictionless_note"] = fr[args.rows]["median_s"], f"measured at {args.rows:,} rows"
        else:
            (n1, t1), (n2, t2) = sorted((n, v["median_s"]) for n, v in fr.items())
            slope = (t2 - t1) / (n2 - n1)
            result["frictionless_s"] = t2 + slope * (args.rows - n2)
            result["frictionless_note"] = (f"extrapolated: measured {t1:.2f} s at {n1:,} rows and {t2:.2f} s at {n2:,} rows (medians), "
                                           f"t = {t1 - slope * n1:.2f} s + {slope * 1e6:.2f} s per million rows")
    v, f = result["tools"]["validate"], result["tools"]["floor"]
    result["ratios"] = {"validate / floor": v["median_s"] / f["median_s"], "validate peak MB": v["peak_mb"]}
    if "frictionless_s" in result:
        result["ratios"]["frictionless / validate"] = result["frictionless_s"] / v["median_s"]
    return result


LOAD_SNIPPETS = {
    "import conflict_events; load()": "import conflict_events as ce; ce.load()",
    "import pandas, pyarrow; read_parquet": "import pandas as pd, pyarrow; pd.read_parquet({path!r})",
}


def bench_load(args: argparse.Namespace) -> dict:
    from conflict_events import data

    path = str(data.release_dir() / "events.parquet")
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
    op, limit = TARGETS[name]
    ok = {"<=": value <= limit, ">=": value >= limit, "<": value < limit}[op]
    return f"target {op} {limit:g}: {'met' if ok else 'MISSED'}"


def report(validation: dict | None, load: dict | None) -> str:
    lines = []
    if validation:
        lines += [f"validate {validation['rows']:,} rows of events ({validation['size_mb']} MB CSV), median of {validation['repeats']} run(s):", ""]
        lines.append(f"  {'tool':<24} {'median s':>9} {'min s':>8} {'max s':>8} {'peak MB':>8} {'extra':>6}")
        for name, tool in validation["tools"].items():
            lines.append(f"  {name:<24} {tool['median_s']:9.2f} {tool['min_s']:8.2f} {tool['max_s']:8.2f} {tool['peak_mb']:8.0f} {tool['extra']:6d}")
        if "frictionless_s" in validation and f"frictionless@{validation['rows']}" not in validation["tools"]:
            lines.append(f"  {'frictionless@' + format(validation['rows'], ','):<24} {validation['frictionless_s']:9.2f}   ({validation['frictionless_note']})")
        lines += ["", f"  corruptions found / expected (rows), per kind; n/a: not a Table Schema rule; file-level problems expected: {validation['file_level']}"]
        tools = list(validation["tools"])
        lines.append(f"  {'kind':<30} {'expected':>8} " + " ".join(f"{t:>20}" for t in tools))
        for kind, count in validation["expected"].items():
            cells = []
            for t in tools:
                found = validation["tools"][t]["found"].get(kind)
                cells.append(f"{'n/a' if found is None else found:>20}")
            lines.append(f"  {kind:<30} {count:>8} " + " ".join(cells))
        lines.append("")
        for name, value in validation["ratios"].items():
            lines.append(f"  {name:<26} {value:8.2f}   {_verdict(name, value)}")
    if load:
        lines += ["", f"import + load of {Path(load['file']).name}, median of {load['repeats']} runs each (interleaved):", ""]
        for name, tool in load["tools"].items():
            lines.append(f"  {name:<40} {tool['median_s']:7.3f} s (min {tool['min_s']:.3f}, max {tool['max_s']:.3f}) {tool['peak_mb']:6.0f} MB")
        value = load["ratios"]["load / read_parquet"]
        lines.append(f"  {'load / read_parquet':<40} {value:7.2f}   {_verdict('load / read_parquet', value)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the events CSV (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each validation tool (default 3)")
    parser.add_argument("--frictionless-rows", type=int, default=100_000, help="largest file frictionless is measured on (default 100,000)")
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--valid", action="store_true", help="use the file without corruptions")
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

"""Check that the floor (bench/floor.py) and ``validate`` find the same problems, so that their ratio means something.

    python bench/agree.py             # exit 0 when both report the same (file, line, rule) for every problem

A small valid contribution (bench/generate.py) is broken on purpose: a few
events of each corruption kind of the generator, and evidence and sources
rows that break each of their rules (a reference to an unknown event, source
or actor, a claim too long or missing, a quote of a report that is not
archived, a repeated key, a source the event does not list, a formula, a
verification level the evidence does not support, a repeated source id, a bad
code, date and pattern).
Both tools run on the three files; the exact counts per rule and the listed
problems must agree.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

FILES = ["events.csv", "evidence.csv", "sources.csv"]
ROWS = 10_000


def _read(path: Path) -> dict[str, np.ndarray]:
    with open(path, "rb") as handle:
        names = handle.readline().decode().strip().replace('"', "").split(",")
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True))
    return {c: np.array(table.column(c).to_pylist(), dtype=object) for c in table.column_names}


def _write(columns: dict[str, np.ndarray], path: Path) -> None:
    pacsv.write_csv(pa.table({c: pa.array(v, pa.string()) for c, v in columns.items()}), path)


def broken(folder: Path) -> None:
    """Write a broken copy of a valid contribution of ROWS rows into ``folder``."""
    valid = generate.ensure_contribution(ROWS, "valid")
    ctx = generate._context()
    events = _read(valid / "events.csv")
    rng = np.random.default_rng(1)
    row = 101
    for kind in generate.KINDS:
        for _ in range(3):
            generate._corrupt(kind, events, row, ctx, rng)
            row += 10
    events["summary"][5001] = "A strike\u202e on a town."  # control-character
    _write(events, folder / "events.csv")
    evidence = _read(valid / "evidence.csv")
    evidence["event_id"][7001] = "CE999999"  # an unknown event (and CE107001 has no evidence)
    evidence["source_id"][7011] = "no-such-source"
    evidence["claim"][7021] = "x" * 1001
    evidence["claim"][7031] = None  # neither a quote nor a claim
    evidence["attributed_to"][7041] = "NOBODY"
    evidence["source_id"][7051] = "bench-report-1" if evidence["source_id"][7051] != "bench-report-1" else "bench-report-2"  # not in source_ids
    evidence["claim"][7061] = "=1+1"
    for name in ("event_id", "source_id", "claim", "stance"):  # a repeated key (and CE107071 has no evidence)
        evidence[name][7071] = evidence[name][7070]
    evidence["quote"][7081] = "A quote of a report that is not archived."  # a quote of an unarchived report, and a claim too
    evidence["quote"][7091], evidence["claim"][7091] = "Only a quote, of a report that is not archived.", None
    evidence["stance"][7101] = "supports"  # (and the event is made disputed below: no entry contradicts it)
    _write(evidence, folder / "evidence.csv")
    events = _read(folder / "events.csv")
    events["verification"][7101] = "disputed"
    events["verification"][7111] = "confirmed"  # one publisher, attributed to no authority of the country
    _write(events, folder / "events.csv")
    sources = (valid / "sources.csv").read_text(encoding="utf-8").splitlines()
    sources.append(sources[1])  # a repeated source id
    sources.append('"bench-report-x","rumour","T",,,"2024-13-01","day","english",,')  # enum, type, pattern
    (folder / "sources.csv").write_text("\n".join(sources) + "\n", encoding="utf-8")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="conflict-events-agree-") as tmp:
        folder = Path(tmp)
        broken(folder)
        run = lambda argv: json.loads(subprocess.run(argv, cwd=folder, capture_output=True, text=True, check=False).stdout)  # noqa: E731
        ours = run([sys.executable, "-m", "conflict_events", "validate", *FILES, "--format", "json"])
        floor = run([sys.executable, str(HERE / "floor.py"), *FILES])
    rules = sorted(set(ours["counts"]) | set(floor["counts"]))
    print(f"{'rule':<30} {'validate':>8} {'floor':>8}")
    for rule in rules:
        a, b = ours["counts"].get(rule, 0), floor["counts"].get(rule, 0)
        print(f"{rule:<30} {a:>8} {b:>8}{'' if a == b else '  DIFFER'}")
    listed_ours = {(p["file"], p["line"], p["rule"]) for p in ours["problems"]}
    listed_floor = {tuple(p) for p in floor["problems"]}
    only_ours, only_floor = sorted(listed_ours - listed_floor), sorted(listed_floor - listed_ours)
    if only_ours:
        print("listed by validate only:", only_ours[:20])
    if only_floor:
        print("listed by the floor only:", only_floor[:20])
    same = ours["counts"] == floor["counts"] and not only_ours and not only_floor
    print(f"{len(rules)} rules: {'the same problems' if same else 'they DIFFER'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

"""Peak memory and time of `conflict-events import acled` on a synthetic 1,000,000-row ACLED file.

    python bench/import_memory.py               # 1,000,000 rows; the file is made once in bench/data/
    python bench/import_memory.py --rows 100000

The file has the columns of ACLED's 2023 exports and a realistic mix: most rows are
Battles and Explosions/Remote violence (imported), a third are Protests, Riots, Violence
against civilians and other Strategic developments (skipped, counted), a few have an empty
precision. Each command runs in a child process of its own; peak memory is the child's
max RSS (getrusage), measured in the same run beside the baseline: reading the same CSV
with pyarrow, whole (``pyarrow.csv.read_csv``) and in batches (``open_csv``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1",
           "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
           "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
           "source_scale", "notes", "fatalities", "tags", "timestamp"]
#: (ACLED event type, sub-event type, disorder type, share of rows)
TYPES = [
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Political violence", 0.25),
    ("Explosions/Remote violence", "Air/drone strike", "Political violence", 0.12),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "Political violence", 0.03),
    ("Battles", "Armed clash", "Political violence", 0.20),
    ("Battles", "Government regains territory", "Political violence", 0.02),
    ("Strategic developments", "Change to group/activity", "Strategic developments", 0.03),
    ("Strategic developments", "Arrests", "Strategic developments", 0.02),
    ("Protests", "Peaceful protest", "Demonstrations", 0.20),
    ("Riots", "Mob violence", "Demonstrations", 0.05),
    ("Violence against civilians", "Attack", "Political violence", 0.08),
]
#: (country, ISO numeric, latitude, longitude) of the places drawn from
COUNTRIES = [("Ukraine", "804", 48.5, 33.0), ("Russia", "643", 55.0, 38.0), ("Syria", "760", 35.0, 38.0),
             ("Nigeria", "566", 9.0, 8.0), ("Myanmar", "104", 20.0, 96.0)]


def generate(path: Path, rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(20231)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    shares = np.array([t[3] for t in TYPES])
    with pacsv.CSVWriter(temporary, pa.schema([(c, pa.string()) for c in COLUMNS])) as writer:
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            kind = rng.choice(len(TYPES), n, p=shares / shares.sum())
            country = rng.integers(0, len(COUNTRIES), n)
            days = rng.integers(0, 3 * 365, n)
            dates = (np.datetime64("2021-01-01") + days).astype(str)
            precision = rng.choice(["1", "1", "1", "1", "2", "3", ""], n, p=[0.2, 0.2, 0.2, 0.2, 0.1, 0.09, 0.01])
            geo = rng.choice(["1", "2", "3", ""], n, p=[0.6, 0.25, 0.14, 0.01])
            c = [COUNTRIES[i] for i in country]
            t = [TYPES[i] for i in kind]
            town = rng.integers(0, 400, n)
            fatalities = np.where(rng.random(n) < 0.6, 0, rng.poisson(4, n))
            data = {
                "event_id_cnty": [f"{x[0][:3].upper()}{start + i + 1}" for i, x in enumerate(c)],
                "event_date": dates, "year": [d[:4] for d in dates], "time_precision": precision,
                "disorder_type": [x[2] for x in t], "event_type": [x[0] for x in t], "sub_event_type": [x[1] for x in t],
                "actor1": [f"Military Forces of {x[0]} (2000-)" for x in c], "assoc_actor_1": [""] * n, "inter1": ["1"] * n,
                "actor2": [f"Unidentified Armed Group ({x[0]})" if k % 2 else "" for k, x in zip(kind, c)],
                "assoc_actor_2": [""] * n, "inter2": [("3" if k % 2 else "") for k in kind], "interaction": ["13"] * n,
                "civilian_targeting": [""] * n, "iso": [x[1] for x in c], "region": ["Region"] * n,
                "country": [x[0] for x in c], "admin1": [f"Province {k % 20}" for k in town],
                "admin2": [f"District {k % 80}" for k in town], "admin3": [""] * n, "location": [f"Town {k}" for k in town],
                "latitude": [f"{x[2] + (k % 20 - 10) / 20:.4f}" for x, k in zip(c, town)],
                "longitude": [f"{x[3] + (k % 17 - 8) / 20:.4f}" for x, k in zip(c, town)],
                "geo_precision": geo, "source": ["Example Wire; Example Daily"] * n, "source_scale": ["National"] * n,
                "notes": [f"On {d}, an event of type {x[1].lower()} was reported in town {k}; the report gives few details "
                          f"and names no unit." for d, x, k in zip(dates, t, town)],
                "fatalities": fatalities.astype(str), "tags": [""] * n,
                "timestamp": (1700000000 + days * 86400).astype(str),
            }
            writer.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in data.items()}))
    os.replace(temporary, path)


def measure(command: list[str]) -> tuple[float, float, int, int]:
    """(seconds, CPU seconds, peak RSS in bytes, exit code) of a child process.

    CPU time is the steadier figure on a shared machine: wall time grows with the load of others.
    """
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, cpu, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.rows)
        return
    path = HERE / "data" / f"acled-{args.rows}.csv"
    if not path.exists():
        print(f"making {path} ...", flush=True)  # in a child, so that this process stays small: a child's max RSS starts at its parent's
        subprocess.run([sys.executable, __file__, "--generate", str(path), "--rows", str(args.rows)], check=True)
    size = path.stat().st_size
    out = Path(tempfile.mkdtemp(prefix="ce-import-"))
    runs = [
        ("pyarrow.csv.read_csv (whole file, baseline)",
         [sys.executable, "-c", f"import pyarrow.csv as c; c.read_csv({str(path)!r})"]),
        ("pyarrow.csv.open_csv (batches, baseline)",
         [sys.executable, "-c", f"import pyarrow.csv as c\nfor b in c.open_csv({str(path)!r}): pass"]),
        ("conflict-events import acled",
         [sys.executable, "-m", "conflict_events", "import", "acled", str(path), "-o", str(out / "drafts"),
          "--report", str(out / "report.json"), "--published", "2024-03-01"]),
    ]
    print(f"{args.rows:,} ACLED rows, {size / 1e6:,.0f} MB\n")
    print("| command | time | CPU time | peak memory |\n|---|---|---|---|")
    for label, command in runs:
        seconds, cpu, peak, code = measure(command)
        status = "" if code == 0 else f" (exit {code})"
        print(f"| {label} | {seconds:.1f} s | {cpu:.1f} s | {peak / 1e6:,.0f} MB{status} |", flush=True)
    print(f"\nload average of the machine: {', '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    import json

    report = json.loads((out / "report.json").read_text())
    print(f"\nimported {report['imported']:,} of {report['rows']:,}; skipped {sum(report['skipped'].values()):,}: {report['skipped']}")
    written = sum(p.stat().st_size for p in (out / "drafts").iterdir())
    print(f"wrote {written / 1e6:,.0f} MB of Parquet in {out / 'drafts'}")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()

"""Compile the records into Parquet tables and a datapackage.json.

The output is deterministic: rows are sorted by primary key, the Parquet
files carry no timestamps and no pandas metadata, and the descriptor is
written with sorted keys, so the same records give byte-identical files
(with the same pyarrow, whose version Parquet records in its footer).
Files are written into a staging folder beside the output and moved into
place only when all of them are complete. A staging folder is named after
the process that writes it (``.NAME.staging-PID-RANDOM``): an error, Ctrl-C
or SIGTERM removes it at once, and one left by a process that was killed
outright (SIGKILL, a power cut) is removed by the next build or release in
that folder. Files and folders are created with the modes the umask gives.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from conflict_events import _schema
from conflict_events._paths import DATASET_DIR
from conflict_events._staging import remove_stale_staging, staging_dir, terminate_as_exit
from conflict_events._assemble import read_dataset
from conflict_events._check import check_tables
from conflict_events._dtypes import arrow_schema
from conflict_events._integrity import fingerprint, sha256_file
from conflict_events._problems import BuildError, Problem

__all__ = ["BuildError", "build", "compile_records", "remove_stale_staging", "staging_dir", "write_package"]

PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 9, "version": "2.6", "write_statistics": True}


def arrow_table(frame: pd.DataFrame, fields: list[dict[str, Any]]) -> pa.Table:
    """The Arrow table of one package table, typed by the descriptor.

    The pandas metadata that Arrow keeps marks numeric columns as nullable
    (Int64, Float64), so that readers going through pandas (frictionless
    among them) see a missing value as missing, not as NaN.
    """
    columns = {}
    for field in fields:
        values = frame[field["name"]]
        if field["type"] == "list":
            delimiter = field.get("delimiter", ",")
            values = values.map(lambda v: delimiter.join(v) if isinstance(v, list) else None).astype("str")
        elif field["type"] == "integer":
            values = values.astype("Int64")
        elif field["type"] == "number":
            values = values.astype("Float64")
        columns[field["name"]] = values
    return pa.Table.from_pandas(pd.DataFrame(columns), schema=arrow_schema(fields), preserve_index=False)


def sorted_frame(frame: pd.DataFrame, resource: dict[str, Any]) -> pd.DataFrame:
    key = resource["schema"].get("primaryKey", [])
    return frame.sort_values(key, kind="stable").reset_index(drop=True) if key else frame


def write_package(frames: dict[str, pd.DataFrame], output: Path, properties: dict[str, Any] | None = None) -> Path:
    """Write the tables and their descriptor to ``output``, atomically."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    descriptor = _schema.descriptor()
    descriptor.update(properties or {})
    with terminate_as_exit():
        staging = staging_dir(output.parent, output.name)
        try:
            for resource in descriptor["resources"]:
                fields = resource["schema"]["fields"]
                table = arrow_table(sorted_frame(frames[resource["name"]], resource), fields)
                path = staging / resource["path"]
                pq.write_table(table, path, **PARQUET_OPTIONS)
                resource["bytes"] = path.stat().st_size
                resource["hash"] = f"sha256:{sha256_file(path)}"
            descriptor["fingerprint"] = fingerprint(descriptor["resources"])
            text = json.dumps(descriptor, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            (staging / "datapackage.json").write_text(text, encoding="utf-8")
            _swap_into_place(staging, output)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return output


def _swap_into_place(staging: Path, output: Path) -> None:
    if not output.exists():
        os.replace(staging, output)
        return
    retired = staging_dir(output.parent, f"{output.name}.old")
    os.replace(output, retired / "old")
    os.replace(staging, output)
    shutil.rmtree(retired, ignore_errors=True)


def compile_records(dataset_dir: Path = DATASET_DIR) -> dict[str, pd.DataFrame]:
    """Read, type and check the records; raise :class:`BuildError` with every problem."""
    frames, problems = read_dataset(Path(dataset_dir))
    problems += check_tables(frames, [Path(dataset_dir) / "archive"])
    if problems:
        raise BuildError(sorted(problems, key=Problem.sort_key))
    return frames


def build(output: Path, dataset_dir: Path = DATASET_DIR, properties: dict[str, Any] | None = None) -> Path:
    """Compile the records in ``dataset_dir`` into a data package at ``output``."""
    return write_package(compile_records(dataset_dir), Path(output), properties)

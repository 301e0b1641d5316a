"""Reading another dataset's file in batches of text rows: CSV (any BOM, quoted newlines) or Parquet."""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from conflict_events._tablefiles import unique_names

#: Bytes of CSV parsed at a time: a few thousand rows, so a batch's Python rows stay small.
BLOCK_SIZE = 4 << 20


def header(path: Path) -> list[str]:
    """The column names, lower-cased (older ACLED files write them in capitals), without a BOM."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return [name.strip().lower() for name in pq.ParquetFile(path).schema_arrow.names]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = next(csv.reader(io.StringIO(handle.readline())), [])
    return [name.strip().lower() for name in first]


def text_batches(path: Path, block_size: int = BLOCK_SIZE, *, needs: tuple[str, ...] = (),
                 dataset: str = "") -> Iterator[tuple[int, list[dict[str, str]]]]:
    """(number of the batch's first data row, 1-based; its rows as {column: text}), batch after batch.

    ``needs``: columns without which the file is not the dataset's (a clear error, not a report of skips).
    """
    path = Path(path)
    names = header(path)
    if not names or not any(names):
        raise ValueError(f"{path}: no header row; the first line must name the columns")
    missing = [n for n in needs if n not in names]
    if missing:
        raise ValueError(f"{path}: not {dataset or 'the dataset'}'s layout: no column {', '.join(missing)} "
                         f"(the header has {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})")
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        source = pq.ParquetFile(path)
        batches = (_as_text(b).rename_columns(names) for b in source.iter_batches(batch_size=20_000))
    else:
        import pyarrow.csv as pacsv

        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block_size, column_names=unique_names(names), skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in unique_names(names)},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        batches = iter(reader)
    import pyarrow.compute as pc

    start = 1
    for batch in batches:
        batch = pa.RecordBatch.from_arrays([pc.utf8_trim_whitespace(c) for c in batch.columns], names=batch.schema.names)
        rows = batch.to_pylist()
        yield start, rows
        start += len(rows)


def _as_text(batch: pa.RecordBatch) -> pa.RecordBatch:
    import pyarrow.compute as pc

    columns = [pc.cast(c, pa.string()) if not pa.types.is_string(c.type) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays([pc.fill_null(c, "") for c in columns], names=batch.schema.names)


@functools.lru_cache(maxsize=4096)
def country_iso3(code: str = "", numeric: str = "", name: str = "") -> str | None:
    """ISO 3166-1 alpha-3 from an alpha-3 code, a numeric code or a name (with its alternatives in brackets)."""
    import pycountry

    if code and len(code.strip()) == 3 and pycountry.countries.get(alpha_3=code.strip().upper()):
        return code.strip().upper()
    if numeric.strip().isdigit() and int(numeric) > 0:
        found = pycountry.countries.get(numeric=f"{int(numeric):03d}")
        if found:
            return found.alpha_3
    for candidate in _names(name):
        if candidate in NAME_ALIASES:
            return NAME_ALIASES[candidate]
        try:
            return pycountry.countries.lookup(candidate).alpha_3
        except LookupError:
            continue
    return None


def _names(name: str) -> list[str]:
    """'Russia (Soviet Union)' -> ['Russia (Soviet Union)', 'Russia', 'Soviet Union']."""
    name = name.strip()
    if not name:
        return []
    out = [name]
    if "(" in name and name.endswith(")"):
        head, _, tail = name[:-1].partition("(")
        out += [head.strip(), tail.strip()]
    return out


#: Names that ACLED and UCDP use and that pycountry's lookup does not resolve.
NAME_ALIASES = {
    "Russia": "RUS", "DR Congo": "COD", "Democratic Republic of Congo": "COD", "Republic of Congo": "COG",
    "Ivory Coast": "CIV", "Bosnia-Herzegovina": "BIH", "Kingdom of eSwatini": "SWZ", "eSwatini": "SWZ",
    "Swaziland": "SWZ", "Syria": "SYR", "Iran": "IRN", "Laos": "LAO", "Vietnam": "VNM", "Turkey": "TUR",
    "North Korea": "PRK", "South Korea": "KOR", "Moldova": "MDA", "Tanzania": "TZA", "Bolivia": "BOL",
    "Venezuela": "VEN", "Palestine": "PSE", "Cape Verde": "CPV", "East Timor": "TLS", "Macedonia, FYR": "MKD",
    "Micronesia": "FSM", "Brunei": "BRN", "Burma": "MMR", "Myanmar": "MMR", "Cambodia": "KHM", "Zaire": "COD",
    "Yemen": "YEM", "North Yemen": "YEM", "Serbia": "SRB", "Yugoslavia": "SRB",
}

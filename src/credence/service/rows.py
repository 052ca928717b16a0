"""Streaming input rows from CSV, JSONL or Parquet files, each with its line number.

Files are read in chunks, never whole, so a file larger than memory ingests fine. A CSV's
extra columns become data fields, typed by their look (integers, decimals, text); an
empty cell is a missing field. A JSONL line carries its fields under `data`.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from credence.domain.errors import InvalidInputError

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
FORMATS = ("csv", "jsonl", "parquet")


@dataclass(frozen=True, slots=True)
class Row:
    """One input row: where it came from, and its raw fields (or why it could not be read)."""

    line: int
    fields: dict[str, Any]
    error: str | None = None


def format_of(path: Path) -> str:
    """The input format, from the file's extension."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in FORMATS:
        return suffix
    raise InvalidInputError(
        f"{path}: unknown input format {path.suffix!r}; use .csv, .jsonl or .parquet",
        file=str(path),
    )


def typed(cell: str) -> Any:
    """A CSV cell as the value it looks like: int, float or text."""
    if _INT.match(cell):
        return int(cell)
    if _FLOAT.match(cell):
        return float(cell)
    return cell


def count_rows(path: Path) -> int | None:
    """How many rows a file holds, cheaply, for the progress bar."""
    kind = format_of(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - 1, 0) if kind == "csv" else lines


def read_rows(path: Path) -> Iterator[Row]:
    """Every row of the file, in order, with 1-based line numbers as a person counts them."""
    kind = format_of(path)
    if kind == "csv":
        yield from _csv_rows(path)
    elif kind == "jsonl":
        yield from _jsonl_rows(path)
    else:
        yield from _parquet_rows(path)


def _csv_rows(path: Path) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        header = [h.strip() for h in header]
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield Row(line, {}, f"has {len(values)} cells, the header has {len(header)}")
                continue
            yield Row(line, dict(zip(header, values, strict=True)))


def _jsonl_rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Row(line, {"_raw": text.rstrip("\n")}, f"is not JSON: {exc.msg}")
                continue
            if not isinstance(value, dict):
                yield Row(line, {"_raw": text.rstrip("\n")}, "is not a JSON object")
                continue
            yield Row(line, value)


def _parquet_rows(path: Path) -> Iterator[Row]:
    import pyarrow.parquet as pq

    line = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536):
        for fields in batch.to_pylist():
            line += 1
            yield Row(line, fields)


def chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    """Rows in lists of at most `size`."""
    while chunk := list(itertools.islice(rows, size)):
        yield chunk

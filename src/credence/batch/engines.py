"""Where the set-based queries run: the embedded DuckDB, or Spark beyond one machine.

The scorer writes every query once, in DuckDB's dialect; an engine runs it as it is or
has sqlglot write it for its own dialect. Inputs arrive as Arrow (tables or batch
readers) or as Parquet files; `put` may also be given DuckDB select items to compute on
the way in (turning records' JSON into typed columns), so that every engine sees the same
flat columns.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

# Arrow (a table, or a reader read once) or Parquet files.
SELECT_ALL = "SELECT * FROM {source}"
Source: TypeAlias = "pa.Table | pa.RecordBatchReader | Sequence[Path]"


class Engine(Protocol):
    name: str

    def put(self, name: str, source: Source, query: str = SELECT_ALL) -> None:
        """Make `source` queryable as `name`, through `query` (DuckDB, reading `{source}`)."""

    def make(self, name: str, sql: str) -> None:
        """Make the result of `sql` queryable as `name`, computed once."""

    def view(self, name: str, sql: str) -> None:
        """Name `sql` for later queries, computed where it is used (it may be large)."""

    def fetch(self, sql: str) -> pa.Table:
        """Run `sql` and return its result."""

    def close(self) -> None: ...


def parquet_files(source: Source) -> list[str] | None:
    """The Parquet paths of a source given as files, else None."""
    if isinstance(source, pa.Table | pa.RecordBatchReader):
        return None
    return [str(p) for p in source]


def schema_of(source: Source) -> pa.Schema:
    """The columns of a source, without reading its rows."""
    if isinstance(source, pa.Table | pa.RecordBatchReader):
        return source.schema
    files = parquet_files(source)
    return pq.read_schema(files[0]) if files else pa.schema([])


def scan(db: duckdb.DuckDBPyConnection, name: str, source: Source) -> str:
    """A FROM item for `source` in DuckDB, registering Arrow input under `name`."""
    files = parquet_files(source)
    if files is None:
        db.register(name, source)
        return name
    return "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "])"


class DuckDbEngine:
    """The embedded default: in memory, or in the database file `path`.

    Either way what does not fit in memory spills to disk: to a temporary folder removed
    by `close`, or beside the file.
    """

    name = "duckdb"

    def __init__(
        self, threads: int | None = None, path: Path | None = None, memory_limit: str | None = None
    ) -> None:
        self._spill = None if path else tempfile.TemporaryDirectory(prefix="credence-duckdb-")
        self.db = duckdb.connect(str(path) if path else ":memory:")
        if self._spill is not None:
            self.db.execute(f"SET temp_directory = '{self._spill.name}'")
        if threads:
            self.db.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.db.execute(f"SET memory_limit = '{memory_limit}'")
        self.db.execute("SET preserve_insertion_order = false")  # lets big queries stream
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.execute("SET enable_progress_bar = false")  # the caller reports progress
        self._temp = "" if path else "TEMP "

    def put(self, name: str, source: Source, query: str = SELECT_ALL) -> None:
        from_item = scan(self.db, f"{name}_in", source)
        sql = query.replace("{source}", from_item)
        if isinstance(source, pa.Table | pa.RecordBatchReader):
            self.make(name, sql)  # a reader can be read only once
        else:  # Parquet streams from disk at each use, never all in memory
            self.view(name, sql)

    def make(self, name: str, sql: str) -> None:
        self.db.execute(f"CREATE OR REPLACE {self._temp}TABLE {name} AS {sql}")

    def view(self, name: str, sql: str) -> None:
        self.db.execute(f"CREATE OR REPLACE {self._temp}VIEW {name} AS {sql}")

    def fetch(self, sql: str) -> pa.Table:
        table: Any = self.db.sql(sql).to_arrow_table()
        return table

    def close(self) -> None:
        self.db.close()
        if self._spill is not None:
            self._spill.cleanup()

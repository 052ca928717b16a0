"""The set-based queries on Apache Spark: local mode on one machine, or a cluster.

Install with `pip install 'credence[spark]'` (PySpark; Spark needs Java 17 or newer).
Inputs are written as Parquet into a work folder that Spark reads (on a cluster, a folder
every executor sees: a shared mount, HDFS or object storage); the queries are the
scorer's own, written for Spark's dialect by sqlglot. Timestamps are kept without a zone
and the session clock is UTC, as in the ledger.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot

from credence.batch.engines import SELECT_ALL, Source, parquet_files, scan
from credence.domain.errors import CredenceError


class SparkEngine:
    """Runs the scorer's queries on Spark. `master`: local[*] or a cluster's URL."""

    name = "spark"

    def __init__(
        self, master: str = "local[*]", work_dir: Path | None = None, driver_memory: str = "2g"
    ) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise CredenceError(
                "the spark engine needs PySpark: pip install 'credence[spark]'"
            ) from None
        self._owned = work_dir is None  # a folder of our own is removed by close()
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="credence-spark-"))
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.spark: Any = (
            SparkSession.builder.master(master)
            .appName("credence")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", driver_memory)
            .config("spark.sql.shuffle.partitions", "8" if master.startswith("local") else "400")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("OFF")  # failures arrive as Python exceptions

    def put(self, name: str, source: Source, query: str = SELECT_ALL) -> None:
        files = parquet_files(source)
        if files is None or query != SELECT_ALL:
            # DuckDB computes the flat columns and writes the Parquet that Spark reads.
            target = self.work_dir / f"{name}.parquet"
            with duckdb.connect() as db:
                db.execute("SET preserve_insertion_order = false")
                db.execute("SET TimeZone = 'UTC'")
                db.execute("SET enable_progress_bar = false")
                from_item = scan(db, f"{name}_in", source)
                path = str(target).replace("'", "''")
                sql = query.replace("{source}", from_item)
                db.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
            files = [str(target)]
        self.spark.read.parquet(*files).createOrReplaceTempView(name)

    def make(self, name: str, sql: str) -> None:
        # Computed once and kept (memory, then disk) with its lineage cut: later queries
        # plan against a small table instead of re-deriving the whole chain each time.
        frame = self.spark.sql(self._spark_sql(sql)).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)

    def view(self, name: str, sql: str) -> None:
        self.make(name, sql)  # read by several queries: kept, spread over the executors

    def fetch(self, sql: str) -> pa.Table:
        table: pa.Table = self.spark.sql(self._spark_sql(sql)).toArrow()
        return table

    def close(self) -> None:
        self.spark.catalog.clearCache()
        if self._owned:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    @staticmethod
    def _spark_sql(sql: str) -> str:
        return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])

"""Set-based scoring on DuckDB: every subject's score, grade, list conditions and measures at T.

The rulebooks compile to one query over the ledger: the book in force when each record
occurred (periods per region), first-hit matching as one ordered CASE, points rounded and
clamped, `max_per_year` by window, early endings by a join, exclusions and suspensions
from reviews and appeals, then the score at T, the grade, and the state conditions.
List *status* needs the history of a condition (notice periods, appeals), so subjects for
whom any list condition holds at T are handed back to be folded one by one; they are few.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from credence.batch.sql import quoted, record_sql, state_sql
from credence.domain.conditions import Condition
from credence.domain.rulebook import ResolvedBook, Rule, RulebookIndex
from credence.domain.times import Duration


@dataclass(frozen=True, slots=True)
class Ledger:
    """What the scorer reads, as Arrow: subjects, records, reviews and appeals."""

    subjects: pa.Table  # id, kind, region
    records: pa.Table | Any  # source, id, subject, type, occurred_at, data (a table or reader)
    reviews: pa.Table  # source, id, accepted
    appeals: pa.Table  # record, outcome, deadline, decided_at
    observers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One row per subject, and the subjects whose lists need the per-subject fold."""

    table: pa.Table  # subject, region, kind, score, grade, refused (list of services)
    to_fold: list[str]
    records_scored: int


class DuckDbScorer:
    """Scores a whole ledger at an instant with DuckDB."""

    def __init__(self, index: RulebookIndex, threads: int | None = None) -> None:
        self.index = index
        self.db = duckdb.connect()
        if threads:
            self.db.execute(f"SET threads = {threads}")

    def score(self, ledger: Ledger, at: datetime) -> BatchResult:
        regions = sorted(set(ledger.subjects.column("region").to_pylist()))
        self._load(ledger, regions)
        self._contributions(at)
        states = self._states(at, regions)
        return states

    # -- inputs ------------------------------------------------------------------------------

    def _load(self, ledger: Ledger, regions: list[str]) -> None:
        db = self.db
        db.register("subjects_in", ledger.subjects)
        db.execute("CREATE OR REPLACE TEMP TABLE subjects AS SELECT * FROM subjects_in")
        db.register("records_in", ledger.records)
        db.execute(
            "CREATE OR REPLACE TEMP TABLE records AS SELECT source, id, subject, type, "
            "CAST(occurred_at AS TIMESTAMP) AS occurred_at, data FROM records_in"
        )
        db.register("reviews_in", ledger.reviews)
        db.register("appeals_in", ledger.appeals)
        db.execute("CREATE OR REPLACE TEMP TABLE reviews AS SELECT * FROM reviews_in")
        db.execute("CREATE OR REPLACE TEMP TABLE appeals AS SELECT * FROM appeals_in")
        observers = ", ".join(quoted(o) for o in ledger.observers)
        observed = f"r.source IN ({observers})" if observers else "FALSE"
        db.execute(f"""
            CREATE OR REPLACE TEMP TABLE live AS
            SELECT r.* FROM records r
            WHERE NOT ({observed} AND NOT EXISTS (
                    SELECT 1 FROM reviews v
                    WHERE v.source = r.source AND v.id = r.id AND v.accepted))
              AND NOT EXISTS (SELECT 1 FROM appeals a
                    WHERE a.record = r.source || ':' || r.id AND a.outcome = 'overturned')
        """)
        periods = []
        for region in regions:
            changes = self.index.changes(region)
            for i, start in enumerate(changes):
                book = self.index.resolve(region, start)
                stop = changes[i + 1] if i + 1 < len(changes) else None
                if book is not None:
                    periods.append((region, _naive(start), _naive(stop), book.name))
        db.execute(
            "CREATE OR REPLACE TEMP TABLE periods (region VARCHAR, start TIMESTAMP, "
            "stop TIMESTAMP, book VARCHAR)"
        )
        if periods:
            db.executemany("INSERT INTO periods VALUES (?, ?, ?, ?)", periods)

    # -- contributions -----------------------------------------------------------------------

    def _books(self) -> dict[str, ResolvedBook]:
        names = [r[0] for r in self.db.execute("SELECT DISTINCT book FROM periods").fetchall()]
        books: dict[str, ResolvedBook] = {}
        for region, start in self.db.execute(
            "SELECT region, min(start) FROM periods GROUP BY region, book"
        ).fetchall():
            book = self.index.resolve(region, _aware(start))
            if book is not None and book.name in names:
                books[book.name] = book
        return books

    def _contributions(self, at: datetime) -> None:
        books = self._books()
        rules = {f"{name}|{rule.id}": rule for name, book in books.items() for rule in book.rules}
        match_case, points_case = _cases(books)
        t = _ts(at)
        self.db.execute(f"""
            CREATE OR REPLACE TEMP TABLE matched AS
            SELECT r.*, s.kind, s.region, p.book, {match_case} AS rule
            FROM live r JOIN subjects s ON s.id = r.subject
            JOIN periods p ON p.region = s.region AND r.occurred_at >= p.start
                 AND (p.stop IS NULL OR r.occurred_at < p.stop)
            WHERE r.occurred_at <= {t}
        """)
        self.db.execute(f"""
            CREATE OR REPLACE TEMP TABLE scored AS
            SELECT *, {points_case} AS points FROM matched WHERE rule IS NOT NULL
        """)
        self.db.execute(
            "CREATE OR REPLACE TEMP TABLE rules (rule VARCHAR, rule_id VARCHAR, "
            "months INTEGER, days INTEGER, seconds BIGINT, cap INTEGER)"
        )
        self.db.executemany(
            "INSERT INTO rules VALUES (?, ?, ?, ?, ?, ?)",
            [
                (key, rule.id, *_lasts(rule.lasts), rule.spec.max_per_year)
                for key, rule in rules.items()
            ],
        )
        endings = _endings(rules, t)
        self.db.execute(f"""
            CREATE OR REPLACE TEMP TABLE contributions AS
            WITH ranked AS (
                SELECT s.*, u.rule_id, u.cap, u.months, u.days, u.seconds,
                       row_number() OVER (PARTITION BY s.subject, u.rule_id,
                           year(s.occurred_at) ORDER BY s.occurred_at, s.id, s.source) AS nth
                FROM scored s JOIN rules u USING (rule)
                WHERE s.points IS NOT NULL
            ), ended AS ({endings})
            SELECT r.subject, r.type, r.points, r.occurred_at AS start,
                   least(CASE WHEN r.months IS NULL THEN NULL ELSE r.occurred_at
                           + to_months(r.months) + to_days(r.days) + to_seconds(r.seconds) END,
                         e.ended_at) AS until,
                   r.source || ':' || r.id AS record
            FROM ranked r LEFT JOIN ended e ON e.source = r.source AND e.id = r.id
            WHERE r.cap IS NULL OR r.nth <= r.cap
        """)

    # -- state at T --------------------------------------------------------------------------

    def _states(self, at: datetime, regions: list[str]) -> BatchResult:
        t = _ts(at)
        books = {r: self.index.resolve(r, at) for r in regions}
        scale = (
            " ".join(f"WHEN {quoted(r)} THEN {b.scale.base}" for r, b in books.items() if b)
            or "WHEN NULL THEN NULL"
        )
        low = " ".join(f"WHEN {quoted(r)} THEN {b.scale.min}" for r, b in books.items() if b)
        high = " ".join(f"WHEN {quoted(r)} THEN {b.scale.max}" for r, b in books.items() if b)
        types = sorted(
            {arg for b in books.values() if b for li in b.lists for _, arg in li.when.calls}
            | {
                arg
                for b in books.values()
                if b
                for m in b.measures
                for f, arg in m.when.calls
                if f == "active"
            }
        )
        active = {ty: f"active_{i}" for i, ty in enumerate(types)}
        counts = ", ".join(
            f"count(*) FILTER (WHERE c.type = {quoted(ty)}) AS {col}" for ty, col in active.items()
        )
        self.db.execute(f"""
            CREATE OR REPLACE TEMP TABLE counting AS
            SELECT c.subject, sum(c.points) AS points {", " + counts if counts else ""}
            FROM contributions c
            WHERE c.start <= {t} AND (c.until IS NULL OR {t} < c.until)
              AND NOT EXISTS (SELECT 1 FROM appeals a WHERE a.record = c.record
                  AND a.deadline <= {t} AND (a.decided_at IS NULL OR {t} < a.decided_at))
            GROUP BY c.subject
        """)
        zeros = ", ".join(f"coalesce(k.{col}, 0) AS {col}" for col in active.values())
        self.db.execute(f"""
            CREATE OR REPLACE TEMP TABLE state AS
            SELECT s.id AS subject, s.kind, s.region,
                   least(CASE s.region {high} END, greatest(CASE s.region {low} END,
                         CASE s.region {scale} END + coalesce(k.points, 0))) AS score
                   {", " + zeros if zeros else ""}
            FROM subjects s LEFT JOIN counting k ON k.subject = s.id
        """)
        return self._conditions(books, active)

    def _conditions(
        self, books: dict[str, ResolvedBook | None], active: dict[str, str]
    ) -> BatchResult:
        grade_cases, list_cases, refused_parts = [], [], []
        for region, book in books.items():
            if book is None:
                continue
            ranks = book.grade_ranks
            grades = " ".join(f"WHEN score >= {g.min} THEN {quoted(g.grade)}" for g in book.grades)
            grade_cases.append(f"WHEN region = {quoted(region)} THEN CASE {grades} END")
            rank_sql = " ".join(f"WHEN score >= {g.min} THEN {ranks[g.grade]}" for g in book.grades)
            region_is = f"region = {quoted(region)}"
            for li in book.lists:
                kinds = ", ".join(quoted(k) for k in li.spec.applies_to)
                cond = state_sql(li.when, ranks, active, {})
                list_cases.append(
                    f"({region_is} AND kind IN ({kinds}) AND "
                    f"coalesce(({_with_rank(cond, rank_sql)}), FALSE))"
                )
            for m in book.measures:
                if m.spec.kind != "restriction":
                    continue
                kinds = ", ".join(quoted(k) for k in m.spec.applies_to)
                cond = state_sql(m.when, ranks, active, {li.id: "FALSE" for li in book.lists})
                refused_parts.append(
                    f"CASE WHEN {region_is} AND kind IN ({kinds}) AND "
                    f"coalesce(({_with_rank(cond, rank_sql)}), FALSE) "
                    f"THEN {quoted(m.spec.service)} END"
                )
        grade = f"CASE {' '.join(grade_cases)} END" if grade_cases else "NULL"
        any_list = " OR ".join(list_cases) or "FALSE"
        refused = (
            (
                f"list_sort(list_distinct(list_filter([{', '.join(refused_parts)}], "
                "lambda x: x IS NOT NULL)))"
            )
            if refused_parts
            else "[]::VARCHAR[]"
        )
        table = self.db.sql(f"""
            SELECT subject, region, kind, CAST(score AS BIGINT) AS score, {grade} AS grade,
                   {refused} AS refused, ({any_list}) AS fold
            FROM state ORDER BY subject
        """).to_arrow_table()
        assert table is not None
        folds = [
            s
            for s, f in zip(
                table.column("subject").to_pylist(), table.column("fold").to_pylist(), strict=True
            )
            if f
        ]
        scored = self.db.execute("SELECT count(*) FROM contributions").fetchall()[0]
        return BatchResult(table.drop_columns(["fold"]), folds, int(scored[0]) if scored else 0)


def _with_rank(cond: str, rank_sql: str) -> str:
    return cond.replace("grade_rank", f"(CASE {rank_sql} END)")


def _cases(books: dict[str, ResolvedBook]) -> tuple[str, str]:
    """The ordered first-hit CASE naming each record's rule, and the points CASE."""
    whens, points = [], []
    for name, book in books.items():
        for record_type, rules in book.rules_by_type.items():
            for rule in rules:
                kinds = ", ".join(quoted(k) for k in rule.spec.applies_to)
                cond = f" AND coalesce(({record_sql(rule.when)}), FALSE)" if rule.when else ""
                key = f"{name}|{rule.id}"
                whens.append(
                    f"WHEN p.book = {quoted(name)} AND r.type = {quoted(record_type)} "
                    f"AND s.kind IN ({kinds}){cond} THEN {quoted(key)}"
                )
                points.append(f"WHEN {quoted(key)} THEN {_points(rule)}")
    match = f"CASE {' '.join(whens)} END" if whens else "NULL"
    value = f"CASE rule {' '.join(points)} END" if points else "NULL"
    return match, value


def _points(rule: Rule) -> str:
    if isinstance(rule.points, Condition):
        value = f"CAST(round(({record_sql(rule.points)})::DOUBLE) AS BIGINT)"
    else:
        value = str(rule.points)
    if rule.spec.points_range is not None:
        low, high = rule.spec.points_range
        value = f"least({high}, greatest({low}, {value}))"
    return value


def _endings(rules: dict[str, Rule], t: str) -> str:
    parts = []
    for key, rule in rules.items():
        ended_by = rule.spec.ended_by
        if ended_by is None:
            continue
        same = (
            " AND ".join(
                f"json_extract(c.data, '$.{f}') IS NOT NULL AND "
                f"json_extract(c.data, '$.{f}') = json_extract(e.data, '$.{f}')"
                for f in ended_by.match
            )
            or "TRUE"
        )
        parts.append(f"""
            SELECT c.source, c.id, min(e.occurred_at) AS ended_at
            FROM scored c JOIN live e ON e.subject = c.subject
                 AND e.type = {quoted(ended_by.record)} AND e.occurred_at >= c.occurred_at
                 AND e.occurred_at <= {t}
            WHERE c.rule = {quoted(key)} AND {same}
            GROUP BY c.source, c.id""")
    return " UNION ALL ".join(parts) or (
        "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS id, NULL::TIMESTAMP AS ended_at "
        "WHERE FALSE"
    )


def _lasts(lasts: Duration | None) -> tuple[int | None, int | None, int | None]:
    if lasts is None:
        return None, None, None
    return lasts.years * 12 + lasts.months, lasts.days, lasts.seconds


def _naive(instant: datetime | None) -> datetime | None:
    return instant.replace(tzinfo=None) if instant is not None else None


def _aware(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC)


def _ts(at: datetime) -> str:
    return f"TIMESTAMP '{_naive(at).isoformat(sep=' ')}'"  # type: ignore[union-attr]

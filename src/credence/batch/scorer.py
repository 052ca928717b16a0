"""Set-based scoring: every subject's score, grade, list conditions and measures at T.

The rulebooks compile to a handful of queries over the ledger: the book in force when each
record occurred (periods per region) and first-hit matching as ordered CASEs, points
rounded and clamped, `max_per_year` by a window over only the subject-years where a cap
bites, early endings by a join with the few records that end others, exclusions and
suspensions from reviews and appeals, then the score at T, the grade and the state
conditions. The records' data is read once, into `scored`: one narrow row per scoring
record (subject key, source number, id, time, rule, points), which the engine keeps on
disk when it does not fit in memory. Everything else about a rule is joined from the small
`rules` table where it is needed.

List *status* needs the history of a condition (notice periods, appeals), so subjects for
whom any list condition holds at T are handed back to be folded one by one; they are few.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from credence.batch.engines import DuckDbEngine, Engine, Source, schema_of
from credence.batch.sql import (
    Fields,
    field_column,
    quoted,
    record_sql,
    state_sql,
    struct_fields,
)
from credence.domain.conditions import Condition
from credence.domain.rulebook import ResolvedBook, Rule, RulebookIndex
from credence.domain.times import Duration

NO_REVIEWS = pa.table(
    {
        "source": pa.array([], pa.string()),
        "id": pa.array([], pa.string()),
        "accepted": pa.array([], pa.bool_()),
    }
)
NO_APPEALS = pa.table(
    {
        "record": pa.array([], pa.string()),
        "outcome": pa.array([], pa.string()),
        "deadline": pa.array([], pa.timestamp("us")),
        "decided_at": pa.array([], pa.timestamp("us")),
    }
)


@dataclass(frozen=True, slots=True)
class Ledger:
    """What the scorer reads, as Arrow or Parquet: subjects, records, reviews and appeals."""

    subjects: Source  # id, kind, region
    records: Source  # source, id, subject, type, occurred_at, data (JSON text or a struct)
    # source, id, accepted
    reviews: Source = field(default_factory=lambda: NO_REVIEWS)
    # record ("SOURCE:ID"), outcome, deadline, decided_at
    appeals: Source = field(default_factory=lambda: NO_APPEALS)
    observers: tuple[str, ...] = ()  # sources whose records count once a reviewer accepts


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One row per subject, and the subjects whose lists need the per-subject fold."""

    table: pa.Table  # subject, region, kind, score, grade, refused (list of services)
    to_fold: list[str]


@dataclass(frozen=True, slots=True)
class Period:
    region: str
    start: datetime
    stop: datetime | None
    book: int


class SetScorer:
    """Scores a whole ledger at an instant on an engine (the embedded DuckDB by default)."""

    def __init__(self, index: RulebookIndex, engine: Engine | None = None) -> None:
        self.index = index
        self.engine: Engine = engine or DuckDbEngine()

    def score(self, ledger: Ledger, at: datetime) -> BatchResult:
        engine = self.engine
        # Typed on the way in: an empty Arrow column has no type of its own.
        engine.put("given_subjects", ledger.subjects, _select(_typed("id", "kind", "region")))
        # Integer keys and source numbers keep the big intermediate tables narrow and their
        # joins and groupings on integers; sources number in name order, as records sort.
        engine.make(
            "subjects",
            "SELECT CAST(row_number() OVER (ORDER BY id) AS INTEGER) AS key, id, kind, region "
            "FROM given_subjects",
        )
        regions = engine.fetch("SELECT DISTINCT region FROM subjects").column(0).to_pylist()
        plan = Plan(self.index, sorted(regions), at)
        columns = _typed("source", "id", "subject", "type", occurred_at="TIMESTAMP")
        struct = struct_fields(schema_of(ledger.records))
        engine.put("records", ledger.records, plan.fields.flatten_sql("{source}", columns, struct))
        engine.put("reviews", ledger.reviews, _select(_typed("source", "id", accepted="BOOLEAN")))
        engine.put(
            "appeals",
            ledger.appeals,
            _select(
                "split_part(CAST(record AS VARCHAR), ':', 1) AS source, "
                "substr(CAST(record AS VARCHAR), strpos(CAST(record AS VARCHAR), ':') + 1) AS id, "
                + _typed("outcome", deadline="TIMESTAMP", decided_at="TIMESTAMP")
            ),
        )
        engine.put("rules", plan.rules_table())
        engine.make(
            "sources",
            "SELECT source, CAST(row_number() OVER (ORDER BY source) AS INTEGER) AS source_no "
            "FROM (SELECT DISTINCT source FROM records) s",
        )
        appealed = _count(engine, "appeals") > 0
        engine.view("live", plan.live_sql(ledger.observers, appealed))
        engine.make("scored", plan.scored_sql())  # the one pass over the records' data
        engine.make("overflow", plan.overflow_sql())
        if plan.endings:
            engine.make("enders", plan.enders_sql())
            engine.make("ended", plan.ended_sql())
        engine.make("counting", plan.counting_sql(appealed))
        table = engine.fetch(plan.state_sql())
        return _result(table)


def _select(columns: str) -> str:
    return f"SELECT {columns} FROM {{source}}"


def _typed(*text: str, **others: str) -> str:
    """Select items casting each column to its type (VARCHAR unless named)."""
    columns = {**dict.fromkeys(text, "VARCHAR"), **others}
    return ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())


def _count(engine: Engine, table: str) -> int:
    return int(engine.fetch(f"SELECT count(*) AS n FROM {table}").column(0)[0].as_py())


def _result(table: pa.Table) -> BatchResult:
    refused = pc.if_else(
        pc.equal(table.column("refused"), ""),
        pa.scalar([], pa.list_(pa.string())),
        pc.split_pattern(table.column("refused"), ","),
    )
    folds = table.filter(table.column("fold")).column("subject").to_pylist()
    table = table.set_column(table.schema.get_field_index("refused"), "refused", refused)
    table = table.drop_columns(["fold"])  # in subject order: keys number subjects by id
    return BatchResult(table.cast(_SCHEMA), folds)


_SCHEMA = pa.schema(
    [
        ("subject", pa.string()),
        ("region", pa.string()),
        ("kind", pa.string()),
        ("score", pa.int64()),
        ("grade", pa.string()),
        ("refused", pa.list_(pa.string())),
    ]
)


class Plan:
    """The queries for one index, the regions of the ledger and an instant."""

    def __init__(self, index: RulebookIndex, regions: list[str], at: datetime) -> None:
        self.t = _ts(at)
        self.periods: list[Period] = []
        self.books: list[ResolvedBook] = []
        numbers: dict[str, int] = {}
        for region in regions:
            changes = index.changes(region)
            for i, start in enumerate(changes):
                book = index.resolve(region, start)
                if book is None:
                    continue
                number = numbers.setdefault(book.name, len(numbers))
                if number == len(self.books):
                    self.books.append(book)
                stop = changes[i + 1] if i + 1 < len(changes) else None
                self.periods.append(Period(region, start, stop, number))
        self.now = {r: index.resolve(r, at) for r in regions}
        self.rules: list[Rule] = [rule for book in self.books for rule in book.rules]
        self.numbered = list(enumerate(self.rules))
        self.fields = Fields()
        self.match = self._match()
        # Fixed points come from the rules table; only expressions need a CASE.
        computed = [(n, r) for n, r in self.numbered if isinstance(r.points, Condition)]
        self.points = _case("m.rule", [(n, _points(r, self.fields)) for n, r in computed])
        self.lasts = list(dict.fromkeys(r.lasts for r in self.rules if r.lasts is not None))
        self.endings = [(n, rule) for n, rule in self.numbered if rule.spec.ended_by is not None]
        for _, rule in self.endings:
            for name in rule.spec.ended_by.match:  # type: ignore[union-attr]
                self.fields.column(name, "j")
        self.active = self._active()

    # -- records -----------------------------------------------------------------------------

    def live_sql(self, observers: Iterable[str], appealed: bool) -> str:
        """Records known at T that count at all: reviewed if observed, never overturned."""
        watched = ", ".join(quoted(o) for o in observers)
        joins, where = [], [f"r.occurred_at <= {self.t}"]
        if watched:
            joins.append(
                "LEFT JOIN (SELECT DISTINCT source, id FROM reviews WHERE accepted) v "
                "ON v.source = r.source AND v.id = r.id"
            )
            where.append(f"(r.source NOT IN ({watched}) OR v.id IS NOT NULL)")
        if appealed:
            joins.append(
                "LEFT JOIN (SELECT DISTINCT source, id FROM appeals WHERE outcome = 'overturned')"
                " o ON o.source = r.source AND o.id = r.id"
            )
            where.append("o.id IS NULL")
        return f"SELECT r.* FROM records r {' '.join(joins)} WHERE {' AND '.join(where)}"

    def rules_table(self) -> pa.Table:
        """Each rule's constant attributes, joined by number rather than chosen by a long CASE."""
        groups = {rule_id: i for i, rule_id in enumerate(dict.fromkeys(r.id for r in self.rules))}
        return pa.table(
            {
                "rule": pa.array(range(len(self.rules)), pa.int32()),
                "fixed": pa.array([_fixed_points(r) for r in self.rules], pa.int64()),
                "lasts": pa.array(
                    [None if r.lasts is None else self.lasts.index(r.lasts) for r in self.rules],
                    pa.int32(),
                ),
                "cap": pa.array([r.spec.max_per_year for r in self.rules], pa.int32()),
                "cap_group": pa.array(
                    [groups[r.id] if r.spec.max_per_year else None for r in self.rules], pa.int32()
                ),
            }
        )

    def scored_sql(self) -> str:
        """Each live record's rule, points, natural end and cap, when a rule scores it."""
        book = " ".join(
            f"WHEN s.region = {quoted(p.region)} AND r.occurred_at >= {_ts(p.start)}"
            + (f" AND r.occurred_at < {_ts(p.stop)}" if p.stop else "")
            + f" THEN {p.book}"
            for p in self.periods
        )
        return f"""
            SELECT * FROM (
                SELECT m.source_no, m.id, m.key, m.occurred_at, m.rule,
                       coalesce(u.fixed, {self.points}) AS points
                FROM (
                    SELECT r.*, {self.match} AS rule FROM (
                        SELECT r.*, s.kind, s.key, n.source_no,
                               CASE {book or "WHEN FALSE THEN 0"} END AS book
                        FROM live r JOIN subjects s ON s.id = r.subject
                             JOIN sources n ON n.source = r.source
                    ) r
                ) m JOIN rules u ON u.rule = m.rule
            ) x WHERE points IS NOT NULL"""

    def _match(self) -> str:
        """The first-hit CASE naming each record's rule by number, book by book."""
        by_book, n = [], 0
        for number, book in enumerate(self.books):
            index_of = {id(rule): n + i for i, rule in enumerate(book.rules)}
            n += len(book.rules)
            whens = []
            for record_type, rules in book.rules_by_type.items():
                for rule in rules:
                    test = [f"r.type = {quoted(record_type)}"]
                    if set(rule.spec.applies_to) != {"person", "organisation"}:
                        kinds = ", ".join(quoted(k) for k in rule.spec.applies_to)
                        test.append(f"r.kind IN ({kinds})")
                    if rule.when is not None:
                        test.append(f"coalesce(({record_sql(rule.when, self.fields)}), FALSE)")
                    whens.append(f"WHEN {' AND '.join(test)} THEN {index_of[id(rule)]}")
            if whens:
                by_book.append(f"WHEN {number} THEN CASE {' '.join(whens)} END")
        return f"CASE r.book {' '.join(by_book)} END" if by_book else "CAST(NULL AS INTEGER)"

    # -- early endings -----------------------------------------------------------------------

    def enders_sql(self) -> str:
        """The live records that may end another's effect early: few, kept apart."""
        kinds = sorted({r.spec.ended_by.record for _, r in self.endings})  # type: ignore[union-attr]
        return (
            f"SELECT e.*, s.key FROM live e JOIN subjects s ON s.id = e.subject "
            f"WHERE {_types(kinds)}"
        )

    def ended_sql(self) -> str:
        parts = []
        for n, rule in self.endings:
            ended_by = rule.spec.ended_by
            assert ended_by is not None
            same = " AND ".join(
                f"c.{field_column(f, 'j')} IS NOT NULL AND "
                f"c.{field_column(f, 'j')} = e.{field_column(f, 'j')}"
                for f in ended_by.match
            )
            # The fields to match are read again for these few records, not kept for all.
            fields = "".join(f", r.{field_column(f, 'j')}" for f in ended_by.match)
            parts.append(f"""
                SELECT c.source_no, c.id, min(e.occurred_at) AS ended_at
                FROM (
                    SELECT c.source_no, c.id, c.key, c.occurred_at{fields}
                    FROM scored c JOIN sources n ON n.source_no = c.source_no
                         JOIN records r ON r.source = n.source AND r.id = c.id
                    WHERE c.rule = {n} AND r.type = {quoted(rule.spec.record)}
                ) c JOIN enders e ON e.key = c.key
                     AND e.type = {quoted(ended_by.record)} AND e.occurred_at >= c.occurred_at
                {"WHERE " + same if same else ""}
                GROUP BY c.source_no, c.id""")
        return " UNION ALL ".join(parts)

    # -- state at T --------------------------------------------------------------------------

    def overflow_sql(self) -> str:
        """(subject, rule, year) slots holding more records than a cap allows: few, usually.

        Only these need the ordered window that `max_per_year` implies; everyone else's
        capped records all count.
        """
        return """
            SELECT c.key, u.cap_group, year(c.occurred_at) AS y
            FROM scored c JOIN rules u ON u.rule = c.rule
            WHERE u.cap IS NOT NULL
            GROUP BY c.key, u.cap_group, year(c.occurred_at) HAVING count(*) > min(u.cap)"""

    def counting_sql(self, appealed: bool) -> str:
        """Per subject: the points counting at T and the active records of each listed type."""
        t = self.t
        capped = "scored c JOIN rules u ON u.rule = c.rule"
        slot = "o.key = c.key AND o.cap_group = u.cap_group AND o.y = year(c.occurred_at)"
        columns = "c.source_no, c.id, c.key, c.rule, c.points, c.occurred_at"
        # A record's natural end is computed where it is read rather than kept for all.
        natural = _case("lasts", [(n, _until(lasts)) for n, lasts in enumerate(self.lasts)])
        joins, until = [], "c.until"
        if self.endings:
            joins.append("LEFT JOIN ended e ON e.source_no = c.source_no AND e.id = c.id")
            until = "least(c.until, e.ended_at)"
        where = [f"c.occurred_at <= {t}", f"({until} IS NULL OR {t} < {until})"]
        if appealed:
            joins.append(
                "LEFT JOIN (SELECT DISTINCT n.source_no, a.id FROM appeals a "
                f"JOIN sources n ON n.source = a.source WHERE a.deadline <= {t} "
                f"AND (a.decided_at IS NULL OR {t} < a.decided_at)) a "
                "ON a.source_no = c.source_no AND a.id = c.id"
            )
            where.append("a.id IS NULL")
        counts = "".join(
            f", count(CASE WHEN c.rule IN ({', '.join(map(str, rules))}) THEN 1 END) AS {col}"
            for col, rules in self._active_rules().items()
        )
        return f"""
            SELECT c.key, sum(c.points) AS points{counts}
            FROM (
                SELECT *, {natural} AS until FROM (
                    SELECT {columns}, u.lasts FROM {capped} LEFT JOIN overflow o ON {slot}
                    WHERE o.key IS NULL
                    UNION ALL
                    SELECT {columns.replace("c.", "")}, lasts FROM (
                        SELECT c.*, u.cap, u.lasts, row_number() OVER (PARTITION BY c.key,
                            u.cap_group, year(c.occurred_at)
                            ORDER BY c.occurred_at, c.id, c.source_no) AS nth
                        FROM {capped} JOIN overflow o ON {slot}
                    ) w WHERE nth <= cap
                ) c
            ) c
            {" ".join(joins)}
            WHERE {" AND ".join(where)}
            GROUP BY c.key"""

    def _active_rules(self) -> dict[str, list[int]]:
        """For each active-count column, the numbers of the rules that score its type."""
        return {
            col: [n for n, r in self.numbered if r.spec.record == ty] or [-1]
            for ty, col in self.active.items()
        }

    def _active(self) -> dict[str, str]:
        """The record types whose active counts a list or measure reads, and their columns."""
        types = sorted(
            {
                arg
                for book in self.now.values()
                if book
                for cond in [li.when for li in book.lists] + [m.when for m in book.measures]
                for name, arg in cond.calls
                if name == "active"
            }
        )
        return {ty: f"active_{i}" for i, ty in enumerate(types)}

    def state_sql(self) -> str:
        """One row per subject: score, grade, refused services, and whether to fold it."""
        books = {r: b for r, b in self.now.items() if b is not None}
        base = _by_region(books, lambda b: str(b.scale.base))
        low = _by_region(books, lambda b: str(b.scale.min))
        high = _by_region(books, lambda b: str(b.scale.max))
        zeros = "".join(f", coalesce(k.{col}, 0) AS {col}" for col in self.active.values())
        grade = _by_region(
            books,
            lambda b: (
                "CASE "
                + " ".join(f"WHEN score >= {g.min} THEN {quoted(g.grade)}" for g in b.grades)
                + " END"
            ),
        )
        folds, refused = [], []
        for region, book in books.items():
            rank = _by_region(
                {region: book},
                lambda b: (
                    "CASE "
                    + " ".join(
                        f"WHEN score >= {g.min} THEN {b.grade_ranks[g.grade]}" for g in b.grades
                    )
                    + " END"
                ),
            )
            for li in book.lists:
                cond = state_sql(li.when, book.grade_ranks, self.active, {})
                folds.append(
                    f"(region = {quoted(region)} AND {_kinds(li.spec.applies_to)} AND "
                    f"coalesce(({cond.replace('grade_rank', rank)}), FALSE))"
                )
            for service in sorted({m.spec.service for m in book.measures}):
                tests = []
                for m in book.measures:
                    if m.spec.kind != "restriction" or m.spec.service != service:
                        continue
                    cond = state_sql(m.when, book.grade_ranks, self.active, _unlisted(book))
                    tests.append(
                        f"({_kinds(m.spec.applies_to)} AND "
                        f"coalesce(({cond.replace('grade_rank', rank)}), FALSE))"
                    )
                if tests:
                    refused.append(
                        f"CASE WHEN region = {quoted(region)} AND ({' OR '.join(tests)}) "
                        f"THEN {quoted(service)} END"
                    )
        refused_sql = f"concat_ws(',', {', '.join(refused)})" if refused else "''"
        return f"""
            SELECT subject, region, kind, CAST(score AS BIGINT) AS score, {grade} AS grade,
                   {refused_sql} AS refused, ({" OR ".join(folds) or "FALSE"}) AS fold
            FROM (
                SELECT s.key, s.id AS subject, s.kind, s.region,
                       least({high}, greatest({low}, {base} + coalesce(k.points, 0))) AS score
                       {zeros}
                FROM subjects s LEFT JOIN counting k ON k.key = s.key
            ) state
            ORDER BY key"""


def _types(types: Iterable[str]) -> str:
    return f"type IN ({', '.join(quoted(t) for t in types)})"


def _by_region(books: dict[str, ResolvedBook], make: Callable[[ResolvedBook], str]) -> str:
    """A CASE on the subject's region choosing each region's book's expression."""
    whens = " ".join(f"WHEN {quoted(r)} THEN {make(b)}" for r, b in books.items())
    return f"(CASE region {whens} END)" if whens else "NULL"


def _kinds(kinds: Iterable[str]) -> str:
    return f"kind IN ({', '.join(quoted(k) for k in kinds)})"


def _unlisted(book: ResolvedBook) -> dict[str, str]:
    """Measures on lists are decided by the fold: here no one is listed yet."""
    return {li.id: "FALSE" for li in book.lists}


def _case(on: str, whens: list[tuple[int, str]]) -> str:
    if not whens:
        return "NULL"
    return f"CASE {on} " + " ".join(f"WHEN {n} THEN {v}" for n, v in whens) + " END"


def _fixed_points(rule: Rule) -> int | None:
    """A rule's integer points, clamped into its range; None when an expression computes them."""
    if isinstance(rule.points, Condition):
        return None
    if rule.spec.points_range is None:
        return rule.points
    low, high = rule.spec.points_range
    return max(low, min(high, rule.points))


def _points(rule: Rule, fields: Fields) -> str:
    if isinstance(rule.points, Condition):
        value = (
            f"CAST(round(CAST(({record_sql(rule.points, fields, boolean=False)}) AS DOUBLE))"
            " AS BIGINT)"
        )
    else:
        value = str(rule.points)
    if rule.spec.points_range is not None:
        # least/greatest skip NULLs: a record lacking a field must stay unscored, not clamped
        low, high = rule.spec.points_range
        clamped = f"least({high}, greatest({low}, {value}))"
        value = f"(CASE WHEN {value} IS NULL THEN NULL ELSE {clamped} END)"
    return value


def _until(lasts: Duration) -> str:
    """occurred_at + lasts, in calendar units: months first, then days, then seconds."""
    parts = [
        f"INTERVAL {amount} {unit}"
        for amount, unit in (
            (lasts.years * 12 + lasts.months, "MONTH"),
            (lasts.days, "DAY"),
            (lasts.seconds, "SECOND"),
        )
        if amount
    ]
    return " + ".join(["occurred_at", *parts])


def _ts(at: datetime) -> str:
    naive = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    return f"TIMESTAMP '{naive.isoformat(sep=' ')}'"

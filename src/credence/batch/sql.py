"""Conditions as SQL: the very trees the per-subject path compiled, transpiled.

A record's fields arrive in a column `data`: JSON text as the store holds it, or a struct
of typed fields as a columnar export writes it (read as columns, nothing parsed). The
domain compares numbers with
numbers and text with text, and anything else is NULL; so each field reference becomes a
typed column chosen by its context: numeric beside a number or in arithmetic, text beside
a string or under LIKE, boolean beside TRUE or FALSE or standing as a condition, and the
raw JSON value under IS NULL. `Fields` remembers which typed columns the compiled rules
read, and `Fields.flatten_sql` extracts them once per record (in DuckDB, before any engine
sees the records; from a struct, only a cast), so the scoring queries themselves are plain
SQL over typed columns that sqlglot can write for any engine. State conditions (lists,
measures) read the columns `score`, `grade_rank` and `active_N` that the scorer computes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
from sqlglot import exp

from credence.domain.conditions import Condition

NUMERIC_TYPES = "('BIGINT', 'UBIGINT', 'DOUBLE')"
_COMPARE = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Between)
_ARITHMETIC = (
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Neg,
    exp.Abs,
    exp.Round,
    exp.Least,
    exp.Greatest,
)


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _path(name: str) -> str:
    return (
        quoted("$." + name.replace('"', '\\"'))
        if name.isidentifier()
        else quoted('$."' + name.replace('"', '\\"') + '"')
    )


def numeric(value: str) -> str:
    return (
        f"(CASE WHEN json_type({value}) IN {NUMERIC_TYPES} "
        f"THEN CAST(json_extract_string({value}, '$') AS DOUBLE) END)"
    )


def text(value: str) -> str:
    return f"(CASE WHEN json_type({value}) = 'VARCHAR' THEN json_extract_string({value}, '$') END)"


def boolean(value: str) -> str:
    return f"(CASE WHEN json_type({value}) = 'BOOLEAN' THEN CAST({value} AS VARCHAR) = 'true' END)"


def raw_json(value: str) -> str:
    """The field's JSON text; NULL when it is missing or JSON null, as in the domain."""
    return f"nullif(CAST({value} AS VARCHAR), 'null')"


class Fields:
    """The typed columns that compiled rules read from records' data, and how to extract them."""

    def __init__(self) -> None:
        self.used: set[tuple[str, str]] = set()

    def column(self, name: str, kind: str) -> str:
        """The quoted column holding field `name` as `kind`: n(umber), t(ext), b(oolean), j(son)."""
        self.used.add((name, kind))
        return field_column(name, kind)

    def flatten_sql(
        self, source: str, columns: str, struct: Mapping[str, pa.DataType] | None = None
    ) -> str:
        """A DuckDB query over `source` with `columns` and the typed columns used so far.

        `data` is JSON text, parsed once per record for all the fields together, unless
        `struct` gives the fields of a struct `data` and their types.
        """
        names = sorted({name for name, _ in self.used})
        if not names:
            return f"SELECT {columns} FROM {source}"
        if struct is not None:
            typed = ", ".join(
                f"{_from_struct(name, kind, struct.get(name))} AS {field_column(name, kind)}"
                for name, kind in sorted(self.used)
            )
            return f"SELECT {columns}, {typed} FROM {source}"
        slot = {name: i + 1 for i, name in enumerate(names)}
        typed = ", ".join(
            f"{_EXTRACT[kind](f'__values[{slot[name]}]')} AS {field_column(name, kind)}"
            for name, kind in sorted(self.used)
        )
        paths = ", ".join(_path(name) for name in names)
        return (
            f"SELECT {columns}, {typed} FROM "
            f"(SELECT *, json_extract(data, [{paths}]) AS __values FROM {source})"
        )


_EXTRACT = {"n": numeric, "t": text, "b": boolean, "j": raw_json}
_SQL_TYPE = {"n": "DOUBLE", "t": "VARCHAR", "b": "BOOLEAN", "j": "VARCHAR"}


def _from_struct(name: str, kind: str, arrow_type: pa.DataType | None) -> str:
    """Field `name` of a struct `data` as `kind`, with the JSON path's meaning.

    A field of the wanted type is read as it is; one of another type is NULL, as a JSON
    value of another type would be; anything else goes through JSON.
    """
    typed_null = f"CAST(NULL AS {_SQL_TYPE[kind]})"
    if arrow_type is None:  # no record has the field
        return typed_null
    value = 'data."' + name.replace('"', '""') + '"'
    primitive = (
        "n"
        if pa.types.is_integer(arrow_type)
        or pa.types.is_floating(arrow_type)
        or pa.types.is_decimal(arrow_type)
        else "t"
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
        else "b"
        if pa.types.is_boolean(arrow_type)
        else None
    )
    if primitive is None or kind == "j":
        return _EXTRACT[kind](f"to_json({value})")
    return f"CAST({value} AS {_SQL_TYPE[kind]})" if primitive == kind else typed_null


def struct_fields(schema: pa.Schema) -> dict[str, pa.DataType] | None:
    """The fields of `data` and their types when it is a struct, else None (JSON text)."""
    index = schema.get_field_index("data")
    if index < 0 or not pa.types.is_struct(schema.field(index).type):
        return None
    data = schema.field(index).type
    return {data.field(i).name: data.field(i).type for i in range(data.num_fields)}


def field_column(name: str, kind: str) -> str:
    return '"' + f"{kind}:{name}".replace('"', '""') + '"'


def record_sql(condition: Condition, fields: Fields, *, boolean: bool = True) -> str:
    """A record condition (or, with boolean=False, a points expression) over typed columns."""
    tree = condition.tree.copy()
    if isinstance(tree, exp.Column):  # a bare field: a number as points, a flag as a condition
        return fields.column(tree.name, "b" if boolean else "n")
    for column in list(tree.find_all(exp.Column)):
        column.replace(exp.maybe_parse(fields.column(column.name, _kind(column)), dialect="duckdb"))
    return _safe_division(tree).sql(dialect="duckdb")


def _kind(column: exp.Expr) -> str:
    if _under_is_null(column):
        return "j"
    if _wants_boolean(column):
        return "b"
    return "t" if _wants_text(column) else "n"


def state_sql(
    condition: Condition,
    ranks: Mapping[str, int],
    active: Mapping[str, str],
    listed: Mapping[str, str],
) -> str:
    """A list or measure condition over the scorer's state columns."""
    tree = condition.tree.copy()
    for node in list(tree.find_all(exp.Column)):
        if node.name == "grade":
            _ranks_beside(node, ranks)
            node.replace(exp.column("grade_rank"))
        else:
            node.replace(exp.column("score"))
    for call in list(tree.find_all(exp.Anonymous)):
        name, arg = str(call.this).lower(), call.expressions[0].this
        column = active.get(arg, "0") if name == "active" else listed.get(arg, "FALSE")
        replacement: exp.Expr = exp.maybe_parse(column, dialect="duckdb")
        if call is tree:
            tree = replacement
        else:
            call.replace(replacement)
    return _safe_division(tree).sql(dialect="duckdb")


def _ranks_beside(grade: exp.Expr, ranks: Mapping[str, int]) -> None:
    """Grades compare by rank: turn the grade literals beside `grade` into ranks."""
    parent = grade.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if parent is None:
        return
    for literal in list(parent.find_all(exp.Literal)):
        if literal.is_string:
            rank = ranks.get(literal.this)
            literal.replace(exp.Null() if rank is None else exp.Literal.number(rank))


def _under_is_null(column: exp.Expr) -> bool:
    parent = column.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return isinstance(parent, exp.Is)


def _wants_boolean(column: exp.Expr) -> bool:
    parent = column.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if isinstance(parent, exp.And | exp.Or | exp.Not):
        return True
    return isinstance(parent, _COMPARE) and any(
        isinstance(side, exp.Boolean) for side in (parent.this, parent.expression)
    )


def _wants_text(column: exp.Expr) -> bool:
    parent = column.parent
    while parent is not None:
        if isinstance(parent, exp.Like):
            return True
        if isinstance(parent, _ARITHMETIC):
            return False
        if isinstance(parent, _COMPARE):
            return any(
                isinstance(lit, exp.Literal) and lit.is_string
                for lit in parent.find_all(exp.Literal)
            )
        parent = parent.parent
    return False


def _safe_division(tree: exp.Expr) -> exp.Expr:
    """Division or modulo by zero is NULL, as in the domain."""
    for node in reversed(list(tree.find_all(exp.Div, exp.Mod))):  # innermost first
        left, right = node.this.copy(), node.expression.copy()
        op = "/" if isinstance(node, exp.Div) else "%"
        sql = (
            f"(CASE WHEN ({right.sql('duckdb')}) = 0 THEN NULL "
            f"ELSE ({left.sql('duckdb')}) {op} ({right.sql('duckdb')}) END)"
        )
        safe: exp.Expr = exp.maybe_parse(sql, dialect="duckdb")
        if node is tree:
            return safe
        node.replace(safe)
    return tree

"""The one condition language: SQL expressions, parsed once, whitelisted, compiled once.

A condition is kept as its sqlglot tree, so the batch path can turn the very same parse
into DuckDB or Spark SQL, and as a Python closure for the per-subject fold. Evaluation
follows SQL's three-valued logic: a missing field is NULL (None), and NULL is not true.

Environments are read-only mappings. A field `amount` is looked up as `env.get("amount")`;
a named function call such as `active('court.judgment_default')` is looked up as
`env.get(("active", "court.judgment_default"))`, so the subject-state environment can
compute it on demand and a record's data simply has no such key.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import total_ordering
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from credence.domain.errors import RulebookError

Env = Mapping[Any, Any]
Evaluator = Callable[[Env], Any]

# Scalar functions any expression may use; each ignores nothing and invents nothing.
SCALAR_FUNCTIONS = ("abs", "least", "greatest", "coalesce", "round")
# Functions over a subject's state, for list and measure conditions (DESIGN.md).
STATE_FUNCTIONS = ("active", "on_list")
STATE_FIELDS = ("score", "grade")


@dataclass(frozen=True, slots=True)
class Scope:
    """What a condition may refer to: free data fields, or named state and functions."""

    name: str
    fields: frozenset[str] | None  # None: any field name (a record's data)
    functions: frozenset[str]


RECORD_SCOPE = Scope("record", None, frozenset())
LIST_SCOPE = Scope("list", frozenset(STATE_FIELDS), frozenset({"active"}))
MEASURE_SCOPE = Scope("measure", frozenset(STATE_FIELDS), frozenset(STATE_FUNCTIONS))


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed, checked and compiled expression."""

    text: str
    tree: exp.Expr
    fields: frozenset[str]
    calls: frozenset[tuple[str, str]]
    evaluate: Evaluator

    def holds(self, env: Env) -> bool:
        """True only when the expression is true; false and NULL both fail."""
        return self.evaluate(env) is True


@total_ordering
@dataclass(frozen=True, slots=True)
class Ordinal:
    """A value ranked by a published order, such as a grade: `grade >= 'A'` means A or better."""

    name: str
    ranks: Mapping[str, int]

    def rank_of(self, other: object) -> int | None:
        if isinstance(other, Ordinal):
            return other.ranks.get(other.name)
        if isinstance(other, str):
            return self.ranks.get(other)
        return None

    def __eq__(self, other: object) -> bool:
        return self.rank_of(other) == self.ranks.get(self.name)

    def __lt__(self, other: object) -> bool:
        theirs = self.rank_of(other)
        return theirs is not None and self.ranks[self.name] < theirs

    def __hash__(self) -> int:
        return hash(self.name)

    def __str__(self) -> str:
        return self.name


class _Refused(Exception):
    def __init__(self, token: str, why: str) -> None:
        super().__init__(why)
        self.token = token
        self.why = why


def parse_condition(text: str | int | float | bool, scope: Scope, where: str) -> Condition:
    """Parse, whitelist and compile `text`; refuse with a message naming `where` and the token."""
    source = str(text).lower() if isinstance(text, bool) else str(text)
    try:
        tree = sqlglot.parse_one(source)
    except SqlglotError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "cannot parse"
        raise RulebookError(
            f"{where}: cannot parse condition {source!r}: {first}", where=where, condition=source
        ) from None
    fields: set[str] = set()
    calls: set[tuple[str, str]] = set()
    try:
        evaluate = _compile(tree, scope, fields, calls)
    except _Refused as refused:
        raise RulebookError(
            f"{where}: {refused.why} (token {refused.token!r} in {source!r})",
            where=where,
            condition=source,
            token=refused.token,
        ) from None
    return Condition(source, tree, frozenset(fields), frozenset(calls), evaluate)


def _compile(node: exp.Expr, scope: Scope, fields: set[str], calls: set[Any]) -> Evaluator:
    def sub(child: exp.Expr) -> Evaluator:
        return _compile(child, scope, fields, calls)

    if isinstance(node, exp.Paren):
        return sub(node.this)
    if isinstance(node, exp.Literal):
        literal = _literal(node)
        return lambda env: literal
    if isinstance(node, exp.Boolean):
        truth = bool(node.this)
        return lambda env: truth
    if isinstance(node, exp.Null):
        return lambda env: None
    if isinstance(node, exp.Column):
        return _column(node, scope, fields)
    if isinstance(node, exp.Neg):
        inner = sub(node.this)
        return lambda env: _arith(operator.mul, -1, inner(env))
    if type(node) in _ARITHMETIC:
        op, left, right = _ARITHMETIC[type(node)], sub(node.this), sub(node.expression)
        return lambda env: _arith(op, left(env), right(env))
    if type(node) in _COMPARISONS:
        test, left, right = _COMPARISONS[type(node)], sub(node.this), sub(node.expression)
        return lambda env: _compare(test, left(env), right(env))
    if isinstance(node, exp.And | exp.Or | exp.Not):
        return _logic(node, sub)
    if isinstance(node, exp.Is):
        if not isinstance(node.expression, exp.Null):
            raise _Refused(node.expression.sql(), "IS compares only with NULL")
        inner = sub(node.this)
        return lambda env: inner(env) is None
    if isinstance(node, exp.In):
        return _in(node, sub)
    if isinstance(node, exp.Between):
        value, low, high = sub(node.this), sub(node.args["low"]), sub(node.args["high"])
        return lambda env: _and(
            _compare(operator.ge, value(env), low(env)),
            _compare(operator.le, value(env), high(env)),
        )
    if isinstance(node, exp.Like):
        return _like(node, sub)
    return _function(node, scope, calls, sub)


def _literal(node: exp.Literal) -> Any:
    if node.is_string:
        return node.this
    text = node.this
    try:
        return int(text)
    except ValueError:
        return float(text)


def _column(node: exp.Column, scope: Scope, fields: set[str]) -> Evaluator:
    if node.table or not isinstance(node.this, exp.Identifier):
        raise _Refused(node.sql(), "only plain field names are allowed")
    name = node.name
    if scope.fields is not None and name not in scope.fields:
        allowed = ", ".join(sorted(scope.fields))
        raise _Refused(name, f"a {scope.name} condition may name only {allowed}")
    if name.startswith("__"):
        raise _Refused(name, "field names may not start with '__'")
    fields.add(name)
    return lambda env: env.get(name)


def _logic(node: exp.Expr, sub: Callable[[exp.Expr], Evaluator]) -> Evaluator:
    if isinstance(node, exp.Not):
        inner = sub(node.this)
        return lambda env: _not(inner(env))
    left, right = sub(node.this), sub(node.expression)
    if isinstance(node, exp.And):
        return lambda env: _and(left(env), right(env))
    return lambda env: _or(left(env), right(env))


def _in(node: exp.In, sub: Callable[[exp.Expr], Evaluator]) -> Evaluator:
    if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
        raise _Refused(node.sql(), "IN takes a list of values, not a query")
    value, options = sub(node.this), [sub(o) for o in node.expressions]

    def evaluate(env: Env) -> bool | None:
        result: bool | None = False
        candidate = value(env)
        for option in options:
            result = _or(result, _compare(operator.eq, candidate, option(env)))
            if result is True:
                return True
        return result

    return evaluate


def _like(node: exp.Like, sub: Callable[[exp.Expr], Evaluator]) -> Evaluator:
    if not isinstance(node.expression, exp.Literal) or not node.expression.is_string:
        raise _Refused(node.expression.sql(), "LIKE takes a string pattern")
    pattern = node.expression.this
    regex = re.compile(
        "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern),
        re.DOTALL,
    )
    value = sub(node.this)

    def evaluate(env: Env) -> bool | None:
        text = value(env)
        if not isinstance(text, str):
            return None
        return regex.fullmatch(text) is not None

    return evaluate


def _function(
    node: exp.Expr, scope: Scope, calls: set[Any], sub: Callable[[exp.Expr], Evaluator]
) -> Evaluator:
    name = _function_name(node)
    if name in scope.functions:
        args = node.expressions
        if len(args) != 1 or not isinstance(args[0], exp.Literal) or not args[0].is_string:
            raise _Refused(node.sql(), f"{name}() takes one quoted name")
        key = (name, args[0].this)
        calls.add(key)
        return lambda env: env.get(key)
    if name in SCALAR_FUNCTIONS:
        return _scalar(name, node, sub)
    token = name or node.key
    raise _Refused(token, f"{token!s} is not in the condition language")


def _function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.Func) and not isinstance(node, exp.Subquery):
        return node.sql_name().lower()
    return ""


def _scalar(name: str, node: exp.Expr, sub: Callable[[exp.Expr], Evaluator]) -> Evaluator:
    args = [sub(a) for a in _arguments(node)]
    if name in ("abs", "round"):
        if len(args) != 1:
            raise _Refused(node.sql(), f"{name}() takes one argument")
        (arg,) = args
        fn: Callable[[Any], Any] = abs if name == "abs" else round_half_away
        return lambda env: _numeric(fn, arg(env))
    if name == "coalesce":
        return lambda env: next((v for v in (a(env) for a in args) if v is not None), None)
    pick = min if name == "least" else max

    def extreme(env: Env) -> Any:
        # NULLs are ignored, as DuckDB, PostgreSQL and Spark all do.
        values = [v for v in (a(env) for a in args) if v is not None]
        try:
            return pick(values) if values else None
        except TypeError:
            return None

    return extreme


def _arguments(node: exp.Expr) -> list[exp.Expr]:
    parts = [node.this] if isinstance(node.this, exp.Expr) else []
    if isinstance(node.args.get("expression"), exp.Expr) and not isinstance(node, exp.Round):
        parts.append(node.args["expression"])
    if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
        parts.append(node.args["decimals"])
    return parts + list(node.expressions)


def round_half_away(value: float) -> int:
    """Round to the nearest integer, halves away from zero (as SQL's ROUND does)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric(fn: Callable[[Any], Any], value: Any) -> Any:
    return fn(value) if _is_number(value) else None


def _arith(op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    if not (_is_number(left) and _is_number(right)):
        return None
    if op in (operator.truediv, operator.mod) and right == 0:
        return None
    return op(left, right)


def _comparable(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    if isinstance(left, Ordinal) or isinstance(right, Ordinal):
        return True
    if _is_number(left) and _is_number(right):
        return True
    return type(left) is type(right)


def _compare(test: Callable[[Any, Any], bool], left: Any, right: Any) -> bool | None:
    if not _comparable(left, right):
        return None
    if isinstance(right, Ordinal) and not isinstance(left, Ordinal):
        left, right = right, left
        test = _MIRROR.get(test, test)
    if isinstance(left, Ordinal) and left.rank_of(right) is None:
        return None
    return bool(test(left, right))


def _not(value: Any) -> bool | None:
    return None if value is None else not value


def _and(left: Any, right: Any) -> bool | None:
    if left is False or right is False:
        return False
    if left is None or right is None:
        return None
    return bool(left) and bool(right)


def _or(left: Any, right: Any) -> bool | None:
    if left is True or right is True:
        return True
    if left is None or right is None:
        return None
    return bool(left) or bool(right)


_ARITHMETIC: dict[type[exp.Expr], Callable[[Any, Any], Any]] = {
    exp.Add: operator.add,
    exp.Sub: operator.sub,
    exp.Mul: operator.mul,
    exp.Div: operator.truediv,
    exp.Mod: operator.mod,
}
_COMPARISONS: dict[type[exp.Expr], Callable[[Any, Any], bool]] = {
    exp.EQ: operator.eq,
    exp.NEQ: operator.ne,
    exp.GT: operator.gt,
    exp.GTE: operator.ge,
    exp.LT: operator.lt,
    exp.LTE: operator.le,
}
_MIRROR: dict[Callable[[Any, Any], bool], Callable[[Any, Any], bool]] = {
    operator.gt: operator.lt,
    operator.lt: operator.gt,
    operator.ge: operator.le,
    operator.le: operator.ge,
}

import pytest

from credence.domain.conditions import (
    LIST_SCOPE,
    MEASURE_SCOPE,
    RECORD_SCOPE,
    Ordinal,
    parse_condition,
    round_half_away,
)
from credence.domain.errors import RulebookError


def evaluate(text: str, **env: object) -> object:
    return parse_condition(text, RECORD_SCOPE, "rule r").evaluate(env)


def test_comparisons_and_logic_over_fields() -> None:
    assert evaluate("amount >= 10000 AND kind IN ('a', 'b')", amount=10000, kind="b") is True
    assert evaluate("amount >= 10000 AND kind IN ('a', 'b')", amount=9999, kind="b") is False
    assert evaluate("NOT (x = 1) OR y BETWEEN 2 AND 4", x=1, y=4) is True
    assert evaluate("name LIKE 'Li%'", name="Li Wei") is True
    assert evaluate("name LIKE 'L_'", name="Li Wei") is False


def test_a_missing_field_is_null_and_null_is_not_true() -> None:
    condition = parse_condition("amount >= 10000", RECORD_SCOPE, "rule r")
    assert condition.evaluate({}) is None
    assert condition.holds({}) is False
    assert evaluate("NOT (amount >= 10000)") is None


def test_three_valued_and_or_follow_sql() -> None:
    assert evaluate("missing = 1 AND 1 = 2") is False
    assert evaluate("missing = 1 OR 1 = 1") is True
    assert evaluate("missing = 1 OR 1 = 2") is None
    assert evaluate("x IN (1, NULL)", x=2) is None
    assert evaluate("x IN (1, NULL)", x=1) is True


def test_is_null_is_never_null() -> None:
    assert evaluate("x IS NULL") is True
    assert evaluate("x IS NOT NULL", x=0) is True


def test_arithmetic_and_scalar_functions() -> None:
    assert evaluate("-10 * months", months=3) == -30
    assert evaluate("abs(a) + least(a, 7) - coalesce(c, 1)", a=-2) == -1
    assert evaluate("greatest(a, b, NULL)", a=1, b=5) == 5
    assert evaluate("round(a / 2)", a=5) == 3
    assert evaluate("a / 0", a=5) is None
    assert evaluate("a + 'text'", a=5) is None


def test_rounding_takes_halves_away_from_zero() -> None:
    assert [round_half_away(v) for v in (2.5, -2.5, 0.4, -0.6)] == [3, -3, 0, -1]


def test_comparing_text_with_numbers_is_null_not_an_error() -> None:
    assert evaluate("amount > 5", amount="lots") is None


def test_the_fields_a_condition_needs_are_known() -> None:
    assert parse_condition("a > 1 AND b IS NULL", RECORD_SCOPE, "r").fields == {"a", "b"}


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("__import__('os')", "__import__"),
        ("x IN (SELECT 1)", "x IN (SELECT 1)"),
        ("x = (SELECT secret FROM t)", "subquery"),
        ("sleep(10) = 0", "sleep"),
        ("upper(x) = 'A'", "upper"),
        ("t.x = 1", "t.x"),
        ("x = 1; DROP TABLE records", "block"),
        ("CAST(x AS INT) = 1", "cast"),
        ("active('court.x') > 0", "active"),
    ],
)
def test_anything_outside_the_whitelist_is_refused_naming_the_token(text: str, token: str) -> None:
    with pytest.raises(RulebookError) as error:
        parse_condition(text, RECORD_SCOPE, "national.yaml: rule court.x")
    message = str(error.value)
    assert message.startswith("national.yaml: rule court.x:")
    assert repr(token) in message


def test_unparseable_text_is_refused_with_the_rule_named() -> None:
    with pytest.raises(RulebookError, match="rule r: cannot parse"):
        parse_condition("amount >=", RECORD_SCOPE, "rule r")


def test_list_conditions_see_score_grade_and_active_but_not_lists() -> None:
    condition = parse_condition("score < 600 OR active('court.x') > 0", LIST_SCOPE, "list l")
    assert condition.calls == {("active", "court.x")}
    assert condition.evaluate({"score": 700, ("active", "court.x"): 1}) is True
    with pytest.raises(RulebookError, match="on_list"):
        parse_condition("on_list('x')", LIST_SCOPE, "list l")
    with pytest.raises(RulebookError, match="may name only grade, score"):
        parse_condition("amount > 1", LIST_SCOPE, "list l")


def test_grades_compare_by_rank_better_is_greater() -> None:
    ranks = {"D": 1, "C": 2, "B": 3, "A": 4, "AA": 5, "AAA": 6}
    condition = parse_condition("grade >= 'A'", MEASURE_SCOPE, "measure m")
    assert condition.evaluate({"grade": Ordinal("AA", ranks)}) is True
    assert condition.evaluate({"grade": Ordinal("B", ranks)}) is False
    assert parse_condition("'A' <= grade", MEASURE_SCOPE, "m").evaluate(
        {"grade": Ordinal("AAA", ranks)}
    )
    assert parse_condition("grade IN ('AAA', 'AA')", MEASURE_SCOPE, "m").evaluate(
        {"grade": Ordinal("AA", ranks)}
    )
    assert condition.evaluate({"grade": Ordinal("B", ranks)}) is False
    assert (
        parse_condition("grade >= 'Z'", MEASURE_SCOPE, "m").evaluate({"grade": Ordinal("A", ranks)})
        is None
    )

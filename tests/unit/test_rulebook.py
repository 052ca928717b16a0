import pytest

from credence.domain.errors import RulebookError
from credence.domain.rulebook import RulebookIndex, parse_book
from tests.factories import a_book, a_book_document, a_rule, at


def a_city(**overrides: object) -> object:
    document = {
        "jurisdiction": "city",
        "extends": "national",
        "version": "2026.1",
        "effective_from": "2026-01-01",
        "rules": [],
    }
    document.update(overrides)
    return parse_book(document, "city.yaml")


def national_with(*rules: dict[str, object]) -> object:
    return a_book(rules=list(rules))


def test_a_childs_own_rules_are_tried_before_inherited_ones() -> None:
    national = national_with(a_rule(id="n1"), a_rule(id="n2"))
    city = a_city(rules=[a_rule(id="c1")])
    book = RulebookIndex([national, city]).resolve("city", at("2026-06-01"))
    assert book is not None
    assert [r.id for r in book.rules] == ["c1", "n1", "n2"]


def test_overriding_a_rule_id_replaces_it_in_place() -> None:
    national = national_with(a_rule(id="n1"), a_rule(id="n2"), a_rule(id="n3"))
    city = a_city(rules=[a_rule(id="c1"), a_rule(id="n2", points=-7)])
    book = RulebookIndex([national, city]).resolve("city", at("2026-06-01"))
    assert book is not None
    assert [r.id for r in book.rules] == ["c1", "n1", "n2", "n3"]
    assert book.rules[2].spec.points == -7
    assert book.rules[2].book == "city@2026.1"


def test_remove_drops_inherited_ids() -> None:
    national = national_with(a_rule(id="n1"), a_rule(id="n2"))
    city = a_city(remove=["n1"])
    book = RulebookIndex([national, city]).resolve("city", at("2026-06-01"))
    assert book is not None
    assert [r.id for r in book.rules] == ["n2"]


def test_the_version_in_force_at_an_instant_is_chosen() -> None:
    old = national_with(a_rule(points=-100))
    new = a_book(version="2026.2", effective_from="2026-07-01", rules=[a_rule(points=-80)])
    index = RulebookIndex([new, old])
    before = index.resolve("national", at("2026-06-30T23:59:59"))
    first_day = index.resolve("national", at("2026-07-01"))
    assert before is not None and before.name == "national@2026.1"
    assert first_day is not None and first_day.name == "national@2026.2"
    assert index.resolve("national", at("2025-12-31")) is None


def test_a_region_whose_own_book_is_not_yet_in_force_is_governed_by_its_parent() -> None:
    city = a_city(effective_from="2026-07-01", rules=[a_rule(id="c1")])
    index = RulebookIndex([a_book(), city])
    before = index.resolve("city", at("2026-03-01"))
    assert before is not None and before.name == "national@2026.1"
    after = index.resolve("city", at("2026-07-01"))
    assert after is not None and after.name == "city@2026.1"


def test_children_inherit_scale_grades_sources_and_windows() -> None:
    city = a_city(
        appeal_window="P15D",
        sources=[{"id": "utilities", "kind": "authority", "may_submit": ["utility.late_fee"]}],
    )
    book = RulebookIndex([a_book(appeal_window="P10D"), city]).resolve("city", at("2026-06-01"))
    assert book is not None
    assert book.scale.base == 1000
    assert book.grade_of(1050) == "AAA" and book.grade_of(1049) == "AA"
    assert book.grade_of(0) == "D"
    assert set(book.sources) == {"court", "watch", "utilities"}
    assert str(book.appeal_window) == "P15D"


def test_malformed_books_are_refused_naming_the_file_and_item() -> None:
    with pytest.raises(RulebookError, match=r"national.yaml: rules.0.points"):
        parse_book(a_book_document(rules=[a_rule(points=[1])]), "national.yaml")
    with pytest.raises(RulebookError, match=r"national.yaml: rules.0.colour: Extra inputs"):
        parse_book(a_book_document(rules=[a_rule(colour="red")]), "national.yaml")
    with pytest.raises(RulebookError, match=r"national.yaml: rule r1: lasts 'forever'"):
        parse_book(a_book_document(rules=[a_rule(id="r1", lasts="forever")]), "national.yaml")
    with pytest.raises(RulebookError, match=r"rule r1: .*__import__"):
        parse_book(
            a_book_document(rules=[a_rule(id="r1", when="__import__('os') IS NULL")]),
            "national.yaml",
        )

from typing import Any

from credence.domain.checker import CATEGORIES, check_books
from credence.domain.rulebook import parse_book
from tests.factories import a_book, a_book_document, a_rule


def problems_of(*documents: dict[str, Any]) -> list[str]:
    books = [parse_book(d, f"{d['jurisdiction']}.yaml") for d in documents]
    return [str(p) for p in check_books(books)]


def test_a_sound_book_passes() -> None:
    assert problems_of(a_book_document()) == []


def test_a_rule_without_basis_is_refused_naming_file_and_item() -> None:
    assert problems_of(a_book_document(rules=[a_rule(id="r1", basis=None)])) == [
        "national.yaml: rule r1: no basis: every item must cite its legal basis"
    ]


def test_a_penalty_must_expire() -> None:
    found = problems_of(a_book_document(rules=[a_rule(id="r1", lasts=None)]))
    assert found == [
        "national.yaml: rule r1: a penalty must have a finite 'lasts': penalties expire"
    ]


def test_an_expression_that_may_be_negative_counts_as_a_penalty() -> None:
    rule = a_rule(id="r1", lasts=None, points="-10 * months")
    assert problems_of(a_book_document(rules=[rule]))
    reward = a_rule(id="r2", lasts=None, points="hours", points_range=[0, 10], category="honours")
    assert problems_of(a_book_document(rules=[reward])) == []


def test_a_category_outside_the_taxonomy_is_refused() -> None:
    found = problems_of(a_book_document(rules=[a_rule(id="r1", category="loyalty")]))
    assert len(found) == 1 and "category 'loyalty' is not one of" in found[0]
    assert "civic-contribution" in CATEGORIES


def test_a_black_list_must_give_notice() -> None:
    black = {
        "id": "defaulters",
        "kind": "black",
        "applies_to": ["person"],
        "when": "active('court.judgment_default') > 0",
        "basis": "SPC Provisions (2017)",
    }
    found = problems_of(a_book_document(lists=[black]))
    assert found == [
        "national.yaml: list defaulters: a black list must give notice (e.g. notice: P10D)"
    ]
    assert problems_of(a_book_document(lists=[{**black, "notice": "P10D"}])) == []


def test_fields_not_declared_by_the_sources_are_refused() -> None:
    sources = [
        {
            "id": "court",
            "kind": "authority",
            "may_submit": ["court.judgment_default"],
            "fields": {"court.judgment_default": ["amount", "case"]},
        }
    ]
    rule = a_rule(id="r1", when="amount > 1 AND ammount < 5")
    found = problems_of(a_book_document(sources=sources, rules=[rule]))
    assert found == [
        "national.yaml: rule r1: field 'ammount' is not among the fields sources declare for "
        "court.judgment_default: amount, case"
    ]


def test_rules_about_opinion_belief_ties_or_surveillance_are_refused() -> None:
    rules = [
        a_rule(id="speech", record="social_media.post"),
        a_rule(id="faith", when="religion = 'x'"),
        a_rule(id="relatives", when="relative_defaulted = 1"),
        a_rule(id="cams", record="camera.jaywalking"),
    ]
    found = problems_of(a_book_document(rules=rules))
    assert any("rule speech" in p and "speech" in p for p in found)
    assert any("rule faith" in p and "religion" in p for p in found)
    assert any("rule relatives" in p and "social ties" in p for p in found)
    assert any("rule cams" in p and "surveillance" in p for p in found)


def test_a_measure_beyond_service_eligibility_is_refused() -> None:
    measure = {
        "id": "lock-up",
        "kind": "restriction",
        "service": "detention",
        "applies_to": ["person"],
        "when": "score < 100",
        "basis": "none that could exist",
    }
    found = problems_of(a_book_document(measures=[measure]))
    assert any("measure lock-up" in p and "beyond service eligibility" in p for p in found)


def test_a_child_must_extend_a_known_book_and_remove_only_inherited_ids() -> None:
    orphan = {
        "jurisdiction": "city",
        "extends": "nowhere",
        "version": "1",
        "effective_from": "2026-01-01",
    }
    assert problems_of(orphan) == [
        "city.yaml: city@1: extends 'nowhere', which no loaded book defines"
    ]
    city = {
        "jurisdiction": "city",
        "extends": "national",
        "version": "1",
        "effective_from": "2026-01-01",
        "remove": ["no-such-rule"],
    }
    found = problems_of(a_book_document(), city)
    assert found == [
        "city.yaml: remove no-such-rule: no inherited rule, list or measure has this id"
    ]


def test_children_may_not_change_the_scale() -> None:
    city = {
        "jurisdiction": "city",
        "extends": "national",
        "version": "1",
        "effective_from": "2026-01-01",
        "scale": {"base": 1, "min": 0, "max": 2},
    }
    found = problems_of(a_book_document(), city)
    assert "scale and grades are set by the root book" in found[0]


def test_measures_must_name_lists_that_exist() -> None:
    measure = {
        "id": "m",
        "kind": "restriction",
        "service": "rail.high-speed",
        "applies_to": ["person"],
        "when": "on_list('ghosts')",
        "basis": "b",
    }
    found = problems_of(a_book_document(measures=[measure]))
    assert found == ["national.yaml: measure m: on_list('ghosts') names no list in force"]


def test_published_books_serve_as_parents() -> None:
    city = parse_book(
        {
            "jurisdiction": "city",
            "extends": "national",
            "version": "1",
            "effective_from": "2026-01-01",
        },
        "city.yaml",
    )
    assert check_books([city], published=[a_book()]) == []

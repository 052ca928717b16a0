import pytest

from credence.domain.vocabulary import REFUSED, refused_topic, words_of


def test_names_split_into_words() -> None:
    assert words_of("social_media.postCount-v2") == ["social", "media", "post", "count", "v2"]


@pytest.mark.parametrize(
    ("name", "topic"),
    [
        ("online.political_opinion", "opinion"),
        ("social_media.post", "speech"),
        ("weibo.comment_count", "speech"),
        ("temple.attendance", "belief or religion"),
        ("religious_activity", "belief or religion"),
        ("ethnicity", "ethnicity"),
        ("family.member_default", "social ties to other people"),
        ("contacts_with_defaulters", "social ties to other people"),
        ("camera.jaywalking_detected", "surveillance"),
        ("face_recognition_match", "surveillance"),
        ("gps.location_history", "surveillance"),
        ("petitioning.beijing", "opinion"),
        ("service.detention", "measures beyond service eligibility"),
    ],
)
def test_refused_topics_are_recognised(name: str, topic: str) -> None:
    found = refused_topic(name)
    assert found is not None and found[1] == topic


@pytest.mark.parametrize(
    "name",
    [
        "court.judgment_default",
        "transport.fare_evasion",
        "transport.smoking_on_train",
        "tax.arrears",
        "health.blood_donation",
        "civic.lost_property_returned",
        "market.food_safety_violation",
        "rail.high-speed",
        "hotel.star-rated",
        "months_overdue",
        "amount",
        "case",
        "sports_ground_damage",  # "sport" is not "post"
        "postal.fraud",  # whole words only
    ],
)
def test_ordinary_record_types_and_fields_pass(name: str) -> None:
    assert refused_topic(name) is None


def test_every_topic_of_the_never_built_paragraph_is_covered() -> None:
    for topic in (
        "opinion",
        "speech",
        "belief or religion",
        "ethnicity",
        "social ties to other people",
        "surveillance",
    ):
        assert REFUSED[topic]

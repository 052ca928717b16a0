"""What no rulebook may score: the refused vocabulary, kept in one place with its reasons.

credence never scores opinion, speech, belief, religion, ethnicity or whom someone
associates with, never collects by surveillance, never punishes one person for another's
acts, and has no measure beyond service eligibility. The checker refuses any record type,
field, rule, list, measure or service whose name is built from these words. Names are split
into words (`social_media.post_count` -> social, media, post, count) and both single words
and adjacent pairs are compared, so a match is a whole word, not a substring.
"""

from __future__ import annotations

import itertools
import re

REFUSED: dict[str, frozenset[str]] = {
    "opinion": frozenset(
        {
            "opinion",
            "opinions",
            "political",
            "politics",
            "ideology",
            "dissent",
            "dissident",
            "criticism",
            "petition",
            "petitions",
            "petitioning",
            "protest",
            "protests",
            "demonstration",
            "rumour",
            "rumor",
            "rumours",
            "rumors",
            "party_member",
            "party_membership",
        }
    ),
    "speech": frozenset(
        {
            "speech",
            "post",
            "posts",
            "posting",
            "comment",
            "comments",
            "tweet",
            "tweets",
            "weibo",
            "wechat",
            "blog",
            "social_media",
            "online_speech",
            "censorship",
        }
    ),
    "belief or religion": frozenset(
        {
            "belief",
            "beliefs",
            "faith",
            "religion",
            "religious",
            "worship",
            "church",
            "mosque",
            "temple",
            "prayer",
            "spiritual",
            "atheist",
            "atheism",
        }
    ),
    "ethnicity": frozenset(
        {"ethnic", "ethnicity", "race", "racial", "ancestry", "minority", "tribe"}
    ),
    "social ties to other people": frozenset(
        {
            "friend",
            "friends",
            "relative",
            "relatives",
            "family",
            "kin",
            "kinship",
            "spouse",
            "parent",
            "parents",
            "sibling",
            "siblings",
            "associate",
            "associates",
            "acquaintance",
            "acquaintances",
            "contact",
            "contacts",
            "relationship",
            "followers",
            "social_network",
            "household_member",
        }
    ),
    "surveillance": frozenset(
        {
            "camera",
            "cameras",
            "cctv",
            "facial",
            "face_recognition",
            "biometric",
            "gps",
            "location",
            "geolocation",
            "tracking",
            "surveillance",
            "wiretap",
            "informant",
        }
    ),
    "measures beyond service eligibility": frozenset(
        {"detention", "detain", "arrest", "imprisonment", "custody", "reeducation", "re_education"}
    ),
}

_TERM_TO_TOPIC = {term: topic for topic, terms in REFUSED.items() for term in terms}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")


def words_of(name: str) -> list[str]:
    """Split an identifier into lower-case words: dots, dashes, underscores and camelCase."""
    return [w.lower() for w in _SEPARATORS.split(_CAMEL.sub("_", name)) if w]


def refused_topic(name: str) -> tuple[str, str] | None:
    """(offending word, topic) when `name` concerns a refused topic, else None."""
    words = words_of(name)
    candidates = words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]
    for word in candidates:
        topic = _TERM_TO_TOPIC.get(word)
        if topic is not None:
            return word, topic
    return None

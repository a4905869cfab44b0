"""Words that are forms of one word: "Telecom" and "Telecommunications", "Tech" and
"Technologies", "Electronic" and "Electronics".

Two generic words (`vocabulary.GENERIC`) are one word when they have one stem, by the Snowball
English stemmer ("technologies" and "technology" are both "technolog"), or when one is the first
four or more letters of the other ("tech", "telecom"), or when one is the other in the
transliteration of a Russian or Chinese name (`SAME_AS`: "kontsern", "keji"). Only generic words
are read this way: those are the words registries shorten and inflect, and a distinctive word
cut short names something else ("Sber" is not "Sberbank", "Universal" is not "University").
Distinctive words still meet their plurals and other one-letter forms through the typo rule
(`scoring`).

The stemmer is snowballstemmer (BSD), the Snowball project's own Python port that Sphinx uses:
a kept implementation of a published algorithm rather than a suffix list of our own.
"""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

from service.screening.vocabulary import GENERIC

VARIANT = 0.9  # the spelling similarity a variant pair counts with
SHORTEST_PREFIX = 4

_STEMMER = snowballstemmer.stemmer("english")


# Generic words of Russian and Chinese names as registries transliterate them, and the English
# word lists translate them with ("Kontsern Kalashnikov" is "Kalashnikov Concern").
SAME_AS = {
    "kontsern": "concern", "zavod": "plant", "kombinat": "plant", "obedinenie": "association",
    "predpriyatie": "enterprise", "tsentr": "center", "institut": "institute",
    "korporatsiya": "corporation", "kompaniya": "company", "gruppa": "group",
    "kholding": "holding", "nauchno": "scientific", "proizvodstvennoe": "production",
    "proizvodstvennoye": "production", "keji": "technology", "jishu": "technology",
    "dianzi": "electronics", "tongxin": "communication", "tongxun": "telecommunication",
    "jituan": "group", "konggu": "holding", "touzi": "investment", "maoyi": "trading",
    "shiye": "industry", "gongye": "industry", "fazhan": "development", "xinxi": "information",
    "wangluo": "network", "ruanjian": "software", "shebei": "equipment", "zhineng": "intelligent",
}


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def variant(a: str, b: str) -> float:
    """`VARIANT` if two different words are forms of one generic word, else 0."""
    if a not in GENERIC or b not in GENERIC:
        return 0.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= SHORTEST_PREFIX and long.startswith(short):
        return VARIANT
    return VARIANT if _root(a) == _root(b) else 0.0


def _root(word: str) -> str:
    return stem(SAME_AS.get(word, word))

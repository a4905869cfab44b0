"""Words that are forms of one word: "Telecom" and "Telecommunications", "Tech" and
"Technologies", "Electronic" and "Electronics".

Two generic words (`vocabulary.GENERIC`) are one word when they have one stem, by the Snowball
English stemmer ("technologies" and "technology" are both "technolog"), or when one is the
first four or more letters of the other ("tech", "telecom"). Only generic words are read this
way: those are the words registries shorten and inflect, and a distinctive word cut short
names something else ("Sber" is not "Sberbank", "Universal" is not "University"). Distinctive
words still meet their plurals and other one-letter forms through the typo rule (`scoring`).

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
    return VARIANT if stem(a) == stem(b) else 0.0

"""Score how likely two names, taken apart by `parts.parse`, name the same legal person.

The score is a weighted Dice coefficient over words. Each word of one name pairs with at most
one word of the other, most similar pairs first (a greedy assignment). A pair counts with its
spelling similarity and with the weights of both words. Words are the same word only within a
typo: one edit (optimal string alignment, so a swap of neighbours is one edit) per three
letters, two at most, so "Trafalgura" is Trafigura but "Petromechanical" is not
Petrochemical. Numbers and words of one or two letters must be equal. Two generic words may
also be variants of one word ("Telecom", "Telecommunications"; see `variants`), and a word may
stand for a run of the other name's words, as their initials ("PLA", People's Liberation Army)
or written together ("Zhongxing", "Zhong Xing"; see `runs`). Words left unpaired count against
the score with their weight. When each name has a word the other
lacks, a generic word counts in full (`Parts.unpaired`): "Trust Bank" and "Banking", "Oil" and
"Gas" name different businesses. When only one name has more words, it may be the same company
named more fully ("Hikvision Digital Technology"), and a generic extra word costs less than a
distinctive one. When all that one name has more is generic words and places, and the other
has a distinctive word, the shorter is a brand or short name of the longer ("Acme", "Shenzhen
Acme Information Technology") and scores at least `BRAND` times its pairs' similarity: enough
for a person to look.

Two names spaced differently ("Good Will" and "Goodwill", "SiemensAG") are also compared run
together; that comparison wins when it finds them `RUN_TOGETHER` similar.

Then the evidence against: legal forms of no common kind (AG and GmbH) and places on both sides
that differ (Hong Kong and Singapore) each multiply the score by `CONFLICT`, which keeps a name
that differs only by that under the review threshold. A legal form or a place present on one
side only is no conflict: the listing may simply leave it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import OSA

from service.screening import runs
from service.screening.parts import WORD, Parts
from service.screening.places import PLACES
from service.screening.variants import variant
from service.screening.vocabulary import LEGAL_KINDS

MAX_EDITS = 2
RUN_TOGETHER = 0.9
ACRONYM = 0.9
BRAND = 0.8
CONFLICT = 0.65


@dataclass(frozen=True, slots=True)
class Alignment:
    """How two names' words pair up, and what that makes of them."""

    score: float
    method: str
    pairs: tuple[tuple[int, int, float], ...]        # (word of a, word of b, similarity)
    initials: tuple[tuple[str, tuple[str, ...]], ...]  # ("pla", ("peoples", "liberation", ...))
    joined: tuple[tuple[str, tuple[str, ...]], ...]    # ("zhongxing", ("zhong", "xing"))
    left: tuple[tuple[int, ...], tuple[int, ...]]      # words of a, of b, left without a pair
    variants: bool                                     # a pair of word variants is in `pairs`
    legal_conflict: bool
    place_conflict: bool


# What each rule means, for the evidence a reviewer reads.
RULES = {
    "word_variant": "word variants (Telecom and Telecommunications)",
    "initials": "initials of the other name's words",
    "run_together": "words written together",
    "brand_contained": "brand or short name contained in the longer name",
    "place_prefix_dropped": "place before the name left out",
    "place_abbreviation": "place written as its abbreviation (SZ for Shenzhen)",
}


def word_similarity(a: str, b: str) -> float:
    """Spelling similarity of two words; 0 unless they differ by a typo at most."""
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    allowed = min(MAX_EDITS, longest // 3)
    if not allowed or abs(len(a) - len(b)) > allowed:
        return 0.0
    edits = OSA.distance(a, b, score_cutoff=allowed)
    return 1.0 - edits / longest if edits <= allowed else 0.0


def run_together(a: str, b: str) -> float:
    """Spelling similarity of two names with their spaces taken out."""
    return OSA.normalized_similarity(a, b) if a and b else 0.0


def align(a: Parts, b: Parts) -> Alignment:
    """Pair up the words of two names, `a` the vendor's and `b` the listed one, and score them,
    conflicts included. Only initials are read one way round (`runs`)."""
    pairs, variants = _pairs(a, b)
    used_a = {i for i, _, _ in pairs}
    used_b = {j for _, j, _ in pairs}
    spelled: list[runs.Run] = []
    joined: list[tuple[runs.Run, float]] = []
    if len(used_a) < len(a.tokens) and len(used_b) < len(b.tokens):
        spelled = (runs.acronyms(a, b, used_a, used_b, loose=True)
                   + runs.acronyms(b, a, used_b, used_a, loose=False))
        joined = (runs.joined(a, b, used_a, used_b, word_similarity)
                  + runs.joined(b, a, used_b, used_a, word_similarity))
    left_a = tuple(i for i in range(len(a.tokens)) if i not in used_a)
    left_b = tuple(j for j in range(len(b.tokens)) if j not in used_b)
    score, method = _word_score(a, b, pairs, spelled, joined, left_a, left_b), "words"
    if score < BRAND and bool(left_a) != bool(left_b) and _contained(a, b, pairs, left_a,
                                                                     left_b):
        score = max(score, BRAND * _paired_similarity(pairs, joined))
    if a.spaced != b.spaced:
        together = run_together(a.compact, b.compact)
        if together >= RUN_TOGETHER and together > score:
            score, method = together, "run together"
    legal_conflict = _legal_conflict(a.legal, b.legal)
    place_conflict = bool(a.places - b.places) and bool(b.places - a.places)
    score *= (CONFLICT if legal_conflict else 1.0) * (CONFLICT if place_conflict else 1.0)
    return Alignment(score, method, tuple(pairs), _runs(spelled), _runs(
        found for found, _ in joined), (left_a, left_b), variants, legal_conflict,
        place_conflict)


def _runs(found: Iterable[runs.Run]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((side.tokens[i], tuple(other.tokens[k] for k in run))
                 for side, i, other, run in found)


def _word_score(a: Parts, b: Parts, pairs: list[tuple[int, int, float]],
                spelled: list[runs.Run], joined: list[tuple[runs.Run, float]],
                left_a: tuple[int, ...], left_b: tuple[int, ...]) -> float:
    """The weighted Dice coefficient of the paired words against the unpaired ones."""
    shared = mass = 0.0
    for i, j, similarity in pairs:
        weight = a.weights[i] + b.weights[j]
        shared += weight
        mass += similarity * weight
    for (short_side, short, long_side, run), similarity in [
            *((found, ACRONYM) for found in spelled), *joined]:
        weight = short_side.weights[short] + sum(long_side.weights[k] for k in run)
        shared += weight
        mass += similarity * weight
    # Both names have words the other lacks: they name different things, generic words too.
    swapped = any(a.unpaired[i] == WORD for i in left_a) and any(
        b.unpaired[j] == WORD for j in left_b)
    costs_a, costs_b = (a.unpaired, b.unpaired) if swapped else (a.weights, b.weights)
    missing = sum(costs_a[i] for i in left_a) + sum(costs_b[j] for j in left_b)
    return mass / (shared + missing) if shared + missing else 0.0


def rules(a: Parts, b: Parts, found: Alignment) -> list[str]:
    """Which rules beyond spelling the alignment of `a` and `b` used (see `RULES`)."""
    left_a, left_b = found.left
    named = {
        "word_variant": found.variants,
        "initials": bool(found.initials),
        "run_together": bool(found.joined),
        "brand_contained": _contained(a, b, list(found.pairs), left_a, left_b),
        "place_prefix_dropped": any(
            left[:1] == (0,) and long.tokens[0] in PLACES and not short.places
            for short, long, left in ((a, b, left_b), (b, a, left_a))),
        "place_abbreviation": bool(a.place_abbreviation or b.place_abbreviation),
    }
    return [rule for rule, used in named.items() if used]


def _contained(a: Parts, b: Parts, pairs: list[tuple[int, int, float]],
               left_a: tuple[int, ...], left_b: tuple[int, ...]) -> bool:
    """Whether one name is a brand or short name of the other (`_brand`, either way)."""
    return _brand(a, b, pairs, left_a, left_b) or _brand(
        b, a, [(j, i, s) for i, j, s in pairs], left_b, left_a)


def _brand(short: Parts, long: Parts, pairs: list[tuple[int, int, float]],
           left_short: tuple[int, ...], left_long: tuple[int, ...]) -> bool:
    """Every word of `short` pairs with one of `long`, one of them a distinctive word, and
    what `long` has more is only generic words and places: "Acme" and "Shenzhen Acme
    Information Technology". A number left over is another member of a family, not more."""
    distinctive = any(short.weights[i] == WORD and not short.numeric[i] for i, _, _ in pairs)
    return bool(left_long) and not left_short and distinctive and all(
        long.weights[k] < WORD and not long.numeric[k] for k in left_long)


def _paired_similarity(pairs: list[tuple[int, int, float]],
                       joined: list[tuple[runs.Run, float]]) -> float:
    similarities = [s for _, _, s in pairs] + [s for _, s in joined]
    return sum(similarities) / len(similarities) if similarities else 0.0


def _pairs(a: Parts, b: Parts) -> tuple[list[tuple[int, int, float]], bool]:
    """The greedy assignment of words, and whether a pair of word variants is in it."""
    candidates: list[tuple[float, int, int, bool]] = []
    generic_b = b.generic
    for i, x in enumerate(a.tokens):
        number, size, generic = a.numeric[i], len(x), a.generic >> i & 1
        for j, y in enumerate(b.tokens):
            if x == y:
                candidates.append((1.0, i, j, False))
            elif number or b.numeric[j]:
                continue
            elif abs(size - len(y)) <= MAX_EDITS and (similarity := word_similarity(x, y)):
                candidates.append((similarity, i, j, False))
            elif generic and generic_b >> j & 1 and (similarity := variant(x, y)):
                candidates.append((similarity, i, j, True))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    variants = False
    for similarity, i, j, other in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j, similarity))
            variants = variants or other
    return pairs, variants


def _legal_conflict(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether the legal forms of two names say they are different kinds of company. Each
    name is the kinds all its telling forms allow ("Co., Ltd." is what "Ltd" allows)."""
    kinds_a, kinds_b = _kinds(a), _kinds(b)
    return kinds_a is not None and kinds_b is not None and not kinds_a & kinds_b


def _kinds(codes: tuple[str, ...]) -> frozenset[str] | None:
    kinds: frozenset[str] | None = None
    for code in codes:
        if code != "co":  # says nothing about the kind
            kinds = LEGAL_KINDS[code] if kinds is None else kinds & LEGAL_KINDS[code]
    return kinds or None  # forms that contradict each other say nothing either


def explain(a: Parts, b: Parts, found: Alignment) -> dict[str, Any]:
    """Say, in JSON-able terms, why a vendor name `a` and a listed name `b` scored as they did."""
    return {
        "method": found.method,
        "score": round(found.score, 4),
        "words": [[a.tokens[i], b.tokens[j], round(s, 3)] for i, j, s in found.pairs],
        "initials": [[short, list(run)] for short, run in found.initials],
        "joined": [[word, list(run)] for word, run in found.joined],
        "unmatched": {"vendor": [a.tokens[i] for i in found.left[0]],
                      "listed": [b.tokens[j] for j in found.left[1]]},
        "legal_forms": {"vendor": list(a.legal), "listed": list(b.legal)},
        "jurisdictions": {"vendor": sorted(a.places), "listed": sorted(b.places)},
        "conflicts": [name for name, flag in (("legal_form", found.legal_conflict),
                                              ("jurisdiction", found.place_conflict)) if flag],
        "rules": rules(a, b, found),
    }

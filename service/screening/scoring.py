"""Score how likely two names, taken apart by `parts.parse`, name the same legal person.

The score is a weighted Dice coefficient over words. Each word of one name pairs with at most
one word of the other, most similar pairs first (a greedy assignment). A pair counts with its
spelling similarity and with the weights of both words. Words are the same word only within a
typo: one edit (optimal string alignment, so a swap of neighbours is one edit) per three
letters, two at most, so "Trafalgura" is Trafigura but "Petromechanical" is not
Petrochemical. Numbers and words of one or two letters must be equal. A word may also be the
initials of several words of the other name ("PLA", People's Liberation Army). Words left
unpaired count against the score with their weight. When each name has a word the other
lacks, a generic word counts in full (`Parts.unpaired`): "Trust Bank" and "Banking", "Oil" and
"Gas" name different businesses. When only one name has more words, it may be the same company
named more fully ("Hikvision Digital Technology"), and a generic extra word costs less than a
distinctive one.

Two names spaced differently ("Good Will" and "Goodwill", "SiemensAG") are also compared run
together; that comparison wins when it finds them `RUN_TOGETHER` similar.

Then the evidence against: legal forms of no common kind (AG and GmbH) and places on both sides
that differ (Hong Kong and Singapore) each multiply the score by `CONFLICT`, which keeps a name
that differs only by that under the review threshold. A legal form or a place present on one
side only is no conflict: the listing may simply leave it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import OSA

from service.screening.parts import WORD, Parts
from service.screening.vocabulary import LEGAL_KINDS

MAX_EDITS = 2
RUN_TOGETHER = 0.9
ACRONYM = 0.9
CONFLICT = 0.65


# A word of one name standing for the initials of a run of words of the other:
# (the name with the word, its index, the other name, the run's indexes).
_Acronym = tuple[Parts, int, Parts, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class Alignment:
    """How two names' words pair up, and what that makes of them."""

    score: float
    method: str
    pairs: tuple[tuple[int, int, float], ...]        # (word of a, word of b, similarity)
    initials: tuple[tuple[str, tuple[str, ...]], ...]  # ("pla", ("peoples", "liberation", ...))
    unpaired: tuple[tuple[str, ...], tuple[str, ...]]  # words of a, of b, left without a pair
    legal_conflict: bool
    place_conflict: bool


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
    """Pair up the words of two names and score them, conflicts included."""
    pairs = _pairs(a, b)
    used_a = {i for i, _, _ in pairs}
    used_b = {j for _, j, _ in pairs}
    acronyms = _acronyms(a, b, used_a, used_b) + _acronyms(b, a, used_b, used_a)
    left_a = [i for i in range(len(a.tokens)) if i not in used_a]
    left_b = [j for j in range(len(b.tokens)) if j not in used_b]
    score, method = _word_score(a, b, pairs, acronyms, left_a, left_b), "words"
    if a.spaced != b.spaced:
        together = run_together(a.compact, b.compact)
        if together >= RUN_TOGETHER and together > score:
            score, method = together, "run together"
    legal_conflict = _legal_conflict(a.legal, b.legal)
    place_conflict = bool(a.places - b.places) and bool(b.places - a.places)
    score *= (CONFLICT if legal_conflict else 1.0) * (CONFLICT if place_conflict else 1.0)
    initials = tuple((side.tokens[short], tuple(other.tokens[k] for k in run))
                     for side, short, other, run in acronyms)
    return Alignment(score, method, tuple(pairs), initials,
                     (tuple(a.tokens[i] for i in left_a), tuple(b.tokens[j] for j in left_b)),
                     legal_conflict, place_conflict)


def _word_score(a: Parts, b: Parts, pairs: list[tuple[int, int, float]],
                acronyms: list[_Acronym], left_a: list[int], left_b: list[int]) -> float:
    """The weighted Dice coefficient of the paired words against the unpaired ones."""
    shared = mass = 0.0
    for i, j, similarity in pairs:
        weight = a.weights[i] + b.weights[j]
        shared += weight
        mass += similarity * weight
    for short_side, short, long_side, run in acronyms:
        weight = short_side.weights[short] + sum(long_side.weights[k] for k in run)
        shared += weight
        mass += ACRONYM * weight
    # Both names have words the other lacks: they name different things, generic words too.
    swapped = any(a.unpaired[i] == WORD for i in left_a) and any(
        b.unpaired[j] == WORD for j in left_b)
    costs_a, costs_b = (a.unpaired, b.unpaired) if swapped else (a.weights, b.weights)
    missing = sum(costs_a[i] for i in left_a) + sum(costs_b[j] for j in left_b)
    return mass / (shared + missing) if shared + missing else 0.0


def _pairs(a: Parts, b: Parts) -> list[tuple[int, int, float]]:
    candidates: list[tuple[float, int, int]] = []
    for i, x in enumerate(a.tokens):
        for j, y in enumerate(b.tokens):
            if a.numeric[i] or b.numeric[j]:
                similarity = 1.0 if x == y else 0.0
            else:
                similarity = word_similarity(x, y)
            if similarity:
                candidates.append((similarity, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for similarity, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j, similarity))
    return pairs


def _acronyms(short: Parts, long: Parts, used_short: set[int],
              used_long: set[int]) -> list[_Acronym]:
    """Unpaired words of `short` that are the initials of a run of unpaired words of `long`."""
    found: list[_Acronym] = []
    for i, word in enumerate(short.tokens):
        if i in used_short or not 2 <= len(word) <= 6 or not word.isalpha():
            continue
        for start in range(len(long.tokens) - len(word) + 1):
            run = tuple(range(start, start + len(word)))
            if not used_long.intersection(run) and "".join(
                    long.tokens[k][0] for k in run) == word:
                found.append((short, i, long, run))
                used_short.add(i)
                used_long.update(run)
                break
    return found


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
        "unmatched": {"vendor": list(found.unpaired[0]), "listed": list(found.unpaired[1])},
        "legal_forms": {"vendor": list(a.legal), "listed": list(b.legal)},
        "jurisdictions": {"vendor": sorted(a.places), "listed": sorted(b.places)},
        "conflicts": [name for name, flag in (("legal_form", found.legal_conflict),
                                              ("jurisdiction", found.place_conflict)) if flag],
    }

"""Take a party name apart: the words that name it, its legal forms, the places it names.

The words are the name with legal forms, stop words and parenthesised jurisdictions taken out,
abbreviations spelled out ("Int'l"; "SZ" for Shenzhen as a name's first word), numbers written
as digits ("Forty-Four" = "44", "First" = "1") and multi-word places joined ("Hong Kong" = one
word). Each word weighs what it tells apart when two names share it (`weights`): a distinctive
word 1, a generic one or a place 0.5, a number or series marker 0.3. A generic word the other
name lacks while it has a word of its own counts in full (`unpaired`, see `scoring`). A long
legal form at either end of a name is recognised through a typo or a cut, one edit in eight
letters ("Aktiengeselschaft", "Joint Stock Compan", "Aktcionernoe Obshestvo"). Text in Chinese,
Japanese or Korean script is taken apart by `cjk`.

Work is bounded: only the first `MAX_CHARS` characters and `MAX_WORDS` words of a name are
read, so a 10 kB string costs what a long name costs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from service.screening import cjk
from service.screening.normalise import fold, name_key, words
from service.screening.places import LONGEST_PLACE, PLACES
from service.screening.vocabulary import (
    ABBREVIATIONS,
    EDGE_ONLY,
    GENERIC,
    LEGAL_KINDS,
    LEGAL_SPELLINGS,
    PLACE_ABBREVIATIONS,
    ROMAN,
    STOPWORDS,
    TENS,
    UNITS,
)

MAX_CHARS = 500
MAX_WORDS = 24
WORD, GENERIC_WORD, PLACE, NUMBER = 1.0, 0.5, 0.5, 0.3

_PARENS = re.compile(r"[(\[]([^()\[\]]*)[)\]]")


@dataclass(frozen=True, slots=True)
class Parts:
    """A name taken apart for comparison."""

    key: str                      # name_key of the whole name: equal keys are an exact match
    tokens: tuple[str, ...]       # the words that name it, in order, each once
    weights: tuple[float, ...]    # what each word tells apart when both names have it
    unpaired: tuple[float, ...]   # what each word counts against when the other name lacks it
    numeric: tuple[bool, ...]     # numbers and series markers match only exactly
    legal: tuple[str, ...]        # legal-form codes, sorted
    places: frozenset[str]        # jurisdictions: parenthesised or named places
    compact: str                  # every word run together, to see through spacing
    spaced: int                   # how many words `compact` was made of
    place_abbreviation: str | None = None  # "sz" when the name starts "SZ" for Shenzhen
    generic: int = 0         # bit i: word i is generic and may have variants (`variants`)
    first_letters: str = ""  # the words' first letters, to rule runs out quickly (`runs`)


@lru_cache(maxsize=131072)
def parse(name: str) -> Parts:
    """Take a name apart."""
    folded = fold(name[:MAX_CHARS])
    legal: list[str] = []
    places: set[str] = set()
    extra: list[str] = []
    qualifiers = _PARENS.findall(folded)
    for qualifier in qualifiers:
        _read_qualifier(words(qualifier), legal, places, extra)
    spelled = words(_PARENS.sub(" ", folded)) if qualifiers else words(folded)
    raw = _split_cjk(_fuzzy_legal(spelled) + extra)[:MAX_WORDS]
    abbreviation = raw[0] if len(raw) >= 3 and raw[0] in PLACE_ABBREVIATIONS else None
    if abbreviation is not None:
        raw = [PLACE_ABBREVIATIONS[abbreviation], *raw[1:]]
    core = _take_legal_forms(_numbers(_expand(raw)), legal)
    core = _join_places(core)
    places.update(word for word in core if word in PLACES)
    kept = [word for word in dict.fromkeys(core) if word not in STOPWORDS] or core
    numeric = tuple(_is_number(word, i) for i, word in enumerate(kept))
    weights = tuple(_weight(word, number) for word, number in zip(kept, numeric, strict=True))
    generic = tuple(_generic(word) for word in kept)
    return Parts(
        key=name_key(name) if len(name) > MAX_CHARS or qualifiers else " ".join(spelled),
        tokens=tuple(kept), weights=weights,
        unpaired=tuple(WORD if g else v for g, v in zip(generic, weights, strict=True)),
        numeric=numeric,
        legal=tuple(sorted(set(legal))), places=frozenset(places), compact="".join(raw),
        spaced=len(raw), place_abbreviation=abbreviation,
        generic=sum(1 << i for i, word in enumerate(kept) if word in GENERIC),
        first_letters="".join(sorted({word[0] for word in kept})))


def _read_qualifier(found: list[str], legal: list[str], places: set[str],
                    extra: list[str]) -> None:
    joined = " ".join(found)
    if found and all(word in LEGAL_KINDS for word in found):
        legal.extend(found)
    elif joined in PLACES or ABBREVIATIONS.get(joined) in PLACES:
        places.add(ABBREVIATIONS.get(joined, joined))
    else:
        extra.extend(found)


# Legal forms long enough that one edit in eight letters is a typo or a cut, not another word,
# filed by (words, letters) of the text that may be them: (spelling, edits allowed, code).
_FUZZY_LEGAL: dict[tuple[int, int], list[tuple[str, int, str]]] = {}
for _spelling, _code in LEGAL_SPELLINGS.items():
    if len(_spelling) >= 10:
        _edits = len(_spelling) // 8
        for _length in range(len(_spelling) - _edits, len(_spelling) + _edits + 1):
            _FUZZY_LEGAL.setdefault((len(_spelling.split()), _length), []).append(
                (_spelling, _edits, _code))
_LONGEST_LEGAL = max(size for size, _ in _FUZZY_LEGAL)


def _fuzzy_legal(found: list[str]) -> list[str]:
    """Write a misspelt or cut-off long legal form at either end of a name as its code."""
    for at_end in (True, False):
        length = -1
        for size in range(1, min(_LONGEST_LEGAL, len(found) - 1) + 1):
            length += 1 + len(found[-size if at_end else size - 1])
            near = _FUZZY_LEGAL.get((size, length))
            if not near:
                continue
            edge = " ".join(found[-size:] if at_end else found[:size])
            code = next((code for spelling, edits, code in near
                         if OSA.distance(edge, spelling, score_cutoff=edits) <= edits), None)
            if code is not None:
                found = [*found[:-size], code] if at_end else [code, *found[size:]]
                break
    return found


def _split_cjk(found: list[str]) -> list[str]:
    out: list[str] = []
    for word in found:
        if word.isascii():
            out.append(word)
        else:
            out.extend(part for part in cjk.RUN.split(word) if part)
    return out


def _expand(found: list[str]) -> list[str]:
    out: list[str] = []
    for word in found:
        if word in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[word].split())
        else:
            out.append(word)
    return out


def _numbers(found: list[str]) -> list[str]:
    """Write number words as digits: "forty four" and "forty 4" are "44"."""
    out: list[str] = []
    for word in found:
        unit = UNITS.get(word, int(word) if word.isdigit() and len(word) == 1 else None)
        if unit is not None and unit < 10 and out and out[-1] in _TENS_DIGITS:
            out[-1] = str(int(out[-1]) + unit)
        elif word in TENS:
            out.append(str(TENS[word]))
        elif word in UNITS:
            out.append(str(UNITS[word]))
        else:
            out.append(word)
    return out


_TENS_DIGITS = frozenset(str(v) for v in TENS.values())


def _take_legal_forms(found: list[str], legal: list[str]) -> list[str]:
    """Move legal forms out: any code at either end, unambiguous ones anywhere."""
    start, end = 0, len(found)
    while start < end and found[start] in LEGAL_KINDS:
        start += 1
    while end > start and found[end - 1] in LEGAL_KINDS:
        end -= 1
    if start == end:  # nothing but legal forms: they are the name
        return found
    legal.extend(found[:start] + found[end:])
    core: list[str] = []
    for word in found[start:end]:
        if word in LEGAL_KINDS and word not in EDGE_ONLY:
            legal.append(word)
        elif word.isascii() or not cjk.CHARACTER.match(word):
            core.append(word)
        else:
            core.extend(cjk.take_apart(word, legal))
    return core


_PLACE_STARTS = frozenset(place.split()[0] for place in PLACES if " " in place)


def _join_places(found: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(found):
        if found[i] not in _PLACE_STARTS:
            out.append(found[i])
            i += 1
            continue
        for size in range(min(LONGEST_PLACE, len(found) - i), 1, -1):
            joined = " ".join(found[i:i + size])
            if joined in PLACES:
                out.append(joined)
                i += size
                break
        else:
            out.append(found[i])
            i += 1
    return out


def _weight(word: str, number: bool) -> float:
    if number:
        return NUMBER
    if word in PLACES:
        return PLACE
    return GENERIC_WORD if _generic(word) else WORD


def _generic(word: str) -> bool:
    return word in GENERIC or word in cjk.TRADE_WORDS


def _is_number(word: str, position: int) -> bool:
    """Digits, or a Roman numeral after the first word ("Xi" may be a surname, "Fund XI" not)."""
    return word[:1].isdigit() and len(word) <= 8 or (position > 0 and word in ROMAN)


_SLASH = re.compile(r"(?<=[^\W\d_]{3})\s*/\s*(?=[^\W\d_]{3})")


def alternatives(name: str) -> list[str]:
    """The name, and its parts if it is several names joined by slashes ("Al-Qa'ida/Islamic
    Army"); a slash between short parts is an abbreviation ("A/S", "c/o") and stays."""
    parts = [part for part in _SLASH.split(name[:MAX_CHARS]) if part.strip()]
    return [name] if len(parts) < 2 else [name, *parts[:4]]

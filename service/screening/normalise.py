"""Normalise party names so that spellings of one name compare equal.

`fold` folds Unicode compatibility forms and case, drops zero-width characters and accents, and
reads other scripts: a word that mixes Latin letters with Greek or Cyrillic ones, or is written
only in letters that look Latin (Greek Η, Cyrillic А), is a disguise and is read letter by
letter as the Latin it imitates; any other word in a script other than Latin is a real one and
is transliterated ("ООО" stays "ooo", "Банк" becomes "bank", "Рособоронэкспорт"
"rosoboroneksport"). Chinese, Japanese and Korean pass through: `cjk` takes them apart and
`romanise` writes them in Latin letters. Transliteration is anyascii's (ISC licence, kept,
covering every script Unicode has with one table per character), not a table of our own.

`name_key` then turns punctuation into spaces (dropping apostrophes inside words, writing "&" as
"and"), joins initials ("A.B.C." = "ABC"), writes legal forms one way ("Company Limited" =
"Co., Ltd." = "co ltd") and closes up spaces between Chinese characters. It keeps the legal form
and any parenthesised jurisdiction as words, so "Deutsche Bank AG" and "Deutsche Bank GmbH"
keep different keys. Both functions are idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

from service.screening.vocabulary import LEGAL_SPELLINGS

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)
# Letters of other scripts that look like Latin ones, mapped before case folding because
# Greek capital Eta looks like H while its small form looks like n.
_LOOKALIKE_FROM = "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορτυχ" "АВЕКМНОРСТУХІЈЅҺаеорсухіјѕһ"
_LOOKALIKE_TO = "ABEZHIKMNOPTYXaiknoptux" "ABEKMHOPCTYXIJSHaeopcyxijsh"
_CONFUSABLES = str.maketrans(_LOOKALIKE_FROM, _LOOKALIKE_TO)
_LOOKALIKES = frozenset(_LOOKALIKE_FROM)
_LETTERS = re.compile(r"[^\W\d_]+")
# Letters of any script but Latin and Chinese, Japanese or Korean (see `cjk`, `romanise`).
_OTHER_SCRIPT = re.compile(
    r"[^\W\d_a-z\u00c0-\u024f\u1e00-\u1eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uac00-\ud7af\uf900-\ufaff]+")
_GREEK_CYRILLIC = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")

_APOSTROPHE_CHARS = frozenset("'’‘`ʼʻ")
_APOSTROPHES = re.compile(r"(?<=\w)['’‘`ʼʻ]+(?=\w)|(?<![\w])['’‘`ʼʻ]+(?=\w)")
_NON_WORD = re.compile(r"[\W_]+")
_INITIALS = re.compile(r"\b[a-z]\b(?: [a-z]\b)+")
_LEGAL_PATTERN = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, LEGAL_SPELLINGS), key=len, reverse=True)) + r")\b")
_LEGAL_FIRST_WORDS = frozenset(spelling.split()[0] for spelling in LEGAL_SPELLINGS)
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def fold(text: str) -> str:
    """Fold compatibility forms, case, zero-width characters, scripts and accents."""
    if text.isascii():
        return text.casefold()
    # Case folding and decomposition can make letters that folding reads again ("ͅ" -> "ι"):
    # fold until nothing changes, so that folding twice is folding once.
    for _ in range(4):
        folded = _fold_once(text)
        if folded == text:
            break
        text = folded
    return folded


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    if text.isascii():
        return text.casefold()
    if _GREEK_CYRILLIC.search(text):
        text = _read_scripts(text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = unicodedata.normalize("NFC", "".join(
        ch for ch in decomposed if not unicodedata.combining(ch)))
    if bare.isascii():
        return bare
    return _OTHER_SCRIPT.sub(lambda m: anyascii(m.group()).casefold(), bare)


def _read_scripts(text: str) -> str:
    runs = _LETTERS.findall(text)
    # A name with one genuinely Greek or Cyrillic word is written in that script: its words
    # that happen to look Latin ("ООО", "С") are real words too, not a disguise.
    native = any(_GREEK_CYRILLIC.search(w) and not _LATIN.search(w)
                 and not _LOOKALIKES.issuperset(w) for w in runs)

    def read(match: re.Match[str]) -> str:
        word = match.group()
        if not _GREEK_CYRILLIC.search(word):
            return word
        if _LATIN.search(word) or not native:
            return word.translate(_CONFUSABLES)
        return anyascii(word)

    return _LETTERS.sub(read, text)


def words(folded: str) -> list[str]:
    """Split folded text into words: apostrophes dropped, initials joined, legal forms canonical."""
    text = folded.replace("&", " and ")
    if not _APOSTROPHE_CHARS.isdisjoint(text):
        text = _APOSTROPHES.sub("", text)
    text = _NON_WORD.sub(" ", text).strip()
    text = _INITIALS.sub(lambda m: m.group().replace(" ", ""), text)
    if not _LEGAL_FIRST_WORDS.isdisjoint(text.split()):
        text = _LEGAL_PATTERN.sub(lambda m: LEGAL_SPELLINGS[m.group(1)], text)
    return (text if text.isascii() else _CJK_GAP.sub("", text)).split()


@lru_cache(maxsize=65536)  # OTA servers name the same few makers and suppliers again and again
def name_key(name: str) -> str:
    """Return the comparison key of a party name."""
    return " ".join(words(fold(name)))


def scripts(name: str) -> list[str]:
    """The scripts other than Latin a name is written in, by Unicode's names of its letters
    ("cyrillic", "cjk", "hangul"), for the evidence of a match."""
    if name.isascii():
        return []
    found = {unicodedata.name(ch, "").split(" ", 1)[0].lower() for ch in name if ch.isalpha()}
    return sorted(found - {"latin", ""})

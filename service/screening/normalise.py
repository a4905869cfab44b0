"""Normalise party names so that spellings of one name compare equal.

`name_key` folds Unicode compatibility forms and case, drops zero-width characters, maps
letters that merely look Latin (Greek Η, Cyrillic А) to the Latin letter, turns punctuation
into spaces and writes legal forms one way ("Company Limited" = "Co., Ltd." = "co ltd"). It
keeps the legal form and any parenthesised jurisdiction as words, so "Deutsche Bank AG" and
"Deutsche Bank GmbH" keep different keys. Chinese script passes through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Letters of other scripts that look like Latin ones, mapped before case folding because
# Greek capital Eta looks like H while its small form looks like n.
_CONFUSABLES = str.maketrans(
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορτυχ" "АВЕКМНОРСТУХаеорсухіјѕһ",
    "ABEZHIKMNOPTYXaiknoptux" "ABEKMHOPCTYXaeopcyxijsh",
)
_LEGAL_FORMS = {
    "company": "co", "corporation": "corp", "incorporated": "inc", "limited": "ltd",
    "l t d": "ltd", "gesellschaft mit beschrankter haftung": "gmbh",
    "aktiengesellschaft": "ag", "public limited company": "plc", "limited liability company":
    "llc", "societe anonyme": "sa",
}
_LEGAL_FORM_PATTERN = re.compile(r"\b(" + "|".join(sorted(_LEGAL_FORMS, key=len, reverse=True))
                                 + r")\b")
_NON_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Fold compatibility forms, case, zero-width characters, look-alike letters and accents."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    text = text.translate(_CONFUSABLES).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)  # OTA servers name the same few makers and suppliers again and again
def name_key(name: str) -> str:
    """Return the comparison key of a party name."""
    words = _NON_WORD.sub(" ", fold(name).replace("_", " ")).strip()
    return _LEGAL_FORM_PATTERN.sub(lambda m: _LEGAL_FORMS[m.group(1)], words)

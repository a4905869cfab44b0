"""Every name a designation goes by, read out of the list's name and alt-name fields.

BIS packs several names into one `name`: "Huawei Technologies Co., Ltd. (Huawei).
Affiliated Entity: Huawei Terminal (Shenzhen) Co., Ltd.". The rules, in order:

1. A `?` between two letters is a character the feed lost; BIS loses apostrophes ("Xi?an",
   "People?s") and letters outside ASCII ("D?sseldorf"). It becomes an apostrophe, which the
   matcher drops, so "Xi'an" meets "Xian" and "D'sseldorf" stays one edit from "Dusseldorf"
   (the alt names usually carry the proper spelling too).
2. "(a.k.a. X)" (or f.k.a., d.b.a., formerly, trading as) anywhere gives X. The rest splits at
   "Affiliated Entity:" (or "Entities:"), "a.k.a.", "f.k.a.", "d.b.a.", "also known as",
   "formerly known as", "doing business as", "trading as" and at semicolons, dropping BIS's
   "the following three aliases:" and the "-" and "and" before each alias.
3. Parentheses at the very end of a part, after a complete name, hold a short name ("(Huawei)",
   "(ZTE)") when they contain a distinctive word: not only places ("(Shenzhen)", "(HK)"),
   generic words ("(Holdings)"), numbers or legal forms ("(Pty)"). The part then gives both the
   name without them and the short name. Parentheses elsewhere ("Bank of China (Hong Kong)
   Limited") stay: a jurisdiction is evidence the matcher weighs.
4. The alt names follow; names equal by `name_key` are given once, first spelling kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.screening.normalise import name_key
from service.screening.parts import WORD, parse
from service.screening.vocabulary import LEGAL_KINDS

_LOST = re.compile(r"(?<=[^\W\d_])\?(?=[^\W\d_])")
_NAMED = re.compile(r"\(\s*(?:a\.?k\.?a\.?|f\.?k\.?a\.?|d\.?b\.?a\.?|formerly(?: known as)?"
                    r"|also known as|doing business as|trading as|t/a)[\s:]+([^()]+)\)",
                    re.IGNORECASE)
_SEPARATORS = re.compile(
    r"\s*(?:\baffiliated entit(?:y|ies)\s*:|\ba\.k\.a\.?|\bf\.k\.a\.?|\bd\.b\.a\.?"
    r"|\balso known as\b|\bformerly known as\b|\bdoing business as\b|\btrading as\b|;)\s*",
    re.IGNORECASE)
# BIS lists aliases as "a.k.a., the following three aliases: -X; -Y; and -Z."
_LEAD = re.compile(r"^(?:the following (?:\w+ )?alias(?:es)?\s*:\s*|and\s+|-\s*)+", re.IGNORECASE)
_TRAILING = re.compile(r"^(?P<name>.*\S)\s*\((?P<short>[^()]+)\)$")


def listed_names(name: str, alt_names: Sequence[str]) -> list[str]:
    """Return every name a designation goes by, main names first, each once by `name_key`."""
    name = _repair(name)
    found: list[str] = []
    for part in _SEPARATORS.split(_NAMED.sub(" ", name)):
        found.extend(_names_in(_LEAD.sub("", part.strip(" ,;:"))))
    found.extend(_tidy(alias) for alias in _NAMED.findall(name))
    found.extend(_tidy(_repair(alt)) for alt in alt_names)
    unique: dict[str, str] = {}
    for candidate in found:
        key = name_key(candidate)
        if key and key not in unique:
            unique[key] = candidate
    return list(unique.values())


def _repair(text: str) -> str:
    return _LOST.sub("'", text)


def _names_in(part: str) -> list[str]:
    part = _tidy(part)
    trailing = _TRAILING.match(part)
    if trailing and _is_short_name(trailing["short"]):
        return [_tidy(trailing["name"]), _tidy(trailing["short"])]
    return [part]


def _is_short_name(text: str) -> bool:
    parts = parse(text)
    return any(weight == WORD and token not in LEGAL_KINDS and not numeric
               for token, weight, numeric in zip(parts.tokens, parts.weights, parts.numeric,
                                                 strict=True))


def _tidy(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;:")
    return text[:-1] if text.endswith(").") else text

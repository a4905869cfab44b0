"""An inverted index from the words of listed names to the names, for picking candidates.

Each name is filed under its words and, so that a typo still finds its word, under each
one-letter deletion of its words of three to sixteen letters (words one edit apart share one:
"appel" and "apple" both give "appe", "volgokish" and "volgakish" both "volgkish"), and under
the first and last four letters of words of four letters or more (two typos in the middle leave
those), with the four letters after and before them in longer words. It is also filed under the
first and last four letters of the whole name run together ("PolPot" meets "Pol Pot"), under the
initials its words can give (`runs.initials_keys`: "pla" for People's Liberation Army, meeting
"PLA" itself; "smic" for Semiconductor Manufacturing International Corporation), and, for
Chinese, Japanese and Korean text, under each pair of neighbouring characters. Numbers are not
filed: they tell siblings apart but never find a name.

A query finds names by its distinctive words only, and only through rare keys (filed under at
most 1 % of the names). Generic words and places ("technology", "china") cannot make a match
alone, and reading their postings of thousands of names for every vendor is where the time
would go. A vendor name made of generic words alone reads its rarest key. The names found are
shortlisted by the rarity (inverse document frequency) they earn; each then learns, by one set
lookup per word not read, whether it has that word as it is. A name is scored only if it could
still reach the threshold: every word it shares, every number and every word long enough to
pair through two typos (which may leave no key in common) paired perfectly with a word of
weight 1, every other word unpaired. The best by rarity are scored.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter

from service.screening.parts import WORD, Parts
from service.screening.runs import LONGEST, SHORTEST, initials_keys
from service.screening.scoring import RUN_TOGETHER, run_together

DELETIONS_UP_TO = 16  # words this long or shorter are filed under their one-letter deletions
COMMON_SHARE = 0.01  # a key filed under more than this share of the names is common...
COMMON_MIN = 50      # ...unless the list is so short that 1 % is a handful
TWO_TYPOS_FROM = 6   # words this long may pair with a word two edits away (see `scoring`)
SHORTLIST = 3        # names found by rare keys checked against every key, per name wanted

INITIALS = "^"  # the keys of the initials a name's words give
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def keys(parts: Parts) -> list[frozenset[str]]:
    """The index keys of a name, one set per word (empty for a number, which is not filed)."""
    return [frozenset() if numeric else word_keys(token)
            for token, numeric in zip(parts.tokens, parts.numeric, strict=True)]


@lru_cache(maxsize=262144)  # names share words: "technology" is taken apart once
def word_keys(token: str) -> frozenset[str]:
    """The keys a word is filed under."""
    if _CJK.match(token):
        return frozenset(token[i:i + 2] for i in range(max(1, len(token) - 1)))
    found = {token}
    if len(token) >= 4:
        found.update(("<" + token[:4], ">" + token[-4:]))
    if len(token) > DELETIONS_UP_TO:
        found.update(("<<" + token[4:8], ">>" + token[-8:-4]))
    elif len(token) >= 3:
        found.add("~" + token)
        found.update("~" + token[:i] + token[i + 1:] for i in range(len(token)))
    return frozenset(found)


class NameIndex:
    """Listed names, numbered by the caller, filed under their keys."""

    def __init__(self) -> None:
        self._postings: dict[str, list[int]] = {}
        self._compacts: dict[int, list[str]] = {}
        self._sets: dict[str, frozenset[int]] = {}  # postings as sets, made when first asked

    def add(self, number: int, parts: Parts) -> None:
        """File name `number` (one of its forms) under the keys of `parts`."""
        self._compacts.setdefault(number, []).append(parts.compact)
        found = set().union(*keys(parts))
        found.update(("=" + parts.compact[:4], "=>" + parts.compact[-4:]))
        found.update(INITIALS + key for key in initials_keys(parts, loose=True))
        postings = self._postings
        for key in found:
            posting = postings.get(key)
            if posting is None:
                postings[key] = [number]
            elif posting[-1] != number:
                posting.append(number)
        self._sets.clear()

    def candidates(self, forms: Sequence[Parts], limit: int, threshold: float) -> list[int]:
        """The numbers of at most `limit` names that may score `threshold` against `forms`,
        those sharing the rarest words first."""
        size = max(len(self._compacts), 1)
        common = max(COMMON_MIN, COMMON_SHARE * size)
        words = [(token, weight, numeric) for form in forms for token, weight, numeric in zip(
            form.tokens, form.weights, form.numeric, strict=True)]
        groups = [sorted((len(p), key) for key in group if (p := self._postings.get(key)))
                  for form in forms for group in keys(form)]
        finding = [group if weight == WORD else [] for group, (_, weight, _) in zip(
            groups, words, strict=True)]
        uncertain = sum(1 << bit for bit, (group, found) in enumerate(zip(
            groups, finding, strict=True)) if group and (not found or group[-1][0] > common))
        # Generic words and places find no name, they only count once a name is found; a
        # query with no other word has nothing else to find by.
        distinctive = any(weight == WORD and not numeric for _, weight, numeric in words)
        pool = self._rare_names(finding if distinctive else groups, common, size,
                                limit * SHORTLIST)
        ranked: list[tuple[float, int]] = []
        for number, (rarity, mask) in heapq.nlargest(limit * SHORTLIST, pool.items(),
                                                     key=itemgetter(1)):
            for bit, (token, _, _) in enumerate(words):  # shared as it is: one set lookup
                if uncertain & (1 << bit) and not mask & (1 << bit) and number in self._members(
                        token):
                    rarity += math.log1p(size / len(self._postings[token]))
                    mask |= 1 << bit
            if len(forms) > 1 or _reachable(mask | uncertain, words) >= threshold:
                ranked.append((rarity, number))
        for number, rarity in self._other_ways(forms, common, size).items():
            ranked.append((rarity + pool.get(number, (0.0, 0))[0], number))
        return list(dict.fromkeys(number for _, number in heapq.nlargest(limit, ranked)))

    def _rare_names(self, groups: list[list[tuple[int, str]]], common: float, size: int,
                    cap: int) -> dict[int, tuple[float, int]]:
        """Names under the query's rare keys: the rarity they earn (each word counting its
        rarest key) and a bit mask of the words they share. If the query has only common keys,
        `cap` of the names under the rarest one."""
        pool: dict[int, tuple[float, int]] = {}
        for bit, group in enumerate(groups):
            for df, key in group:
                if df > common:
                    break
                earned, flag = math.log1p(size / df), 1 << bit
                for number in self._postings[key]:
                    rarity, mask = pool.get(number, (0.0, 0))
                    if not mask & flag:
                        pool[number] = (rarity + earned, mask | flag)
        if not pool and any(groups):
            _, key = min(group[0] for group in groups if group)
            pool = dict.fromkeys(self._postings[key][:cap], (0.0, 0))
        return pool

    def _members(self, key: str) -> frozenset[int]:
        """The names filed under a key, as a set (made when first asked)."""
        members = self._sets.get(key)
        if members is None:
            members = self._sets[key] = frozenset(self._postings.get(key, ()))
        return members

    def _other_ways(self, forms: Sequence[Parts], common: float,
                    size: int) -> dict[int, float]:
        """Names that are the query's initials, or the query spelled with other spaces, with
        the rarity of the key that found them. Word by word they may share nothing, so no
        bound applies to them."""
        found: dict[int, float] = {}
        for form in forms:
            # the names that are the query's initials, and the names the query's short words
            # are the initials of (initials are filed apart from words: two long names with
            # the same initials are no evidence of anything)
            keys = [*initials_keys(form, loose=False), *(
                INITIALS + token for token in form.tokens if SHORTEST <= len(token) <= LONGEST)]
            by_initials = [number for key in keys
                           if len(posting := self._postings.get(key, [])) <= common
                           for number in posting]
            spaced = [number for key in ("=" + form.compact[:4], "=>" + form.compact[-4:])
                      if len(posting := self._postings.get(key, [])) <= common
                      for number in posting if any(
                          run_together(form.compact, other) >= RUN_TOGETHER
                          for other in self._compacts[number])]
            for posting in (by_initials, spaced):
                if 0 < len(posting) <= common:
                    found.update(dict.fromkeys(posting, math.log1p(size / len(posting))))
        return found


def _reachable(mask: int, words: list[tuple[str, float, bool]]) -> float:
    """The best score a name that may share the query's words in `mask` could reach: each
    such word paired perfectly with a word of weight 1, each other word unpaired at its least
    cost (see `scoring`). A number is filed under no key, and a long word may pair through two
    typos that no key of it survives, so those may always pair."""
    paired = missing = 0.0
    for bit, (token, weight, numeric) in enumerate(words):
        if mask & (1 << bit) or numeric or len(token) >= TWO_TYPOS_FROM:
            paired += weight + 1.0
        else:
            missing += weight
    return paired / (paired + missing) if paired + missing else 0.0

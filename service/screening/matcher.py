"""Screen a vendor's names against every listed name.

A vendor name whose key (`name_key`) equals a listed name's is an exact hit, which may be
confirmed without a person. Any other pair scoring `REVIEW_THRESHOLD` or more (see `scoring`) is
a hit for a person's review. 0.7 is where the score means "most of the distinctive words agree,
within a typo, and nothing speaks against it": one differing distinctive word in two, or a
conflicting legal form or jurisdiction on its own, stays under it.

Most pairs are never scored. An inverted index (`index.NameIndex`) picks, for each vendor
name, the listed names that share its rarer words (or a typo of them) and could still reach
the threshold; only the best `MAX_CANDIDATES` of those are scored. A vendor name sharing
nothing with a listed name is never compared with it. Names joined by slashes are compared part
by part as well as whole; equal keys of such parts score 1 but only whole names are exact. A
name with Chinese characters is also compared in Latin letters (`romanise`); names in other
scripts are read in Latin letters by `normalise`. The evidence names the scripts when the two
names are written in different ones ("transliterated").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from service.screening.index import NameIndex
from service.screening.normalise import scripts
from service.screening.parts import Parts, alternatives, parse
from service.screening.romanise import romanised
from service.screening.scoring import Alignment, align, explain

REVIEW_THRESHOLD = 0.7
MAX_CANDIDATES = 40   # listed names scored per vendor name, best candidates first
MAX_VENDOR_NAMES = 32  # a vendor with more aliases than this is screened on the first ones


@dataclass(frozen=True, slots=True)
class Hit:
    """A designation one of the vendor's names may belong to, and why."""

    designation_id: str
    score: float          # 0..1
    exact: bool           # a vendor name and a listed name have equal keys
    vendor_name: str      # which of the vendor's names matched
    listed_name: str      # which listed name it matched
    evidence: dict[str, Any]


def similarity(a: str, b: str) -> float:
    """Score how likely two names name the same legal person, 0 to 1 (1: equal keys): `a` as
    a vendor writes it, `b` as a list does (initials are read more loosely in `a`)."""
    return _best(_forms(a), _forms(b)).score


def _forms(name: str) -> list[Parts]:
    forms = [parse(part) for part in alternatives(name)]
    latin = romanised(name)
    if latin is not None:
        forms.append(parse(latin))
    return forms


@dataclass(frozen=True, slots=True)
class _Best:
    score: float
    vendor: Parts
    listed: Parts
    found: Alignment

    def evidence(self, vendor_name: str, listed_name: str) -> dict[str, Any]:
        evidence = explain(self.vendor, self.listed, self.found)
        if self.vendor.key == self.listed.key:
            evidence.update(method="equal keys", key=self.vendor.key, score=1.0)
        written = {"vendor": scripts(vendor_name), "listed": scripts(listed_name)}
        if written["vendor"] != written["listed"]:
            evidence["transliterated"] = written
        return evidence


def _best(vendor: list[Parts], listed: list[Parts]) -> _Best:
    """The best pair of forms of two names: equal keys score 1."""
    best: _Best | None = None
    for v in vendor:
        for entry in listed:
            found = align(v, entry)
            if v.key == entry.key:
                return _Best(1.0, v, entry, found)
            if best is None or found.score > best.score:
                best = _Best(found.score, v, entry, found)
    assert best is not None  # every name has at least one form
    return best


class Screener:
    """The listed names of some designations, indexed for screening vendor names."""

    def __init__(self, entries: Iterable[tuple[str, Sequence[str]]]) -> None:
        self._owners: list[str] = []
        self._names: list[str] = []
        self._forms: list[list[Parts]] = []
        self._by_key: dict[str, list[int]] = {}
        self._index = NameIndex()
        for designation_id, names in entries:
            for name in names:
                self._add(designation_id, name)

    def _add(self, designation_id: str, name: str) -> None:
        forms = _forms(name)
        if not forms[0].key:  # punctuation alone names nothing
            return
        number = len(self._names)
        self._owners.append(designation_id)
        self._names.append(name)
        self._forms.append(forms)
        self._by_key.setdefault(forms[0].key, []).append(number)
        for form in forms:
            self._index.add(number, form)

    def screen(self, names: Sequence[str]) -> list[Hit]:
        """Return the best hit per designation at or above the threshold, best first."""
        best: dict[str, Hit] = {}
        for name in list(dict.fromkeys(names))[:MAX_VENDOR_NAMES]:
            vendor = _forms(name)
            if not vendor[0].key:
                continue
            exact = set(self._by_key.get(vendor[0].key, ()))
            found = self._index.candidates(vendor, MAX_CANDIDATES, REVIEW_THRESHOLD)
            candidates = exact.union(found)
            for number in candidates:
                hit = self._hit(name, vendor, number, number in exact)
                if hit is not None and _better(hit, best.get(hit.designation_id)):
                    best[hit.designation_id] = hit
        return sorted(best.values(), key=lambda h: (-h.exact, -h.score, h.designation_id))

    def _hit(self, name: str, vendor: list[Parts], number: int, exact: bool) -> Hit | None:
        best = _best(vendor, self._forms[number])
        if best.score < REVIEW_THRESHOLD and not exact:
            return None
        listed = self._names[number]
        return Hit(self._owners[number], 1.0 if exact else round(best.score, 4), exact, name,
                   listed, best.evidence(name, listed))


def _better(hit: Hit, current: Hit | None) -> bool:
    return current is None or (hit.exact, hit.score) > (current.exact, current.score)

"""Screening speed: a full list against every vendor, and a refresh's changed entries.

Seeded synthetic data shaped like the real thing: 20,000 designations with 60,000 names
(coined brand words, places, generic words, legal forms, some in Chinese script, short-name
aliases), and 2,000 vendors of which some carry a listed name as is, some a disguised one
(look-alike letters, zero-width characters, another spelling of the legal form, a typo) and
most are unrelated companies sharing only generic words with the list. Times (a) building the
Screener and screening every vendor, target 10 s, and (b) screening every vendor against a
Screener of the 100 entries a refresh changed, target 1 s. Name caches are emptied first.
The review load is the matches a person must look at per 1,000 of the unrelated vendors.
"""

from __future__ import annotations

import random
import resource
import time
from collections.abc import Callable
from typing import Any

from bench import show
from service.screening.index import word_keys
from service.screening.matcher import Screener
from service.screening.normalise import name_key
from service.screening.parts import parse

ENTRIES, NAMES, VENDORS, CHANGED = 20_000, 60_000, 2_000, 100
SEED = 20240506

LISTED_SYLLABLES = ("hua wei xin tai kai ming long feng rui yuan jia zhong hai tian hong sheng "
                    "bao li da neft gaz avto prom sib ros tek mash kom ener uralo volga amur "
                    "pars sina kish tabri zagro dena arya kavi noor").split()
VENDOR_SYLLABLES = ("acme glo bex ster ford wick ton field brook dale gate wood stone ridge vale "
                    "mont cres lux vera nova orbi quan tera sol pix byte core data").split()
PLACES = ["Shenzhen", "Beijing", "Shanghai", "Hangzhou", "Moscow", "Tehran", "Wuhan", "Chengdu"]
GENERIC = ["Technology", "Technologies", "Electronics", "Trading", "Industrial", "Machinery",
           "Semiconductor", "Aviation", "Communications", "Engineering", "Research Institute",
           "Precision", "Optical", "Instruments", "Shipping", "Energy", "Systems", "Digital"]
LEGAL = ["Co., Ltd.", "Co., Ltd.", "Limited", "LLC", "JSC", "GmbH", "Inc.", "Corporation", ""]
JURISDICTIONS = ["(Hong Kong)", "(Shenzhen)", "(Singapore)", "(Beijing)"]
CJK_CHARS = "华为中兴海康威视大疆科技电子通信精密光学仪器航空能源系统数字北京上海深圳杭州武汉"
LOOKALIKES = str.maketrans("aeopcxAEOPCHK", "аеорсхАЕОРСНК")


def brand(rng: random.Random, syllables: list[str]) -> str:
    return "".join(rng.choice(syllables) for _ in range(rng.choice((2, 2, 3)))).capitalize()


def company(rng: random.Random, syllables: list[str]) -> tuple[str, str]:
    """A company name and its short name."""
    if syllables is LISTED_SYLLABLES and rng.random() < 0.05:
        core = "".join(rng.choice(CJK_CHARS) for _ in range(rng.randint(4, 8)))
        return core + rng.choice(["有限公司", "股份有限公司", "集团"]), core[:4]
    short = brand(rng, syllables)
    words = [short]
    if rng.random() < 0.3:
        words.insert(0, rng.choice(PLACES))
    words += rng.sample(GENERIC, rng.choice((1, 1, 2)))
    if rng.random() < 0.1:
        words.append(rng.choice(JURISDICTIONS))
    return " ".join([*words, rng.choice(LEGAL)]).strip(), short


def listing(rng: random.Random) -> list[tuple[str, list[str]]]:
    """ENTRIES designations holding NAMES names in all: a main name, a short name, aliases."""
    entries: list[tuple[str, list[str]]] = []
    for number in range(ENTRIES):
        entries.append((f"d{number:05}", list(company(rng, LISTED_SYLLABLES))))
    for _ in range(NAMES - 2 * ENTRIES):  # the rest: aliases, a few entries holding many
        names = rng.choice(entries)[1]
        names.append(company(rng, LISTED_SYLLABLES)[0])
    return entries


def disguise(rng: random.Random, name: str) -> str:
    """Write a listed name as a vendor trying to slip past would."""
    tricks: list[Callable[[str], str]] = [
        lambda s: s.translate(LOOKALIKES),
        lambda s: "\u200b".join(s[i:i + 3] for i in range(0, len(s), 3)),
        lambda s: s.upper().replace("CO., LTD.", "COMPANY LIMITED"),
        lambda s: s.replace(" ", "  ").replace("Co., Ltd.", "Co Ltd").replace("Ltd", "Ltd."),
        lambda s: _typo(rng, s),
    ]
    return rng.choice(tricks)(name)


def _typo(rng: random.Random, name: str) -> str:
    first, _, rest = name.partition(" ")
    if len(first) < 6 or not first.isascii():
        return name.lower()
    at = rng.randrange(2, len(first) - 1)
    return f"{first[:at]}{rng.choice('aeiou')}{first[at + 1:]} {rest}".strip()


def vendors(rng: random.Random, entries: list[tuple[str, list[str]]]) -> list[list[str]]:
    out: list[list[str]] = []
    for number in range(VENDORS):
        listed = rng.choice(rng.choice(entries)[1])
        if number % 10 == 0:
            out.append([listed])
        elif number % 10 == 1:
            out.append([disguise(rng, listed)])
        else:
            legal, short = company(rng, VENDOR_SYLLABLES)
            out.append([legal, short] if rng.random() < 0.5 else [legal])
    return out


def _screen_all(entries: list[tuple[str, list[str]]],
                everyone: list[list[str]]) -> tuple[float, dict[str, float]]:
    for cache in (parse, name_key, word_keys):
        cache.cache_clear()
    start = time.perf_counter()
    screener = Screener(entries)
    hits = [screener.screen(names) for names in everyone]
    elapsed = time.perf_counter() - start
    unrelated = [found for number, found in enumerate(hits) if number % 10 not in (0, 1)]
    counts = {"vendors_with_hits": sum(1 for found in hits if found),
              "exact_hits": sum(h.exact for found in hits for h in found),
              "review_hits": sum(not h.exact for found in hits for h in found),
              # the review load a clean vendor base makes: matches a person must look at
              "unrelated_review_per_1000": round(1000 * sum(
                  not h.exact for found in unrelated for h in found) / len(unrelated), 1)}
    return elapsed, counts


def run() -> dict[str, Any]:
    rng = random.Random(SEED)
    entries = listing(rng)
    everyone = vendors(rng, entries)
    full_s, full = _screen_all(entries, everyone)
    changed = rng.sample(entries, CHANGED)
    changed_s, few = _screen_all(changed, everyone)
    planted = [names for number, names in enumerate(everyone) if number % 10 in (0, 1)]
    found = Screener(entries)
    return {
        "listed_names": sum(len(names) for _, names in entries),
        "full_screen_s": round(full_s, 2),
        "changed_100_s": round(changed_s, 3),
        **{f"full_{key}": value for key, value in full.items()},
        **{f"changed_{key}": value for key, value in few.items()},
        "planted_found": sum(1 for names in planted if found.screen(names)),
        "planted": len(planted),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    show(run())

"""Labelled name pairs from public restricted-party lists, for `bench.pairs`.

    python -m bench.make_csl_pairs SRC... --out bench/data/csl_pairs/pairs.csv

Each SRC is recognised by its content: the UN Security Council consolidated list (XML), OFAC's
SDN files (`sdn.csv` with the primary names, `alt.csv` with the aliases, headerless), or an ITA
Consolidated Screening List bulk file (CSV with the `_id,source,...` header, or JSON with
`results`). Every pair is made mechanically from the list's own strings with a fixed seed:

- positives: an organisation's primary name with each of its other names (aliases, "a.k.a."
  names in SDN remarks or a CSL name field, original-script names), trivial ones dropped;
- negatives: names of two different organisations of the same list that share a word of four
  or more letters that is no legal form, never two entities whose names coincide.

Nothing here calls the matcher or looks at a score: the set is for measuring, not for fitting.
`bench/data/csl_pairs/README.md` has the sources, the rules and the counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED = 20240503
CAP = 3_000  # positives, and as many negatives, at most
KEEP_WHOLE = 500  # a script or acronym stratum smaller than this is never sampled down
KINDS = ("script", "acronym", "contained", "shared_words", "different_words")
COLUMNS = ("set", "kind", "name1", "name2", "is_match", "source", "entity_id")

# Legal-form and company-type words in the languages the lists use most; "words" below are
# compared without them. Spelled-out forms (Russian OOO, AO, ...) are listed word by word.
LEGAL_FORMS = frozenset("""
    co cos corp corporation company companies inc incorporated ltd limited llc llp lp plc
    gmbh ag kg mbh sa sas sarl srl spa sl bv nv oy ab as asa aps jsc ojsc cjsc pjsc ojs cjs
    ao ooo oao zao pao tov chp ip fze fzc fzco fzllc fz dmcc sdn bhd tbk kft sro doo dd ad
    pte pvt pty sal sae sac sci se eood ood ltda cia cv rl sab sapi wll bsc psc qsc saog saoc
    obshchestvo obschestvo ogranichennoy ogranichennoi otvetstvennostyu otvetstvennostiu
    aktsionernoe aktsionernoye zakrytoe zakrytoye otkrytoe otkrytoye publichnoe publichnoye
    kompaniya kompaniia tovarystvo obmezhenoyu vidpovidalnistyu anonim sirketi
    sociedad anonima limitada societe anonyme responsabilidad
    open closed public joint stock liability
""".split())
# Function words ("AL-NUSRAH FRONT" and "AL-MURABITOUN" share no word worth the name) are left
# out of every comparison; negatives are tied only by longer words, and not by these either.
FUNCTION_WORDS = frozenset("""
    a an and the of for in on at to by or with from into upon that this their than
    al el ul ud bin ibn bi wa fi li de del la le les du des da di do dos das der den und et
    s y e i ve los las lo il van von au aux
""".split())
NONE_MARK = "-0-"  # OFAC's empty field
SKIPPED_TYPES = {"individual", "vessel", "aircraft"}

# "a.k.a. 'X'" / "f.k.a. 'X'" in SDN remarks; the closing quote is the one before "; " or the end.
_REMARK_AKA = re.compile(r"\b[afn]\.k\.a\.,?\s+'(.+?)'(?=[;.,]?\s|[;.,]?$)")
# BIS packs further names into the CSL name field after these markers.
_NAME_FIELD_SPLIT = re.compile(
    r"[,;]?\s*\(?\b(?:a\.k\.a\.|f\.k\.a\.|a/k/a)(?:\s*,?\s*the following[^:]*:)?[,:]?\s+"
    r"|[,;.]?\s*\bAffiliated Entit(?:y|ies):\s*",
    re.IGNORECASE)
_DROP_CHARS = re.compile(r"[.'’‘`ʼ´]")
_SPLIT_WORDS = re.compile(r"[\W_]+")


@dataclass
class Entity:
    set: str
    id: str
    label: str  # the list it is on, for the `source` column
    primary: str
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (name, where it came from)

    def names(self) -> list[str]:
        return [self.primary, *(name for name, _ in self.aliases)]


# ---------------------------------------------------------------- the strings' own properties

def clean(name: str) -> str:
    return " ".join(name.split()).strip(" ,;:")


def squash(name: str) -> str:
    """Lowercased, without punctuation and whitespace: two names equal here are trivial."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def words(name: str) -> list[str]:
    """Lowercased words without accents and punctuation (hyphens split, dots and quotes join)."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return [word for word in _SPLIT_WORDS.split(_DROP_CHARS.sub("", text)) if word]


def core_words(name: str) -> set[str]:
    """The words compared: no legal forms, no function words."""
    return {word for word in words(name)
            if word not in LEGAL_FORMS and word not in FUNCTION_WORDS}


def is_non_latin(name: str) -> bool:
    return any(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN") for ch in name)


def is_acronym(name: str) -> bool:
    """One token of 2-6 letters, all capitals as the source writes it ("BNC", "U.S.A.")."""
    tokens = name.split()
    if len(tokens) != 1:
        return False
    token = tokens[0].strip(".,;:()\"'").replace(".", "")
    return 2 <= len(token) <= 6 and token.isalpha() and token.isupper()


def kind(name1: str, name2: str) -> str:
    """The first rule that applies, from the two strings alone."""
    if is_non_latin(name1) or is_non_latin(name2):
        return "script"
    if is_acronym(name1) or is_acronym(name2):
        return "acronym"
    one, two = core_words(name1), core_words(name2)
    if one and two and (one <= two or two <= one):
        return "contained"
    return "shared_words" if one & two else "different_words"


def negative_words(name: str) -> set[str]:
    """Words that may tie two different entities into a negative pair."""
    return {word for word in core_words(name) if sum(ch.isalpha() for ch in word) >= 4}


# ---------------------------------------------------------------------------------- readers

def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # older OFAC files are Windows-1252
        return data.decode("cp1252")


def _ofac(value: str) -> str:
    value = value.strip()
    return "" if value == NONE_MARK else value


def detect(path: Path) -> str:
    head = _text(path)[:4096].lstrip()
    if head.startswith("<") and "CONSOLIDATED_LIST" in head:
        return "un"
    if head.startswith("{"):
        return "csl-json"
    if head.startswith("_id,") or head.startswith("id,source"):
        return "csl-csv"
    row = next(csv.reader([head.splitlines()[0]]))
    if len(row) == 12:
        return "sdn"
    if len(row) == 5 and row[2].strip().lower() in {"aka", "fka", "nka"}:
        return "sdn-alt"
    raise ValueError(f"{path}: not a format this generator knows")


def read_sdn(primary: Sequence[Path], alternates: Sequence[Path]) -> list[Entity]:
    entities: dict[str, Entity] = {}
    for path in primary:
        for row in csv.reader(_text(path).splitlines()):
            if len(row) < 12 or _ofac(row[2]).lower() in SKIPPED_TYPES:
                continue
            entity = Entity("sdn", row[0].strip(), "OFAC-SDN", clean(row[1]))
            for alias in _REMARK_AKA.findall(_ofac(row[11])):
                entity.aliases.append((clean(alias), "remarks-aka"))
            entities.setdefault(entity.id, entity)
    for path in alternates:
        for row in csv.reader(_text(path).splitlines()):
            if len(row) >= 4 and row[0].strip() in entities and _ofac(row[3]):
                entities[row[0].strip()].aliases.append(
                    (clean(row[3]), f"alt-{_ofac(row[2]).lower()}"))
    return list(entities.values())


def _un_alias(text: str) -> list[str]:
    """A UN alias, or the names packed into one ("X (original script); Y; Z (sub-unit)")."""
    if ";" not in text:
        return [clean(text)]
    names = []
    for piece in re.split(r"[;()]", text):
        piece = clean(re.sub(r"\s*-\s*sub-unit name\s*$", "", clean(piece)))
        if piece and piece.lower() != "original script":
            names.append(piece)
    return names


def read_un(path: Path) -> list[Entity]:
    root = ET.fromstring(_text(path).encode("utf-8"))
    entities = []
    for node in root.iter("ENTITY"):
        name = clean(node.findtext("FIRST_NAME") or "")
        if not name:
            continue
        entity = Entity("un", clean(node.findtext("REFERENCE_NUMBER") or "")
                        or clean(node.findtext("DATAID") or ""), "UN-SC", name)
        for alias in node.iter("ENTITY_ALIAS"):
            quality = clean(alias.findtext("QUALITY") or "").lower() or "aka"
            for text in _un_alias(alias.findtext("ALIAS_NAME") or ""):
                if text:
                    entity.aliases.append((text, f"alias-{quality.replace('.', '')}"))
        original = clean(node.findtext("NAME_ORIGINAL_SCRIPT") or "")
        if original:
            entity.aliases.append((original, "original-script"))
        entities.append(entity)
    return entities


def _split_name_field(name: str) -> tuple[str, list[str]]:
    parts = [clean(part).rstrip(").").strip() if part.count(")") > part.count("(")
             else clean(part) for part in _NAME_FIELD_SPLIT.split(name)]
    parts = [part for part in parts if part]
    return (parts[0], parts[1:]) if parts else ("", [])


def _csl_rows(path: Path, fmt: str) -> Iterable[dict[str, Any]]:
    if fmt == "csl-json":
        yield from json.loads(_text(path))["results"]
    else:
        yield from csv.DictReader(_text(path).splitlines())


def read_csl(path: Path, fmt: str) -> list[Entity]:
    entities = []
    for number, row in enumerate(_csl_rows(path, fmt)):
        if str(row.get("type") or "").strip().lower() in SKIPPED_TYPES:
            continue
        primary, packed = _split_name_field(str(row.get("name") or ""))
        if not primary:
            continue
        code = re.search(r"\(([A-Z][A-Z-]*)\)", str(row.get("source") or ""))
        label = f"CSL-{code.group(1)}" if code else "CSL"
        entity = Entity("csl", str(row.get("id") or row.get("_id") or number), label, primary)
        entity.aliases += [(name, "name-field") for name in packed]
        alt = row.get("alt_names") or []
        for name in alt.split(";") if isinstance(alt, str) else alt:
            if clean(str(name)):
                entity.aliases.append((clean(str(name)), "alt_names"))
        entities.append(entity)
    return entities


def read_sources(paths: Sequence[Path]) -> list[Entity]:
    found: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        found[detect(path)].append(path)
    entities: list[Entity] = []
    if found["sdn"]:
        entities += read_sdn(found["sdn"], found["sdn-alt"])
    elif found["sdn-alt"]:
        raise ValueError("alt.csv given without the sdn.csv its aliases belong to")
    for path in found["un"]:
        entities += read_un(path)
    for fmt in ("csl-csv", "csl-json"):
        for path in found[fmt]:
            entities += read_csl(path, fmt)
    return entities


# ------------------------------------------------------------------------------------ pairs

Pair = dict[str, str]


def positives(entities: Iterable[Entity]) -> list[Pair]:
    pairs = []
    for entity in entities:
        seen = {squash(entity.primary)}
        for name, origin in entity.aliases:
            key = squash(name)
            if not key or key in seen:
                continue
            seen.add(key)
            pairs.append({"set": entity.set, "kind": kind(entity.primary, name),
                          "name1": entity.primary, "name2": name, "is_match": "true",
                          "source": f"{entity.label}:{origin}", "entity_id": entity.id})
    return pairs


def negatives(entities: Sequence[Entity], wanted: int, rng: random.Random) -> list[Pair]:
    """Up to `wanted` pairs of names of different entities sharing a 4+ letter word."""
    names = [(index, name) for index, entity in enumerate(entities) for name in entity.names()]
    keys = [{squash(name) for name in entity.names()} for entity in entities]
    cores = [{frozenset(core_words(name)) for name in entity.names()} for entity in entities]
    by_word: dict[str, list[int]] = defaultdict(list)
    tying = []
    for position, (_, name) in enumerate(names):
        shared = sorted(negative_words(name))
        tying.append(shared)
        for word in shared:
            by_word[word].append(position)
    pairs: list[Pair] = []
    taken: set[tuple[int, int]] = set()
    for _ in range(wanted * 50):
        if len(pairs) >= wanted:
            break
        first = rng.randrange(len(names))
        if not tying[first]:
            continue
        second = rng.choice(by_word[rng.choice(tying[first])])
        one, two = names[first][0], names[second][0]
        low, high = sorted((first, second))
        if (one == two or (low, high) in taken or keys[one] & keys[two]
                or cores[one] & cores[two]):
            continue  # the same entity, or two that no name could tell apart
        taken.add((low, high))
        a, b = entities[one], entities[two]
        pairs.append({"set": a.set, "kind": kind(names[first][1], names[second][1]),
                      "name1": names[first][1], "name2": names[second][1], "is_match": "false",
                      "source": f"{a.label}:negative", "entity_id": f"{a.id}|{b.id}"})
    return pairs


def cap(pairs: list[Pair], limit: int, rng: random.Random) -> list[Pair]:
    """At most about `limit` pairs, each (set, kind) keeping its share; small script and
    acronym strata are kept whole."""
    if len(pairs) <= limit:
        return pairs
    strata: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for pair in pairs:
        strata[pair["set"], pair["kind"]].append(pair)
    per_kind = Counter(pair["kind"] for pair in pairs)
    whole = {key for key in strata
             if key[1] in ("script", "acronym") and per_kind[key[1]] < KEEP_WHOLE}
    kept_whole = sum(len(strata[key]) for key in whole)
    rest = len(pairs) - kept_whole
    budget = max(limit - kept_whole, 0)
    chosen: set[int] = set()
    for key in sorted(strata):
        members = strata[key]
        take = len(members) if key in whole else round(len(members) * budget / rest)
        chosen.update(id(pair) for pair in rng.sample(members, min(take, len(members))))
    return [pair for pair in pairs if id(pair) in chosen]


def build(entities: Sequence[Entity], seed: int = SEED, limit: int = CAP) -> list[Pair]:
    rng = random.Random(seed)
    kept = cap(positives(entities), limit, rng)
    out: list[Pair] = []
    for name in sorted({entity.set for entity in entities}):
        members = [entity for entity in entities if entity.set == name]
        mine = [pair for pair in kept if pair["set"] == name]
        out += mine + negatives(members, len(mine), rng)
    return out


def write(pairs: Iterable[Pair], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(pairs)


def counts(pairs: Iterable[Pair]) -> Counter[tuple[str, str, str]]:
    return Counter((pair["set"], pair["kind"], pair["is_match"]) for pair in pairs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.make_csl_pairs",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", type=Path, metavar="SRC")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cap", type=int, default=CAP)
    args = parser.parse_args(argv)
    pairs = build(read_sources(args.sources), args.seed, args.cap)
    write(pairs, args.out)
    for (name, kind_, label), number in sorted(counts(pairs).items()):
        print(f"{name:4} {kind_:16} {label:5} {number}")
    print(f"{len(pairs)} pairs -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

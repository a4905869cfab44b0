"""Deterministic CSL-shaped feeds for the import and screening benchmarks.

`python -m bench.feedgen /tmp/csl.json [--entries 20000] [--names 60000] [--seed 1]` writes a
bulk JSON file (a `.csv` path, or `--format csl-csv`, writes the CSV with a leading `_id`
column). The same arguments always give the same bytes.

Shape: sources spread over every list code, weighted roughly as the real CSL is (SDN largest, then
EL); companies named after the regions the lists concentrate on (Chinese, Russian, Iranian,
Emirati, ...) with legal forms, a share of individuals ("SURNAME, Given"), Chinese-script aliases
for some Chinese companies, BIS-style '?' for an apostrophe now and then, registration ids for
some Treasury entries. `names` counts names plus alt names: the alt names are spread at random
over the entries so the total is exactly `names`.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SOURCES = {
    "EL": "Entity List (EL) - Bureau of Industry and Security",
    "MEU": "Military End User (MEU) List - Bureau of Industry and Security",
    "DPL": "Denied Persons List (DPL) - Bureau of Industry and Security",
    "UVL": "Unverified List (UVL) - Bureau of Industry and Security",
    "SDN": "Specially Designated Nationals (SDN) - Treasury Department",
    "FSE": "Foreign Sanctions Evaders (FSE) - Treasury Department",
    "ISN": "Nonproliferation Sanctions (ISN) - State Department",
    "SSI": "Sectoral Sanctions Identifications List (SSI) - Treasury Department",
    "CMIC": "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury "
            "Department",
    "MBS": "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department",
    "CAP": "Capta List (CAP) - Treasury Department",
    "PLC": "Palestinian Legislative Council List (PLC) - Treasury Department",
    "DTC": "ITAR Debarred (DTC) - State Department",
}
WEIGHTS = {"SDN": 48, "EL": 16, "SSI": 6, "ISN": 4, "DTC": 5, "MEU": 3, "DPL": 3, "UVL": 2,
           "FSE": 2, "CMIC": 3, "MBS": 4, "CAP": 2, "PLC": 2}
PERSON_SHARE = {"SDN": 0.35, "DPL": 0.5, "DTC": 0.8, "FSE": 0.3, "PLC": 0.9}
REGIONS: dict[str, dict[str, Any]] = {
    "CN": {"syllables": "zhong hua xin tian hai long jin kang da wei tong guang sheng rui "
                        "bo heng yuan feng chang hong".split(),
           "places": ["Shenzhen", "Hangzhou", "Beijing", "Shanghai", "Xi'an", "Chengdu"],
           "forms": ["Co., Ltd.", "Technology Co., Ltd.", "Electronics Co., Ltd.",
                     "Group Co., Ltd.", "Limited"]},
    "HK": {"syllables": "wing kwong tak fook sun lee hing cheung".split(),
           "places": ["Hong Kong", "Kowloon"], "forms": ["Limited", "Trading Limited",
                                                         "International Limited"]},
    "RU": {"syllables": "ros tek prom neft gaz energo mash avia spets stroi radio elektro "
                        "tekh sib ural".split(),
           "places": ["Moscow", "Saint Petersburg", "Novosibirsk", "Yekaterinburg"],
           "forms": ["OOO", "AO", "JSC", "PAO", "LLC"]},
    "IR": {"syllables": "pars sina noor kaveh arya tadbir sanat behin farzan".split(),
           "places": ["Tehran", "Isfahan", "Tabriz"],
           "forms": ["Company", "Industrial Group", "Engineering Co.", "Trading Co."]},
    "AE": {"syllables": "al noor gulf star falcon oasis crescent emir".split(),
           "places": ["Dubai", "Sharjah", "Abu Dhabi"],
           "forms": ["FZE", "LLC", "FZCO", "General Trading LLC"]},
    "BY": {"syllables": "bel tech integral planar minsk agat".split(),
           "places": ["Minsk", "Brest"], "forms": ["OAO", "JSC", "LLC"]},
    "TR": {"syllables": "anka tek deniz yildiz kuzey marmara".split(),
           "places": ["Istanbul", "Ankara"], "forms": ["Ltd. Sti.", "A.S.", "Dis Ticaret"]},
}
INDUSTRIES = ["Technologies", "Electronics", "Semiconductor", "Aviation", "Shipping", "Trading",
              "Industrial", "Precision Instruments", "Communications", "Engineering", "Logistics",
              "Microelectronics", "Photonics", "Energy", "Machinery"]
HANZI = dict(zip(REGIONS["CN"]["syllables"], "中华新天海龙金康大伟通光盛瑞博恒源丰昌宏",
                 strict=True))
SURNAMES = ("IVANOV PETROV SMIRNOV KARIMI HOSSEINI AL-RASHID HADDAD WANG LI ZHANG CHEN GARCIA "
            "LOPEZ KIM PARK MORALES NASSER VOLKOV").split()
GIVEN = ("Sergei Dmitry Ali Reza Mohammad Wei Jian Carlos Ana Omar Yusuf Elena Olga Hassan "
         "Min-jun Farid").split()
PROGRAMS = {"SDN": ["SDGT", "IRAN", "RUSSIA-EO14024", "UKRAINE-EO13662", "NPWMD", "CYBER2"],
            "SSI": ["UKRAINE-EO13662"], "CMIC": ["CMIC-EO13959"], "MBS": ["IRAN-CON-ARMS-EO"]}
LISTS = ("programs", "addresses", "alt_names", "citizenships", "dates_of_birth", "nationalities",
         "places_of_birth", "ids")
STREETS = ["Industrial Road", "Harbour Road", "Science Park", "Nanshan Avenue", "Lenina Street"]
URL = "http://bit.ly/1L47xrV"
COLUMNS = ("_id source entity_number type programs name title addresses federal_register_notice "
           "start_date end_date standard_order license_requirement license_policy call_sign "
           "vessel_type gross_tonnage gross_registered_tonnage vessel_flag vessel_owner remarks "
           "source_list_url alt_names citizenships dates_of_birth nationalities places_of_birth "
           "source_information_url ids").split()


def generate(path: Path, fmt: str, entries: int = 20_000, names: int = 60_000,
             seed: int = 1) -> None:
    """Write a CSL feed of `entries` entries holding `names` names in all (fmt csl-json/csl-csv)."""
    if names < entries:
        raise ValueError("names counts each entry's own name too: names >= entries")
    rng = random.Random(seed)
    alt_counts = [0] * entries
    for _ in range(names - entries):
        alt_counts[rng.randrange(entries)] += 1
    records = (_entry(rng, i, alt_counts[i]) for i in range(entries))
    if fmt == "csl-json":
        _write_json(path, records)
    elif fmt == "csl-csv":
        _write_csv(path, records)
    else:
        raise ValueError(f"unknown format {fmt!r}: csl-json or csl-csv")


def _entry(rng: random.Random, index: int, alt_count: int) -> dict[str, Any]:
    code = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    country = rng.choice(list(REGIONS))
    person = rng.random() < PERSON_SHARE.get(code, 0.0)
    name, syllables = (_person(rng), []) if person else _company(rng, REGIONS[country])
    bis = code in ("EL", "MEU", "DPL", "UVL")
    record: dict[str, Any] = dict.fromkeys(COLUMNS[1:])
    record.update({field: [] for field in LISTS})
    record.update(
        id=f"gen{index:07d}", source=SOURCES[code], name=name,
        alt_names=_alt_names(rng, name, syllables, alt_count, person),
        entity_number=None if bis else str(10_000 + index),
        type=None if code in ("EL", "DPL") else ("Individual" if person else "Entity"),
        programs=rng.sample(PROGRAMS[code], 1) if code in PROGRAMS else [],
        addresses=[{"address": f"{rng.randint(1, 300)} {rng.choice(STREETS)}",
                    "city": rng.choice(REGIONS[country]["places"]), "state": None,
                    "postal_code": None, "country": country}],
        federal_register_notice=f"{rng.randint(80, 89)} FR {rng.randint(1000, 99999)}"
        if bis else None,
        start_date=f"{rng.randint(2005, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        source_list_url=URL, source_information_url=URL,
    )
    if code in ("SDN", "SSI") and not person:
        record["ids"] = [{"type": "Registration Number", "number": str(rng.randint(10**9, 10**10)),
                          "country": country}]
    return record


def _company(rng: random.Random, region: dict[str, Any]) -> tuple[str, list[str]]:
    syllables = rng.sample(region["syllables"], rng.choice([2, 2, 3]))
    brand = "".join(syllables).capitalize()
    if rng.random() < 0.03:  # BIS writes '?' where an apostrophe or accent was
        brand = brand[0] + "?" + brand[2:]
    parts = [rng.choice(region["places"])] if rng.random() < 0.4 else []
    parts += [brand, rng.choice(INDUSTRIES), rng.choice(region["forms"])]
    return " ".join(parts), syllables


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}, {' '.join(rng.sample(GIVEN, 2))}"


def _alt_names(rng: random.Random, name: str, syllables: list[str], count: int,
               person: bool) -> list[str]:
    candidates = list(_variants(rng, name, syllables, person))
    alts = [v for v in dict.fromkeys(candidates) if v != name][:count]
    first = name.split(",")[0].split()[0]
    while len(alts) < count:  # a few entries carry many aliases: fill with plausible ones
        alts.append(f"{first}, {rng.choice(GIVEN)}" if person else
                    f"{first} {rng.choice(INDUSTRIES)} {rng.choice(['Co.', 'Ltd.', 'LLC'])}")
    return alts


def _variants(rng: random.Random, name: str, syllables: list[str], person: bool) -> Iterator[str]:
    words = name.replace(",", "").split()
    if person:
        yield f"{words[-1]} {words[0].title()}"
        yield f"{words[0]}, {words[1][0]}."
        return
    if syllables and all(s in HANZI for s in syllables):
        yield "".join(HANZI[s] for s in syllables) + "有限公司"
    yield "".join(w[0] for w in words if w[0].isupper())
    yield " ".join(words[:-1]) if len(words) > 2 else words[0]
    yield f"{words[0]} {rng.choice(INDUSTRIES)}"
    yield f"{' '.join(words[:2])} International"
    yield name.upper()
    yield name.replace("Co., Ltd.", "Company Limited").replace("JSC", "Joint Stock Company")


def _write_json(path: Path, records: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"results": [\n')
        for n, record in enumerate(records):
            out.write((",\n" if n else "") + json.dumps(record, ensure_ascii=False))
        out.write("\n]}\n")


def _write_csv(path: Path, records: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for record in records:
            writer.writerow([_cell(record["id" if c == "_id" else c], c) for c in COLUMNS])


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, list):
        return str(value)
    keys = {"addresses": ("address", "city", "state", "postal_code", "country"),
            "ids": ("type", "number", "country")}.get(column, ())
    items = [", ".join(v[k] for k in keys if v.get(k)) if isinstance(v, dict) else v
             for v in value]
    return "; ".join(items)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--format", choices=["csl-json", "csl-csv"])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--names", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    fmt = args.format or ("csl-csv" if args.path.suffix == ".csv" else "csl-json")
    generate(args.path, fmt, args.entries, args.names, args.seed)
    print(f"wrote {args.path} ({fmt}, {args.entries:,} entries, {args.names:,} names)")


if __name__ == "__main__":
    main()

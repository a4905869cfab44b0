"""The 2016-2020 demo history (domain.md, "Real history to model") as the API calls that record it.

Each `Step` is one POST: the ref later steps use for the record it creates, a path, and a JSON
body. A string "{ref}" in a path or body stands for the id an earlier step got back, so the
history stays plain data and loads through any client: `load_demo(post)`. Windows are
half-open, so "valid through 2019-08-19" is written valid_until "2019-08-20". Dates, names and
Federal Register citations follow the public record (approximate dates are marked); licence
numbers are labels, the real ones not being public. DEMO-REVOKED is fictional and says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_API = "/api/v1"
_REF = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Step:
    ref: str | None  # the name later steps write as "{ref}"; None when nothing refers back
    path: str
    body: Any


def load_demo(post: Callable[[str, Any], Any]) -> dict[str, str]:
    """Load the demo history through `post(path, body) -> parsed JSON`; return {ref: id}."""
    refs: dict[str, str] = {}
    for step in STEPS:
        created = post(resolve(step.path, refs), resolve(step.body, refs))
        if step.ref is not None:
            refs[step.ref] = str(created["id"])
    return refs


def resolve(value: Any, refs: Mapping[str, str]) -> Any:
    """Replace each "{ref}" in the strings of `value` (nested in lists and dicts) by its id."""
    if isinstance(value, str):
        return _REF.sub(lambda found: _id_of(found.group(1), refs), value)
    if isinstance(value, list):
        return [resolve(item, refs) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item, refs) for key, item in value.items()}
    return value


def _id_of(ref: str, refs: Mapping[str, str]) -> str:
    if ref not in refs:
        raise KeyError(f"demo step refers to {{{ref}}} before any step created it")
    return refs[ref]


def _vendor(ref: str, name: str, country: str, aliases: tuple[str, ...] = (),
            brands: tuple[str, ...] = ()) -> Step:
    body = {"name": name, "aliases": list(aliases), "country": country, "brands": list(brands)}
    return Step(ref, f"{_API}/vendors", body)


def _model(ref: str, vendor: str, name: str, device_class: str, available: str | None) -> Step:
    body = {"vendor_id": f"{{{vendor}}}", "name": name, "device_class": device_class,
            "available_from": available}
    return Step(ref, f"{_API}/models", body)


def _update(ref: str, supplier: str, kind: str, product: str, version: str,
            enhances: bool | None, public: bool = False, country: str = "US") -> Step:
    body = {"supplier": supplier, "supplier_country": country, "kind": kind,
            "product": product, "version": version,
            "enhances_functionality": enhances, "publicly_available": public}
    return Step(ref, f"{_API}/updates", body)


def _designation(ref: str, source: str, name: str, vendor: str, effective_from: str,
                 until: str | None, reference: str | None, alt_names: tuple[str, ...] = (),
                 country: str | None = "CN") -> Step:
    body = {"source": source, "name": name, "alt_names": list(alt_names), "country": country,
            "effective_from": effective_from, "effective_until": until,
            "reference": reference, "vendor_ids": [f"{{{vendor}}}"]}
    return Step(ref, f"{_API}/designations", body)


def _scope(kinds: list[str], classes: list[str] | None = None, cutoff: str | None = None,
           enhancement: bool = False, products: list[str] | None = None) -> dict[str, Any]:
    return {"update_kinds": kinds, "products": products, "device_classes": classes,
            "devices_available_on_or_before": cutoff, "functional_enhancement": enhancement}


def _licence(ref: str, number: str, kind: str, vendor: str, lifts: str, valid_from: str,
             valid_until: str | None, scope: dict[str, Any], conditions: str,
             holder: str | None = None, document_url: str | None = None) -> Step:
    body = {"number": number, "kind": kind, "authority": "BIS", "holder": holder,
            "vendor_ids": [f"{{{vendor}}}"], "lifts": [lifts], "valid_from": valid_from,
            "valid_until": valid_until, "scope": scope, "conditions": conditions,
            "document_url": document_url}
    return Step(ref, f"{_API}/licences", body)


def _amend(licence: str, effective_from: str, valid_until: str, scope: dict[str, Any]) -> Step:
    body = {"effective_from": effective_from, "valid_until": valid_until, "scope": scope}
    return Step(None, f"{_API}/licences/{{{licence}}}/amendments", body)


VENDORS = [
    # "Honor" was a Huawei brand until the sale of 2020-11-17; vendors carry no dated brand
    # ownership, so the brand stays with Huawei for this 2019-2020 history and the buyer,
    # never listed, carries none (an inline "Honor" then names one vendor, not two).
    _vendor("huawei", "Huawei Technologies Co., Ltd.", "CN", brands=("Huawei", "Honor"),
            aliases=("Huawei", "Huawei Device Co., Ltd.", "Huawei Terminal (Shenzhen) Co., Ltd.",
                     "华为技术有限公司")),
    _vendor("honor", "Honor Device Co., Ltd.", "CN"),
    _vendor("zte", "ZTE Corporation", "CN", brands=("ZTE",),
            aliases=("ZTE", "Zhongxing Telecommunications Equipment Corporation",
                     "ZTE Kangxun Telecom Co. Ltd.")),
    _vendor("zte_parsian", "ZTE Parsian", "IR"),
    _vendor("xiaomi", "Xiaomi Corporation", "CN", aliases=("Xiaomi",), brands=("Xiaomi",)),
    _vendor("samsung", "Samsung Electronics Co., Ltd.", "KR", aliases=("Samsung",),
            brands=("Samsung",)),
]

# Launch dates decide the TGL cut-off (2019-05-16). MateBook, MediaPad, B525 and Blade dates are
# announcement dates or approximate; none is near a cut-off it is judged against.
MODELS = [
    _model("p30pro", "huawei", "P30 Pro", "handset", "2019-03-26"),
    _model("p30", "huawei", "P30", "handset", "2019-03-26"),
    _model("mate20pro", "huawei", "Mate 20 Pro", "handset", "2018-10-16"),
    _model("mate30pro", "huawei", "Mate 30 Pro", "handset", "2019-09-19"),  # after the cut-off
    _model("honor20", "huawei", "Honor 20", "handset", "2019-05-21"),  # Huawei's brand in 2019
    _model("matebook", "huawei", "MateBook X Pro (2019)", "laptop", "2019-02-24"),
    _model("mediapad", "huawei", "MediaPad M5", "tablet", "2018-02-25"),
    _model("b525", "huawei", "B525 LTE CPE", "cpe", "2017-06-01"),
    _model("y9prime", "huawei", "Y9 Prime 2019", "handset", None),  # unknown on purpose
    _model("axon9pro", "zte", "Axon 9 Pro", "handset", "2018-08-30"),
    _model("bladev9", "zte", "Blade V9", "handset", "2018-02-26"),
    _model("mi9", "xiaomi", "Mi 9", "handset", "2019-02-24"),
    _model("galaxys10", "samsung", "Galaxy S10", "handset", "2019-03-08"),
]

DEVICES = Step(None, f"{_API}/devices", [
    {"id": f"SN-{model.ref.upper()}-0001", "model_id": f"{{{model.ref}}}"}
    for model in MODELS if model.ref is not None
])

UPDATES = [
    _update("google_patch", "Google LLC", "security_patch", "Android", "2019-06-05", False),
    _update("android10", "Google LLC", "os_upgrade", "Android", "10", True),
    _update("play_services", "Google LLC", "app_update", "Google Play services", "17.7.85", True),
    # Enhancement unknown: once the TGL excludes enhancements it answers review, scope_unknown.
    _update("google_patch_nov", "Google LLC", "security_patch", "Android", "2019-11-05", None),
    _update("google_disclosure", "Google LLC", "vulnerability_disclosure", "Android",
            "CVE-2020-0069", False),
    _update("windows_patch", "Microsoft Corporation", "security_patch", "Windows 10", "KB4503293",
            False),
    # Published open source is not subject to the EAR at all.
    _update("aosp_patch", "Android Open Source Project", "security_patch", "AOSP",
            "android-10.0.0_r41", False, public=True),
    # Shipped from outside US jurisdiction: not subject to controls.
    _update("emui10", "Huawei Device Co., Ltd.", "os_upgrade", "EMUI", "10.0", True,
            country="CN"),
    _update("demo_agent", "Example Fleet Software Inc.", "app_update", "Example Fleet Agent", "2.1",
            False),  # fictional supplier, for DEMO-REVOKED
]

DESIGNATIONS = [
    _designation("huawei_el", "EL", "Huawei Technologies Co., Ltd.", "huawei", "2019-05-16", None,
                 "84 FR 22961", alt_names=("Huawei Device Co., Ltd.",
                                           "Huawei Terminal (Shenzhen) Co., Ltd.",
                                           "HiSilicon Technologies Co., Ltd.")),
    # Each later wave of affiliates is condensed into one designation linked to the Huawei
    # vendor, which stands for the group: the TGL covered the 46 of 2019 too, and the link keeps
    # them from surfacing as unreviewed near matches of "Huawei". The 2019 names are not
    # transcribed; the 2020 ones are from the rule.
    _designation("huawei_el_2019_08", "EL", "Huawei affiliates added 2019-08-19 (46 entities)",
                 "huawei", "2019-08-19", None, "84 FR 43493", country=None),
    _designation("huawei_el_2020_08", "EL", "Huawei Cloud Computing Technology", "huawei",
                 "2020-08-17", None, "85 FR 51596", country=None,
                 alt_names=("Huawei Cloud Beijing", "Huawei Cloud Berlin", "Huawei OpenLab Paris",
                            "Huawei OpenLab Munich")),
    # Removed from the Entity List on 2017-03-29 (82 FR 15458), the day the general licence ended.
    _designation("zte_el", "EL", "Zhongxing Telecommunications Equipment Corporation", "zte",
                 "2016-03-08", "2017-03-29", "81 FR 12004", alt_names=("ZTE Corporation",)),
    _designation("zte_kangxun_el", "EL", "ZTE Kangxun Telecommunications Ltd.", "zte",
                 "2016-03-08", "2017-03-29", "81 FR 12004"),
    _designation("zte_parsian_el", "EL", "ZTE Parsian", "zte_parsian", "2016-03-08", None,
                 "81 FR 12004", country="IR"),
    # Denial order of 2018-04-15; terminated 2018-07-13 (83 FR 34825).
    _designation("zte_dpl", "DPL", "Zhongxing Telecommunications Equipment Corporation", "zte",
                 "2018-04-15", "2018-07-13", "83 FR 17644",
                 alt_names=("ZTE Corporation", "ZTE Kangxun Telecommunications Ltd.")),
    # Named a Chinese military company on 2021-01-14: restricts buying its securities, not
    # updates, so Mi 9 answers allow, no_update_effect. Its later removal is not modelled.
    _designation("xiaomi_cmic", "CMIC", "Xiaomi Corporation", "xiaomi", "2021-01-14", None, None),
]

ALL_KINDS = ["security_patch", "bug_fix", "os_upgrade", "feature_update", "app_update",
             "vulnerability_disclosure"]
# May 2019: "service and support, including software updates or patches" to handsets on sale by
# 2019-05-16. "Software updates" is read as every kind, enhancements included: the TGL also
# covered vulnerability disclosure, and only the August amendment excluded enhancements.
TGL_HANDSETS = _scope(ALL_KINDS, ["handset"], "2019-05-16", enhancement=True)
# August 2019 onward: personal consumer electronics (wearables read as such) and customer
# premises equipment, for updates that do not enhance functional capacities. Laptops stay out:
# Microsoft needed its own licence.
TGL_CONSUMER = _scope(ALL_KINDS, ["handset", "tablet", "wearable", "consumer_electronics", "cpe"],
                      "2019-05-16")

LICENCES = [
    _licence("tgl", "TGL-HUAWEI-2019", "general", "huawei", "EL", "2019-05-20", "2019-08-20",
             TGL_HANDSETS, "Temporary General License (84 FR 23468), valid through 2019-08-19; "
             "none was in force 2019-05-16 to 2019-05-20."),
    # Each extension starts where the previous terms end (no gap) and restates the whole scope.
    # The extending rules took effect up to weeks earlier; with unchanged scope no verdict moves.
    _amend("tgl", "2019-08-19", "2019-11-19", TGL_CONSUMER),  # 84 FR 43487
    _amend("tgl", "2019-11-19", "2020-02-17", TGL_CONSUMER),  # 84 FR 64018
    _amend("tgl", "2020-02-17", "2020-04-02", TGL_CONSUMER),  # 85 FR 8722
    _amend("tgl", "2020-04-02", "2020-05-16", TGL_CONSUMER),  # FR Doc. 2020-05190
    _amend("tgl", "2020-05-16", "2020-08-14", TGL_CONSUMER),  # last: expired after 2020-08-13
    # What remained: security research and vulnerability disclosure, from the effective date of
    # the rule that ended the TGL; 2020-08-14 to 2020-08-17 had no licence.
    _licence("huawei_disclosure", "AUTH-HUAWEI-2020-VD", "general", "huawei", "EL", "2020-08-17",
             None, _scope(["vulnerability_disclosure"]),
             "85 FR 51596: disclosure of security vulnerabilities and security research only."),
    _licence("microsoft", "MSFT-HUAWEI-2019", "specific", "huawei", "EL", "2019-11-20", None,
             _scope(["security_patch", "bug_fix", "os_upgrade"], ["laptop"], enhancement=True,
                    products=["Windows 10"]),
             "Licence to export mass-market software to Huawei; number not public.",
             holder="Microsoft Corporation"),
    # Extended four times; recorded as the one window it amounted to.
    _licence("zte_gl", "TGL-ZTE-2016", "general", "zte", "EL", "2016-03-24", "2017-03-29",
             _scope(ALL_KINDS, enhancement=True),
             "Restores the pre-listing licence requirements for ZTE Corporation and ZTE Kangxun; "
             "does not cover ZTE Parsian or Beijing 8-Star."),
    _licence("zte_tga", "TGA-ZTE-2018", "general", "zte", "DPL", "2018-07-02", "2018-08-01",
             _scope(ALL_KINDS, ["handset"], "2018-04-15"),
             "Temporary authorisation under the 2018-04-15 denial order: service and support to "
             "existing ZTE phones (on sale before the order), no enhancements."),
    _licence("demo_revoked", "DEMO-REVOKED", "specific", "huawei", "EL", "2020-01-01", None,
             _scope(["app_update"], products=["Example Fleet Agent"]),
             "FICTIONAL: no such licence or holder exists; recorded only to show a revocation.",
             holder="Example Fleet Software Inc."),
    Step(None, f"{_API}/licences/{{demo_revoked}}/revocation",
         {"effective_from": "2020-03-01", "reason": "Fictional revocation for the demo."}),
]

STEPS: list[Step] = [*VENDORS, *MODELS, DEVICES, *UPDATES, *DESIGNATIONS, *LICENCES]

# Decision requests against the demo (POST /api/v1/decisions), with the answer each must get.
# Resolve their "{ref}"s with `resolve(example["request"], refs)`, refs from `load_demo`.
EXAMPLES: list[dict[str, Any]] = [
    {  # a handset on sale before the cut-off, inside the TGL
        "request": {"device": {"model_id": "{p30pro}"}, "update": {"id": "{google_patch}"},
                    "at": "2019-06-01T00:00:00Z"},
        "expect": {"verdict": "allow", "basis": "licensed"},
    },
    {  # launched 2019-09-19, after the cut-off: no licence lifts the Entity List
        "request": {"device": {"model_id": "{mate30pro}"}, "update": {"id": "{google_patch}"},
                    "at": "2019-10-01T00:00:00Z"},
        "expect": {"verdict": "deny", "basis": "licence_required"},
    },
    {  # launch date unknown: the TGL would cover it only if it was on sale by 2019-05-16
        "request": {"device": {"model_id": "{y9prime}"}, "update": {"id": "{google_patch}"},
                    "at": "2019-06-01T00:00:00Z"},
        "expect": {"verdict": "review", "basis": "scope_unknown"},
    },
]

"""The real 2016-2020 Huawei and ZTE history of domain.md, as the pure facts the rules read.

Time is half-open. Each licence amendment takes effect on the day the previous terms would
have ended and runs to the new end, so the Huawei TGL has no gap from 2019-05-20 until its last
terms, "through 2020-08-13", end at 2020-08-14T00:00Z. Licence numbers and record ids are made
up; dates, names and Federal Register citations are public record. Availability dates of the
MateBook, MediaPad and Axon models are approximate and cross no cut-off used here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from config.lists import DEFAULT_EFFECTS, LIST_NAMES
from service.eligibility import (
    Case,
    Decision,
    Designation,
    Licence,
    LicenceTerms,
    Model,
    Party,
    Policy,
    Scope,
    Update,
    evaluate,
)


def instant(text: str) -> datetime:
    """Read `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


POLICY = Policy(effects=DEFAULT_EFFECTS, list_names=LIST_NAMES)

HUAWEI = "vendor-huawei-device"
ZTE = "vendor-zte"
ZTE_PARSIAN = "vendor-zte-parsian"

ALL_KINDS = frozenset(
    {
        "security_patch",
        "bug_fix",
        "os_upgrade",
        "feature_update",
        "app_update",
        "vulnerability_disclosure",
    }
)

# --- Huawei -------------------------------------------------------------------------------

HUAWEI_EL = Designation(
    id="el-huawei-technologies",
    source="EL",
    name="Huawei Technologies Co., Ltd.",
    effective_from=instant("2019-05-16"),
    reference="84 FR 22961",
)

TGL_CUTOFF = instant("2019-05-16")
TGL_START = instant("2019-05-20")
TGL_AMENDED = instant("2019-08-19")  # scope widened, enhancements excluded
TGL_END = instant("2020-08-14")  # "through 2020-08-13"
TGL_SEAMS = tuple(
    instant(day) for day in ("2019-08-19", "2019-11-18", "2020-02-16", "2020-04-01", "2020-05-15")
)

TGL_HANDSET_SCOPE = Scope(
    update_kinds=ALL_KINDS,
    device_classes=frozenset({"handset"}),
    devices_available_on_or_before=TGL_CUTOFF,
    functional_enhancement=True,
)
TGL_CONSUMER_SCOPE = Scope(
    update_kinds=ALL_KINDS,
    device_classes=frozenset({"handset", "tablet", "wearable", "consumer_electronics", "cpe"}),
    devices_available_on_or_before=TGL_CUTOFF,
    functional_enhancement=False,
)

HUAWEI_TGL = Licence(
    id="lic-huawei-tgl",
    number="TGL-HUAWEI-2019",
    kind="general",
    holder_key=None,
    vendor_ids=frozenset({HUAWEI}),
    lifts=frozenset({"EL"}),
    valid_from=TGL_START,
    terms=(
        LicenceTerms(TGL_START, TGL_SEAMS[0], TGL_HANDSET_SCOPE),
        *(
            LicenceTerms(start, end, TGL_CONSUMER_SCOPE)
            for start, end in pairwise((*TGL_SEAMS, TGL_END))
        ),
    ),
    authority="BIS",
)

MICROSOFT_START = instant("2019-11-20")
MICROSOFT_LICENCE = Licence(
    id="lic-microsoft-huawei",
    number="D1234567",
    kind="specific",
    holder_key="microsoft corporation",
    vendor_ids=frozenset({HUAWEI}),
    lifts=frozenset({"EL"}),
    valid_from=MICROSOFT_START,
    terms=(
        LicenceTerms(
            MICROSOFT_START,
            None,
            Scope(
                update_kinds=frozenset({"security_patch", "bug_fix", "os_upgrade"}),
                products=frozenset({"windows"}),
                device_classes=frozenset({"laptop"}),
                functional_enhancement=True,
            ),
        ),
    ),
    authority="BIS",
)

HUAWEI_DISCLOSURE = Licence(
    id="lic-huawei-disclosure",
    number="AUTH-HUAWEI-2020-VD",
    kind="general",
    holder_key=None,
    vendor_ids=frozenset({HUAWEI}),
    lifts=frozenset({"EL"}),
    valid_from=TGL_END,
    terms=(
        LicenceTerms(TGL_END, None, Scope(update_kinds=frozenset({"vulnerability_disclosure"}))),
    ),
    authority="BIS",
)

HUAWEI_LICENCES = (HUAWEI_TGL, MICROSOFT_LICENCE, HUAWEI_DISCLOSURE)
HUAWEI_PARTY = Party(HUAWEI, "Huawei Device Co., Ltd.", designations=(HUAWEI_EL,))

P30_PRO = Model("model-p30-pro", "P30 Pro", "handset", instant("2019-03-26"))
MATE_30 = Model("model-mate-30", "Mate 30", "handset", instant("2019-09-19"))
HONOR_20 = Model("model-honor-20", "Honor 20", "handset", instant("2019-05-21"))
MEDIAPAD_M5 = Model("model-mediapad-m5", "MediaPad M5", "tablet", instant("2018-04-01"))
MATEBOOK = Model("model-matebook-x-pro", "MateBook X Pro", "laptop", instant("2019-04-01"))

# --- ZTE ----------------------------------------------------------------------------------

ZTE_EL = Designation(
    id="el-zte-corporation",
    source="EL",
    name="Zhongxing Telecommunications Equipment (ZTE) Corporation",
    effective_from=instant("2016-03-08"),
    effective_until=instant("2017-03-29"),  # removed when the general licence ended
    reference="81 FR 12004",
)
ZTE_PARSIAN_EL = Designation(
    id="el-zte-parsian",
    source="EL",
    name="ZTE Parsian",
    effective_from=instant("2016-03-08"),
    reference="81 FR 12004",
)
ZTE_DPL = Designation(
    id="dpl-zte-corporation",
    source="DPL",
    name="Zhongxing Telecommunications Equipment Corporation",
    effective_from=instant("2018-04-15"),
    effective_until=instant("2018-07-13"),  # the order terminated
    reference="83 FR 17644",
)

ZTE_GL_START = instant("2016-03-24")
ZTE_GL_END = instant("2017-03-29")
ZTE_GENERAL_LICENCE = Licence(
    id="lic-zte-tgl-2016",
    number="TGL-ZTE-2016",
    kind="general",
    holder_key=None,
    vendor_ids=frozenset({ZTE}),  # excludes ZTE Parsian
    lifts=frozenset({"EL"}),
    valid_from=ZTE_GL_START,
    terms=(
        LicenceTerms(
            ZTE_GL_START, ZTE_GL_END, Scope(update_kinds=ALL_KINDS, functional_enhancement=True)
        ),
    ),
    authority="BIS",
)

ZTE_TEMP_START = instant("2018-07-02")
ZTE_TEMP_END = instant("2018-08-01")
ZTE_TEMPORARY_AUTHORISATION = Licence(
    id="lic-zte-temporary-2018",
    number="TGA-ZTE-2018",
    kind="general",
    holder_key=None,
    vendor_ids=frozenset({ZTE}),
    lifts=frozenset({"DPL"}),
    valid_from=ZTE_TEMP_START,
    terms=(
        LicenceTerms(
            ZTE_TEMP_START,
            ZTE_TEMP_END,
            # Service and support to existing ZTE phones: those available when the order began.
            Scope(
                update_kinds=ALL_KINDS,
                device_classes=frozenset({"handset"}),
                devices_available_on_or_before=instant("2018-04-15"),
            ),
        ),
    ),
    authority="BIS",
)

ZTE_LICENCES = (ZTE_GENERAL_LICENCE, ZTE_TEMPORARY_AUTHORISATION)
ZTE_PARTY = Party(ZTE, "ZTE Corporation", designations=(ZTE_EL, ZTE_DPL))
ZTE_PARSIAN_PARTY = Party(ZTE_PARSIAN, "ZTE Parsian", designations=(ZTE_PARSIAN_EL,))

AXON_7 = Model("model-axon-7", "Axon 7", "handset", instant("2016-08-01"))

# --- Updates ------------------------------------------------------------------------------

GOOGLE_PATCH = Update(
    supplier="Google LLC",
    supplier_key="google llc",
    supplier_country="US",
    kind="security_patch",
    product="Android",
    version="2019-06-05",
    enhances_functionality=False,
)
GOOGLE_OS_UPGRADE = Update(
    supplier="Google LLC",
    supplier_key="google llc",
    supplier_country="US",
    kind="os_upgrade",
    product="Android",
    version="10",
    enhances_functionality=True,
)
GOOGLE_DISCLOSURE = Update(
    supplier="Google LLC",
    supplier_key="google llc",
    supplier_country="US",
    kind="vulnerability_disclosure",
    product="Android",
    version="CVE-2020-0069",
    enhances_functionality=False,
)
AOSP_UPDATE = Update(
    supplier="Android Open Source Project",
    supplier_key="android open source project",
    supplier_country="US",
    kind="security_patch",
    product="AOSP",
    version="android-10.0.0_r41",
    enhances_functionality=False,
    publicly_available=True,
)
WINDOWS_UPDATE = Update(
    supplier="Microsoft Corporation",
    supplier_key="microsoft corporation",
    supplier_country="US",
    kind="security_patch",
    product="Windows",
    version="KB4525236",
    enhances_functionality=False,
)


def huawei_case(model: Model, update: Update, **changes: Any) -> Case:
    """Build the case of one update to one Huawei model, with every Huawei licence on record."""
    return replace(Case(HUAWEI_PARTY, model, update, HUAWEI_LICENCES), **changes)


def zte_case(model: Model, update: Update, **changes: Any) -> Case:
    """Build the case of one update to one ZTE model, with every ZTE licence on record."""
    return replace(Case(ZTE_PARTY, model, update, ZTE_LICENCES), **changes)


def judge(case: Case, when: str | datetime, policy: Policy = POLICY) -> Decision:
    """Evaluate `case` at `when` (an instant, or text for `instant`)."""
    at = instant(when) if isinstance(when, str) else when
    return evaluate(case, at, policy)

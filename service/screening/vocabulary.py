"""The words of company names that carry less, or other, meaning than the rest.

Legal forms are written one way (`LEGAL_SPELLINGS`) and say what kind of company a name is
(`LEGAL_KINDS`): a private limited company, a stock corporation, a partnership, a non-profit.
Two names whose legal forms have no kind in common name different legal persons (Deutsche Bank
AG is a stock corporation, Deutsche Bank GmbH a limited company). "co" (company) says nothing
about the kind, so it never conflicts. Short codes that are also ordinary words or initials
("as", "ab", "sa", "ag") count as legal forms only at either end of a name, where legal forms
sit.

Generic words ("bank", "group", "technologies") are common to thousands of unrelated names:
sharing one is weak evidence. Stop words weigh nothing. Numbers and series markers ("II",
"2004") weigh little: the family name is the evidence.
"""

from __future__ import annotations

# Spellings (after folding, punctuation removed, initials joined) -> the one way to write them.
LEGAL_SPELLINGS: dict[str, str] = {
    "company": "co", "corporation": "corp", "incorporated": "inc", "limited": "ltd",
    "public limited company": "plc", "limited liability company": "llc",
    "limited liability partnership": "llp", "limited partnership": "lp",
    "gesellschaft mit beschrankter haftung": "gmbh", "aktiengesellschaft": "ag",
    "kommanditgesellschaft": "kg", "societe anonyme": "sa", "sociedad anonima": "sa",
    "sa de cv": "sa", "societe a responsabilite limitee": "sarl",
    "societe par actions simplifiee": "sas", "societatea cu raspundere limitata": "srl",
    "societa a responsabilita limitata": "srl", "societa per azioni": "spa",
    "sociedad limitada": "sl", "sp zoo": "spzoo", "naamloze vennootschap": "nv",
    "besloten vennootschap": "bv", "joint stock company": "jsc", "joint stock co": "jsc",
    "open joint stock company": "ojsc", "closed joint stock company": "cjsc",
    "public joint stock company": "pjsc", "aktsionernoe obshchestvo": "ao",
    "otkrytoe aktsionernoe obshchestvo": "oao", "zakrytoe aktsionernoe obshchestvo": "zao",
    "publichnoe aktsionernoe obshchestvo": "pao",
    "obshchestvo s ogranichennoy otvetstvennostyu": "ooo",
    "tovarystvo z obmezhenoyu vidpovidalnistyu": "tov", "kabushiki kaisha": "kk",
    "tovarishchestvo s ogranichennoy otvetstvennostyu": "too",
    "proprietary": "pty", "private": "pte", "sdn bhd": "sdnbhd", "berhad": "bhd",
}

# Every legal-form code -> the kinds of company it may be. A code missing here is not a legal
# form. Legal systems that have both draw a line between private limited companies (GmbH, SARL,
# Ltd, OOO) and stock corporations (AG, SA, PLC, AO); American "Inc"/"Corp" and the forms
# translated that way (KK, PT) draw no such line, so they are compatible with either.
_LIMITED = ("ltd", "llc", "gmbh", "sarl", "srl", "sl", "slu", "spzoo", "bv", "bvba", "ooo", "tov",
            "pty", "pte", "kft", "sro", "doo", "ltda", "limitada", "sdnbhd", "yk", "ug", "eurl",
            "too")
_STOCK = ("ag", "sa", "nv", "plc", "jsc", "ojsc", "cjsc", "pjsc", "oao", "zao", "pao", "ao", "spa",
          "sas", "as", "asa", "ab", "oy", "oyj", "se", "bhd", "tbk", "kgaa", "sae", "na")
LEGAL_KINDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(_LIMITED, frozenset({"limited"})),
    **dict.fromkeys(_STOCK, frozenset({"stock"})),
    **dict.fromkeys(["inc", "corp", "kk", "pt"], frozenset({"limited", "stock"})),
    **dict.fromkeys(["lp", "llp", "lllp", "kg", "gbr", "ohg", "snc", "scs"],
                    frozenset({"partnership"})),
    **dict.fromkeys(["ano", "ev", "ngo", "npo"], frozenset({"nonprofit"})),
    "co": frozenset({"limited", "stock", "partnership", "nonprofit"}),  # says nothing
}

# Codes that are also common words or initials: legal forms only at the start or end of a name.
EDGE_ONLY = frozenset({
    "as", "ab", "sa", "ag", "se", "ao", "pt", "oy", "kk", "kg", "sl", "nv", "bv", "spa", "ano",
    "ev", "yk", "ug", "pao", "sas", "doo", "tov", "pte", "pty", "lp", "na", "too",
})

STOPWORDS = frozenset({
    "the", "of", "and", "for", "in", "on", "at", "to", "a", "an", "de", "del", "della", "des",
    "du", "la", "le", "les", "el", "los", "las", "der", "die", "das", "den", "und", "et", "y",
    "e", "i", "da", "do", "dos", "van", "von", "al",
})

GENERIC = frozenset({
    "bank", "banking", "group", "holding", "holdings", "international", "global", "industries",
    "industry", "industrial", "system", "systems", "solution", "solutions", "service",
    "services", "technology", "technologies", "tech", "trading", "trade", "capital", "partners",
    "fund", "trust", "investment", "investments", "management", "enterprise", "enterprises",
    "national", "general", "united", "foundation", "organization", "organisation",
    "association", "institute", "university", "ministry", "government", "department",
    "electronics", "electronic", "engineering", "construction", "development", "energy",
    "resources", "finance", "financial", "securities", "insurance", "commercial", "import",
    "export", "logistics", "shipping", "manufacturing", "products", "communications",
    "communication", "telecom", "telecommunications", "network", "networks", "science",
    "sciences", "research", "academy", "center", "centre", "agency", "authority", "office",
    "bureau", "council", "committee", "union", "society", "federation", "alliance",
    "consulting", "equipment", "machinery", "materials", "chemical", "chemicals", "company",
    "pharmaceutical", "pharmaceuticals", "digital", "media", "business", "works", "factory",
    "plant", "limited", "corporation", "com", "new", "world", "mutual",
    "affiliated", "branch", "division", "subsidiary", "unit", "project", "projects",
    "semiconductor", "semiconductors", "instrument", "instruments", "optical", "optics",
    "precision", "aviation", "aerospace", "electric", "electrical", "power", "petroleum", "oil",
    "gas", "mining", "metals", "steel", "software", "computer", "computing", "cloud", "data",
    "information", "automotive", "motor", "motors", "transport", "transportation", "airlines",
    "defense", "defence", "military", "security", "nuclear", "marine", "shipbuilding",
    "medical", "biotech", "biotechnology", "laboratory", "laboratories", "design", "devices",
    "device", "components", "parts", "supply", "supplies", "exports", "imports",
    "telecommunication", "telecoms", "technological", "manufacturer", "manufacturers",
    "innovation", "innovations", "intelligent", "automation", "concern",
    # Russian generic words as transliterated (concern, plant, combine, association, scientific
    # production, enterprise, centre, institute, corporation, company, group)
    "kontsern", "zavod", "kombinat", "obedinenie", "nauchno", "proizvodstvennoe",
    "proizvodstvennoye", "predpriyatie", "tsentr", "institut", "korporatsiya", "kompaniya",
    "gruppa", "kholding",
    # Russian kinds of organisation by their initials: scientific production association,
    # company, enterprise; research institute; design bureau; (federal) state unitary enterprise
    "npo", "npk", "npp", "nii", "okb", "kb", "nic", "ntc", "gup", "fgup", "mup",
    "production", "scientific", "exchange", "it",
    # short forms registries write for the generic words above (see `variants`)
    "pharma", "chem", "comms", "info", "elec", "electro", "petro", "aero", "auto", "semicon",
    "telco", "aeronautical", "aeronautics",
    # Chinese trade words as pinyin (technology, electronics, communications, group, holdings,
    # investment, trade, industry, development, information, network, software, equipment)
    "keji", "jishu", "dianzi", "tongxin", "tongxun", "jituan", "konggu", "touzi", "maoyi",
    "shiye", "gongye", "fazhan", "xinxi", "wangluo", "ruanjian", "shebei", "zhineng",
})

# Abbreviations spelled out, so that "Int'l" meets "International".
ABBREVIATIONS: dict[str, str] = {
    "intl": "international", "natl": "national", "mfg": "manufacturing", "bros": "brothers",
    "assn": "association", "assoc": "association", "dept": "department", "univ": "university",
    "inst": "institute", "svcs": "services", "grp": "group", "hldgs": "holdings",
    "mgmt": "management", "us": "united states", "usa": "united states",
    "uk": "united kingdom", "uae": "united arab emirates", "prc": "china", "hk": "hong kong",
}

# Two-letter abbreviations of the Chinese cities registries put before a firm's own name
# ("SZ" for Shenzhen), read as the place only as the first of three words or more: elsewhere
# two letters are more often initials ("GZ Holdings" aside).
PLACE_ABBREVIATIONS: dict[str, str] = {
    "sz": "shenzhen", "bj": "beijing", "sh": "shanghai", "gz": "guangzhou", "hz": "hangzhou",
    "wh": "wuhan", "cd": "chengdu", "tj": "tianjin", "cq": "chongqing", "xm": "xiamen",
    "dg": "dongguan", "qd": "qingdao",
}

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
         "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
         "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
         "eighteen": 18, "nineteen": 19, "first": 1, "second": 2, "third": 3, "fourth": 4,
         "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
         "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8,
         "9th": 9, "10th": 10}
# "fourty" is the common misspelling of "forty".
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
        "seventy": 70, "eighty": 80, "ninety": 90}
ROMAN = frozenset({"ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii",
                   "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"})

"""The source lists of the Consolidated Screening List and what each does to a software update.

Effects are the defaults of `domain.md`; override one with `ELIG_EFFECT_<CODE>=<effect>`
(e.g. `ELIG_EFFECT_UVL=licence_required`).
"""

from service.eligibility.facts import Effect

LIST_NAMES = {
    "EL": "Entity List",
    "MEU": "Military End-User List",
    "DPL": "Denied Persons List",
    "UVL": "Unverified List",
    "SDN": "Specially Designated Nationals List",
    "FSE": "Foreign Sanctions Evaders List",
    "ISN": "Nonproliferation Sanctions List",
    "SSI": "Sectoral Sanctions Identifications List",
    "CMIC": "Non-SDN Chinese Military-Industrial Complex Companies List",
    "MBS": "Non-SDN Menu-Based Sanctions List",
    "CAP": "Correspondent Account or Payable-Through Account Sanctions List",
    "PLC": "Palestinian Legislative Council List",
    "DTC": "ITAR Debarred List",
}

DEFAULT_EFFECTS = {
    "EL": Effect.LICENCE_REQUIRED,
    "MEU": Effect.LICENCE_REQUIRED,
    "DPL": Effect.DENIED,
    "UVL": Effect.REVIEW,
    "SDN": Effect.BLOCKED,
    "FSE": Effect.BLOCKED,
    "ISN": Effect.REVIEW,
    "SSI": Effect.NONE,
    "CMIC": Effect.NONE,
    "MBS": Effect.NONE,
    "CAP": Effect.NONE,
    "PLC": Effect.NONE,
    "DTC": Effect.NONE,
}

"""The eligibility rules: may this update ship to this device at this instant?

This package is pure. It takes plain frozen data (`facts.py`) and returns a `Decision`; it
never imports Flask, SQLAlchemy, Redis, requests, the clock or the environment. Callers pass
the instant to judge and the policy to apply, so every answer can be replayed exactly.

The rules are those of `domain.md` (numbered 1-7 in `rules.py`); `timeline.py` finds the next
instant at which an answer can change, and `reasons.py` writes the sentences a compliance
officer reads.
"""

from service.eligibility.facts import (
    Basis,
    Case,
    Decision,
    Designation,
    Effect,
    Licence,
    LicenceTerms,
    Model,
    Party,
    Policy,
    PossibleMatch,
    Scope,
    StalePolicy,
    Update,
    Verdict,
)
from service.eligibility.rules import evaluate

__all__ = [
    "Basis",
    "Case",
    "Decision",
    "Designation",
    "Effect",
    "Licence",
    "LicenceTerms",
    "Model",
    "Party",
    "Policy",
    "PossibleMatch",
    "Scope",
    "StalePolicy",
    "Update",
    "Verdict",
    "evaluate",
]

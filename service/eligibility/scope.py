"""Whether a licence's scope admits one update on one device model.

A scope can admit, exclude, or hinge on a fact the service lacks (the model's availability
date, its device class, whether the update enhances functionality). An exclusion wins over an
unknown: a licence that cannot cover the update whatever the missing fact is excludes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from service.eligibility.facts import Model, Scope, Update


class Fit(Enum):
    YES = "yes"
    UNKNOWN = "unknown"
    NO = "no"


@dataclass(frozen=True, slots=True)
class ScopeFit:
    fit: Fit
    why: str = ""


def fit(scope: Scope, model: Model, update: Update) -> ScopeFit:
    """Say whether `scope` admits `update` on `model`, and why not if it does not."""
    unknown: list[str] = []
    if update.kind not in scope.update_kinds:
        return ScopeFit(Fit.NO, f"its scope does not cover {update.kind} updates")
    if scope.products is not None and update.product.casefold() not in scope.products:
        return ScopeFit(Fit.NO, f"its scope does not cover the product {update.product}")
    if scope.device_classes is not None:
        if model.device_class is None:
            unknown.append("the device class is unknown")
        elif model.device_class not in scope.device_classes:
            return ScopeFit(Fit.NO, f"its scope does not cover {model.device_class} devices")
    cutoff = scope.devices_available_on_or_before
    if cutoff is not None:
        if model.available_from is None:
            unknown.append("the date the model was first available to the public is unknown")
        elif model.available_from.date() > cutoff.date():  # "on or before" a day
            return ScopeFit(
                Fit.NO,
                f"it covers only devices available on or before {cutoff.date()}, and "
                f"{model.name} was first available on {model.available_from.date()}",
            )
    if not scope.functional_enhancement:
        if update.enhances_functionality is None:
            unknown.append("whether the update enhances functionality is unknown")
        elif update.enhances_functionality:
            return ScopeFit(Fit.NO, "it excludes updates that enhance functionality")
    if unknown:
        return ScopeFit(Fit.UNKNOWN, "; ".join(unknown))
    return ScopeFit(Fit.YES)

"""The licence forms: what a person types, turned into the API's schemas and back.

The forms only render and carry values (Flask-WTF adds the CSRF token); the rules are the
API's: `LicenceIn`, `AmendmentIn` and `RevocationIn` validate what the form gives, and their
messages are put beside the fields they name. Dates are days, midnight UTC, as in the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from config.lists import LIST_NAMES
from service.api.schemas import DeviceClass, LicenceKind, UpdateKind

DATE = {"type": "date"}


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Options for a select or a group of checkboxes: (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(values: type[UpdateKind] | type[DeviceClass]) -> list[SelectChoice]:
    return choices((v.value, v.value.replace("_", " ")) for v in values)


class ScopeForm(FlaskForm):
    """What a licence admits: the fields of `ScopeIn`."""

    update_kinds = SelectMultipleField("Update kinds it covers", choices=_choices(UpdateKind))
    products = TextAreaField("Products", render_kw={"rows": 2})
    device_classes = SelectMultipleField("Device classes", choices=_choices(DeviceClass))
    devices_available_on_or_before = StringField("Devices available on or before",
                                                 render_kw=DATE)
    functional_enhancement = BooleanField("Covers updates that enhance functionality")


class LicenceForm(ScopeForm):
    number = StringField("Number", render_kw={"maxlength": 120})
    kind = SelectField("Kind", choices=choices((k.value, k.value) for k in LicenceKind))
    authority = StringField("Authority")
    holder = StringField("Holder")
    vendor_ids = SelectMultipleField("Vendors it covers", choices=[])
    lifts = SelectMultipleField("Lists it lifts", choices=choices(LIST_NAMES.items()))
    valid_from = StringField("Valid from", render_kw=DATE)
    valid_until = StringField("Valid until", render_kw=DATE)
    conditions = TextAreaField("Conditions", render_kw={"rows": 3})
    document_url = StringField("Document URL")


class AmendmentForm(ScopeForm):
    effective_from = StringField("Takes effect on", render_kw=DATE)
    valid_until = StringField("Valid until", render_kw=DATE)


class RevocationForm(FlaskForm):
    effective_from = StringField("Revoked from", render_kw=DATE)
    reason = TextAreaField("Reason", render_kw={"rows": 3, "maxlength": 4000})


SCOPE = ("update_kinds", "products", "device_classes", "devices_available_on_or_before",
         "functional_enhancement")


def schema_data(form: FlaskForm) -> dict[str, Any]:
    """The form's values as the API's JSON body: blanks left out, the scope nested."""
    data: dict[str, Any] = {}
    scope: dict[str, Any] = {}
    for field in form:
        if field.name == "csrf_token":
            continue
        value = _value(field)
        if value is not None:
            (scope if field.name in SCOPE else data)[field.name] = value
    if isinstance(form, ScopeForm):
        data["scope"] = scope
    return data


def _value(field: Field) -> Any:
    if isinstance(field, BooleanField):
        return bool(field.data)
    if isinstance(field, SelectMultipleField):
        return list(field.data or []) or None
    text = (field.data or "").strip()
    if field.name == "products":
        return [line.strip() for line in text.splitlines() if line.strip()] or None
    return text or None


def place_errors(form: FlaskForm, errors: list[dict[str, str]] | None, detail: str) -> None:
    """Put each schema error beside the field it names (`scope.x` is the form's `x`)."""
    for error in errors or [{"field": "body", "message": detail}]:
        path = error["field"].split(".")
        name = path[1] if path[0] == "scope" and len(path) > 1 else path[0]
        message = error["message"].removeprefix("Value error, ")
        if name in form and name != "csrf_token":
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(f"{error['field']}: {message}")


def fill_scope(form: ScopeForm, scope: Mapping[str, Any]) -> None:
    """Show a stored scope in the form (an amendment starts from the terms in force)."""
    form.update_kinds.data = list(scope.get("update_kinds") or [])
    form.products.data = "\n".join(scope.get("products") or [])
    form.device_classes.data = list(scope.get("device_classes") or [])
    form.devices_available_on_or_before.data = day(scope.get("devices_available_on_or_before"))
    form.functional_enhancement.data = bool(scope.get("functional_enhancement"))


def day(value: Any) -> str:
    """A stored instant (or ISO text) as the YYYY-MM-DD a date field shows; blank for None."""
    if value is None:
        return ""
    return value.date().isoformat() if hasattr(value, "date") else str(value)[:10]


def hidden_values(form: FlaskForm) -> list[tuple[str, str]]:
    """(name, value) pairs that carry the form's values through a preview unchanged."""
    pairs: list[tuple[str, str]] = []
    for field in form:
        if field.name == "csrf_token":
            continue
        if isinstance(field, BooleanField):
            pairs += [(field.name, "y")] if field.data else []
        elif isinstance(field, SelectMultipleField):
            pairs += [(field.name, str(v)) for v in field.data or []]
        else:
            pairs.append((field.name, field.data or ""))
    return pairs

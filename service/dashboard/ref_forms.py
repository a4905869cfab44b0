"""The reference-data and source forms, and how their input meets the API's schemas.

The forms only lay out fields and carry the CSRF token; what is valid is decided by the API's
own pydantic schemas (`service.api.schemas`), whose messages are put beside the fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from service.api.schemas import DeviceClass, UpdateKind
from service.api.source_schemas import FeedFormat

DATE = {"type": "date"}
TRI_STATE = [SelectChoice("", "Unknown"), SelectChoice("true", "Yes"),
             SelectChoice("false", "No")]


class ModelForm(FlaskForm):
    vendor_id = StringField("Vendor id", render_kw={"list": "vendors", "autocomplete": "off"})
    name = StringField("Model name")
    device_class = SelectField("Device class", choices=[SelectChoice(c.value) for c in DeviceClass])
    available_from = StringField("Available to the public from", render_kw=DATE)


class UpdateForm(FlaskForm):
    supplier = StringField("Supplier")
    supplier_country = StringField("Supplier's country (two letters)",
                                   render_kw={"maxlength": 2, "autocomplete": "off"})
    kind = SelectField("Kind", choices=[SelectChoice(k.value) for k in UpdateKind])
    product = StringField("Product")
    version = StringField("Version")
    enhances_functionality = SelectField("Enhances functionality", choices=TRI_STATE)
    publicly_available = BooleanField("Publicly available software (e.g. plain AOSP)")


class DesignationForm(FlaskForm):
    source = StringField("List code (EL, DPL, SDN, …)", render_kw={"autocomplete": "off"})
    name = StringField("Name")
    alt_names = TextAreaField("Alternate names, one a line")
    country = StringField("Country (two letters)", render_kw={"maxlength": 2})
    effective_from = StringField("Effective from", render_kw=DATE)
    effective_until = StringField("Effective until (empty: open-ended)", render_kw=DATE)
    reference = StringField("Reference (e.g. 84 FR 22961)")
    vendor_ids = TextAreaField("Vendor ids it names, one a line")


class EndForm(FlaskForm):
    effective_until = StringField("Ends at the start of (UTC)", render_kw=DATE)


class DeviceUploadForm(FlaskForm):
    file = FileField("CSV file", render_kw={"accept": ".csv,text/csv"})


class SourceForm(FlaskForm):
    name = StringField("Name")
    format = SelectField("Format", choices=[SelectChoice(f.value) for f in FeedFormat])
    url = StringField("Feed URL (http(s):// or file://)", render_kw={"type": "url"})
    schedule = StringField("Refresh schedule (cron, UTC)", default="0 */6 * * *")
    enabled = BooleanField("Enabled", default=True)
    staleness_limit_hours = StringField("Staleness limit in hours (empty: the default)",
                                        render_kw={"inputmode": "decimal"})
    max_drop_percent = StringField("Hold a refresh that drops more than this % "
                                   "(empty: the default)", render_kw={"inputmode": "decimal"})


def text(field: Field) -> str | None:
    """A text field's value, trimmed; None when left empty."""
    value = (field.data or "").strip()
    return value or None


def lines(field: Field) -> list[str]:
    return [line.strip() for line in (field.data or "").splitlines() if line.strip()]


def tri_state(field: Field) -> bool | None:
    return {"true": True, "false": False}.get(field.data or "")


def number(field: Field) -> Any:
    """A number typed into a text field; the text itself if it is none (the schema says so)."""
    value = text(field)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return value


def show_errors(form: FlaskForm, errors: Iterable[dict[str, str]]) -> None:
    """Put the schema's messages beside the fields they name (`alt_names.2` → alt_names);
    the rest above the form."""
    for error in errors:
        name, _, rest = error["field"].partition(".")
        message = f"{error['message']} (item {int(rest) + 1})" if rest.isdigit() \
            else error["message"]
        target = getattr(form, name, None)
        if isinstance(target, Field) and name != "csrf_token":
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(f"{error['field']}: {message}")

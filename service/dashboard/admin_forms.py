"""The forms of the audit and admin pages, and carrying an API schema's messages onto them.

Input that the API also takes is validated by the API's own pydantic schema (`apply`), so a
page and the API refuse the same things with the same words, each beside its field.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from pydantic import BaseModel
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from service.errors import InvalidInput
from service.parsing import validate
from service.store.audit_reads import RESOURCES
from service.users import ROLES

S = TypeVar("S", bound=BaseModel)
KEY_ROLES = ("ota", "viewer", "editor", "admin")


class AuditFilterForm(FlaskForm):
    """The audit log's filters: read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    actor = StringField("Actor", validators=[Optional(), Length(max=120)])
    resource = SelectField("Resource", choices=[SelectChoice("", "Any"), *RESOURCES],
                           validators=[Optional()])
    resource_id = StringField("Record id", validators=[Optional(), Length(max=120)])
    action = StringField("Action", validators=[Optional(), Length(max=40)],
                         render_kw={"list": "audit-actions"})
    since = DateTimeLocalField("From (UTC)", validators=[Optional()], tz=UTC)
    until = DateTimeLocalField("Until (UTC)", validators=[Optional()], tz=UTC)


def printable(form: FlaskForm, field: StringField) -> None:
    if field.data and not field.data.isprintable():
        raise ValidationError("Use printable characters only.")


class UserForm(FlaskForm):
    # The rules of `python -m service create-user`: 1 to 120 printable characters.
    name = StringField("User name", filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(), Length(max=120), printable],
                       render_kw={"autocomplete": "off"})
    role = SelectField("Role", choices=list(ROLES), default="viewer")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=list(ROLES))


class KeyForm(FlaskForm):
    name = StringField("Name", render_kw={"autocomplete": "off"})
    role = SelectField("Role", choices=list(KEY_ROLES), default="viewer")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    url = StringField("URL", render_kw={"autocomplete": "off", "inputmode": "url"})
    event_types = MultiCheckboxField("Event types (none ticked: every type)", choices=[])
    vendor_ids = TextAreaField("Vendor ids (one a line; none: every vendor)")
    update_kinds = MultiCheckboxField("Update kinds (none ticked: every kind)", choices=[])
    description = StringField("Description")
    enabled = BooleanField("Enabled", default=True)


def apply(form: FlaskForm, schema: type[S], data: dict[str, Any]) -> S | None:
    """Validate `data` with the API's schema; on failure put each message beside its field
    (or with the form's own errors) and return None."""
    try:
        return validate(schema, data)
    except InvalidInput as refused:
        refuse(form, refused)
        return None


def refuse(form: FlaskForm, refused: InvalidInput) -> None:
    """Show an API error's field messages beside the form's fields."""
    for error in refused.errors or [{"field": "", "message": refused.detail}]:
        name = error["field"].split(".", 1)[0]
        target = getattr(form, name, None) if name else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, error["message"]]
        else:
            form.form_errors.append(f"{error['field']}: {error['message']}"
                                    if error["field"] else error["message"])

"""The simulator's form: a decision request typed or picked, read by the API's own schema.

The form is a GET (its URL is a link anyone may share), so it is a plain WTForms form without
a CSRF token. Its fields are turned into the JSON body an OTA server would send, validated
with `DecisionRequest`, and each problem the API would name is put beside its field.
"""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from service.api.schemas import UpdateKind
from service.views import View

# The API's field paths and the form's fields that hold them.
FIELDS = {"device.id": "device_id", "device.model_id": "model_id", "device.vendor": "vendor",
          "device.model": "model", "update.id": "update_id", "update.supplier": "supplier",
          "update.supplier_country": "supplier_country", "update.kind": "kind",
          "update.product": "product", "update.version": "version",
          "update.enhances_functionality": "enhances", "update.publicly_available": "public",
          "at": "at", "known_at": "known_at"}
NONE = SelectChoice("", "— none —")


class SimulatorForm(Form):
    device_id = StringField("Registered device id", render_kw={"autocomplete": "off"})
    model_id = SelectField("Registered model", choices=[NONE])
    vendor = StringField("Vendor, as the device names it")
    model = StringField("Model, as the device names it")
    update_id = SelectField("Registered update", choices=[NONE])
    supplier = StringField("Supplier")
    supplier_country = StringField("Supplier's country (two capital letters)")
    kind = SelectField("Kind", choices=[NONE, *[SelectChoice(k.value, k.value.replace("_", " "))
                                                 for k in UpdateKind]])
    product = StringField("Product")
    version = StringField("Version")
    enhances = SelectField("Enhances functionality",
                           choices=[SelectChoice("", "unknown"), SelectChoice("yes"),
                                    SelectChoice("no")])
    public = BooleanField("Publicly available software (published open source)")
    at = StringField("At (when the update would ship; empty: now)")
    known_at = StringField("Known at (what the service had recorded by then; empty: now)")

    def offer(self, view: View) -> None:
        """Fill the selects with the registered models and updates of `view`."""
        vendors = view.vendors
        models = sorted(
            (f"{vendors[owner].name if owner in vendors else owner} — "
             f"{view.models[model_id].name}", model_id)
            for model_id, owner in view.model_vendor.items() if model_id in view.models)
        self.model_id.choices = [NONE, *(SelectChoice(i, label) for label, i in models)]
        updates = sorted((f"{u.supplier} — {u.product} {u.version or ''} ({u.kind})", i)
                         for i, u in view.updates.items())
        self.update_id.choices = [NONE, *(SelectChoice(i, label) for label, i in updates)]

    def asked(self, pressed: bool) -> bool:
        """Whether a question was asked: the button pressed, or a link naming both a device and
        an update (a link naming only one, as from a vendor's model, fills the form in)."""
        text = {f.name: str(f.data or "").strip() for f in self if f.type != "BooleanField"}
        device = any(text[k] for k in ("device_id", "model_id", "vendor", "model"))
        update = any(text[k] for k in ("update_id", "supplier", "product", "kind"))
        return pressed or (device and update)

    def body(self) -> dict[str, Any]:
        """The decision request the fields describe, as an OTA server would send it."""
        def given(**fields: Any) -> dict[str, Any]:
            return {k: v for k, v in fields.items() if v not in (None, "")}

        text = {f.name: (f.data or "").strip() for f in self if f.type != "BooleanField"}
        device = given(id=text["device_id"], model_id=text["model_id"], vendor=text["vendor"],
                       model=text["model"])
        update = given(id=text["update_id"], supplier=text["supplier"],
                       supplier_country=text["supplier_country"], kind=text["kind"],
                       product=text["product"], version=text["version"],
                       enhances_functionality={"yes": True, "no": False}.get(text["enhances"]),
                       publicly_available=True if self.public.data else None)
        return {"device": device, "update": update,
                **given(at=text["at"], known_at=text["known_at"])}

    def place(self, errors: list[dict[str, str]]) -> dict[str, list[str]]:
        """Put each API error beside its field; return the others by the group they concern
        ("device", "update", or "" for the request as a whole)."""
        groups: dict[str, list[str]] = {"device": [], "update": [], "": []}
        for error in errors:
            name = FIELDS.get(error["field"])
            if name is not None:
                field = getattr(self, name)
                field.errors = [*field.errors, error["message"]]
            elif error["field"] in groups:
                groups[error["field"]].append(error["message"])
            else:
                groups[""].append(f"{error['field']}: {error['message']}")
        return groups

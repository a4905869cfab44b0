"""Request schemas: they validate every body and generate the OpenAPI document.

Strict JSON validation (no silent coercion of "1" to 1 or "true" to True), unknown fields
refused, bounded strings and lists. Instants need a zone; a bare date means midnight UTC.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonDict, JsonValue

from service.errors import FieldInvalid

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The same rule as a JSON Schema pattern, for the document: text without those characters.
PRINTABLE = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f]*$"


def _printable(value: str) -> str:
    # PostgreSQL cannot store NUL in text, and no real name holds a control character.
    if CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


_DOC = {"pattern": PRINTABLE}
Name = Annotated[str, Field(min_length=1, max_length=500, json_schema_extra=_DOC),
                 AfterValidator(_printable)]
ShortName = Annotated[str, Field(min_length=1, max_length=120, json_schema_extra=_DOC),
                      AfterValidator(_printable)]
Text = Annotated[str, Field(max_length=4000, json_schema_extra=_DOC), AfterValidator(_printable)]
Code = Annotated[str, Field(min_length=1, max_length=10, pattern=r"^[A-Z][A-Z0-9_]*$")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
RecordId = Annotated[str, Field(min_length=1, max_length=120, json_schema_extra=_DOC),
                     AfterValidator(_printable)]
Label = Annotated[str, Field(max_length=500, json_schema_extra=_DOC), AfterValidator(_printable)]


def _instant(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # let the type check name the wrong type
    if len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError("not a date: use YYYY-MM-DD or an ISO 8601 time with a zone") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not an ISO 8601 time, e.g. 2019-06-01T00:00:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError("the time needs a zone, e.g. 2019-06-01T00:00:00Z")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-01:00 is past the year 9999 in UTC
        raise ValueError("the time is out of range in UTC") from None


Instant = Annotated[datetime, BeforeValidator(_instant), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]})]


class DeviceClass(StrEnum):
    HANDSET = "handset"
    TABLET = "tablet"
    LAPTOP = "laptop"
    WEARABLE = "wearable"
    CONSUMER_ELECTRONICS = "consumer_electronics"
    CPE = "cpe"
    NETWORK_EQUIPMENT = "network_equipment"


class UpdateKind(StrEnum):
    SECURITY_PATCH = "security_patch"
    BUG_FIX = "bug_fix"
    OS_UPGRADE = "os_upgrade"
    FEATURE_UPDATE = "feature_update"
    APP_UPDATE = "app_update"
    VULNERABILITY_DISCLOSURE = "vulnerability_disclosure"


# Enumerations are validated leniently (a JSON string against the allowed values) so that batch
# items, parsed once by orjson, validate exactly like single bodies.
Kind = Annotated[UpdateKind, Field(strict=False)]
Class = Annotated[DeviceClass, Field(strict=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


@dataclass(frozen=True)
class Shape:
    """One shape a body may take: the fields it needs, those it leaves out (absent or null),
    and any it fixes to one value. `title` names the class a generated client makes of it."""

    title: str
    needs: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    fixed: tuple[tuple[str, str], ...] = ()

    def schema(self, fields: JsonDict, required: list[str]) -> JsonDict:
        properties: JsonDict = {}
        for name, field in fields.items():
            field = copy.deepcopy(cast(JsonDict, field))
            if name in self.without:
                field = {"type": "null"}
            elif name in self.needs:  # the field's own type, without its null
                branches = cast(list[JsonDict], field.pop("anyOf", [field]))
                field = {**field, **next(b for b in branches if b != {"type": "null"})}
                field.pop("default", None)
            properties[name] = field
        properties.update({name: {"const": value} for name, value in self.fixed})
        needs: list[JsonValue] = [*required, *(n for n in self.needs if n not in required)]
        return {"title": self.title, "type": "object", "properties": properties,
                "required": needs, "additionalProperties": False}


def _shapes(*shapes: Shape) -> Callable[[JsonDict], None]:
    """JSON Schema for "one of these shapes", so the document says what the model's check
    across fields does; each shape is a whole object, one class in a generated client."""

    def describe(schema: JsonDict) -> None:
        fields = cast(JsonDict, schema["properties"])
        required = cast(list[str], schema.get("required", []))
        schema["anyOf"] = [shape.schema(fields, required) for shape in shapes]

    return describe


class DeviceRef(Strict):
    """A registered device (`id`), a registered model (`model_id`), or inline strings."""

    model_config = ConfigDict(json_schema_extra=_shapes(
        Shape("RegisteredDevice", ("id",), ("model_id", "vendor", "model")),
        Shape("RegisteredModel", ("model_id",), ("id", "vendor", "model")),
        Shape("InlineDevice", ("vendor",), ("id", "model_id"))))

    id: RecordId | None = None
    model_id: RecordId | None = None
    vendor: Name | None = None
    model: Name | None = None

    @model_validator(mode="after")
    def one_shape(self) -> Self:
        shapes = [self.id is not None, self.model_id is not None,
                  self.vendor is not None or self.model is not None]
        if sum(shapes) != 1:
            raise ValueError("give exactly one of: id, model_id, or vendor (with model)")
        if self.model is not None and self.vendor is None:
            raise FieldInvalid("vendor", "an inline model needs its vendor")
        return self


class UpdateFields(Strict):
    supplier: Name
    supplier_country: Country | None = None
    kind: Kind
    product: Name
    version: Label | None = None
    enhances_functionality: bool | None = None
    publicly_available: bool = False


class UpdateRef(Strict):
    """A registered update (`id`) or the update described inline."""

    model_config = ConfigDict(json_schema_extra=_shapes(
        Shape("RegisteredUpdate", ("id",), ("supplier", "kind", "product")),
        Shape("InlineUpdate", ("supplier", "kind", "product"), ("id",))))

    id: RecordId | None = None
    supplier: Name | None = None
    supplier_country: Country | None = None
    kind: Kind | None = None
    product: Name | None = None
    version: Label | None = None
    enhances_functionality: bool | None = None
    publicly_available: bool = False

    @model_validator(mode="after")
    def one_shape(self) -> Self:
        inline = {"supplier": self.supplier, "kind": self.kind, "product": self.product}
        if self.id is not None:
            if any(v is not None for v in inline.values()):
                raise ValueError("give either id or the inline fields, not both")
            return self
        missing = [name for name, value in inline.items() if value is None]
        if missing:
            raise FieldInvalid(missing[0], f"an inline update needs supplier, kind and "
                               f"product; missing: {', '.join(missing)}")
        return self


class DecisionRequest(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"device": {"id": "SN-P30PRO-0001"},
         "update": {"supplier": "Google LLC", "kind": "security_patch", "product": "Android",
                    "version": "2019-06-05", "enhances_functionality": False},
         "at": "2019-06-01T00:00:00Z"},
        {"device": {"vendor": "Huawei Technologies Co., Ltd.", "model": "Mate 30 Pro"},
         "update": {"supplier": "Google LLC", "kind": "security_patch", "product": "Android"},
         "at": "2019-10-01"}]})

    device: DeviceRef
    update: UpdateRef
    at: Instant | None = None
    known_at: Instant | None = None


class BatchRequest(Strict):
    items: list[dict[str, Any]] = Field(min_length=1)


class VendorIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Huawei Technologies Co., Ltd.", "aliases": ["Huawei"], "country": "CN",
         "brands": ["Huawei", "Honor"]}]})

    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=200)
    country: Country | None = None
    brands: list[Name] = Field(default_factory=list, max_length=200)


class ModelIn(Strict):
    vendor_id: RecordId
    name: Name
    device_class: Class
    available_from: Instant | None = None


class UpdateIn(UpdateFields):
    pass


class DeviceIn(Strict):
    id: RecordId
    model_id: RecordId


class DesignationIn(Strict):
    source: Code
    name: Name
    alt_names: list[Name] = Field(default_factory=list, max_length=500)
    country: Country | None = None
    effective_from: Instant
    effective_until: Instant | None = None
    reference: Label | None = None
    vendor_ids: list[RecordId] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def window(self) -> Self:
        if self.effective_until is not None and self.effective_until <= self.effective_from:
            raise FieldInvalid("effective_until", "effective_until must be after effective_from")
        return self


class ScopeIn(Strict):
    update_kinds: list[Kind] = Field(min_length=1)
    products: list[Name] | None = None
    device_classes: list[Class] | None = None
    devices_available_on_or_before: Instant | None = None
    functional_enhancement: bool = False


class LicenceKind(StrEnum):
    GENERAL = "general"
    SPECIFIC = "specific"


class LicenceIn(Strict):
    model_config = ConfigDict(json_schema_extra=_shapes(
        Shape("GeneralLicenceIn", without=("holder",), fixed=(("kind", "general"),)),
        Shape("SpecificLicenceIn", needs=("holder",), fixed=(("kind", "specific"),))))

    number: ShortName  # stored in 120 characters
    kind: Annotated[LicenceKind, Field(strict=False)]
    authority: Name | None = None
    holder: Name | None = None
    vendor_ids: list[RecordId] = Field(min_length=1, max_length=1000)
    lifts: list[Code] = Field(min_length=1)
    valid_from: Instant
    valid_until: Instant | None = None
    scope: ScopeIn
    conditions: Text | None = None
    document_url: Label | None = None

    @model_validator(mode="after")
    def consistent(self) -> Self:
        if self.kind is LicenceKind.SPECIFIC and not self.holder:
            raise FieldInvalid("holder", "a specific licence needs its holder")
        if self.kind is LicenceKind.GENERAL and self.holder:
            raise FieldInvalid("holder", "a general licence has no holder")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise FieldInvalid("valid_until", "valid_until must be after valid_from")
        return self


class AmendmentIn(Strict):
    effective_from: Instant
    valid_until: Instant | None = None
    scope: ScopeIn


class RevocationIn(Strict):
    effective_from: Instant
    reason: Text | None = None


class KeyIn(Strict):
    name: ShortName  # stored in 120 characters
    role: Annotated[str, Field(pattern=r"^(ota|viewer|editor|admin)$")]

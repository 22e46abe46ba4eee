"""Spec forms of customizable product types, kept as data (SpecTemplate.fields) and checked here.

A template is a list of fields, each {"key", "label", "kind": "number" | "integer" | "text" | "choice",
"required", "unit", "min", "max", "choices", "max_length", "help"}. The buyer's answers are validated
against it; every error names the field as `spec.<key>`.
"""

from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tradepost.core.exceptions import FieldError

MAX_TEXT = 500


class SpecField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1, max_length=80)
    kind: Literal["number", "integer", "text", "choice"]
    required: bool = True
    unit: str = Field("", max_length=16)
    min: Decimal | None = None
    max: Decimal | None = None
    choices: list[str] = Field(default_factory=list)
    max_length: int = Field(200, ge=1, le=MAX_TEXT)
    help: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"{self.key}: a choice field needs choices")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.key}: min is above max")
        return self


def template_fields(raw) -> list[SpecField]:
    """Parse a stored template; raises ValueError naming the problem (admin and demo use it)."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("A spec form is a non-empty list of fields.")
    try:
        fields = [SpecField.model_validate(item) for item in raw]
    except ValidationError as exc:
        raise ValueError(str(exc)) from None
    keys = [field.key for field in fields]
    if len(set(keys)) != len(keys):
        raise ValueError("Field keys must be unique.")
    return fields


def spec_clean(fields: list[SpecField], answers) -> tuple[dict, list[FieldError]]:
    """The answers cleaned to JSON-safe values (numbers as strings), and the errors of each field."""
    if not isinstance(answers, dict):
        return {}, [FieldError("spec", "Fill in the specification.", "invalid")]
    errors: list[FieldError] = []
    cleaned: dict[str, str] = {}
    known = {field.key for field in fields}
    for key in answers:
        if key not in known:
            errors.append(FieldError(f"spec.{str(key)[:40]}", "Not a field of this product type.", "unknown"))
    for field in fields:
        name = f"spec.{field.key}"
        value = answers.get(field.key)
        text = "" if value is None else str(value).strip()
        if not text:
            if field.required:
                errors.append(FieldError(name, f"{field.label} is required.", "required"))
            continue
        if "\x00" in text:
            errors.append(FieldError(name, "Null characters are not allowed.", "invalid"))
            continue
        if field.kind == "choice":
            if text not in field.choices:
                errors.append(
                    FieldError(name, f"Choose one of: {', '.join(field.choices)}.", "invalid_choice")
                )
                continue
        elif field.kind in ("number", "integer"):
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                errors.append(FieldError(name, f"{field.label} must be a number.", "invalid"))
                continue
            if field.kind == "integer" and number != number.to_integral_value():
                errors.append(FieldError(name, f"{field.label} must be a whole number.", "invalid"))
                continue
            unit = f" {field.unit}" if field.unit else ""
            if field.min is not None and number < field.min:
                errors.append(FieldError(name, f"At least {field.min}{unit}.", "too_small"))
                continue
            if field.max is not None and number > field.max:
                errors.append(FieldError(name, f"At most {field.max}{unit}.", "too_large"))
                continue
            text = format(number.normalize(), "f") if field.kind == "number" else str(int(number))
        elif len(text) > field.max_length:
            errors.append(FieldError(name, f"At most {field.max_length} characters.", "too_long"))
            continue
        cleaned[field.key] = text
    return cleaned, errors

"""Base classes for API input: unknown fields are errors, and text must be storable on every database."""

from ninja import Schema
from pydantic import ConfigDict, field_validator


def _check_text(value: str) -> str:
    # PostgreSQL cannot store NUL, and lone surrogates cannot be encoded; refuse them here, naming the field.
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Text is not valid Unicode.") from None
    return value


class In(Schema):
    """Request bodies: every field known, every text clean."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value):
        if isinstance(value, str):
            return _check_text(value)
        if isinstance(value, list):
            return [_check_text(item) if isinstance(item, str) else item for item in value]
        return value


def page_of(queryset, page: int, per_page: int) -> tuple[list, int]:
    """One page of a list endpoint's rows and the total count (page numbers start at 1)."""
    total = queryset.count()
    return list(queryset[(page - 1) * per_page : page * per_page]), total

"""Turns listing query parameters into filters; the storefront and the API read them the same way.

manufacturer=<slug> (repeatable)   in_stock=1   price_min=0.10   price_max=2
spec.<key>=<value> (repeatable)    spec.<key>.min=1k   spec.<key>.max=100k
"""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from tradepost.catalog.models import SpecAttribute
from tradepost.catalog.selectors import ProductFilters, SpecFilter
from tradepost.catalog.validation import parse_spec_number
from tradepost.core.exceptions import FieldError, ValidationFailed

TRUE = {"1", "true", "yes", "on"}


def _decimal(raw: str, name: str, errors: list) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(FieldError(name, f"'{raw}' is not a number.", "invalid"))
        return None
    if not value.is_finite() or value < 0:
        errors.append(FieldError(name, "Must be zero or more.", "invalid"))
        return None
    return value


def filters_from_params(
    params, attributes: dict[str, SpecAttribute] | Callable[[], dict[str, SpecAttribute]]
) -> ProductFilters:
    """`params` is a QueryDict (getlist); unknown spec keys and bad numbers are field errors.

    `attributes` may be a function that reads them: it is then called only when a spec filter is given.
    """
    errors: list[FieldError] = []
    specs: dict[str, dict] = {}
    spec_names = [name for name in params if name.startswith("spec.")]
    if spec_names and callable(attributes):
        attributes = attributes()
    for name in spec_names:
        parts = name.split(".")
        key = parts[1] if len(parts) > 1 else ""
        bound = parts[2] if len(parts) > 2 else None
        attribute = attributes.get(key)
        if attribute is None or len(parts) > 3 or bound not in (None, "min", "max"):
            errors.append(FieldError(name, f"Unknown specification filter '{name}'.", "unknown_spec"))
            continue
        entry = specs.setdefault(key, {"values": [], "min": None, "max": None})
        if bound is None:
            entry["values"].extend(v for v in params.getlist(name) if v != "")
            continue
        raw = params.get(name)
        if raw in (None, ""):
            continue
        if attribute.kind != SpecAttribute.Kind.NUMBER:
            errors.append(FieldError(name, f"'{attribute.name}' is text; it has no range.", "invalid"))
            continue
        try:
            entry[bound] = parse_spec_number(raw)
        except (ValueError, InvalidOperation) as exc:
            errors.append(FieldError(name, str(exc), "invalid_number"))
    price_min = _decimal(params.get("price_min"), "price_min", errors)
    price_max = _decimal(params.get("price_max"), "price_max", errors)
    if price_min is not None and price_max is not None and price_min > price_max:
        errors.append(FieldError("price_max", "Must not be below price_min.", "invalid"))
    if errors:
        raise ValidationFailed("Some filters are not valid.", errors=errors)
    return ProductFilters(
        manufacturers=tuple(v for v in params.getlist("manufacturer") if v),
        in_stock=(params.get("in_stock") or "").lower() in TRUE,
        price_min=price_min,
        price_max=price_max,
        specs=tuple(
            SpecFilter(key=key, values=tuple(e["values"]), minimum=e["min"], maximum=e["max"])
            for key, e in sorted(specs.items())
            if e["values"] or e["min"] is not None or e["max"] is not None
        ),
    )


def int_param(params, name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"'{raw}' is not a whole number.", field=name, code="invalid") from None
    if value < minimum or (maximum is not None and value > maximum):
        limit = f" and at most {maximum}" if maximum is not None else ""
        raise ValidationFailed(f"Must be at least {minimum}{limit}.", field=name, code="out_of_range")
    return value

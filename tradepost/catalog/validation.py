"""Validation of product data shared by the admin, the API and the CSV import: one set of rules."""

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MAX_URL_LENGTH, URLValidator
from django_countries import countries

from tradepost.catalog.models import Category, ProductStatus, SpecAttribute
from tradepost.catalog.normalize import normalize_part_number
from tradepost.core.exceptions import FieldError

SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
HS_RE = re.compile(r"^\d{6,10}$")
SI_PREFIX = {
    "p": Decimal("1e-12"),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "µ": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "K": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
}
NUMBER_RE = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([pnuµmkKMG]?)\s*([A-Za-zΩ%°]*)\s*$")
MAX_PRICE = Decimal("99999999.9999")
_url = URLValidator(schemes=["http", "https"])
# Plain http(s) addresses (ASCII host name, no port, user or IP address) that URLValidator accepts too; it
# is a strict subset of what _url accepts, checked in a fraction of the time. Anything else goes to _url.
_PLAIN_URL_RE = re.compile(
    r"https?://(?=[A-Za-z0-9.-]{1,253}(?:/|\Z))"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?:/[!-~]*)?\Z"
)


@dataclass
class CleanProduct:
    """Product data that passed every check, ready to write."""

    sku: str
    mpn: str
    mpn_normalized: str
    manufacturer: str
    category: Category
    title: str
    description: str = ""
    datasheet_url: str = ""
    weight_grams: int = 0
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    hs_code: str = ""
    country_of_origin: str = ""
    stock: int = 0
    moq: int = 1
    order_multiple: int = 1
    status: str = ProductStatus.ACTIVE
    price_breaks: list[tuple[int, Decimal]] = field(default_factory=list)
    specs: dict[str, tuple[str, Decimal | None]] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)


def parse_spec_number(raw: str) -> Decimal:
    """'10k' -> 10000, '4.7u' -> 0.0000047, '3.3 V' -> 3.3; raises ValueError when it is not a number."""
    match = NUMBER_RE.match(str(raw))
    if not match:
        raise ValueError(f"'{raw}' is not a number (SI prefixes such as 10k or 4.7u are fine)")
    number, prefix, _unit = match.groups()
    value = Decimal(number)
    return value * SI_PREFIX[prefix] if prefix else value


_STATUSES = frozenset(ProductStatus.values)


@functools.cache
def _country_codes() -> frozenset[str]:
    return frozenset(countries.countries)


def is_http_url(value: str) -> bool:
    """Whether `value` is an http(s) address, as Django's URLValidator decides."""
    if len(value) <= MAX_URL_LENGTH and _PLAIN_URL_RE.match(value):
        return True
    try:
        _url(value)
    except DjangoValidationError:
        return False
    return True


def _text(data: dict, name: str, errors: list, *, required: bool = False, max_length: int = 255) -> str:
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if "\x00" in value:
        errors.append(FieldError(name, "Null characters are not allowed.", "invalid"))
        return ""
    if required and not value:
        errors.append(FieldError(name, "This field is required.", "required"))
    if len(value) > max_length:
        errors.append(FieldError(name, f"At most {max_length} characters.", "too_long"))
    return value


def _int(data: dict, name: str, errors: list, *, default: int, minimum: int) -> int:
    value = data.get(name)
    if value is None or str(value).strip() == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.append(FieldError(name, f"'{value}' is not a whole number.", "invalid"))
        return default
    if number < minimum:
        errors.append(FieldError(name, f"Must be at least {minimum}.", "too_small"))
    if number > 2_000_000_000:
        errors.append(FieldError(name, "Too large.", "too_large"))
    return number


def validate_product(
    data: dict,
    *,
    categories: dict[str, Category],
    attributes: dict[str, SpecAttribute],
) -> tuple[CleanProduct | None, list[FieldError]]:
    """Check one product's data; lookups are passed in so a bulk import resolves them once."""
    errors: list[FieldError] = []
    sku = _text(data, "sku", errors, required=True, max_length=64)
    if sku and not SKU_RE.match(sku):
        errors.append(
            FieldError("sku", "Letters, digits and . _ - only, starting with a letter or digit.", "invalid")
        )
    mpn = _text(data, "mpn", errors, required=True, max_length=80)
    mpn_normalized = normalize_part_number(mpn)
    if mpn and not mpn_normalized:
        errors.append(FieldError("mpn", "A part number needs at least one letter or digit.", "invalid"))
    manufacturer = _text(data, "manufacturer", errors, required=True, max_length=120)
    category_slug = _text(data, "category", errors, required=True, max_length=140)
    category = categories.get(category_slug)
    if category_slug and category is None:
        errors.append(
            FieldError("category", f"No category with the slug '{category_slug}'.", "unknown_category")
        )
    title = _text(data, "title", errors, required=True, max_length=255)
    description = _text(data, "description", errors, max_length=20_000)
    datasheet_url = _text(data, "datasheet_url", errors, max_length=500)
    if datasheet_url and not is_http_url(datasheet_url):
        errors.append(FieldError("datasheet_url", "Enter an http(s) address.", "invalid_url"))
    hs_code = _text(data, "hs_code", errors, max_length=14).replace(".", "").replace(" ", "")
    if hs_code and not HS_RE.match(hs_code):
        errors.append(FieldError("hs_code", "An HS code has 6 to 10 digits.", "invalid"))
    country = _text(data, "country_of_origin", errors, max_length=2).upper()
    if country and country not in _country_codes():
        errors.append(FieldError("country_of_origin", f"'{country}' is not an ISO country code.", "invalid"))
    status = _text(data, "status", errors, max_length=16) or ProductStatus.ACTIVE
    if status not in _STATUSES:
        errors.append(
            FieldError("status", f"Choose one of {', '.join(ProductStatus.values)}.", "invalid_choice")
        )
    weight = _int(data, "weight_grams", errors, default=0, minimum=0)
    size = {
        name: _int(data, name, errors, default=0, minimum=0)
        for name in ("length_mm", "width_mm", "height_mm")
    }
    if any(size.values()) and not all(size.values()):
        errors.append(
            FieldError("length_mm", "Give all three packed dimensions, or none of them.", "incomplete_size")
        )
    stock = _int(data, "stock", errors, default=0, minimum=0)
    moq = _int(data, "moq", errors, default=1, minimum=1)
    multiple = _int(data, "order_multiple", errors, default=1, minimum=1)
    breaks = _price_breaks(data.get("price_breaks") or [], errors)
    if status == ProductStatus.ACTIVE and not breaks and not any(e.field == "price_breaks" for e in errors):
        errors.append(FieldError("price_breaks", "An active product needs at least one price.", "required"))
    specs = _specs(data.get("specs") or {}, attributes, errors)
    images = [str(url).strip() for url in (data.get("images") or []) if str(url).strip()]
    for url in images:
        if not is_http_url(url):
            errors.append(FieldError("images", f"'{url}' is not an http(s) address.", "invalid_url"))
    if errors:
        return None, errors
    return CleanProduct(
        sku=sku,
        mpn=mpn,
        mpn_normalized=mpn_normalized,
        manufacturer=manufacturer,
        category=category,
        title=title,
        description=description,
        datasheet_url=datasheet_url,
        weight_grams=weight,
        **size,
        hs_code=hs_code,
        country_of_origin=country,
        stock=stock,
        moq=moq,
        order_multiple=multiple,
        status=status,
        price_breaks=breaks,
        specs=specs,
        images=images,
    ), []


def _price_breaks(raw, errors: list) -> list[tuple[int, Decimal]]:
    breaks: list[tuple[int, Decimal]] = []
    for entry in raw:
        try:
            quantity, price = entry
            quantity = int(quantity)
            price = Decimal(str(price).strip())
        except (TypeError, ValueError, InvalidOperation):
            errors.append(FieldError("price_breaks", f"'{entry}' is not a quantity and a price.", "invalid"))
            return []
        if quantity < 1:
            errors.append(FieldError("price_breaks", "Quantities start at 1.", "invalid"))
            return []
        if not price.is_finite() or price <= 0 or price > MAX_PRICE:
            errors.append(
                FieldError("price_breaks", f"Price {price} for {quantity}+ must be above 0.", "invalid")
            )
            return []
        if price != price.quantize(Decimal("0.0001")):
            errors.append(
                FieldError("price_breaks", f"Price {price} has more than 4 decimal places.", "invalid")
            )
            return []
        breaks.append((quantity, price))
    breaks.sort()
    for (q1, p1), (q2, p2) in pairwise(breaks):
        if q1 == q2:
            errors.append(FieldError("price_breaks", f"Quantity {q1} has two prices.", "duplicate"))
            return []
        if p2 > p1:
            errors.append(
                FieldError(
                    "price_breaks", f"The unit price rises from {p1} ({q1}+) to {p2} ({q2}+).", "invalid"
                )
            )
            return []
    return breaks


def _specs(
    raw: dict, attributes: dict[str, SpecAttribute], errors: list
) -> dict[str, tuple[str, Decimal | None]]:
    specs: dict[str, tuple[str, Decimal | None]] = {}
    for key, value in raw.items():
        attribute = attributes.get(key)
        text = str(value).strip()
        if attribute is None:
            errors.append(FieldError(f"specs.{key}", f"Unknown specification '{key}'.", "unknown_spec"))
            continue
        if not text:
            continue
        if len(text) > 120:
            errors.append(FieldError(f"specs.{key}", "At most 120 characters.", "too_long"))
            continue
        if attribute.kind == SpecAttribute.Kind.NUMBER:
            try:
                number = parse_spec_number(text)
            except (ValueError, InvalidOperation) as exc:
                errors.append(FieldError(f"specs.{key}", str(exc), "invalid_number"))
                continue
            specs[key] = (text, number)
        else:
            specs[key] = (text, None)
    return specs

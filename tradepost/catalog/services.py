"""Catalog writes: categories, manufacturers and products (validated upsert by SKU)."""

from django.db import transaction
from django.utils.text import slugify

from tradepost.catalog.models import (
    Category,
    Manufacturer,
    PriceBreak,
    Product,
    ProductImage,
    ProductSpec,
    SpecAttribute,
)
from tradepost.catalog.validation import CleanProduct, validate_product
from tradepost.core.exceptions import FieldError, NotFound, ValidationFailed


def category_create(
    *,
    name: str,
    slug: str = "",
    parent: Category | None = None,
    warranty_class: str = "",
    customizable: bool = False,
    position: int = 0,
    description: str = "",
) -> Category:
    """Add a node to the category tree; its path is the parent's path plus its own id."""
    name = (name or "").strip()
    slug = (slug or slugify(name))[:140]
    errors = []
    if not name:
        errors.append(FieldError("name", "Name the category.", "required"))
    if not slug:
        errors.append(FieldError("slug", "Give the category a slug (letters, digits, dashes).", "required"))
    elif Category.objects.filter(slug=slug).exists():
        errors.append(FieldError("slug", f"The slug '{slug}' is taken.", "duplicate"))
    if parent is not None and parent.depth >= 8:
        errors.append(FieldError("parent", "Categories nest at most 8 levels deep.", "too_deep"))
    if errors:
        raise ValidationFailed("The category could not be created.", errors=errors)
    with transaction.atomic():
        category = Category.objects.create(
            name=name,
            slug=slug,
            parent=parent,
            warranty_class=warranty_class,
            customizable=customizable,
            position=position,
            description=description,
            depth=(parent.depth + 1) if parent else 0,
        )
        category.path = f"{parent.path if parent else '/'}{category.pk}/"
        category.save(update_fields=["path"])
    return category


def spec_attribute_create(
    *, key: str, name: str, kind: str, unit: str = "", position: int = 0
) -> SpecAttribute:
    if kind not in SpecAttribute.Kind.values:
        raise ValidationFailed("Choose number or text.", field="kind", code="invalid_choice")
    attribute, _ = SpecAttribute.objects.get_or_create(
        key=key, defaults={"name": name, "kind": kind, "unit": unit, "position": position}
    )
    return attribute


def manufacturer_for(name: str) -> Manufacturer:
    """The manufacturer with this name, created on first use."""
    existing = Manufacturer.objects.filter(name__iexact=name).first()
    if existing:
        return existing
    base = slugify(name)[:130] or "manufacturer"
    slug, n = base, 1
    while Manufacturer.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Manufacturer.objects.create(name=name, slug=slug)


def catalog_lookups() -> tuple[dict[str, Category], dict[str, SpecAttribute]]:
    """Categories by slug and spec attributes by key, for validating many products at once."""
    return ({c.slug: c for c in Category.objects.all()}, {a.key: a for a in SpecAttribute.objects.all()})


def product_save(*, data: dict) -> tuple[Product, bool]:
    """Validate and upsert one product by SKU, replacing its breaks, specs and images; one transaction."""
    categories, attributes = catalog_lookups()
    clean, errors = validate_product(data, categories=categories, attributes=attributes)
    if errors:
        raise ValidationFailed("The product has problems.", errors=errors)
    return product_write(clean=clean, attributes=attributes)


@transaction.atomic
def product_write(*, clean: CleanProduct, attributes: dict[str, SpecAttribute]) -> tuple[Product, bool]:
    """Write already validated product data; returns the product and whether it was created."""
    manufacturer = manufacturer_for(clean.manufacturer)
    values = {
        "mpn": clean.mpn,
        "mpn_normalized": clean.mpn_normalized,
        "manufacturer": manufacturer,
        "category": clean.category,
        "title": clean.title,
        "description": clean.description,
        "datasheet_url": clean.datasheet_url,
        "weight_grams": clean.weight_grams,
        "length_mm": clean.length_mm,
        "width_mm": clean.width_mm,
        "height_mm": clean.height_mm,
        "hs_code": clean.hs_code,
        "country_of_origin": clean.country_of_origin,
        "stock": clean.stock,
        "moq": clean.moq,
        "order_multiple": clean.order_multiple,
        "status": clean.status,
        "price_from": clean.price_breaks[0][1] if clean.price_breaks else None,
    }
    product, created = Product.objects.update_or_create(sku=clean.sku, defaults=values)
    if not created:
        product.price_breaks.all().delete()
        product.specs.all().delete()
        product.images.all().delete()
    PriceBreak.objects.bulk_create(
        PriceBreak(product=product, min_quantity=quantity, unit_price=price)
        for quantity, price in clean.price_breaks
    )
    ProductSpec.objects.bulk_create(
        ProductSpec(product=product, attribute=attributes[key], value_text=text, value_number=number)
        for key, (text, number) in clean.specs.items()
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=product, url=url, position=n) for n, url in enumerate(clean.images)
    )
    return product, created


@transaction.atomic
def product_delete(*, sku: str) -> None:
    deleted, _ = Product.objects.filter(sku=sku).delete()
    if not deleted:
        raise NotFound(f"No product with SKU {sku}.", code="product_not_found")

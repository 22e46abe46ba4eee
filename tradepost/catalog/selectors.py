"""Catalog reads for the storefront, the API and the back office, each in a fixed number of queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet

from tradepost.catalog.models import (
    Category,
    Manufacturer,
    PriceBreak,
    Product,
    ProductSpec,
    ProductStatus,
    SpecAttribute,
)
from tradepost.core.exceptions import NotFound, ValidationFailed

SORTS = {
    "part": ("mpn_normalized", "id"),
    "price": ("price_from", "id"),
    "-price": ("-price_from", "id"),
    "stock": ("-stock", "id"),
    "newest": ("-created_at", "-id"),
}
MAX_PER_PAGE = 100
FACET_LIMIT = 30


@dataclass(frozen=True)
class SpecFilter:
    key: str
    values: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True)
class ProductFilters:
    manufacturers: tuple[str, ...] = ()
    in_stock: bool = False
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    specs: tuple[SpecFilter, ...] = ()


@dataclass
class ProductPage:
    products: list[Product]
    total: int
    page: int
    per_page: int
    sort: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass
class Facets:
    manufacturers: list[dict] = field(default_factory=list)  # {slug, name, count}
    specs: list[dict] = field(
        default_factory=list
    )  # {key, name, unit, kind, values:[{value, count}] | min/max}


def category_get(*, slug: str) -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise NotFound(f"No category '{slug}'.", code="category_not_found")
    return category


def category_ancestors(category: Category) -> list[Category]:
    """The category's ancestors from the root down, in one query."""
    ids = [int(part) for part in category.path.strip("/").split("/")[:-1] if part]
    if not ids:
        return []
    by_id = {c.pk: c for c in Category.objects.filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def category_children(category: Category | None) -> list[Category]:
    return list(Category.objects.filter(parent=category).order_by("position", "name"))


def category_tree() -> list[Category]:
    return list(Category.objects.order_by("path"))


def effective_warranty_class(category: Category, ancestors: list[Category]) -> str | None:
    """The nearest warranty class up the tree, or None to use the policy's default class."""
    for node in [category, *reversed(ancestors)]:
        if node.warranty_class:
            return node.warranty_class
    return None


def _listing_queryset(*, category: Category | None, filters: ProductFilters) -> QuerySet[Product]:
    products = Product.objects.filter(status=ProductStatus.ACTIVE)
    if category is not None:
        products = products.filter(category__path__startswith=category.path)
    if filters.manufacturers:
        products = products.filter(manufacturer__slug__in=filters.manufacturers)
    if filters.in_stock:
        products = products.filter(stock__gt=0)
    if filters.price_min is not None:
        products = products.filter(price_from__gte=filters.price_min)
    if filters.price_max is not None:
        products = products.filter(price_from__lte=filters.price_max)
    for spec in filters.specs:
        condition = Q(product=OuterRef("pk"), attribute__key=spec.key)
        if spec.values:
            condition &= Q(value_text__in=spec.values)
        if spec.minimum is not None:
            condition &= Q(value_number__gte=spec.minimum)
        if spec.maximum is not None:
            condition &= Q(value_number__lte=spec.maximum)
        products = products.filter(Exists(ProductSpec.objects.filter(condition)))
    return products


def with_listing_data(products: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card shows: manufacturer, category, price breaks and specs — three queries in all."""
    return products.select_related("manufacturer", "category").prefetch_related(
        Prefetch("price_breaks", queryset=PriceBreak.objects.order_by("min_quantity")),
        Prefetch(
            "specs", queryset=ProductSpec.objects.select_related("attribute").order_by("attribute__position")
        ),
    )


def product_list(
    *,
    category: Category | None = None,
    filters: ProductFilters | None = None,
    sort: str = "part",
    page: int = 1,
    per_page: int = 24,
) -> ProductPage:
    """One page of buyable products: a count and three queries for the rows, whatever the page size."""
    filters = filters or ProductFilters()
    if sort not in SORTS:
        raise ValidationFailed(f"Sort by one of: {', '.join(SORTS)}.", field="sort", code="invalid_choice")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(
            f"per_page must be 1 to {MAX_PER_PAGE}.", field="per_page", code="out_of_range"
        )
    if page < 1:
        raise ValidationFailed("Pages start at 1.", field="page", code="out_of_range")
    base = _listing_queryset(category=category, filters=filters)
    total = base.count()
    start = (page - 1) * per_page
    rows = (
        list(with_listing_data(base.order_by(*SORTS[sort]))[start : start + per_page])
        if start < total
        else []
    )
    return ProductPage(products=rows, total=total, page=page, per_page=per_page, sort=sort)


def listing_facets(*, category: Category | None, filters: ProductFilters) -> Facets:
    """Manufacturer counts and spec values among the listed products: two queries."""
    base = _listing_queryset(category=category, filters=ProductFilters(in_stock=filters.in_stock))
    manufacturers = (
        Manufacturer.objects.filter(products__in=base)
        .annotate(count=Count("products"))
        .order_by("-count", "name")
        .values("slug", "name", "count")[:FACET_LIMIT]
    )
    spec_rows = (
        ProductSpec.objects.filter(product__in=base)
        .values(
            "attribute__key",
            "attribute__name",
            "attribute__unit",
            "attribute__kind",
            "attribute__position",
            "value_text",
        )
        .annotate(count=Count("id"), low=Min("value_number"), high=Max("value_number"))
        .order_by("attribute__position", "attribute__key", "-count", "value_text")
    )
    specs: dict[str, dict] = {}
    for row in spec_rows[:2000]:
        entry = specs.setdefault(
            row["attribute__key"],
            {
                "key": row["attribute__key"],
                "name": row["attribute__name"],
                "unit": row["attribute__unit"],
                "kind": row["attribute__kind"],
                "values": [],
                "min": None,
                "max": None,
            },
        )
        if row["attribute__kind"] == SpecAttribute.Kind.NUMBER and row["low"] is not None:
            entry["min"] = row["low"] if entry["min"] is None else min(entry["min"], row["low"])
            entry["max"] = row["high"] if entry["max"] is None else max(entry["max"], row["high"])
        if len(entry["values"]) < FACET_LIMIT:
            entry["values"].append({"value": row["value_text"], "count": row["count"]})
    return Facets(manufacturers=list(manufacturers), specs=list(specs.values()))


def product_get(*, sku: str, staff: bool = False) -> Product:
    """A product with everything its page shows, in four queries; not-for-sale ones only for staff."""
    products = Product.objects.select_related("manufacturer", "category").prefetch_related(
        Prefetch("price_breaks", queryset=PriceBreak.objects.order_by("min_quantity")),
        Prefetch(
            "specs", queryset=ProductSpec.objects.select_related("attribute").order_by("attribute__position")
        ),
        "images",
    )
    if not staff:
        products = products.exclude(status=ProductStatus.NOT_FOR_SALE)
    # A NUL byte can't be in a SKU, and PostgreSQL refuses it in a query parameter.
    product = products.filter(sku=sku).first() if isinstance(sku, str) and "\x00" not in sku else None
    if product is None:
        raise NotFound(f"No product with SKU {sku}.", code="product_not_found")
    return product


def spec_attributes() -> dict[str, SpecAttribute]:
    return {a.key: a for a in SpecAttribute.objects.all()}


def products_in_order(ids: list[int]) -> list[Product]:
    """Products with their card data, in the order of `ids` (e.g. search ranking): three queries."""
    if not ids:
        return []
    by_id = {p.pk: p for p in with_listing_data(Product.objects.filter(pk__in=ids))}
    return [by_id[i] for i in ids if i in by_id]

"""Catalog reads for the storefront, the API and the back office, each in a fixed number of queries."""

import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet

from tradepost.catalog.cards import (
    CARD_FIELDS,
    CardSpec,
    ProductCard,
    breaks_and_specs,
    card_json_by_id,
    cards_by_id,
    images,
    product_by_sku,
    product_row_unconverted,
    with_breaks_and_specs,
)
from tradepost.catalog.models import (
    Category,
    PriceBreak,
    Product,
    ProductSpec,
    ProductStatus,
    SpecAttribute,
)
from tradepost.core.exceptions import NotFound, ValidationFailed
from tradepost.core.prepared import Prepared

SORTS = {
    "part": ("mpn_normalized", "id"),
    "price": ("price_from", "id"),
    "-price": ("-price_from", "id"),
    "stock": ("-stock", "id"),
    "newest": ("-created_at", "-id"),
}
MAX_PER_PAGE = 100
FACET_LIMIT = 30
# Facet counts (and the unfiltered product count they come with) of a category are computed at most once
# per this many seconds and shared by all workers through Django's cache: at a million products they take
# seconds to count. Rows, prices and stock on a page are always read fresh.
FACETS_TTL = 300
FACETS_STALE_FOR = 3600  # how long past FACETS_TTL stale counts may still be shown while one request recounts


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

    @property
    def narrowed(self) -> bool:
        """Whether anything but in_stock is set: the listing is then not the one listing_facets() counts."""
        return self != ProductFilters(in_stock=self.in_stock)


@dataclass
class ProductPage:
    products: list[ProductCard]
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
    total: int = 0  # products listed before any filter but in_stock


@dataclass(frozen=True)
class CategoryPlace:
    """A category with what its page shows around it."""

    category: Category
    ancestors: list[Category]  # root first
    children: list[Category]  # by position, name
    subtree: list[int]  # ids of the category and every category below it


def category_get(*, slug: str) -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise NotFound(f"No category '{slug}'.", code="category_not_found")
    return category


def category_place(*, slug: str) -> CategoryPlace:
    """A category, its ancestors, children and subtree, in one query (the tree is small)."""
    table = Category._meta.db_table
    related = list(
        Category.objects.raw(
            f"SELECT c.* FROM {table} c, (SELECT path FROM {table} WHERE slug = %s) n"  # noqa: S608
            " WHERE c.path LIKE n.path || '%%' OR n.path LIKE c.path || '%%'",
            [slug],
        )
    )
    category = next((c for c in related if c.slug == slug), None)
    if category is None:
        raise NotFound(f"No category '{slug}'.", code="category_not_found")
    ancestor_ids = _ancestor_ids(category)
    by_id = {c.pk: c for c in related}
    below = [c for c in related if c.path.startswith(category.path)]
    return CategoryPlace(
        category=category,
        ancestors=[by_id[i] for i in ancestor_ids if i in by_id],
        children=sorted(
            (c for c in below if c.parent_id == category.pk), key=lambda c: (c.position, c.name, c.pk)
        ),
        subtree=sorted(c.pk for c in below),
    )


def _ancestor_ids(category: Category) -> list[int]:
    return [int(part) for part in category.path.strip("/").split("/")[:-1] if part]


# Every placed order reads its lines' categories (warranty classes): prepared (core/prepared.py).
_categories = Prepared(lambda ids: Category.objects.filter(pk__in=ids), ids=[])


def category_ancestors(category: Category) -> list[Category]:
    """The category's ancestors from the root down, in one query."""
    ids = _ancestor_ids(category)
    if not ids:
        return []
    by_id = {c.pk: c for c in _categories.all(ids=sorted(set(ids)))}
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


def category_subtree(category: Category) -> list[int]:
    """Ids of the category and every category below it."""
    return list(Category.objects.filter(path__startswith=category.path).values_list("id", flat=True))


def _listing_queryset(
    *, category: Category | None, filters: ProductFilters, subtree: list[int] | None = None
) -> QuerySet[Product]:
    products = Product.objects.filter(status=ProductStatus.ACTIVE)
    if category is not None:
        # Category ids rather than a join on the path, so a leaf's page is one range of the
        # (category, status, ...) indexes, already in order.
        ids = subtree if subtree is not None else category_subtree(category)
        products = (
            products.filter(category_id=ids[0]) if len(ids) == 1 else products.filter(category_id__in=ids)
        )
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


def product_list(
    *,
    category: Category | None = None,
    filters: ProductFilters | None = None,
    sort: str = "part",
    page: int = 1,
    per_page: int = 24,
    subtree: list[int] | None = None,
    total: int | None = None,
) -> ProductPage:
    """One page of buyable products as cards: a count and three queries for the rows, whatever the page size.

    `subtree` (the category's, from category_place()) saves looking it up. A `total` given (the cached one
    of listing_facets()) saves the count; the page's own rows correct it where they prove it stale.
    """
    filters = filters or ProductFilters()
    if sort not in SORTS:
        raise ValidationFailed(f"Sort by one of: {', '.join(SORTS)}.", field="sort", code="invalid_choice")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(
            f"per_page must be 1 to {MAX_PER_PAGE}.", field="per_page", code="out_of_range"
        )
    if page < 1:
        raise ValidationFailed("Pages start at 1.", field="page", code="out_of_range")
    base = _listing_queryset(category=category, filters=filters, subtree=subtree)
    start = (page - 1) * per_page
    if total is None:
        total = base.count()
        if start >= total:
            return ProductPage(products=[], total=total, page=page, per_page=per_page, sort=sort)
    # One row past the page: whether there is a next page, whatever a cached total says.
    rows = list(base.order_by(*SORTS[sort]).values_list(*CARD_FIELDS)[start : start + per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if more:
        total = max(total, start + per_page + 1)
    elif rows or page == 1:
        total = start + len(rows)  # this is the last page
    return ProductPage(
        products=with_breaks_and_specs(rows), total=total, page=page, per_page=per_page, sort=sort
    )


def listing_facets(
    *, category: Category | None, filters: ProductFilters, subtree: list[int] | None = None
) -> Facets:
    """Manufacturer counts, spec values and the product count of a category's listing before any filter but
    in_stock: two queries, run at most once per FACETS_TTL seconds per category and in_stock choice.

    Past FACETS_TTL, the request that takes the refresh lock recounts while the others keep showing the
    previous counts, so a recount at a million products (seconds) never runs in every worker at once.
    """
    where = f"{category.pk}:{category.path}" if category else "all"
    key = f"catalog:facets:2:{where}:{filters.in_stock:d}"
    cached = cache.get(key)
    now = _clock()
    if cached is not None and (cached[0] > now or not cache.add(f"{key}:refresh", 1, FACETS_TTL)):
        return cached[1]
    base = _listing_queryset(
        category=category, filters=ProductFilters(in_stock=filters.in_stock), subtree=subtree
    )
    facets = _facets(base)
    cache.set(key, (now + FACETS_TTL, facets), FACETS_TTL + FACETS_STALE_FOR)
    cache.delete(f"{key}:refresh")
    return facets


def _clock() -> float:
    return time.time()


def _facets(base: QuerySet[Product]) -> Facets:
    makers = list(
        base.values("manufacturer__slug", "manufacturer__name")
        .annotate(count=Count("id"))
        .order_by("-count", "manufacturer__name")
    )
    manufacturers = [
        {"slug": row["manufacturer__slug"], "name": row["manufacturer__name"], "count": row["count"]}
        for row in makers[:FACET_LIMIT]
    ]
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
    return Facets(
        manufacturers=manufacturers, specs=list(specs.values()), total=sum(row["count"] for row in makers)
    )


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


@dataclass
class ProductDetail:
    """A product with what its page shows around it."""

    product: Product  # with manufacturer and category
    ancestors: list[Category]  # of its category, root first
    breaks: list[dict]  # {min_quantity, unit_price}, ascending
    specs: list[CardSpec]  # in attribute order
    images: list[dict]  # {url, alt}, in order


def product_detail(*, sku: str, staff: bool = False) -> ProductDetail:
    """product_get() with its category's ancestors, breaks, specs and images: five queries at most, the last
    three as plain rows (see cards.py)."""
    product = _product_row(sku=sku, staff=staff)
    breaks, specs = breaks_and_specs([product.pk])
    return ProductDetail(
        product=product,
        ancestors=category_ancestors(product.category),
        breaks=[{"min_quantity": quantity, "unit_price": price} for _, quantity, price in breaks],
        specs=[spec for _, spec in specs],
        images=[{"url": url, "alt": alt} for url, alt in images(product.pk)],
    )


def _product_row(*, sku: str, staff: bool) -> Product:
    hidden = None if staff else ProductStatus.NOT_FOR_SALE.value
    # A NUL byte can't be in a SKU, and PostgreSQL refuses it in a query parameter.
    product = (
        product_by_sku(sku, hidden_status=hidden) if isinstance(sku, str) and "\x00" not in sku else None
    )
    if product is None:
        raise NotFound(f"No product with SKU {sku}.", code="product_not_found")
    return product


def spec_attributes() -> dict[str, SpecAttribute]:
    return {a.key: a for a in SpecAttribute.objects.all()}


def products_in_order(ids: list[int]) -> list[ProductCard]:
    """Product cards in the order of `ids` (e.g. search ranking): three queries."""
    return cards_by_id(ids)


def products_json_in_order(ids: list[int]) -> list[str]:
    """The cards of products_in_order() as JSON objects (the API's ProductOut), written by the database:
    one query."""
    return card_json_by_id(ids)


def product_version(*, sku: str) -> tuple:
    """Every column of a product's row (and of its manufacturer's and category's), in one indexed read:
    what a cache of its page keys on, so a change to the product itself (stock taken by an order, a field
    updated in bulk) shows whether or not anyone announced it. Not-for-sale products are NotFound, as
    product_detail() makes them for all but staff."""
    row = (
        product_row_unconverted(sku, hidden_status=ProductStatus.NOT_FOR_SALE.value)
        if isinstance(sku, str) and "\x00" not in sku
        else None
    )
    if row is None:
        raise NotFound(f"No product with SKU {sku}.", code="product_not_found")
    return tuple(row)

"""Catalog API: categories, product browse and search, product detail; staff upsert."""

import json
from decimal import Decimal

from django.http import HttpResponse
from ninja import Router, Schema
from pydantic import BaseModel, Field

from tradepost.accounts.roles import Desk
from tradepost.api.auth import member, require_desk
from tradepost.api.renderers import plain_decimal
from tradepost.api.schemas import In
from tradepost.catalog import search, selectors, services
from tradepost.catalog.cards import ProductCard
from tradepost.catalog.params import filters_from_params, int_param
from tradepost.catalog.selectors import MAX_PER_PAGE
from tradepost.core.exceptions import NotFound
from tradepost.policies.selectors import policy_active
from tradepost.reviews.selectors import rating_summary

router = Router(tags=["catalog"])

# Output built from dicts is described with pydantic's BaseModel: ninja's Schema reads every object it
# validates through a wrapper (to accept model instances), a good share of a search request's time.


class CategoryOut(Schema):
    id: int
    slug: str
    name: str
    parent_id: int | None
    depth: int
    path: str
    customizable: bool
    warranty_class: str


class PriceBreakOut(BaseModel):
    min_quantity: int
    unit_price: Decimal


class SpecOut(BaseModel):
    key: str
    name: str
    value: str
    unit: str
    number: Decimal | None


class ProductOut(BaseModel):
    sku: str
    mpn: str
    manufacturer: str
    category: str = Field(description="Category slug")
    title: str
    stock: int
    moq: int
    order_multiple: int
    status: str
    price_from: Decimal | None
    price_breaks: list[PriceBreakOut]
    specs: list[SpecOut]


class WarrantyOut(BaseModel):
    class_key: str
    label: str
    months: int | None
    lifetime: bool


class RatingOut(Schema):
    average: Decimal | None = Field(description="Average stars (1-5), one decimal; null without reviews.")
    count: int


class ProductDetailOut(ProductOut):
    description: str
    datasheet_url: str
    weight_grams: int
    length_mm: int = Field(description="Packed size of one unit, for volumetric weight; 0 when unknown.")
    width_mm: int
    height_mm: int
    hs_code: str
    country_of_origin: str
    customizable: bool
    images: list[str]
    breadcrumb: list[CategoryOut]
    warranty: WarrantyOut | None
    rating: RatingOut = Field(description="Published reviews: GET /products/{sku}/reviews lists them.")


class ProductPageOut(BaseModel):
    items: list[ProductOut]
    page: int
    per_page: int
    total: int | None = Field(
        description="Matching products; null for text searches, which are ranked, not counted."
    )
    sort: str | None


class ProductIn(In):
    mpn: str = Field(max_length=80)
    manufacturer: str = Field(max_length=120)
    category: str = Field(max_length=140, description="Category slug")
    title: str = Field(max_length=255)
    description: str = Field("", max_length=20000)
    datasheet_url: str = Field("", max_length=500)
    weight_grams: int = 0
    length_mm: int = Field(0, description="Packed length of one unit in mm; give all three sizes or none.")
    width_mm: int = 0
    height_mm: int = 0
    hs_code: str = Field("", max_length=14)
    country_of_origin: str = Field("", max_length=2)
    stock: int = 0
    moq: int = 1
    order_multiple: int = 1
    status: str = "active"
    price_breaks: list[tuple[int, Decimal]] = Field(
        default_factory=list, description="[[min_quantity, unit_price]]"
    )
    specs: dict[str, str] = Field(default_factory=dict)
    images: list[str] = Field(default_factory=list)


# The product list answers the busiest API request, and validating and encoding it through the schema took
# longer than the database took to find the products. So it is written here as text, with the bytes
# json.dumps() would write for the dict ProductPageOut serializes to (ProductPageOut still documents it,
# and tests hold the text to json.dumps() and to the schema). Strings go through json's own escaping;
# numbers and decimals need none. A search's cards come already written by the database
# (catalog.cards.card_json_by_id), the same values with the database's spacing and quoting.
_string = json.encoder.encode_basestring_ascii


def _decimal(value: Decimal | None) -> str:
    return "null" if value is None else f'"{plain_decimal(value)}"'


def card_json(card: ProductCard) -> str:
    """A card as a JSON object (ProductOut)."""
    breaks = ", ".join(
        [
            f'{{"min_quantity": {int(quantity)}, "unit_price": {_decimal(price)}}}'
            for quantity, price in card.breaks
        ]
    )
    specs = ", ".join(
        [
            f'{{"key": {_string(s.key)}, "name": {_string(s.name)}, "value": {_string(s.text)}, '
            f'"unit": {_string(s.unit)}, "number": {_decimal(s.number)}}}'
            for s in card.specs
        ]
    )
    return (
        f'{{"sku": {_string(card.sku)}, "mpn": {_string(card.mpn)}, '
        f'"manufacturer": {_string(card.manufacturer)}, "category": {_string(card.category)}, '
        f'"title": {_string(card.title)}, "stock": {int(card.stock)}, "moq": {int(card.moq)}, '
        f'"order_multiple": {int(card.order_multiple)}, "status": {_string(card.status)}, '
        f'"price_from": {_decimal(card.price_from)}, "price_breaks": [{breaks}], "specs": [{specs}]}}'
    )


def page_json(items: list[str], *, page: int, per_page: int, total: int | None, sort: str | None) -> str:
    """ProductPageOut as JSON text around its items, each already a JSON object."""
    return (
        f'{{"items": [{", ".join(items)}], "page": {int(page)}, '
        f'"per_page": {int(per_page)}, "total": {"null" if total is None else int(total)}, '
        f'"sort": {"null" if sort is None else _string(sort)}}}'
    )


def _page(items: list[str], *, page: int, per_page: int, total: int | None, sort: str | None):
    return HttpResponse(
        page_json(items, page=page, per_page=per_page, total=total, sort=sort),
        content_type="application/json",
    )


@router.get("/categories", response=list[CategoryOut], auth=None, summary="The category tree, root first")
def categories(request):
    return selectors.category_tree()


@router.get("/products", response=ProductPageOut, auth=None, summary="Browse or search products")
def products(request):
    """Without `q`: browse with filters (category, manufacturer, in_stock, price_min/max,
    spec.<key>[.min|.max]), `sort` (part, price, -price, stock, newest) and pagination.
    With `q`: part-number-aware ranked search."""
    params = request.GET
    page = int_param(params, "page", 1, maximum=10_000)
    per_page = int_param(params, "per_page", 24, maximum=MAX_PER_PAGE)
    category = selectors.category_get(slug=params["category"]) if params.get("category") else None
    query = (params.get("q") or "").strip()
    if query:
        ids = search.search_product_ids(
            query,
            limit=per_page,
            offset=(page - 1) * per_page,
            category_path=category.path if category else None,
            in_stock=True if (params.get("in_stock") or "").lower() in {"1", "true", "yes", "on"} else None,
        )
        return _page(
            selectors.products_json_in_order(ids), page=page, per_page=per_page, total=None, sort=None
        )
    filters = filters_from_params(params, selectors.spec_attributes)
    result = selectors.product_list(
        category=category, filters=filters, sort=params.get("sort") or "part", page=page, per_page=per_page
    )
    return _page(
        [card_json(card) for card in result.products],
        page=result.page,
        per_page=result.per_page,
        total=result.total,
        sort=result.sort,
    )


def _detail(detail: selectors.ProductDetail) -> dict:
    product, ancestors = detail.product, detail.ancestors
    warranty = None
    try:
        policy = policy_active().policy
    except NotFound:  # a store without a policy still shows its products
        policy = None
    if policy is not None and policy.warranty.enabled:
        chosen = policy.warranty_class(selectors.effective_warranty_class(product.category, ancestors))
        if chosen is not None:
            warranty = {
                "class_key": chosen.key,
                "label": chosen.label,
                "months": chosen.months,
                "lifetime": chosen.lifetime,
            }
    return {
        "sku": product.sku,
        "mpn": product.mpn,
        "manufacturer": product.manufacturer.name,
        "category": product.category.slug,
        "title": product.title,
        "stock": product.stock,
        "moq": product.moq,
        "order_multiple": product.order_multiple,
        "status": product.status,
        "price_from": product.price_from,
        "price_breaks": detail.breaks,
        "specs": [
            {"key": s.key, "name": s.name, "value": s.text, "unit": s.unit, "number": s.number}
            for s in detail.specs
        ],
        "description": product.description,
        "datasheet_url": product.datasheet_url,
        "weight_grams": product.weight_grams,
        "length_mm": product.length_mm,
        "width_mm": product.width_mm,
        "height_mm": product.height_mm,
        "hs_code": product.hs_code,
        "country_of_origin": product.country_of_origin.code or "",
        "customizable": product.category.customizable,
        "images": [image["url"] for image in detail.images],
        "breadcrumb": [*ancestors, product.category],
        "warranty": warranty,
        "rating": rating_summary(product_id=product.pk),
    }


@router.get("/products/{sku}", response=ProductDetailOut, auth=None, summary="One product")
def product_detail(request, sku: str):
    return _detail(selectors.product_detail(sku=sku))


@router.put(
    "/products/{sku}", response=ProductDetailOut, auth=member, summary="Create or replace a product (staff)"
)
def product_put(request, sku: str, payload: ProductIn):
    require_desk(request, Desk.FULFILMENT)
    data = payload.dict()
    data["sku"] = sku
    data["price_breaks"] = [(q, str(p)) for q, p in payload.price_breaks]
    product, _ = services.product_save(data=data)
    return _detail(selectors.product_detail(sku=product.sku, staff=True))

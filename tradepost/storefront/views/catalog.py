"""Catalog pages: category listing with filters, product page, search with suggestions as you type."""

from decimal import ROUND_HALF_UP, Decimal
from html import escape  # Django's escape() is this behind a lazy-string wrapper
from urllib.parse import quote

from django.http import Http404
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import SafeString

from tradepost.catalog import search, selectors
from tradepost.catalog.cards import ProductCard
from tradepost.catalog.params import filters_from_params, int_param
from tradepost.catalog.selectors import MAX_PER_PAGE, SORTS
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.reviews.selectors import product_reviews
from tradepost.storefront.pagecache import cached_page
from tradepost.storefront.policy import active_policy

SORT_LABELS = {
    "part": "Part number",
    "price": "Price: low to high",
    "-price": "Price: high to low",
    "stock": "Stock",
    "newest": "Newest",
}
CARD_SPECS = CARD_BREAKS = 4  # what a listing row shows of each
_FOUR_PLACES = Decimal("0.0001")


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@cached_page(page="catalog")
def catalog_index(request):
    return TemplateResponse(request, "storefront/catalog/index.html", {"tree": selectors.category_tree()})


@cached_page(page="category")
def category(request, slug: str):
    try:
        place = selectors.category_place(slug=slug)
    except NotFound:
        raise Http404 from None
    node, htmx = place.category, _htmx(request)
    errors, status = [], 200
    params = request.GET
    try:
        filters = filters_from_params(params, selectors.spec_attributes)
        page_number = int_param(params, "page", 1, maximum=10_000)
        per_page = int_param(params, "per_page", 24, maximum=MAX_PER_PAGE)
        sort = params.get("sort") or "part"
        facets = (
            None if htmx else selectors.listing_facets(category=node, filters=filters, subtree=place.subtree)
        )
        page = selectors.product_list(
            category=node,
            filters=filters,
            sort=sort,
            page=page_number,
            per_page=per_page,
            subtree=place.subtree,
            total=facets.total if facets and not filters.narrowed else None,
        )
    except ApplicationError as exc:
        errors, status = [e.message for e in exc.errors] or [exc.message], 400
        filters = selectors.ProductFilters()
        facets = (
            None if htmx else selectors.listing_facets(category=node, filters=filters, subtree=place.subtree)
        )
        page = selectors.product_list(
            category=node, filters=filters, subtree=place.subtree, total=facets.total if facets else None
        )
    query = params.copy()
    query.pop("page", None)
    context = {
        "category": node,
        "ancestors": place.ancestors,
        "children": place.children,
        "page": page,
        "rows": _rows(page.products),
        "filters": filters,
        "errors": errors,
        "sorts": [(key, SORT_LABELS[key]) for key in SORTS],
        "query_without_page": query.urlencode(),
    }
    if htmx:
        return TemplateResponse(request, "storefront/catalog/_results.html", context, status=status)
    context["manufacturer_options"], context["spec_facets"] = _facet_options(facets, filters)
    return TemplateResponse(request, "storefront/catalog/category.html", context, status=status)


def _product_version(*, sku: str):
    try:
        return selectors.product_version(sku=sku)
    except NotFound:
        raise Http404 from None


@cached_page(page="product", stamp=_product_version)
def product(request, sku: str):
    try:
        detail = selectors.product_detail(sku=sku, staff=request.user.is_staff)
    except NotFound:
        raise Http404 from None
    item = detail.product
    warranty = None
    active = active_policy(request)
    policy = active.policy if active else None
    if policy is not None and policy.warranty.enabled:
        warranty = policy.warranty_class(selectors.effective_warranty_class(item.category, detail.ancestors))
    return TemplateResponse(
        request,
        "storefront/catalog/product.html",
        {
            "product": item,
            "ancestors": detail.ancestors,
            "warranty": warranty,
            "policy": policy,
            "breaks": detail.breaks,
            "specs": detail.specs,
            "images": detail.images,
            # Published reviews with their count and average: one query (window aggregates).
            "reviews": product_reviews(product_id=item.pk),
        },
    )


def search_page(request):
    query = (request.GET.get("q") or "").strip()[:100]
    try:
        page_number = int_param(request.GET, "page", 1, maximum=100)
    except ApplicationError:
        page_number = 1
    per_page = 24
    ids = (
        search.search_product_ids(query, limit=per_page + 1, offset=(page_number - 1) * per_page)
        if query
        else []
    )
    results = selectors.products_in_order(ids[:per_page])
    return render(
        request,
        "storefront/catalog/search.html",
        {
            "q": query,
            "rows": _rows(results),
            "page_number": page_number,
            "has_next": len(ids) > per_page,
        },
    )


def search_suggest(request):
    query = (request.GET.get("q") or "").strip()[:100]
    suggestions = search.suggest(query, limit=8) if query else []
    return render(request, "storefront/catalog/_suggest.html", {"q": query, "suggestions": suggestions})


def _rows(cards: list[ProductCard]) -> list[SafeString]:
    """The rows of _product_rows.html, written here rather than in the template: the template engine took
    several times longer over 48 rows of loops, filters and localized numbers than the queries took."""
    product_path = reverse("storefront:product", args=["-"])[:-2]  # "/products/", whatever the URLconf says
    return [
        SafeString(
            _ROW.format(
                url=escape(f"{product_path}{quote(card.sku, safe='')}/"),
                mpn=escape(card.mpn),
                sku=escape(card.sku),
                manufacturer=escape(card.manufacturer),
                title=escape(card.title),
                specs=_SPECS.format(
                    escape(" · ".join(f"{spec.name}: {spec.text}" for spec in card.specs[:CARD_SPECS]))
                )
                if card.specs
                else "",
                stock=card.stock or _OUT_OF_STOCK,
                moq=card.moq,
                multiple=f", ×{card.order_multiple}" if card.order_multiple > 1 else "",
                breaks="".join(f"{q}+ ${price_text(p)}<br>" for q, p in card.breaks[:CARD_BREAKS]),
            )
        )
        for card in cards
    ]


def _facet_options(facets: selectors.Facets, filters: selectors.ProductFilters) -> tuple[str, list[dict]]:
    """The filter checkboxes: the manufacturers' and, per spec, {name, unit, options}."""
    manufacturers = "".join(
        _MANUFACTURER_OPTION.format(
            slug=escape(m["slug"]),
            checked="checked" if m["slug"] in filters.manufacturers else "",
            name=escape(m["name"]),
            count=m["count"],
        )
        for m in facets.manufacturers
    )
    chosen = {spec.key: set(spec.values) for spec in filters.specs}
    specs = [
        {
            "name": spec["name"],
            "unit": spec["unit"],
            "options": SafeString(
                "".join(
                    _SPEC_OPTION.format(
                        key=escape(spec["key"]),
                        n=n,
                        value=escape(v["value"]),
                        checked="checked" if v["value"] in chosen.get(spec["key"], ()) else "",
                        count=v["count"],
                    )
                    for n, v in enumerate(spec["values"], 1)
                )
            ),
        }
        for spec in facets.specs
    ]
    return SafeString(manufacturers), specs


_MANUFACTURER_OPTION = (
    '<p class="checkbox"><input type="checkbox" name="manufacturer" value="{slug}" id="m-{slug}" {checked}>'
    ' <label for="m-{slug}">{name} <span class="muted">({count})</span></label></p>'
)
_SPEC_OPTION = (
    '<p class="checkbox"><input type="checkbox" name="spec.{key}" value="{value}" id="s-{key}-{n}" {checked}>'
    ' <label for="s-{key}-{n}">{value} <span class="muted">({count})</span></label></p>'
)
_ROW = """
<tr>
  <td><a href="{url}"><strong>{mpn}</strong></a><br><span class="muted">SKU {sku}</span></td>
  <td>{manufacturer}</td>
  <td>{title}{specs}</td>
  <td>{stock}<br><span class="muted">MOQ {moq}{multiple}</span></td>
  <td class="breaks">{breaks}</td>
</tr>
"""
_SPECS = '<br><span class="muted">{}</span>'
_OUT_OF_STOCK = '<span class="tag warn">Out of stock</span>'


def price_text(value: Decimal) -> str:
    """A unit price as {{ value|floatformat:"-4" }} shows it: four decimal places, none when whole."""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.quantize(_FOUR_PLACES, ROUND_HALF_UP):f}"

"""Catalog pages: category listing with filters, product page, search with suggestions as you type."""

from django.http import Http404
from django.shortcuts import render

from tradepost.catalog import search, selectors
from tradepost.catalog.params import filters_from_params, int_param
from tradepost.catalog.selectors import MAX_PER_PAGE, SORTS
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.policies.selectors import policy_active

SORT_LABELS = {
    "part": "Part number",
    "price": "Price: low to high",
    "-price": "Price: high to low",
    "stock": "Stock",
    "newest": "Newest",
}


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def catalog_index(request):
    return render(request, "storefront/catalog/index.html", {"tree": selectors.category_tree()})


def category(request, slug: str):
    try:
        node = selectors.category_get(slug=slug)
    except NotFound:
        raise Http404 from None
    errors, status = [], 200
    params = request.GET
    try:
        filters = filters_from_params(params, selectors.spec_attributes())
        page_number = int_param(params, "page", 1, maximum=10_000)
        per_page = int_param(params, "per_page", 24, maximum=MAX_PER_PAGE)
        sort = params.get("sort") or "part"
        page = selectors.product_list(
            category=node, filters=filters, sort=sort, page=page_number, per_page=per_page
        )
    except ApplicationError as exc:
        errors, status = [e.message for e in exc.errors] or [exc.message], 400
        filters = selectors.ProductFilters()
        page = selectors.product_list(category=node, filters=filters)
    query = params.copy()
    query.pop("page", None)
    context = {
        "category": node,
        "ancestors": selectors.category_ancestors(node),
        "children": selectors.category_children(node),
        "page": page,
        "filters": filters,
        "selected": {key: params.getlist(key) for key in params},
        "errors": errors,
        "sorts": [(key, SORT_LABELS[key]) for key in SORTS],
        "query_without_page": query.urlencode(),
    }
    if _htmx(request):
        return render(request, "storefront/catalog/_results.html", context, status=status)
    context["facets"] = selectors.listing_facets(category=node, filters=filters)
    return render(request, "storefront/catalog/category.html", context, status=status)


def product(request, sku: str):
    try:
        item = selectors.product_get(sku=sku, staff=request.user.is_staff)
    except NotFound:
        raise Http404 from None
    ancestors = selectors.category_ancestors(item.category)
    warranty = None
    try:
        policy = policy_active().policy
    except NotFound:
        policy = None
    if policy is not None and policy.warranty.enabled:
        warranty = policy.warranty_class(selectors.effective_warranty_class(item.category, ancestors))
    return render(
        request,
        "storefront/catalog/product.html",
        {
            "product": item,
            "ancestors": ancestors,
            "warranty": warranty,
            "policy": policy,
            "breaks": list(item.price_breaks.all()),
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
            "results": results,
            "page_number": page_number,
            "has_next": len(ids) > per_page,
        },
    )


def search_suggest(request):
    query = (request.GET.get("q") or "").strip()[:100]
    suggestions = search.suggest(query, limit=8) if query else []
    return render(request, "storefront/catalog/_suggest.html", {"q": query, "suggestions": suggestions})

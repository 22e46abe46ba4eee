"""Part-number-aware product search on SQLite (FTS5) and PostgreSQL (pg_trgm, tsvector).

What was typed is read both as a part number (case, spaces, dashes and dots don't count) and as words
(unfinished words and typos tolerated). query.py has the ranking, schema.py the indexes and the triggers
that keep them current, sqlite.py and postgres.py the statements.
"""

from tradepost.catalog.models import Product
from tradepost.catalog.search.query import MAX_RESULTS, filters_for, parse, ranked_ids

COUNT_CAP = MAX_RESULTS  # search_count() answers at most this: "1000+" on a page
MAX_SUGGESTIONS = 20

__all__ = ["COUNT_CAP", "MAX_RESULTS", "search_count", "search_product_ids", "search_products", "suggest"]


def search_product_ids(
    q: str,
    *,
    limit: int = 20,
    offset: int = 0,
    category_path: str | None = None,
    in_stock: bool | None = None,
    buyable_only: bool = True,
) -> list[int]:
    """Ids of the products matching `q`, best first; only the first MAX_RESULTS can be paged to.

    `category_path` keeps that category's subtree; `in_stock` True keeps stock > 0 (False: stock = 0);
    `buyable_only` keeps active products (buyers), staff pass False to see all.
    """
    offset = max(0, offset)
    need = min(offset + max(0, limit), MAX_RESULTS)
    parsed = parse(q)
    if need <= offset or parsed.empty:
        return []
    filters = filters_for(category_path=category_path, in_stock=in_stock, buyable_only=buyable_only)
    return ranked_ids(parsed, filters, need=need, typos=True)[offset:need]


def search_products(q: str, **options) -> list[Product]:
    """search_product_ids() as products in the same order, with manufacturer and category loaded."""
    return _products_in_order(search_product_ids(q, **options))


def suggest(q: str, *, limit: int = 8) -> list[Product]:
    """Buyable products for search-as-you-type; like search_products() but without typo correction."""
    limit = max(0, min(limit, MAX_SUGGESTIONS))
    parsed = parse(q)
    if not limit or parsed.empty:
        return []
    filters = filters_for(category_path=None, in_stock=None, buyable_only=True)
    return _products_in_order(ranked_ids(parsed, filters, need=limit, typos=False)[:limit])


def search_count(
    q: str, *, category_path: str | None = None, in_stock: bool | None = None, buyable_only: bool = True
) -> int:
    """How many results paging can reach, at most COUNT_CAP (show that as "1000+"); never a COUNT(*) scan."""
    parsed = parse(q)
    if parsed.empty:
        return 0
    filters = filters_for(category_path=category_path, in_stock=in_stock, buyable_only=buyable_only)
    return min(len(ranked_ids(parsed, filters, need=COUNT_CAP, typos=True)), COUNT_CAP)


def _products_in_order(ids: list[int]) -> list[Product]:
    by_id = Product.objects.select_related("manufacturer", "category").in_bulk(ids)
    return [by_id[pid] for pid in ids if pid in by_id]

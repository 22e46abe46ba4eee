"""Search statements for PostgreSQL: the C-collated mpn b-tree, pg_trgm and tsvector indexes (see schema.py).

Each statement reads at most `scan` index matches (an inner LIMIT) before the filters, so a common term
under a narrow filter costs a bounded read. Word searches read catalog_search_product alone: it carries
copies of the columns they filter and rank on.
"""
# ruff: noqa: S608 - statements are built from constants and the filter clauses; values are parameters

import math
import time

from tradepost.catalog.search.query import Filters, Group, Row, WordRow

COMMON_SHARE = 0.01  # a word in 1% of products or more is common
COMMON_SCAN_PAGES = 512  # 4 MB of catalog_search_product, some 10,000 products
# A single common word's first `limit` products are looked for in FILL_MARGIN times the pages its share
# says they fill (products per page from pg_class, or this before the first ANALYZE).
FILL_MARGIN = 3
DEFAULT_ROWS_PER_PAGE = 15.0
SHARES_TTL = 300.0
_shares: dict = {"read_at": float("-inf"), "values": {}}

_MPN = 'mpn_normalized COLLATE "C"'
_COLUMNS = "id, mpn_normalized, status, stock, category_id"  # what the filters read


def part_range(cursor, lo: str, hi: str, *, filters: Filters, limit: int, scan: int) -> list[Row]:
    """Part numbers in [lo, hi), in (mpn_normalized, id) byte order."""
    cursor.execute(
        f"SELECT p.id, p.mpn_normalized FROM (SELECT {_COLUMNS} FROM catalog_product"
        f" WHERE {_MPN} >= %s AND {_MPN} < %s ORDER BY {_MPN}, id LIMIT %s) AS p"
        f"{filters.where} LIMIT %s",  # filtering an ordered subquery keeps its order
        [lo, hi, scan, *filters.params, limit],
    )
    return cursor.fetchall()


def part_substring(
    cursor, part: str, lo: str, hi: str, *, filters: Filters, limit: int, scan: int
) -> list[Row]:
    """Part numbers containing `part` but not starting with it, in table order."""
    cursor.execute(
        f"SELECT p.id, p.mpn_normalized FROM (SELECT {_COLUMNS} FROM catalog_product"
        " WHERE mpn_normalized LIKE %s LIMIT %s) AS p"
        f" WHERE NOT (p.{_MPN} >= %s AND p.{_MPN} < %s){filters.sql} LIMIT %s",
        ["%" + part + "%", scan, lo, hi, *filters.params, limit],
    )
    return cursor.fetchall()


def words(
    cursor,
    groups: list[Group],
    *,
    match_all: bool,
    strong_only: bool,
    filters: Filters,
    limit: int,
    scan: int,
) -> list[WordRow]:
    """`limit` products (in table order) with every group's word (any group's, unless match_all)."""
    weights = ":AB" if strong_only else ""  # A: part number and title, B: manufacturer
    query = (" & " if match_all else " | ").join(
        "(" + " | ".join(_lexeme(term) + weights for term in group) + ")" for group in groups
    )
    columns = "product_id, mpn_normalized, title, maker, status, stock, category_id"
    shares = [_share(cursor, group) for group in groups]
    if all(share >= COMMON_SHARE for share in shares):
        if strong_only or (match_all and len(groups) > 1):
            # The planner expects rows with all these common words (or with them in the title) to be
            # common too and scans the table for them; when they aren't, that is the whole table. Read a
            # bounded stretch instead: the first COMMON_SCAN_PAGES pages.
            return _first_pages(cursor, columns, query, filters, limit, COMMON_SCAN_PAGES)
        if len(groups) == 1:
            # One common word: the index would collect every product that has it before the first row
            # comes back. Its first `limit` products in table order (what the index read returns too)
            # are in the first few pages: read those, and the index only if they fall short.
            pages = math.ceil(FILL_MARGIN * limit / (shares[0] * _rows_per_page(cursor)))
            if pages <= COMMON_SCAN_PAGES:
                rows = _first_pages(cursor, columns, query, filters, limit, pages)
                if len(rows) >= limit:
                    return rows
    cursor.execute(
        f"SELECT p.product_id, p.mpn_normalized, p.title, p.maker FROM (SELECT {columns}"
        " FROM catalog_search_product WHERE document @@ to_tsquery('simple', %s) LIMIT %s) AS p"
        f"{filters.where} LIMIT %s",
        [query, scan, *filters.params, limit],
    )
    return cursor.fetchall()


def _first_pages(cursor, columns: str, query: str, filters: Filters, limit: int, pages: int) -> list[WordRow]:
    """The first `limit` matches within the table's first `pages` pages (a TID range scan), in table order."""
    cursor.execute(
        f"SELECT p.product_id, p.mpn_normalized, p.title, p.maker FROM (SELECT {columns}, document"
        " FROM catalog_search_product WHERE ctid < %s::tid OFFSET 0) AS p"
        f" WHERE p.document @@ to_tsquery('simple', %s){filters.sql} LIMIT %s",
        [f"({pages},0)", query, *filters.params, limit],
    )
    return cursor.fetchall()


def _share(cursor, group: Group) -> float:
    """The share of products with any of the group's words, as ANALYZE counted them (0 when uncounted)."""
    shares = _statistics(cursor)["shares"]
    return sum(shares.get(term, 0.0) for term in group)


def _rows_per_page(cursor) -> float:
    return _statistics(cursor)["rows_per_page"]


def no_statistics() -> dict:
    """What is assumed before the first ANALYZE: no common words, DEFAULT_ROWS_PER_PAGE products per page."""
    return {"shares": {}, "rows_per_page": DEFAULT_ROWS_PER_PAGE}


def _statistics(cursor) -> dict:
    """Share of products with each of the most common words (pg_stats) and products per page (pg_class);
    re-read every few minutes."""
    now = time.monotonic()
    if now - _shares["read_at"] > SHARES_TTL:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
            " WHERE tablename = 'catalog_search_product' AND attname = 'document'"
            " AND schemaname = current_schema()"
        )
        row = cursor.fetchone()
        _shares["values"] = no_statistics()
        if row and row[0]:
            _shares["values"]["shares"] = dict(zip(row[0], row[1], strict=False))
        cursor.execute(
            "SELECT reltuples / relpages FROM pg_class WHERE relname = 'catalog_search_product'"
            " AND relnamespace = current_schema()::regnamespace AND relpages > 0 AND reltuples > 0"
        )
        row = cursor.fetchone()
        if row:
            _shares["values"]["rows_per_page"] = float(row[0])
        _shares["read_at"] = now
    return _shares["values"]


def lexicon_starting_with(cursor, words: list[str], limit: int) -> dict[str, list[str]]:
    """Per word, the first `limit` lexicon words it starts (itself included), in one statement."""
    one = (
        "(SELECT %s::text, word FROM (SELECT DISTINCT word FROM catalog_search_word"
        " WHERE word >= %s AND word < %s ORDER BY word LIMIT %s) AS w)"
    )
    cursor.execute(" UNION ALL ".join([one] * len(words)), [v for w in words for v in (w, w, w + "{", limit)])
    found: dict[str, list[str]] = {}
    for word, match in cursor.fetchall():
        found.setdefault(word, []).append(match)
    return found


def lexicon_candidates(cursor, word: str, limit: int) -> list[str]:
    """Lexicon words most similar to `word` by trigrams (pg_trgm's similarity threshold, 0.3 by default)."""
    cursor.execute(
        "SELECT word FROM catalog_search_word WHERE word %% %s GROUP BY word"
        " ORDER BY similarity(word, %s) DESC, word LIMIT %s",
        [word, word, limit],
    )
    return [row[0] for row in cursor.fetchall()]


def _lexeme(text: str) -> str:
    """A quoted tsquery lexeme: operators and quotes inside it are text."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

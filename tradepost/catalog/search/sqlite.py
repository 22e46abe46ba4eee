"""Search statements for SQLite: the mpn b-tree, FTS5 trigram and word tables (see schema.py).

Each statement reads at most `scan` index entries (an inner LIMIT, in rowid or index order) before the
product filters; CROSS JOIN keeps SQLite driving from that read rather than from a broad product filter.
"""
# ruff: noqa: S608 - statements are built from constants and the filter clauses; values are parameters

from tradepost.catalog.search.query import Filters, Group, Row, WordRow

COMMON_POSTINGS = 2000  # a word with at least this many products is common
_MAKER = " LEFT JOIN catalog_manufacturer maker ON maker.id = p.manufacturer_id"
_COLUMNS = "id, mpn_normalized, status, stock, category_id"  # what the filters read
_STRONG_COLUMNS = "{mpn title manufacturer}"


def part_range(cursor, lo: str, hi: str, *, filters: Filters, limit: int, scan: int) -> list[Row]:
    """Part numbers in [lo, hi), in (mpn_normalized, id) order."""
    cursor.execute(
        f"SELECT p.id, p.mpn_normalized FROM (SELECT {_COLUMNS} FROM catalog_product"
        " WHERE mpn_normalized >= %s AND mpn_normalized < %s ORDER BY mpn_normalized, id LIMIT %s) AS p"
        f"{filters.where} LIMIT %s",
        [lo, hi, scan, *filters.params, limit],
    )
    return cursor.fetchall()


def part_substring(
    cursor, part: str, lo: str, hi: str, *, filters: Filters, limit: int, scan: int
) -> list[Row]:
    """Part numbers containing `part` but not starting with it, in id order."""
    cursor.execute(
        "SELECT p.id, p.mpn_normalized FROM (SELECT rowid AS id FROM catalog_search_mpn"
        " WHERE catalog_search_mpn MATCH %s ORDER BY rowid LIMIT %s) AS m"
        " CROSS JOIN catalog_product p ON p.id = m.id"
        f" WHERE NOT (p.mpn_normalized >= %s AND p.mpn_normalized < %s){filters.sql} LIMIT %s",
        [_phrase(part), scan, lo, hi, *filters.params, limit],
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
    """The first `limit` products (by id) with every group's word (any group's, unless match_all)."""
    matches = ["(" + " OR ".join(_phrase(term) for term in group) + ")" for group in groups]
    if strong_only:
        matches = [f"{_STRONG_COLUMNS} : {match}" for match in matches]
    if match_all and len(matches) > 1:
        ids = _intersection_if_common(cursor, matches)
        if ids is not None:
            cursor.execute(
                f"SELECT p.id, p.mpn_normalized, p.title, maker.name FROM catalog_product p{_MAKER}"
                f" WHERE p.id IN (SELECT value FROM json_each(%s)){filters.sql} ORDER BY p.id LIMIT %s",
                [ids, *filters.params, limit],
            )
            return cursor.fetchall()
    cursor.execute(
        "SELECT p.id, p.mpn_normalized, p.title, maker.name FROM (SELECT rowid AS id"
        " FROM catalog_search_product WHERE catalog_search_product MATCH %s ORDER BY rowid LIMIT %s) AS m"
        f" CROSS JOIN catalog_product p ON p.id = m.id{_MAKER}{filters.where} LIMIT %s",
        [(" AND " if match_all else " OR ").join(matches), scan, *filters.params, limit],
    )
    return cursor.fetchall()


def _intersection_if_common(cursor, matches: list[str]) -> str | None:
    """Ids having every match among the first COMMON_POSTINGS of each, when each has that many, as a JSON
    array (in no particular order); else None.

    FTS5 proves two common words never meet only by stepping through both their lists, tens of ms at a
    million products. When every word is common, look for them together among their first postings only
    (so up to the smallest last id); when one is rare, FTS5 steps along that one and is quick.
    """
    # Each match's ids come back as one string and are intersected as text (SQLite writes an id one way
    # only): thousands of rows, or of ints parsed from JSON and written back, cost more than the read.
    one = (
        "SELECT %s, (SELECT group_concat(id) FROM (SELECT rowid AS id FROM catalog_search_product"
        " WHERE catalog_search_product MATCH %s ORDER BY rowid LIMIT %s))"
    )
    cursor.execute(
        " UNION ALL ".join([one] * len(matches)),
        [v for n, match in enumerate(matches) for v in (n, match, COMMON_POSTINGS)],
    )
    postings = [ids.split(",") if ids else [] for _, ids in sorted(cursor.fetchall())]
    if any(len(ids) < COMMON_POSTINGS for ids in postings):
        return None
    return "[" + ",".join(set(postings[0]).intersection(*postings[1:])) + "]"


def lexicon_starting_with(cursor, words: list[str], limit: int) -> dict[str, list[str]]:
    """Per word, the first `limit` lexicon words it starts (itself included), in one statement."""
    one = (
        "SELECT * FROM (SELECT %s, word FROM catalog_search_word"
        " WHERE word >= %s AND word < %s ORDER BY word LIMIT %s)"
    )
    cursor.execute(" UNION ALL ".join([one] * len(words)), [v for w in words for v in (w, w, w + "{", limit)])
    found: dict[str, list[str]] = {}
    for word, match in cursor.fetchall():
        found.setdefault(word, []).append(match)
    return found


def lexicon_candidates(cursor, word: str, limit: int) -> list[str]:
    """Lexicon words sharing the most trigrams with `word`."""
    trigrams = dict.fromkeys(word[i : i + 3] for i in range(len(word) - 2))
    cursor.execute(
        "SELECT word FROM catalog_search_word_trigram WHERE catalog_search_word_trigram MATCH %s"
        " ORDER BY rank LIMIT %s",
        [" OR ".join(_phrase(t) for t in trigrams), limit],
    )
    return [row[0] for row in cursor.fetchall()]


def _phrase(text: str) -> str:
    """An FTS5 string literal: whatever it holds (quotes, *, NEAR, AND, -) is text, never syntax."""
    return '"' + text.replace('"', '""') + '"'

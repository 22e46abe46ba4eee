"""Query parsing and ranking, the same on both databases; the statements are in sqlite.py and postgres.py.

Results come in tiers, each a bounded, indexed read; a tier runs only while the page isn't full:
  1. the exact part number (normalized), then part numbers starting with the query, shortest first;
  2. part numbers containing the query (3+ characters; skipped for words the lexicon knows), shortest first;
  3. products with every query word in part number, title, manufacturer or description. A word also
     matches the lexicon words it starts (instrument -> instruments), and one the lexicon doesn't know is
     widened with its nearest lexicon words (regulater -> regulator). Scored in Python, the same on both
     databases: per word, 4 in the part number, 3 in the title, 2 in the manufacturer, 1 in the description.
     When no product has every word, products with any of them, scored the same way.
Ties break on mpn_normalized, then id. Only the first MAX_RESULTS results are reachable by paging.

Bounded means some matches can be missed on purpose: part-number tiers re-sort only their first
PART_WINDOW rows by length, words are ranked within the first WORD_POOL matches (those with the words in
part number, title or manufacturer always included), no statement reads past SCAN_CAP index matches
before filtering, and two or more common words are looked for together only among their first products.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.db import connection

from tradepost.catalog.models import ProductStatus
from tradepost.catalog.normalize import normalize_part_number
from tradepost.catalog.search import fuzzy

MAX_QUERY_CHARS = 100  # longer queries are cut here
MAX_WORDS = 8
MAX_WORD_CHARS = 40
MIN_QUERY_CHARS = 2
MAX_PART_CHARS = 80  # Product.mpn max_length: a longer normalized query can't match a part number
MAX_RESULTS = 1000
# Part-number matches beyond the first PART_WINDOW (in index order) keep index order instead of being
# re-sorted by length, so each part-number tier stays one short index read.
PART_WINDOW = 100
# Word matches are scored within the first WORD_POOL that pass the filters (in index order), so a word in
# every other title costs a bounded read instead of ranking the whole catalog.
WORD_POOL = 200
# No statement reads more than SCAN_CAP index matches before the filters: a common term under a narrow
# filter (a small category, in stock) may miss matches beyond them, but never walks the whole index.
SCAN_CAP = 10_000
EXPANSIONS = 8  # lexicon words a query word may stand for (itself, plurals, longer forms)
LEXICON_CANDIDATES = 40
MIN_EXPANDED_WORD = 3
# Sorts after every character a normalized part number has (0-9, A-Z): [part, part + CEILING) is a prefix.
PART_CEILING = "~"

Row = tuple[int, str]  # id, mpn_normalized
WordRow = tuple[int, str, str, str]  # id, mpn_normalized, title, manufacturer name
Group = list[str]  # the terms one query word matches; a product matches the word if it has any of them

_WORD_RE = re.compile(r"[^\W_]+")
# Combining marks, which NFKD splits off accented letters: é -> e + U+0301.
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LEXICON_WORD_RE = re.compile(r"[a-z]+")
_MPN_SCORE, _TITLE_SCORE, _MAKER_SCORE = 4, 3, 2  # per word found in the field; 1 in the description


@dataclass(frozen=True)
class ParsedQuery:
    part: str  # the query as a normalized part number; "" when too short or too long to be one
    words: tuple[str, ...]  # lower-cased, accent-free words of 2+ characters

    @property
    def empty(self) -> bool:
        return not self.part and not self.words


@dataclass(frozen=True)
class Filters:
    clauses: tuple[str, ...]  # SQL over catalog_product aliased p
    params: tuple

    @property
    def sql(self) -> str:
        """The clauses as " AND ..." to follow other conditions."""
        return "".join(f" AND {clause}" for clause in self.clauses)

    @property
    def where(self) -> str:
        return f" WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def parse(q: str) -> ParsedQuery:
    """Read what was typed as a part number and as words; punctuation and operators only separate."""
    text = unicodedata.normalize("NFKC", q or "")[:MAX_QUERY_CHARS]
    part = normalize_part_number(text)
    if not MIN_QUERY_CHARS <= len(part) <= MAX_PART_CHARS:
        part = ""
    words = dict.fromkeys(w[:MAX_WORD_CHARS] for w in words_of(text) if len(w) >= MIN_QUERY_CHARS)
    return ParsedQuery(part=part, words=tuple(words)[:MAX_WORDS])


def words_of(text: str) -> list[str]:
    """Lower-cased, accent-free words, split as the full-text indexes split them."""
    text = text.lower()
    if not text.isascii():
        text = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))
    return _WORD_RE.findall(text)


@functools.lru_cache(maxsize=8192)
def _field_words(text: str) -> frozenset[str]:
    return frozenset(words_of(text))


def filters_for(*, category_path: str | None, in_stock: bool | None, buyable_only: bool) -> Filters:
    clauses, params = [], []
    if buyable_only:
        clauses.append("p.status = %s")
        params.append(ProductStatus.ACTIVE.value)
    if in_stock is True:
        clauses.append("p.stock > 0")
    elif in_stock is False:
        clauses.append("p.stock = 0")
    if category_path:
        path = category_path if category_path.endswith("/") else category_path + "/"
        escaped = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(
            "p.category_id IN (SELECT c.id FROM catalog_category c WHERE c.path LIKE %s ESCAPE '\\')"
        )
        params.append(escaped + "%")
    return Filters(clauses=tuple(clauses), params=tuple(params))


def ranked_ids(parsed: ParsedQuery, filters: Filters, *, need: int, typos: bool) -> list[int]:
    """At least the first `need` result ids in rank order (fewer when fewer match)."""
    backend = _backend()
    ranked: list[int] = []
    seen: set[int] = set()

    def take(ids) -> None:
        for pid in ids:
            if pid not in seen:
                seen.add(pid)
                ranked.append(pid)

    fetch = max(need, PART_WINDOW)
    lo, hi = parsed.part, parsed.part + PART_CEILING
    with connection.cursor() as cursor:
        if parsed.part:
            rows = backend.part_range(cursor, lo, hi, filters=filters, limit=fetch, scan=SCAN_CAP)
            take(pid for pid, mpn in rows if mpn == parsed.part)
            take(_closest_first([row for row in rows if row[1] != parsed.part]))
        if len(ranked) >= need:
            return ranked
        groups, all_known = _word_groups(backend, cursor, parsed.words, typos=typos)
        # A fragment such as 317LZ is looked for inside part numbers; words the lexicon knows (or knows
        # a correction for) are not, since no part number is spelled "regulator".
        if len(parsed.part) >= 3 and not (all_known and parsed.part.isalpha()):
            rows = backend.part_substring(
                cursor, parsed.part, lo, hi, filters=filters, limit=fetch, scan=SCAN_CAP
            )
            take(_closest_first(rows))
        if len(ranked) < need and groups:
            take(_word_matches(backend, cursor, groups, filters))
    return ranked


def _closest_first(rows: list[Row]) -> list[int]:
    """Ids with the first PART_WINDOW rows re-sorted shortest part number first (fewest extra characters)."""
    head = sorted(rows[:PART_WINDOW], key=lambda row: (len(row[1]), row[1], row[0]))
    return [pid for pid, _ in head] + [pid for pid, _ in rows[PART_WINDOW:]]


def _word_groups(backend, cursor, words: tuple[str, ...], *, typos: bool) -> tuple[list[Group], bool]:
    """Per query word, the exact terms it matches: itself, the lexicon words it starts, or its corrections;
    and whether the lexicon knew (or could correct) every word.

    Exact terms rather than FTS prefix queries: a prefix query merges the postings of every term it
    covers before the first row comes back, which for a common word is most of the index.
    """
    expandable = [w for w in words if len(w) >= MIN_EXPANDED_WORD and _LEXICON_WORD_RE.fullmatch(w)]
    known = backend.lexicon_starting_with(cursor, expandable, EXPANSIONS) if expandable else {}
    groups, all_known = [], True
    for word in words:
        group = [word, *(w for w in known.get(word, ()) if w != word)]
        if word in expandable and not known.get(word) and typos and fuzzy.typo_budget(word):
            group += fuzzy.corrections(word, backend.lexicon_candidates(cursor, word, LEXICON_CANDIDATES))
        all_known = all_known and (len(group) > 1 or word in known.get(word, ()))
        groups.append(group)
    return groups, all_known and bool(words)


def _word_matches(backend, cursor, groups: list[Group], filters: Filters) -> list[int]:
    """Ids of products with every word, best first; when none has every word, those with any of them."""

    def read(*, match_all: bool, strong_only: bool) -> list[WordRow]:
        return backend.words(
            cursor, groups, match_all=match_all, strong_only=strong_only, filters=filters, limit=WORD_POOL,
            scan=SCAN_CAP,
        )  # fmt: skip

    pool = {row[0]: row for row in read(match_all=True, strong_only=False)}
    if len(pool) >= WORD_POOL:
        # More matches than the pool holds: make sure those with the words in part number, title or
        # manufacturer are in it, so products that only mention them in passing can't crowd them out.
        strong = {row[0]: row for row in read(match_all=True, strong_only=True)}
        pool = strong | {pid: row for pid, row in pool.items() if pid not in strong}
    match_all = bool(pool)
    if not pool and len(groups) > 1:
        pool = {row[0]: row for row in read(match_all=False, strong_only=False)}
    group_sets = [frozenset(group) for group in groups]
    elsewhere = 1 if match_all else 0
    # Sorted as (-score, mpn_normalized, id) tuples: a key function would cost a call per row.
    scored = sorted([(-_relevance(group_sets, row, elsewhere), row[1], row[0]) for row in pool.values()])
    return [pid for _, _, pid in scored]


def _relevance(groups: list[frozenset[str]], row: WordRow, elsewhere: int) -> int:
    """Per query word, the best field it was found in; a word matched but not found in these fields was in
    the description (`elsewhere`: 1 when every word matched, else 0)."""
    _, mpn, title, manufacturer = row
    mpn, title_words, maker_words = mpn.lower(), _field_words(title), _field_words(manufacturer or "")
    score = 0
    for group in groups:  # the fields from the best score down: the first found counts
        if mpn in group:
            score += _MPN_SCORE
        elif not title_words.isdisjoint(group):
            score += _TITLE_SCORE
        elif not maker_words.isdisjoint(group):
            score += _MAKER_SCORE
        else:
            score += elsewhere
    return score


def _backend():
    if connection.vendor == "postgresql":
        from tradepost.catalog.search import postgres

        return postgres
    from tradepost.catalog.search import sqlite

    return sqlite

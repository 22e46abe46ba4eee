"""The search index on SQLite and PostgreSQL: tables, indexes and the triggers that keep it current.

Triggers, not Python hooks, keep the index in step with catalog_product and catalog_manufacturer, so
save(), bulk_create(), queryset update()/delete() and raw SQL are all covered. Migrations call install().

SQLite (FTS5; 3.34+ for the trigram tokenizer):
    catalog_search_product       FTS5 (mpn, title, manufacturer, description), rowid = product id: words
    catalog_search_mpn           FTS5 trigram over mpn_normalized, rowid = product id: part-number fragments
    catalog_search_word          lexicon, the a-z words of titles and manufacturer names
    catalog_search_word_trigram  FTS5 trigram over the lexicon (external content): typo candidates
    catalog_search_maker         copy of manufacturer names; catalog_search_made_by: product -> manufacturer
    Exact and prefix part numbers use the model's b-tree index on mpn_normalized.
PostgreSQL (pg_trgm, unaccent):
    catalog_search_product       product_id, document tsvector (A: part number and title, B: manufacturer,
                                 C: description) with a GIN index, and copies of the columns searches
                                 filter and rank on (status, stock, category_id, mpn, title, maker)
    catalog_search_word          lexicon with a GIN trigram index: typo candidates
    catalog_search_mpn_prefix    b-tree (mpn_normalized COLLATE "C", id) on catalog_product: exact, prefix
    catalog_search_mpn_trgm      GIN trigram on catalog_product.mpn_normalized: part-number fragments

The lexicon only grows: a word that left the catalog may still be offered as a correction, which then
finds nothing. rebuild() refills everything from the catalog.

On SQLite, a migration that alters catalog_product or catalog_manufacturer makes Django copy the table,
drop the old one and rename the copy, which drops that table's triggers: such a migration must call
install() again (test_search checks that every trigger is present after all migrations).
"""

# ruff: noqa: S608 - DDL built from constants; nothing here comes from a request
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

# Lexicon words, the same on both databases: the text is split at white space and , ; : / - ( ) and a
# piece counts if it is 3 to 32 letters a-z. (Splitting at every punctuation mark would cost SQLite dozens
# of nested replace() calls per row written; a word glued to other punctuation is skipped.)
_SPLIT = "\t\n\r,;:/-()"
LEXICON_MIN, LEXICON_MAX = 3, 32

SQLITE_TRIGGERS = (
    "catalog_search_product_insert",
    "catalog_search_product_update",
    "catalog_search_product_delete",
    "catalog_search_manufacturer_insert",
    "catalog_search_manufacturer_update",
    "catalog_search_manufacturer_delete",
    "catalog_search_word_insert",
)
POSTGRES_TRIGGERS = (
    "catalog_search_product_insert",
    "catalog_search_product_update",
    "catalog_search_product_delete",
    "catalog_search_product_truncate",
    "catalog_search_manufacturer_insert",
    "catalog_search_manufacturer_update",
)


def install(connection: BaseDatabaseWrapper, *, refill: bool = True) -> None:
    """Create the index and its triggers, replacing any there are, and fill it from the catalog.

    refill=False keeps the rows the index has: for a migration that only changes how it is maintained.
    """
    if connection.vendor == "sqlite":
        if sqlite3.sqlite_version_info < (3, 34, 0):
            raise RuntimeError(
                f"Catalog search needs SQLite 3.34+ (FTS5 trigram), not {sqlite3.sqlite_version}."
            )
        _run(connection, [*_sqlite_drop_triggers(), *_SQLITE_TABLES, *_sqlite_triggers()])
    elif connection.vendor == "postgresql":
        _run(connection, _postgres_install())
    else:
        raise RuntimeError(f"Catalog search supports SQLite and PostgreSQL, not {connection.vendor}.")
    if refill:
        rebuild(connection)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop what install() made; the PostgreSQL extensions stay, as other code may use them."""
    if connection.vendor == "sqlite":
        _run(connection, [*_sqlite_drop_triggers(), *_sqlite_drop_tables()])
    elif connection.vendor == "postgresql":
        _run(connection, _postgres_uninstall())


def rebuild(connection: BaseDatabaseWrapper) -> None:
    """Refill the index and the lexicon from the catalog, e.g. after a migration dropped the triggers."""
    if connection.vendor == "sqlite":
        _run(connection, [*_sqlite_drop_tables(), *_SQLITE_TABLES, *_sqlite_fill()])
    elif connection.vendor == "postgresql":
        _run(connection, _postgres_fill())


@contextmanager
def batch_insert(connection: BaseDatabaseWrapper) -> Iterator[Callable[[list[int]], None]]:
    """For a transaction that inserts many products: yields index(ids), to call with the ids inserted.

    On SQLite the per-row insert trigger stands aside inside the block and index() indexes the rows with
    one statement per index table, several times quicker. The marker that tells the trigger so is written
    and removed inside the caller's transaction, whose write lock keeps every other connection from
    writing meanwhile, so no one else ever sees it. PostgreSQL's triggers work per statement already:
    there index() does nothing.
    """
    if connection.vendor != "sqlite":
        yield lambda ids: None
        return
    if not connection.in_atomic_block:
        raise RuntimeError("batch_insert() must run inside a transaction.")
    with connection.cursor() as cursor:
        cursor.execute("INSERT OR REPLACE INTO catalog_search_deferred (id) VALUES (1)")
        try:
            yield lambda ids: _sqlite_index(cursor, ids)
        finally:
            cursor.execute("DELETE FROM catalog_search_deferred")


def installed_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    """Names of the search triggers the database has."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'catalog_search%'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'catalog_search%' AND NOT tgisinternal"
            )
        return {row[0] for row in cursor.fetchall()}


def expected_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    return set(SQLITE_TRIGGERS if connection.vendor == "sqlite" else POSTGRES_TRIGGERS)


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# --- SQLite ------------------------------------------------------------------------------------------------

_SQLITE_TABLES = [
    # Regular FTS5 tables keep a copy of the text, so a delete never depends on the old values matching
    # what was indexed: a lost trigger can leave the index stale, never corrupt.
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search_product USING fts5("
    "mpn, title, manufacturer, description, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search_mpn USING fts5("
    "mpn, tokenize = 'trigram', columnsize = 0)",
    # No trigger may name another app's table: Django alters an SQLite table by copying it, dropping the
    # old one and renaming the copy, and that rename fails while any trigger names a missing table. So the
    # triggers read manufacturer names and who makes what from these copies.
    "CREATE TABLE IF NOT EXISTS catalog_search_maker (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS catalog_search_made_by"
    " (product_id INTEGER PRIMARY KEY, manufacturer_id INTEGER)",
    "CREATE INDEX IF NOT EXISTS catalog_search_made_by_maker ON catalog_search_made_by (manufacturer_id)",
    "CREATE TABLE IF NOT EXISTS catalog_search_word (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE)",
    # Holds a row only inside a transaction that indexes its inserts in bulk (see batch_insert()).
    "CREATE TABLE IF NOT EXISTS catalog_search_deferred (id INTEGER PRIMARY KEY)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search_word_trigram USING fts5("
    "word, content = 'catalog_search_word', content_rowid = 'id', tokenize = 'trigram')",
    "CREATE TRIGGER IF NOT EXISTS catalog_search_word_insert AFTER INSERT ON catalog_search_word BEGIN"
    " INSERT INTO catalog_search_word_trigram (rowid, word) VALUES (NEW.id, NEW.word); END",
]

_SQLITE_INDEX_NEW = (
    "INSERT INTO catalog_search_product (rowid, mpn, title, manufacturer, description)"
    " VALUES (NEW.id, NEW.mpn_normalized, NEW.title,"
    " (SELECT name FROM catalog_search_maker WHERE id = NEW.manufacturer_id), NEW.description);"
    " INSERT INTO catalog_search_mpn (rowid, mpn) VALUES (NEW.id, NEW.mpn_normalized);"
    " INSERT INTO catalog_search_made_by (product_id, manufacturer_id) VALUES (NEW.id, NEW.manufacturer_id);"
)
_SQLITE_UNINDEX = (
    "DELETE FROM catalog_search_product WHERE rowid = {id};"
    " DELETE FROM catalog_search_mpn WHERE rowid = {id};"
    " DELETE FROM catalog_search_made_by WHERE product_id = {id};"
)


def _sqlite_words(text_sql: str, source_sql: str = "") -> str:
    """A SELECT of the lexicon words in `text_sql` (a column of `source_sql`, if given) not yet in it.

    SQLite has no split function, so the text becomes a JSON array: json_quote() escapes whatever the
    text holds and the separators (all spaces by then) never occur inside an escape. NOT EXISTS rather
    than INSERT OR IGNORE, which raises inside an upsert (bulk_create(update_conflicts=True)).
    """
    spaced = f"lower({text_sql})"
    for char in _SPLIT:
        spaced = f"replace({spaced}, char({ord(char)}), ' ')"
    source = f"{source_sql}," if source_sql else "FROM"
    return (
        f"SELECT w FROM (SELECT DISTINCT j.value AS w {source}"
        f" json_each('[' || replace(json_quote({spaced}), ' ', '\",\"') || ']') AS j)"
        f" WHERE length(w) BETWEEN {LEXICON_MIN} AND {LEXICON_MAX} AND w NOT GLOB '*[^a-z]*'"
        " AND NOT EXISTS (SELECT 1 FROM catalog_search_word x WHERE x.word = w)"
    )


_SQLITE_IDS = "(SELECT value FROM json_each(%s))"
# What the insert trigger does for one row, for all the rows whose ids are given (as a JSON array).
_SQLITE_INDEX_IDS = [
    f"DELETE FROM catalog_search_made_by WHERE product_id IN {_SQLITE_IDS}",
    "INSERT INTO catalog_search_product (rowid, mpn, title, manufacturer, description)"
    " SELECT p.id, p.mpn_normalized, p.title, m.name, p.description FROM catalog_product p"
    f" LEFT JOIN catalog_search_maker m ON m.id = p.manufacturer_id WHERE p.id IN {_SQLITE_IDS}",
    f"INSERT INTO catalog_search_mpn (rowid, mpn) SELECT id, mpn_normalized FROM catalog_product"
    f" WHERE id IN {_SQLITE_IDS}",
    "INSERT INTO catalog_search_made_by (product_id, manufacturer_id) SELECT id, manufacturer_id"
    f" FROM catalog_product WHERE id IN {_SQLITE_IDS}",
]
_SQLITE_TITLES = f"SELECT title FROM catalog_product WHERE id IN {_SQLITE_IDS}"
# The lexicon words, split out in Python: SQLite's nested replace() calls cost more than the rest together.
_SQLITE_WORDS_INSERT = (
    "INSERT INTO catalog_search_word (word) SELECT value FROM json_each(%s)"
    " WHERE NOT EXISTS (SELECT 1 FROM catalog_search_word x WHERE x.word = value)"
)


def _sqlite_index(cursor, ids: list[int]) -> None:
    if ids:
        value = json.dumps(ids)
        for statement in _SQLITE_INDEX_IDS:
            cursor.execute(statement, [value])
        cursor.execute(_SQLITE_TITLES, [value])
        words = lexicon_words(title for (title,) in cursor.fetchall())
        if words:
            cursor.execute(_SQLITE_WORDS_INSERT, [json.dumps(sorted(words))])


_SEPARATORS_RE = re.compile("[ " + re.escape(_SPLIT) + "]")


def lexicon_words(texts: Iterable[str]) -> set[str]:
    """The lexicon words of `texts`, as the SQLite triggers find them with _sqlite_words()."""
    pieces = set(_SEPARATORS_RE.split("\n".join(set(texts))))  # a line break separates, as between texts
    # Only ASCII letters count, and SQLite's lower() only lowers those.
    return {
        piece.lower()
        for piece in pieces
        if LEXICON_MIN <= len(piece) <= LEXICON_MAX and piece.isascii() and piece.isalpha()
    }


def _sqlite_triggers() -> list[str]:
    changed = " OR ".join(
        f"OLD.{column} IS NOT NEW.{column}"
        for column in ("id", "mpn_normalized", "title", "description", "manufacturer_id")
    )
    return [
        # No delete before the insert: an FTS5 delete then insert of the same rowid flushes the table's
        # pending writes every row, which makes bulk inserts several times slower.
        "CREATE TRIGGER catalog_search_product_insert AFTER INSERT ON catalog_product"
        " WHEN NOT EXISTS (SELECT 1 FROM catalog_search_deferred) BEGIN"
        f" DELETE FROM catalog_search_made_by WHERE product_id = NEW.id; {_SQLITE_INDEX_NEW}"
        f" INSERT INTO catalog_search_word (word) {_sqlite_words('NEW.title')}; END",
        # Stock, price and status changes leave the index alone: the filters read catalog_product itself.
        f"CREATE TRIGGER catalog_search_product_update AFTER UPDATE ON catalog_product WHEN {changed} BEGIN"
        f" {_SQLITE_UNINDEX.format(id='OLD.id')} {_SQLITE_INDEX_NEW}"
        f" INSERT INTO catalog_search_word (word) {_sqlite_words('NEW.title')}"
        " AND OLD.title IS NOT NEW.title; END",
        "CREATE TRIGGER catalog_search_product_delete AFTER DELETE ON catalog_product BEGIN"
        f" {_SQLITE_UNINDEX.format(id='OLD.id')} END",
        "CREATE TRIGGER catalog_search_manufacturer_insert AFTER INSERT ON catalog_manufacturer BEGIN"
        " DELETE FROM catalog_search_maker WHERE id = NEW.id;"
        " INSERT INTO catalog_search_maker (id, name) VALUES (NEW.id, NEW.name);"
        f" INSERT INTO catalog_search_word (word) {_sqlite_words('NEW.name')}; END",
        "CREATE TRIGGER catalog_search_manufacturer_update AFTER UPDATE OF name ON catalog_manufacturer"
        " WHEN OLD.name IS NOT NEW.name BEGIN"
        " UPDATE catalog_search_maker SET name = NEW.name WHERE id = NEW.id;"
        " UPDATE catalog_search_product SET manufacturer = NEW.name"
        " WHERE rowid IN (SELECT product_id FROM catalog_search_made_by WHERE manufacturer_id = NEW.id);"
        f" INSERT INTO catalog_search_word (word) {_sqlite_words('NEW.name')}; END",
        "CREATE TRIGGER catalog_search_manufacturer_delete AFTER DELETE ON catalog_manufacturer BEGIN"
        " DELETE FROM catalog_search_maker WHERE id = OLD.id; END",
    ]


def _sqlite_drop_triggers() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def _sqlite_drop_tables() -> list[str]:
    # Dropping is far quicker than deleting every row of an FTS5 table; the word trigger goes with its table.
    tables = ("product", "mpn", "maker", "made_by", "word_trigram", "word", "deferred")
    return [f"DROP TABLE IF EXISTS catalog_search_{table}" for table in tables]


def _sqlite_fill() -> list[str]:
    return [
        "INSERT INTO catalog_search_maker (id, name) SELECT id, name FROM catalog_manufacturer",
        "INSERT INTO catalog_search_made_by (product_id, manufacturer_id) SELECT id, manufacturer_id"
        " FROM catalog_product",
        "INSERT INTO catalog_search_product (rowid, mpn, title, manufacturer, description)"
        " SELECT p.id, p.mpn_normalized, p.title, m.name, p.description"
        " FROM catalog_product p LEFT JOIN catalog_manufacturer m ON m.id = p.manufacturer_id",
        "INSERT INTO catalog_search_mpn (rowid, mpn) SELECT id, mpn_normalized FROM catalog_product",
        "INSERT INTO catalog_search_word (word) "
        + _sqlite_words(
            "source.text",
            "FROM (SELECT title AS text FROM catalog_product"
            " UNION SELECT name FROM catalog_manufacturer) AS source",
        ),
        "INSERT INTO catalog_search_product (catalog_search_product) VALUES ('optimize')",
        "INSERT INTO catalog_search_mpn (catalog_search_mpn) VALUES ('optimize')",
    ]


# --- PostgreSQL --------------------------------------------------------------------------------------------

# White space and punctuation become spaces before to_tsvector(), so the document has the words the query
# splits (LM-317T, TO-220 -> lm 317t to 220), whatever PostgreSQL's parser would make of the punctuation.
_PG_SEPARATORS = "'[[:space:][:punct:]]+'"
# GIN indexes collect new entries in a pending list that every search reads; keep it short (in kB).
_PG_GIN = "WITH (gin_pending_list_limit = 256)"


def _postgres_words_insert(source_sql: str) -> str:
    """An INSERT of the lexicon words of the texts `source_sql` selects (as column `text`).

    The lexicon has no unique constraint, so two writers adding the same new word never wait on each
    other nor deadlock; the rare duplicate is harmless, readers select DISTINCT.
    """
    return (
        "INSERT INTO catalog_search_word (word)"
        f" SELECT DISTINCT w FROM ({source_sql}) AS source,"
        " regexp_split_to_table(lower(source.text), '[[:space:],;:/()-]+') AS w"
        f" WHERE w ~ '^[a-z]{{{LEXICON_MIN},{LEXICON_MAX}}}$'"
        " AND NOT EXISTS (SELECT 1 FROM catalog_search_word x WHERE x.word = w)"
    )


_PG_COLUMNS = "product_id, document, mpn_normalized, title, maker, status, stock, category_id"


def _postgres_row(row: str, maker: str) -> str:
    """The catalog_search_product values for a catalog_product row aliased `row`."""
    document = f"catalog_search_document({row}.mpn_normalized, {row}.title, {maker}, {row}.description)"
    copies = ", ".join(f"{row}.{column}" for column in ("mpn_normalized", "title"))
    filtered = ", ".join(f"{row}.{column}" for column in ("status", "stock", "category_id"))
    return f"{row}.id, {document}, {copies}, {maker}, {filtered}"


def _postgres_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS"
        f" $$ BEGIN {body} RETURN NULL; END $$"
    )


def _postgres_install() -> list[str]:
    upsert = (
        f"INSERT INTO catalog_search_product ({_PG_COLUMNS}) SELECT {_postgres_row('n', 'm.name')}"
        " FROM new_rows n LEFT JOIN catalog_manufacturer m ON m.id = n.manufacturer_id"
    )
    on_conflict = "ON CONFLICT (product_id) DO UPDATE SET " + ", ".join(
        f"{column} = EXCLUDED.{column}" for column in _PG_COLUMNS.split(", ")[1:]
    )
    text = "(o.mpn_normalized, o.title, o.description, o.manufacturer_id)"
    new_text = "(n.mpn_normalized, n.title, n.description, n.manufacturer_id)"
    retitled = (
        "SELECT n.title AS text FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.title <> n.title"
    )
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        # The filter and ranking columns are copied here so a search reads this one table; a copy of a
        # product row is rewritten when any of them changes (stock included), the document only when
        # the text does. fillfactor leaves room for those updates to stay on the same page (HOT).
        "CREATE TABLE IF NOT EXISTS catalog_search_product (product_id bigint PRIMARY KEY,"
        " document tsvector NOT NULL, mpn_normalized text NOT NULL, title text NOT NULL, maker text,"
        " status text NOT NULL, stock bigint NOT NULL, category_id bigint NOT NULL) WITH (fillfactor = 90)",
        "CREATE INDEX IF NOT EXISTS catalog_search_product_document ON catalog_search_product"
        f" USING gin (document) {_PG_GIN}",
        'CREATE TABLE IF NOT EXISTS catalog_search_word (word text COLLATE "C" NOT NULL)',
        "CREATE INDEX IF NOT EXISTS catalog_search_word_word ON catalog_search_word (word)",
        "CREATE INDEX IF NOT EXISTS catalog_search_word_trgm ON catalog_search_word"
        " USING gin (word gin_trgm_ops)",
        # Byte order whatever the database collation: a prefix is one range scan, already sorted.
        "CREATE INDEX IF NOT EXISTS catalog_search_mpn_prefix ON catalog_product"
        ' ((mpn_normalized COLLATE "C"), id)',
        "CREATE INDEX IF NOT EXISTS catalog_search_mpn_trgm ON catalog_product"
        f" USING gin (mpn_normalized gin_trgm_ops) {_PG_GIN}",
        "CREATE OR REPLACE FUNCTION catalog_search_clean(value text) RETURNS text LANGUAGE sql STABLE AS"
        f" $$ SELECT regexp_replace(unaccent(coalesce(value, '')), {_PG_SEPARATORS}, ' ', 'g') $$",
        "CREATE OR REPLACE FUNCTION catalog_search_document(mpn text, title text, manufacturer text,"
        " description text) RETURNS tsvector LANGUAGE sql STABLE AS $$"
        " SELECT setweight(to_tsvector('simple', catalog_search_clean(mpn || ' ' || title)), 'A')"
        " || setweight(to_tsvector('simple', catalog_search_clean(manufacturer)), 'B')"
        " || setweight(to_tsvector('simple', catalog_search_clean(description)), 'C') $$",
        *_postgres_drop_triggers(),
        # Statement-level triggers with transition tables: one pass per bulk_create() or update(), not a
        # function call per row. Every UPDATE of catalog_product runs the update one.
        _postgres_function(
            "catalog_search_products_inserted",
            # Titles repeat (the same resistor from many makers): each is split into words once.
            f"{upsert} {on_conflict};"
            f" {_postgres_words_insert('SELECT DISTINCT title AS text FROM new_rows')};",
        ),
        _postgres_function(
            "catalog_search_products_updated",
            "DELETE FROM catalog_search_product s USING old_rows o"
            " WHERE s.product_id = o.id AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id);"
            f" {upsert} LEFT JOIN old_rows o ON o.id = n.id"
            f" WHERE o.id IS NULL OR {text} IS DISTINCT FROM {new_text} {on_conflict};"
            # Stock, status or category only: no new document.
            " UPDATE catalog_search_product s"
            " SET status = n.status, stock = n.stock, category_id = n.category_id"
            " FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE s.product_id = n.id"
            f" AND {text} IS NOT DISTINCT FROM {new_text}"
            " AND (o.status, o.stock, o.category_id) IS DISTINCT FROM (n.status, n.stock, n.category_id);"
            f" {_postgres_words_insert(retitled)};",
        ),
        _postgres_function(
            "catalog_search_products_deleted",
            "DELETE FROM catalog_search_product WHERE product_id IN (SELECT id FROM old_rows);",
        ),
        _postgres_function("catalog_search_products_truncated", "TRUNCATE catalog_search_product;"),
        _postgres_function(
            "catalog_search_manufacturers_inserted",
            f"{_postgres_words_insert('SELECT name AS text FROM new_rows')};",
        ),
        _postgres_function(
            "catalog_search_manufacturers_updated",
            "UPDATE catalog_search_product s SET maker = n.name, document = catalog_search_document("
            "p.mpn_normalized, p.title, n.name, p.description)"
            " FROM new_rows n JOIN old_rows o ON o.id = n.id AND o.name IS DISTINCT FROM n.name"
            " JOIN catalog_product p ON p.manufacturer_id = n.id WHERE s.product_id = p.id;"
            f" {_postgres_words_insert('SELECT name AS text FROM new_rows')};",
        ),
        "CREATE TRIGGER catalog_search_product_insert AFTER INSERT ON catalog_product"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_products_inserted()",
        "CREATE TRIGGER catalog_search_product_update AFTER UPDATE ON catalog_product"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_products_updated()",
        "CREATE TRIGGER catalog_search_product_delete AFTER DELETE ON catalog_product"
        " REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_products_deleted()",
        "CREATE TRIGGER catalog_search_product_truncate AFTER TRUNCATE ON catalog_product"
        " FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_products_truncated()",
        "CREATE TRIGGER catalog_search_manufacturer_insert AFTER INSERT ON catalog_manufacturer"
        " REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_manufacturers_inserted()",
        "CREATE TRIGGER catalog_search_manufacturer_update AFTER UPDATE ON catalog_manufacturer"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_manufacturers_updated()",
    ]


def _postgres_drop_triggers() -> list[str]:
    table = {
        name: "catalog_manufacturer" if "manufacturer" in name else "catalog_product"
        for name in POSTGRES_TRIGGERS
    }
    return [f"DROP TRIGGER IF EXISTS {name} ON {table[name]}" for name in POSTGRES_TRIGGERS]


def _postgres_uninstall() -> list[str]:
    functions = [
        "catalog_search_products_inserted()",
        "catalog_search_products_updated()",
        "catalog_search_products_deleted()",
        "catalog_search_products_truncated()",
        "catalog_search_manufacturers_inserted()",
        "catalog_search_manufacturers_updated()",
        "catalog_search_document(text, text, text, text)",
        "catalog_search_clean(text)",
    ]
    return [
        *_postgres_drop_triggers(),
        *(f"DROP FUNCTION IF EXISTS {function}" for function in functions),
        "DROP INDEX IF EXISTS catalog_search_mpn_prefix",
        "DROP INDEX IF EXISTS catalog_search_mpn_trgm",
        "DROP TABLE IF EXISTS catalog_search_product",
        "DROP TABLE IF EXISTS catalog_search_word",
    ]


def _postgres_fill() -> list[str]:
    return [
        "TRUNCATE catalog_search_product",
        f"INSERT INTO catalog_search_product ({_PG_COLUMNS}) SELECT {_postgres_row('p', 'm.name')}"
        " FROM catalog_product p LEFT JOIN catalog_manufacturer m ON m.id = p.manufacturer_id",
        "TRUNCATE catalog_search_word",
        _postgres_words_insert(
            "SELECT title AS text FROM catalog_product UNION SELECT name FROM catalog_manufacturer"
        ),
        "ANALYZE catalog_search_product",
        "ANALYZE catalog_search_word",
    ]

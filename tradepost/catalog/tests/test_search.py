"""Product search as buyers and staff use it, on whichever database the suite runs (SQLite or PostgreSQL)."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from tradepost.catalog import services
from tradepost.catalog.models import Category, Manufacturer, Product
from tradepost.catalog.normalize import normalize_part_number
from tradepost.catalog.search import (
    COUNT_CAP,
    MAX_RESULTS,
    query,
    schema,
    search_count,
    search_product_ids,
    search_products,
    suggest,
)

pytestmark = pytest.mark.django_db

TI = "Texas Instruments"


def add(
    sku, mpn, title, *, manufacturer=TI, category="regulators", description="", stock=100, status="active"
):
    data = {
        "sku": sku, "mpn": mpn, "manufacturer": manufacturer, "category": category, "title": title,
        "description": description, "stock": stock, "moq": 1, "order_multiple": 1, "status": status,
        "price_breaks": [(1, "0.52"), (10, "0.44")], "specs": {},
    }  # fmt: skip
    return services.product_save(data=data)[0]


def mpns(q, **options) -> list[str]:
    return [p.mpn for p in search_products(q, **options)]


@pytest.fixture
def catalog():
    semis = services.category_create(name="Semiconductors", slug="semis")
    services.category_create(name="Voltage regulators", slug="regulators", parent=semis)
    services.category_create(name="Microcontrollers", slug="mcu", parent=semis)
    services.category_create(name="Resistors", slug="resistors")
    services.spec_attribute_create(key="package", name="Package", kind="text")
    add("TI-LM317T", "LM317T", "Adjustable voltage regulator 1.5A TO-220")
    add("TI-LM317LZ", "LM317LZ", "Adjustable voltage regulator 100mA TO-92", stock=0)
    add("ON-LM317", "LM-317", "Three-terminal positive regulator", manufacturer="ON Semiconductor")
    add("AC-XLM317", "XLM317", "Pin-compatible clone", manufacturer="Acme")
    add("ST-STM32", "STM32F103C8T6", "ARM Cortex-M3 microcontroller, 64 KB flash",
        manufacturer="STMicroelectronics", category="mcu")  # fmt: skip
    note = "General purpose chip resistor; pairs with an LM317 for current limiting."
    add("YG-10K", "RC0603FR-0710KL", "Thick film resistor 10k 0603",
        manufacturer="Yageo", category="resistors", description=note)  # fmt: skip
    add("TI-NE555", "NE555P", "Precision timer", status="discontinued")


# --- Part numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["lm-317t", "LM 317 T", "lm317t", "LM.317.T", "  Lm317T  ", "ＬＭ３１７Ｔ"])
def test_case_spaces_dashes_and_dots_in_a_part_number_do_not_matter(catalog, q):
    assert mpns(q)[0] == "LM317T"


def test_a_prefix_finds_longer_part_numbers_exact_first_then_shortest(catalog):
    assert mpns("LM317")[:3] == ["LM-317", "LM317T", "LM317LZ"]


def test_a_fragment_finds_the_part_numbers_containing_it(catalog):
    assert mpns("317LZ")[0] == "LM317LZ"
    assert "XLM317" in mpns("LM317")


def test_a_fragment_of_letters_the_lexicon_does_not_know_is_looked_for_in_part_numbers(catalog):
    add("MC-TINY", "ATTINY85-20PU", "8-bit microcontroller", manufacturer="Microchip", category="mcu")
    assert mpns("tiny") == ["ATTINY85-20PU"]


def test_exact_then_prefix_then_fragment_then_words(catalog):
    # LM-317 is exact; LM317T and LM317LZ start with it; XLM317 contains it; the resistor mentions it.
    assert mpns("lm317") == ["LM-317", "LM317T", "LM317LZ", "XLM317", "RC0603FR-0710KL"]


def test_the_same_part_number_from_two_makers_ties_on_id(catalog):
    second = add("ST-LM317T", "LM317T", "Adjustable regulator", manufacturer="STMicroelectronics")
    first = Product.objects.get(sku="TI-LM317T")
    assert search_product_ids("LM317T")[:2] == [first.pk, second.pk]


def test_a_long_part_number_is_found_from_its_beginning(catalog):
    assert mpns("stm32f103c8")[0] == "STM32F103C8T6"


# --- Words ----------------------------------------------------------------------------------------------


def test_words_are_found_in_title_manufacturer_and_description(catalog):
    assert set(mpns("voltage regulator")) == {"LM317T", "LM317LZ"}
    assert mpns("yageo") == ["RC0603FR-0710KL"]
    assert mpns("current limiting") == ["RC0603FR-0710KL"]


def test_a_word_in_the_title_outranks_one_in_the_description(catalog):
    add("AC-HS", "HS-220", "Heatsink", manufacturer="Acme", description="Fits a voltage regulator in TO-220.")
    assert mpns("voltage regulator") == ["LM317LZ", "LM317T", "HS-220"]


def test_title_matches_are_not_crowded_out_by_many_mentions_in_descriptions(catalog, monkeypatch):
    for n in range(3):
        add(
            f"AC-KIT{n}",
            f"KIT{n}",
            "Prototyping kit",
            manufacturer="Acme",
            description="Includes a heatsink.",
        )
    add("AC-HS", "HS-220", "Heatsink for TO-220", manufacturer="Acme")
    monkeypatch.setattr(query, "WORD_POOL", 2)  # the kits come first in id order and would fill the pool
    assert mpns("heatsink")[0] == "HS-220"


def test_an_unfinished_word_matches_the_words_it_starts(catalog):
    assert set(mpns("regul")) == {"LM317T", "LM317LZ", "LM-317"}
    assert set(mpns("texas instrument")) == {"LM317T", "LM317LZ"}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("regulater", "LM317T"),
        ("reguator", "LM317T"),
        ("microcontroler", "STM32F103C8T6"),
        ("thik film", "RC0603FR-0710KL"),
        ("texsa instruments", "LM317T"),
    ],
)
def test_typos_in_words_are_tolerated(catalog, q, expected):
    assert expected in mpns(q)


def test_accents_do_not_matter(catalog):
    add("AC-WID", "WD-1", "Widerstände 10k Sortiment", manufacturer="Acme", category="resistors")
    assert mpns("widerstande") == ["WD-1"]
    assert mpns("WIDERSTÄNDE") == ["WD-1"]


def test_when_no_product_has_every_word_those_with_some_of_them_follow(catalog):
    assert mpns("resistor banana") == ["RC0603FR-0710KL"]


def test_nonsense_finds_nothing(catalog):
    assert mpns("qxzjvwq") == []


# --- Filters --------------------------------------------------------------------------------------------


def test_buyers_see_active_products_only_and_staff_see_all(catalog):
    assert mpns("NE555P") == []
    assert mpns("NE555P", buyable_only=False) == ["NE555P"]
    assert mpns("timer", buyable_only=False) == ["NE555P"]


def test_in_stock_keeps_products_with_stock_and_false_keeps_those_without(catalog):
    assert "LM317LZ" not in mpns("LM317", in_stock=True)
    assert mpns("LM317", in_stock=False) == ["LM317LZ"]


def test_a_category_keeps_its_whole_subtree(catalog):
    semis, regulators = Category.objects.get(slug="semis"), Category.objects.get(slug="regulators")
    assert "RC0603FR-0710KL" not in mpns("lm317", category_path=semis.path)
    assert mpns("lm317", category_path=regulators.path) == ["LM-317", "LM317T", "LM317LZ", "XLM317"]
    assert mpns("stm32", category_path=semis.path) == ["STM32F103C8T6"]
    assert mpns("stm32", category_path=regulators.path) == []
    assert mpns("stm32", category_path=semis.path.rstrip("/")) == ["STM32F103C8T6"]  # "/1" is not "/10/"


# --- Paging, counting, suggestions, queries -------------------------------------------------------------


def test_pages_are_slices_of_one_ranking(catalog):
    for n in range(12):
        add(f"BULK-{n}", f"LM317B{n:02d}", "Adjustable voltage regulator")
    everything = search_product_ids("lm317", limit=50)
    pages = [search_product_ids("lm317", limit=4, offset=offset) for offset in range(0, 50, 4)]
    assert [pid for page in pages for pid in page] == everything
    assert search_product_ids("lm317", limit=20, offset=MAX_RESULTS) == []
    assert search_product_ids("lm317", limit=0) == []
    assert search_product_ids("lm317", offset=-5) == everything[:20]


def test_search_count_counts_what_paging_can_reach(catalog):
    assert search_count("lm317") == 5
    assert search_count("lm317", in_stock=True) == 4
    assert search_count("") == 0
    assert COUNT_CAP == MAX_RESULTS


def test_suggest_completes_the_last_word_and_shows_buyable_products_only(catalog):
    assert {p.mpn for p in suggest("adjustable volt")} == {"LM317T", "LM317LZ"}
    assert [p.mpn for p in suggest("lm31", limit=2)] == ["LM-317", "LM317T"]
    assert suggest("NE555") == []
    assert suggest("") == []


def test_search_products_loads_manufacturer_and_category_with_the_products(catalog):
    products = search_products("lm317")
    with CaptureQueriesContext(connection) as ctx:
        names = [(p.manufacturer.name, p.category.slug) for p in products]
    assert len(ctx) == 0
    assert names[0] == ("ON Semiconductor", "regulators")


def test_a_part_number_that_fills_the_page_costs_one_query(catalog):
    for n in range(5):
        add(f"BULK-{n}", f"LM317B{n:02d}", "Adjustable voltage regulator")
    with CaptureQueriesContext(connection) as ctx:
        assert len(search_product_ids("LM317", limit=5)) == 5
    assert len(ctx) == 1


def test_a_mistyped_word_costs_four_queries(catalog):
    with CaptureQueriesContext(connection) as ctx:
        search_product_ids("regulater")
    # part-number prefix, lexicon words it starts, lexicon words near it, products with the words; no
    # part-number fragment, as the lexicon knows what the word means
    assert len(ctx) == 4


# --- Hostile input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "a", "-", "L", "!?", None])
def test_empty_and_too_short_queries_return_nothing_without_touching_the_database(catalog, q):
    with CaptureQueriesContext(connection) as ctx:
        assert search_product_ids(q) == []
        assert suggest(q) == []
        assert search_count(q) == 0
    assert len(ctx) == 0


HOSTILE = [
    '"', '""', "'", "*", "--", "!!!", "...", "(", ")", "NEAR", "NEAR(lm317, 2)", "lm317 NEAR regulator",
    "AND", "OR", "NOT", "lm317 AND", "OR lm317", "-lm317", "lm317*", "*lm317", '"lm317', 'lm317"', "lm*317",
    "title:lm317", "{title}: x", "^lm317", "lm317 & regulator", "lm317 | x", "!lm317", "lm317:*", "a <-> b",
    "'; DROP TABLE catalog_product; --", "1' OR '1'='1", "%", "_", "%lm%", "\\", "\\x00", "\x00", "lm\x00317",
    "𝔩𝔪𝟛𝟙𝟟", "ǅ", "μA7805", "漢字", "🙂 regulator", "a" * 5000, "LM317T " * 500, "x " * 500, "reg" * 300,
]  # fmt: skip


@pytest.mark.parametrize("q", HOSTILE)
def test_operators_quotes_and_junk_are_text_and_never_fail(catalog, q):
    assert isinstance(search_product_ids(q, buyable_only=False), list)
    assert isinstance(suggest(q), list)
    assert isinstance(search_count(q), int)
    assert Product.objects.count() == 7


def test_operators_around_words_do_not_stop_the_words_from_matching(catalog):
    assert "LM317T" in mpns('"voltage" AND regulator*')
    assert mpns("lm317t NEAR")[0] == "LM317T"
    assert mpns("𝔩𝔪𝟛𝟙𝟟")[0] == "LM-317"


def test_a_very_long_query_is_cut_not_refused(catalog):
    assert mpns("LM317T" + " " * 200 + "junk") == mpns("LM317T")


# --- The index follows every write, however it is made --------------------------------------------------


def test_an_updated_title_is_found_by_its_new_words_only(catalog):
    add("TI-LM317T", "LM317T", "Linear regulator, adjustable, 1.5 A")
    assert "LM317T" in mpns("linear")
    assert "LM317T" not in mpns("voltage")


def test_a_changed_part_number_is_found_under_the_new_one_only(catalog):
    add("TI-LM317T", "LM338T", "Adjustable voltage regulator 5A")
    assert mpns("LM338T") == ["LM338T"]
    assert "LM338T" not in mpns("LM317T")


def test_a_renamed_manufacturer_is_found_by_its_new_name(catalog):
    Manufacturer.objects.filter(name="Yageo").update(name="Yageo Corporation")
    assert mpns("yageo corporation") == ["RC0603FR-0710KL"]
    acme = Manufacturer.objects.get(name="Acme")
    acme.name = "Zenith Parts"
    acme.save()
    assert mpns("zenith") == ["XLM317"]
    assert mpns("acme") == []


def test_a_product_moved_to_another_manufacturer_is_found_under_it(catalog):
    Product.objects.filter(sku="AC-XLM317").update(manufacturer=Manufacturer.objects.get(name="Yageo"))
    assert set(mpns("yageo")) == {"XLM317", "RC0603FR-0710KL"}
    assert mpns("acme") == []


def test_deleted_products_are_gone(catalog):
    services.product_delete(sku="TI-LM317T")
    assert "LM317T" not in mpns("LM317")
    Product.objects.filter(sku__startswith="TI-").delete()
    assert "LM317LZ" not in mpns("LM317")
    assert mpns("texas instruments") == []


def test_bulk_created_products_are_found(catalog):
    maker = Manufacturer.objects.create(name="Microchip", slug="microchip")
    category = Category.objects.get(slug="mcu")
    parts = ["ATMEGA328P-PU", "ATTINY85-20PU", "PIC16F877A-I/P"]
    Product.objects.bulk_create([
        Product(sku=f"MC-{n}", mpn=mpn, mpn_normalized=normalize_part_number(mpn), manufacturer=maker,
                category=category, title=f"8-bit flash microcontroller {n}", stock=5)
        for n, mpn in enumerate(parts)
    ])  # fmt: skip
    assert mpns("atmega328p") == ["ATMEGA328P-PU"]
    assert mpns("877A")[0] == "PIC16F877A-I/P"
    assert set(mpns("microchip")) == set(parts)
    assert "ATTINY85-20PU" in mpns("mikrocontroller")


def test_bulk_upserts_reindex_the_rows_they_update(catalog):
    product = Product.objects.get(sku="TI-LM317T")
    product.title, product.pk = "Obsolete regulator", None
    Product.objects.bulk_create(
        [product], update_conflicts=True, unique_fields=["sku"], update_fields=["title"]
    )
    assert mpns("obsolete") == ["LM317T"]
    assert "LM317T" not in mpns("adjustable")


def test_queryset_updates_are_indexed_and_status_and_stock_apply_at_once(catalog):
    Product.objects.filter(sku="AC-XLM317").update(title="Precision shunt reference", mpn_normalized="TL431X")
    assert mpns("shunt reference") == ["XLM317"]
    assert mpns("TL431")[0] == "XLM317"
    Product.objects.filter(sku="AC-XLM317").update(status="not_for_sale")
    assert mpns("shunt reference") == []
    Product.objects.filter(sku="AC-XLM317").update(stock=0, status="active")
    assert mpns("shunt reference", in_stock=True) == []
    assert mpns("shunt reference") == ["XLM317"]


def test_raw_sql_writes_are_indexed(catalog):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_product SET title = %s WHERE sku = %s", ["Quartz oscillator", "AC-XLM317"]
        )
    assert mpns("quartz oscillator") == ["XLM317"]
    assert mpns("oscilator") == ["XLM317"]


# --- The index itself -----------------------------------------------------------------------------------


def test_every_search_trigger_is_there_after_all_migrations():
    # On SQLite, Django alters a table by copying it, which drops its triggers: a later migration that
    # alters catalog_product or catalog_manufacturer must call schema.install() again.
    assert schema.installed_triggers(connection) == schema.expected_triggers(connection)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="Django copies tables to alter them on SQLite only")
def test_django_can_still_rebuild_the_tables_the_triggers_watch_and_install_restores_the_triggers(catalog):
    with connection.cursor() as cursor:
        for table in ("catalog_manufacturer", "catalog_product"):  # what Django's _remake_table() does
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
            cursor.execute(cursor.fetchone()[0].replace(f'"{table}"', f'"new__{table}"', 1))
            cursor.execute(f"INSERT INTO new__{table} SELECT * FROM {table}")
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(f"ALTER TABLE new__{table} RENAME TO {table}")
    assert schema.installed_triggers(connection) == {"catalog_search_word_insert"}
    schema.install(connection)
    assert schema.installed_triggers(connection) == schema.expected_triggers(connection)
    assert mpns("LM317T")[0] == "LM317T"


def test_the_search_migration_can_be_reversed():
    migration = MigrationLoader(connection).get_migration("catalog", "0002_search_index")
    assert all(operation.reversible for operation in migration.operations)


def test_uninstall_then_install_brings_the_index_back(catalog):
    if connection.vendor == "postgresql":  # PostgreSQL won't index a table with deferred FK checks pending
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema.uninstall(connection)
    assert schema.installed_triggers(connection) == set()
    schema.install(connection)
    assert {"LM317T", "LM317LZ"} <= set(mpns("regulater"))
    add("LT-1086", "LT1086", "Low dropout regulator", manufacturer="Linear Technology")
    assert mpns("LT1086") == ["LT1086"]


def test_rebuild_repairs_an_index_that_lost_rows(catalog):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_search_product")
    assert mpns("voltage") == []
    schema.rebuild(connection)
    assert set(mpns("voltage")) == {"LM317T", "LM317LZ"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bounded read is PostgreSQL's")
def test_words_common_enough_to_mislead_the_planner_are_read_from_a_bounded_stretch(catalog, monkeypatch):
    from tradepost.catalog.search import postgres

    monkeypatch.setattr(postgres, "_share", lambda cursor, group: 1.0)
    assert set(mpns("voltage regulator")) == {"LM317T", "LM317LZ"}
    assert mpns("regulator timer") == ["LM-317", "LM317LZ", "LM317T"]  # no product has both: either
    assert mpns("adjustable regulator", in_stock=True) == ["LM317T"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bounded read is PostgreSQL's")
def test_one_common_word_is_read_from_the_first_pages_then_from_the_index_if_they_fall_short(
    catalog, monkeypatch
):
    from tradepost.catalog.search import postgres

    monkeypatch.setattr(postgres, "_share", lambda cursor, group: 1.0)
    monkeypatch.setattr(postgres, "_rows_per_page", lambda cursor: 15.0)  # 200 products: 40 pages
    with CaptureQueriesContext(connection) as statements:
        found = mpns("regulator")
    words = [q["sql"] for q in statements.captured_queries if "to_tsquery" in q["sql"]]
    # A pool is 200 products: the first pages hold fewer, so the index is read too, and finds them all.
    assert "ctid <" in words[0] and "ctid" not in words[1]
    assert set(found) == {"LM317T", "LM317LZ", "LM-317"}
    monkeypatch.setattr(query, "WORD_POOL", 1)  # one product fills the pool: the first pages are enough
    # Rows rolled back by earlier tests leave the table long, and the catalog's rows may sit on any page:
    # size the first pages (3 products per page needed) to reach the last page holding one.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max((ctid::text::point)[0])::int FROM catalog_search_product"
            " WHERE document @@ to_tsquery('simple', 'regulator')"
        )
        last_page = cursor.fetchone()[0]
    monkeypatch.setattr(postgres, "_rows_per_page", lambda cursor: 3.0 / (last_page + 1))
    monkeypatch.setattr(postgres, "COMMON_SCAN_PAGES", max(postgres.COMMON_SCAN_PAGES, last_page + 2))
    with CaptureQueriesContext(connection) as statements:
        found = mpns("regulator")
    words = [q["sql"] for q in statements.captured_queries if "to_tsquery" in q["sql"]]
    assert all("ctid <" in sql for sql in words) and len(found) == 1
    assert found[0] in {"LM317T", "LM317LZ", "LM-317"}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the bounded intersection is SQLite's")
def test_words_common_enough_to_be_slow_together_are_matched_among_their_first_products(catalog, monkeypatch):
    from tradepost.catalog.search import sqlite

    monkeypatch.setattr(sqlite, "COMMON_POSTINGS", 2)  # every word here is then common
    assert set(mpns("voltage regulator")) == {"LM317T", "LM317LZ"}
    assert mpns("regulator timer") == ["LM-317", "LM317LZ", "LM317T"]  # no product has both: either
    assert mpns("adjustable regulator", in_stock=True) == ["LM317T"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the bounded intersection is SQLite's")
@pytest.mark.parametrize("common_postings", [1, 3, 7, 12])
def test_common_words_meet_exactly_among_their_first_postings(catalog, monkeypatch, common_postings):
    """The intersection is read as text, so check it against the plain one over ids of one and two digits."""
    import json

    from tradepost.catalog.search import sqlite

    for n in range(12):
        words = " ".join(w for k, w in enumerate(["alpha", "beta", "gamma"]) if n % (k + 2) == 0)
        add(f"GEN-{n}", f"GEN{n:03d}", f"Generic part {words}")
    monkeypatch.setattr(sqlite, "COMMON_POSTINGS", common_postings)

    def first_postings(word):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM catalog_search_product WHERE catalog_search_product MATCH %s"
                " ORDER BY rowid LIMIT %s",
                [word, common_postings],
            )
            return {row[0] for row in cursor.fetchall()}

    for words in [("generic", "part"), ("generic", "alpha"), ("alpha", "beta"), ("part", "beta", "gamma")]:
        firsts = [first_postings(w) for w in words]
        expected = set.intersection(*firsts) if all(len(f) == common_postings for f in firsts) else None
        with connection.cursor() as cursor:
            found = sqlite._intersection_if_common(cursor, [f'("{w}")' for w in words])
        assert (None if found is None else set(json.loads(found))) == expected, words


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the word statistics are PostgreSQL's")
def test_word_shares_and_products_per_page_are_read_from_what_analyze_counted(catalog, monkeypatch):
    from tradepost.catalog.search import postgres

    for n in range(60):
        add(f"GEN-{n}", f"GEN{n:03d}", "Generic regulator" if n % 2 else "Generic diode")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_search_product")
        assert postgres._statistics(cursor) == postgres.no_statistics()  # read a moment ago: not again
    monkeypatch.setitem(postgres._shares, "read_at", float("-inf"))
    with CaptureQueriesContext(connection) as statements, connection.cursor() as cursor:
        shares = postgres._statistics(cursor)["shares"]
        assert postgres._statistics(cursor)["shares"] is shares  # kept for SHARES_TTL
        rows_per_page = postgres._rows_per_page(cursor)
    assert len(statements) == 2
    assert shares["generic"] == pytest.approx(60 / 67, abs=0.02)
    assert shares["regulator"] == pytest.approx(33 / 67, abs=0.02)
    assert shares["diode"] == pytest.approx(30 / 67, abs=0.02) and shares.get("stm32f103c8t6", 0) < 0.02
    assert 0 < rows_per_page < 200 and rows_per_page != postgres.DEFAULT_ROWS_PER_PAGE  # dead rows too

"""Demo catalog generator: deterministic, importable, with anchor parts and the right warranty classes."""

import csv
import io
from decimal import Decimal

import pytest

from tradepost.catalog import generator
from tradepost.catalog.generator import (
    PRESETS,
    catalog_generate,
    catalog_taxonomy_ensure,
    generate_csv,
)
from tradepost.catalog.imports import catalog_import
from tradepost.catalog.models import Category, Product, SpecAttribute
from tradepost.core.exceptions import ValidationFailed
from tradepost.policies.loading import load_preset

ANCHORS = [
    "LM317T",
    "LM317LZ",
    "STM32F103C8T6",
    "NE555P",
    "ATMEGA328P-PU",
    "ESP32-WROOM-32E",
    "AMS1117-3.3",
    "LM7805CT",
    "GRM188R71H104KA93D",
    "CL10B104KB8NNNC",
    "RC0603FR-0710KL",
    "CRCW060310K0FKEA",
]


def csv_of(parts: int, preset: str = "components", seed: int = 1) -> str:
    target = io.StringIO()
    assert generate_csv(parts=parts, preset=preset, seed=seed, target=target) == parts
    return target.getvalue()


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("preset", PRESETS)
def test_the_same_seed_gives_the_same_catalog_and_another_seed_another(preset):
    assert csv_of(400, preset, seed=7) == csv_of(400, preset, seed=7)
    assert csv_of(400, preset, seed=7) != csv_of(400, preset, seed=8)


def test_skus_are_unique_and_anchor_parts_come_first_whatever_the_seed():
    for seed in (1, 2):
        rows = rows_of(csv_of(2000, seed=seed))
        assert [row["mpn"] for row in rows[: len(ANCHORS)]] == ANCHORS
        assert len({row["sku"] for row in rows}) == 2000
    assert rows[0]["sku"] == "TPC-0000001" and rows[-1]["sku"] == "TPC-0002000"
    assert [row["mpn"] for row in rows_of(csv_of(2))] == ["LM317T", "LM317LZ"]


def test_generated_parts_look_like_a_distributor_catalog():
    rows = rows_of(csv_of(3000))
    by_category = {}
    for row in rows:
        by_category.setdefault(row["category"], []).append(row)
    assert set(by_category) == {
        "resistors",
        "capacitors",
        "voltage-regulators",
        "microcontrollers",
        "diodes",
        "transistors",
        "timers",
        "connectors",
        "cable-assemblies",
    }
    assert {row["hs_code"] for row in by_category["resistors"]} == {"853321"}
    assert {row["hs_code"] for row in by_category["capacitors"]} == {"853224"}
    assert {row["hs_code"] for row in by_category["microcontrollers"]} == {"854231"}
    manufacturers = {row["manufacturer"] for row in rows}
    assert {
        "Texas Instruments",
        "STMicroelectronics",
        "Murata",
        "Yageo",
        "Vishay",
        "Samsung Electro-Mechanics",
        "Microchip",
        "Espressif",
        "TE Connectivity",
        "onsemi",
    } <= manufacturers
    assert any(row["stock"] == "0" for row in rows)
    reels = [row for row in rows if row["moq"] in ("3000", "4000", "5000", "10000")]
    assert reels and all(row["moq"] == row["order_multiple"] for row in reels)
    for row in rows:
        breaks = [
            (int(q), Decimal(p)) for q, p in (entry.split(":") for entry in row["price_breaks"].split("|"))
        ]
        assert [q for q, _ in breaks] == sorted(q for q, _ in breaks) and len(breaks) >= 3
        assert [p for _, p in breaks] == sorted((p for _, p in breaks), reverse=True)
        assert row["datasheet_url"].startswith("https://datasheets.example.com/")


@pytest.mark.parametrize(
    ("value", "digits", "code"),
    [
        ("10000", 2, "103"),
        ("10000", 3, "1002"),
        ("4.7", 2, "4R7"),
        ("47", 3, "47R0"),
        ("100000", 2, "104"),
        ("100", 3, "1000"),
    ],
)
def test_value_codes_follow_the_manufacturers_conventions(value, digits, code):
    assert generator._code(Decimal(value), digits) == code


@pytest.mark.parametrize(
    ("ohms", "width", "code"),
    [
        ("10000", 0, "10K"),
        ("4700", 0, "4K7"),
        ("100", 0, "100R"),
        ("10000", 4, "10K0"),
        ("1000000", 4, "1M00"),
        ("2.2", 4, "2R20"),
    ],
)
def test_resistance_codes(ohms, width, code):
    assert generator._rkm(Decimal(ohms), width) == code


@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESETS)
def test_a_generated_csv_imports_without_a_single_error(preset):
    catalog_taxonomy_ensure(preset=preset)
    report = catalog_import(source=io.StringIO(csv_of(600, preset, seed=3)))
    assert (report.created, report.failed, report.errors) == (600, 0, [])


@pytest.mark.django_db
def test_generating_writes_what_the_csv_holds_and_again_changes_nothing():
    assert catalog_generate(parts=300, preset="components", seed=5, batch_size=128) == 300
    from tradepost.catalog.exports import catalog_export

    exported = io.StringIO()
    catalog_export(target=exported)
    assert exported.getvalue() == csv_of(300, seed=5)

    categories = Category.objects.count()
    catalog_generate(parts=300, preset="components", seed=5)
    assert (Product.objects.count(), Category.objects.count()) == (300, categories)
    for mpn in ("LM317T", "LM317LZ", "STM32F103C8T6", "NE555P"):
        product = Product.objects.get(mpn=mpn)
        assert product.status == "active" and product.price_breaks.count() == 4
    assert Product.objects.get(mpn="LM317T").price_from == Decimal("0.62")


@pytest.mark.django_db
def test_components_taxonomy_has_a_customizable_category_and_typed_specs():
    categories, attributes = catalog_taxonomy_ensure(preset="components")
    assert catalog_taxonomy_ensure(preset="components")[0].keys() == categories.keys()
    assert [slug for slug, category in categories.items() if category.customizable] == ["cable-assemblies"]
    resistors = categories["resistors"]
    assert resistors.parent.slug == "passive-components" and resistors.path.startswith(resistors.parent.path)
    assert attributes["resistance"].kind == SpecAttribute.Kind.NUMBER and attributes["resistance"].unit == "Ω"
    assert attributes["package"].kind == SpecAttribute.Kind.TEXT


def effective_warranty_class(category: Category) -> str:
    """A category's own class, else its nearest ancestor's: blank inherits the parent's."""
    while category is not None and not category.warranty_class:
        category = category.parent
    return category.warranty_class if category else ""


@pytest.mark.django_db
@pytest.mark.parametrize("preset", ["wholesale", "direct"])
def test_goods_categories_map_onto_the_wholesale_warranty_classes(preset):
    catalog_generate(parts=1500, preset=preset)
    classes = {warranty_class.key for warranty_class in load_preset("wholesale").warranty.classes}
    used = {}
    for product in Product.objects.select_related("category__parent"):
        used.setdefault(effective_warranty_class(product.category), set()).add(product.category.slug)
    assert set(used) == classes
    assert used["cell_phones"] == {"smartphones", "rugged-phones"}
    assert used["cell_phone_batteries"] == {"phone-batteries"}
    assert used["mp3_mp4_players"] == {"mp3-mp4-players"}
    assert used["other"] == {"home-garden", "gadgets"}
    assert Category.objects.get(slug="custom-phone-cases").customizable
    assert Product.objects.filter(mpn="BV9300-12+256-BL", category__slug="rugged-phones").exists()


def test_an_unknown_preset_is_refused():
    with pytest.raises(ValidationFailed, match="Unknown preset 'bazaar'"):
        csv_of(1, "bazaar")

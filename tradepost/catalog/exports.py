"""CSV export of products in the import's format, streamed in chunks: a large catalog never sits in memory."""

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TextIO

from django.db.models import QuerySet

from tradepost.catalog.imports import (
    BREAK_PRICE_SEPARATOR,
    BREAK_SEPARATOR,
    COLUMNS,
    IMAGE_SEPARATOR,
    SPEC_SEPARATOR,
    SPEC_VALUE_SEPARATOR,
)
from tradepost.catalog.models import Category, Manufacturer, PriceBreak, Product, ProductImage, ProductSpec
from tradepost.catalog.validation import CleanProduct

CHUNK_SIZE = 2000
_PRODUCT_VALUES = (
    "id", "sku", "mpn", "manufacturer_id", "category_id", "title", "description", "datasheet_url",
    "weight_grams", "length_mm", "width_mm", "height_mm", "hs_code", "country_of_origin", "stock", "moq",
    "order_multiple", "status",
)  # fmt: skip


def catalog_export(*, target: TextIO, queryset: QuerySet[Product] | None = None, bom: bool = False) -> int:
    """Write products (all, or `queryset`) as CSV to `target`, in id order; returns how many were written.

    `bom` starts the text with a byte order mark, which spreadsheet programs need to read it as UTF-8.
    """
    count = 0
    for text, written in _chunks(queryset, bom=bom):
        target.write(text)
        count += written
    return count


def catalog_export_chunks(*, queryset: QuerySet[Product] | None = None, bom: bool = False) -> Iterator[str]:
    """The export as CSV text, one piece per chunk of products, for streaming responses."""
    for text, _ in _chunks(queryset, bom=bom):
        yield text


def _chunks(queryset: QuerySet[Product] | None, *, bom: bool) -> Iterator[tuple[str, int]]:
    # Keyset pages of plain values, children fetched per page: memory stays flat and no model instances
    # are built, which keeps a million-product export to minutes.
    queryset = (Product.objects.all() if queryset is None else queryset).order_by("pk")
    categories = dict(Category.objects.values_list("id", "slug"))
    manufacturers = dict(Manufacturer.objects.values_list("id", "name"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.values_list(*_PRODUCT_VALUES)[:CHUNK_SIZE])
        if not rows:
            break
        last = rows[-1][0]
        _fill(manufacturers, Manufacturer, "name", {row[3] for row in rows})  # made while the export runs
        _fill(categories, Category, "slug", {row[4] for row in rows})
        breaks, specs, images = _children([row[0] for row in rows])
        for pk, sku, mpn, manufacturer_id, category_id, *values in rows:
            writer.writerow(
                (
                    sku, mpn, manufacturers[manufacturer_id], categories[category_id],
                    *(_cell(value) for value in values), format_breaks(breaks.get(pk, ())),
                    format_specs(specs.get(pk, ())), format_images(images.get(pk, ())),
                )
            )  # fmt: skip
        yield buffer.getvalue(), len(rows)
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue(), 0


def _children(ids: list[int]) -> tuple[dict, dict, dict]:
    breaks: dict[int, list] = {}
    for product_id, quantity, price in (
        PriceBreak.objects.filter(product_id__in=ids).order_by("product_id", "min_quantity")
        .values_list("product_id", "min_quantity", "unit_price")
    ):  # fmt: skip
        breaks.setdefault(product_id, []).append((quantity, price))
    specs: dict[int, list] = {}
    for product_id, key, text in (
        ProductSpec.objects.filter(product_id__in=ids)
        .order_by("product_id", "attribute__position", "attribute__key")
        .values_list("product_id", "attribute__key", "value_text")
    ):
        specs.setdefault(product_id, []).append((key, text))
    images: dict[int, list] = {}
    for product_id, url in (
        ProductImage.objects.filter(product_id__in=ids).order_by("product_id", "position", "id")
        .values_list("product_id", "url")
    ):  # fmt: skip
        images.setdefault(product_id, []).append(url)
    return breaks, specs, images


def _fill(names: dict[int, str], model, field: str, ids: set[int]) -> None:
    if missing := ids - names.keys():
        names.update(model.objects.filter(pk__in=missing).values_list("id", field))


def _cell(value) -> str:
    return "" if value is None else str(value)


def format_decimal(value: Decimal) -> str:
    """0.5200 -> '0.52', 100.0000 -> '100': the shortest text that imports as the same number."""
    return format(value.normalize(), "f")


def format_breaks(breaks: Iterable[tuple[int, Decimal]]) -> str:
    return BREAK_SEPARATOR.join(
        f"{quantity}{BREAK_PRICE_SEPARATOR}{format_decimal(price)}" for quantity, price in breaks
    )


def format_specs(specs: Iterable[tuple[str, str]]) -> str:
    return SPEC_SEPARATOR.join(f"{key}{SPEC_VALUE_SEPARATOR}{text}" for key, text in specs)


def format_images(urls: Iterable[str]) -> str:
    return IMAGE_SEPARATOR.join(urls)


def clean_product_row(clean: CleanProduct) -> list[str]:
    """One CSV row for validated product data, as the export writes it (used to write generated catalogs)."""
    return [
        clean.sku, clean.mpn, clean.manufacturer, clean.category.slug, clean.title, clean.description,
        clean.datasheet_url, str(clean.weight_grams), str(clean.length_mm), str(clean.width_mm),
        str(clean.height_mm), clean.hs_code, clean.country_of_origin,
        str(clean.stock), str(clean.moq), str(clean.order_multiple), str(clean.status),
        format_breaks(clean.price_breaks), format_specs((k, text) for k, (text, _) in clean.specs.items()),
        format_images(clean.images),
    ]  # fmt: skip

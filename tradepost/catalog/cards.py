"""Product cards: what a listing or a search result shows of a product, read as plain rows.

Listings and search results are the hottest reads of the store. Building the ORM queries and ten model
instances per product took several times longer than the database took to answer, so the three card
statements are written once here, from the models' names, and their rows converted with the same
converters the ORM would apply. See selectors.product_list() and selectors.products_in_order().
"""

# ruff: noqa: S608 - the statements are built from model metadata; every value is a parameter
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from tradepost.catalog.models import (
    Category,
    Manufacturer,
    PriceBreak,
    Product,
    ProductImage,
    ProductSpec,
    ProductStatus,
    SpecAttribute,
)
from tradepost.core.prepared import server_prepared
from tradepost.core.rawsql import Converters, converted, converters_for

# What selectors read of a product row for its card, in ProductCard's field order (ORM lookups).
CARD_FIELDS = (
    "id", "sku", "mpn", "title", "manufacturer__name", "category__slug", "stock", "moq", "order_multiple",
    "status", "price_from",
)  # fmt: skip


class CardSpec(NamedTuple):  # a tuple: immutable, and quicker to build than a frozen dataclass
    key: str
    name: str
    unit: str
    text: str
    number: Decimal | None


@dataclass(slots=True)
class ProductCard:
    id: int
    sku: str
    mpn: str
    title: str
    manufacturer: str  # name
    category: str  # slug
    stock: int
    moq: int
    order_multiple: int
    status: str
    price_from: Decimal | None
    breaks: list[tuple[int, Decimal]] = field(default_factory=list)  # (min_quantity, unit_price), ascending
    specs: list[CardSpec] = field(default_factory=list)  # in attribute order

    @property
    def is_buyable(self) -> bool:
        return self.status == ProductStatus.ACTIVE


def cards_by_id(ids: list[int]) -> list[ProductCard]:
    """Cards of these products in the order of `ids` (unknown ids are skipped): three queries."""
    if not ids:
        return []
    statements = _statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(*_where_in(statements.rows, ids))
        rows = {row[0]: row for row in converted(cursor.fetchall(), statements.row_converters)}
    return with_breaks_and_specs([rows[i] for i in ids if i in rows])


def card_json_by_id(ids: list[int]) -> list[str]:
    """The cards of these products as JSON objects, written by the database, in the order of `ids` (unknown
    ids are skipped): one query. The API's ProductOut shape: keys in its order, decimals as strings in
    plain notation with the field's decimal places, integers as numbers.

    A card's row, price breaks and specs come out of one statement as one text each, so a search answered
    through the API never builds a card in Python. The database quotes the strings as JSON (RFC 8259:
    non-ASCII characters stay as they are, in UTF-8). Decimals read as the ORM reads them: PostgreSQL's
    numeric as it is, SQLite's float to 15 significant digits (_sqlite_decimal).
    """
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*_where_in(_statements(connection.vendor).card_json, ids))
        texts = dict(cursor.fetchall())
    return [texts[i] for i in ids if i in texts]


def with_breaks_and_specs(rows: Iterable[tuple]) -> list[ProductCard]:
    """Cards from product rows in CARD_FIELDS order, with their price breaks and specs: two queries."""
    cards = [ProductCard(*row) for row in rows]
    if cards:
        by_id = {card.id: card for card in cards}
        breaks, specs = breaks_and_specs(list(by_id))
        for product_id, quantity, price in breaks:
            by_id[product_id].breaks.append((quantity, price))
        for product_id, spec in specs:
            by_id[product_id].specs.append(spec)
    return cards


def breaks_and_specs(ids: list[int]) -> tuple[list[tuple[int, int, Decimal]], list[tuple[int, CardSpec]]]:
    """(product id, min_quantity, unit_price) by product and quantity, and (product id, spec) in attribute
    order, of these products: two queries."""
    statements = _statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(*_where_in(statements.breaks, ids))
        breaks = [tuple(row) for row in converted(cursor.fetchall(), statements.break_converters)]
        cursor.execute(*_where_in(statements.specs, ids))
        specs = [
            (product_id, CardSpec(key, name, unit, text, number))
            for product_id, key, name, unit, text, number in converted(
                cursor.fetchall(), statements.spec_converters
            )
        ]
    return breaks, specs


def product_by_sku(sku: str, *, hidden_status: str | None = None) -> Product | None:
    """The product with this SKU as a model instance, its manufacturer and category loaded: one query.

    `hidden_status`: a status to treat as not found.
    """
    statements = _statements(connection.vendor)
    sql, params = statements.product, [sku]
    if hidden_status is not None:
        sql, params = sql + statements.product_not_in_status, [sku, hidden_status]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = converted([row], statements.product_converters)[0]
    product = _instance(Product, values[: len(_FIELDS[Product])])
    rest = values[len(_FIELDS[Product]) :]
    product.manufacturer = _instance(Manufacturer, rest[: len(_FIELDS[Manufacturer])])
    product.category = _instance(Category, rest[len(_FIELDS[Manufacturer]) :])
    return product


def product_row_unconverted(sku: str, *, hidden_status: str) -> tuple | None:
    """product_by_sku()'s row as the database gives it (no conversion, no instances): every column of the
    product, its manufacturer and category, for comparing versions of what a product page shows."""
    statements = _statements(connection.vendor)
    with connection.cursor() as cursor, server_prepared(connection):  # a read by SKU on every product page
        cursor.execute(statements.product + statements.product_not_in_status, [sku, hidden_status])
        return cursor.fetchone()


def _instance(model, values):
    return model.from_db(connection.alias, [f.attname for f in _FIELDS[model]], values)


def images(product_id: int) -> list[tuple[str, str]]:
    """(url, alt) of a product's images, in order: one query."""
    with connection.cursor() as cursor:
        cursor.execute(_statements(connection.vendor).images, [product_id])
        return cursor.fetchall()


_FIELDS = {model: model._meta.concrete_fields for model in (Product, Manufacturer, Category)}


@dataclass(frozen=True)
class _Statements:
    product: str  # by SKU, with the manufacturer's and category's columns
    product_not_in_status: str
    rows: str  # {ids} stands for the id list
    breaks: str
    specs: str
    images: str
    card_json: str  # {ids} as in rows: (product id, the card as a JSON object)
    product_converters: Converters
    row_converters: Converters
    break_converters: Converters
    spec_converters: Converters


def _where_in(statement: str, ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":  # one array parameter, whatever the number of ids
        return statement.format(ids="SELECT unnest(%s::bigint[])"), [ids]
    return statement.format(ids=", ".join(["%s"] * len(ids))), ids


@functools.cache
def _statements(vendor: str) -> _Statements:
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    def col(alias: str, model, name: str) -> str:
        return f"{alias}.{quote(model._meta.get_field(name).column)}"

    p, b, s = "p", "b", "s"
    product_columns = [
        col(p, Product, "id"), col(p, Product, "sku"), col(p, Product, "mpn"), col(p, Product, "title"),
        col("m", Manufacturer, "name"), col("c", Category, "slug"), col(p, Product, "stock"),
        col(p, Product, "moq"), col(p, Product, "order_multiple"), col(p, Product, "status"),
        col(p, Product, "price_from"),
    ]  # fmt: skip
    rows = (
        f"SELECT {', '.join(product_columns)} FROM {table(Product)} p"
        f" JOIN {table(Manufacturer)} m ON m.{quote('id')} = {col(p, Product, 'manufacturer')}"
        f" JOIN {table(Category)} c ON c.{quote('id')} = {col(p, Product, 'category')}"
        f" WHERE {col(p, Product, 'id')} IN ({{ids}})"
    )
    product_id = col(b, PriceBreak, "product")
    breaks = (
        f"SELECT {product_id}, {col(b, PriceBreak, 'min_quantity')}, {col(b, PriceBreak, 'unit_price')}"
        f" FROM {table(PriceBreak)} b WHERE {product_id} IN ({{ids}})"
        f" ORDER BY {product_id}, {col(b, PriceBreak, 'min_quantity')}"
    )
    a = "a"
    spec_columns = [
        col(s, ProductSpec, "product"), col(a, SpecAttribute, "key"), col(a, SpecAttribute, "name"),
        col(a, SpecAttribute, "unit"), col(s, ProductSpec, "value_text"), col(s, ProductSpec, "value_number"),
    ]  # fmt: skip
    specs = (
        f"SELECT {', '.join(spec_columns)} FROM {table(ProductSpec)} s"
        f" JOIN {table(SpecAttribute)} a"
        f" ON {col(a, SpecAttribute, 'id')} = {col(s, ProductSpec, 'attribute')}"
        f" WHERE {col(s, ProductSpec, 'product')} IN ({{ids}})"
        f" ORDER BY {col(a, SpecAttribute, 'position')}, {col(a, SpecAttribute, 'name')},"
        f" {col(a, SpecAttribute, 'id')}"
    )
    i = "i"
    image_product = col(i, ProductImage, "product")
    images = (
        f"SELECT {col(i, ProductImage, 'url')}, {col(i, ProductImage, 'alt')} FROM {table(ProductImage)} i"
        f" WHERE {image_product} = %s ORDER BY {image_product}, {col(i, ProductImage, 'position')},"
        f" {col(i, ProductImage, 'id')}"
    )
    card_json = _card_json_statement(vendor, table, col)
    joined = [(p, Product), ("m", Manufacturer), ("c", Category)]
    columns = [col(alias, model, f.name) for alias, model in joined for f in _FIELDS[model]]
    product = (
        f"SELECT {', '.join(columns)} FROM {table(Product)} p"
        f" JOIN {table(Manufacturer)} m ON m.{quote('id')} = {col(p, Product, 'manufacturer')}"
        f" JOIN {table(Category)} c ON c.{quote('id')} = {col(p, Product, 'category')}"
        f" WHERE {col(p, Product, 'sku')} = %s"
    )
    all_fields = [f for _, model in joined for f in _FIELDS[model]]
    return _Statements(
        product=product,
        product_not_in_status=f" AND {col(p, Product, 'status')} <> %s",
        product_converters=converters_for(dict(enumerate(all_fields))),
        rows=rows,
        breaks=breaks,
        specs=specs,
        images=images,
        card_json=card_json,
        row_converters=converters_for({10: Product._meta.get_field("price_from")}),
        break_converters=converters_for({2: PriceBreak._meta.get_field("unit_price")}),
        spec_converters=converters_for({5: ProductSpec._meta.get_field("value_number")}),
    )


def _card_json_statement(vendor: str, table, col) -> str:
    """card_json_by_id()'s statement: the product's columns, then its price breaks and specs as arrays, in
    the order the card statements read them."""
    quote = connection.ops.quote_name
    postgres = vendor == "postgresql"
    obj = "json_build_object" if postgres else "json_object"

    def decimal(column: str, model, name: str) -> str:  # a JSON string in plain notation, or null
        if postgres:  # numeric(n, places) keeps its scale: 0.5200, 0.000000005
            return f"{column}::text"
        written = _sqlite_decimal(column, model._meta.get_field(name))
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {written} END"

    def json_object(*pairs: tuple[str, str]) -> str:
        return obj + "(" + ", ".join(f"'{key}', {value}" for key, value in pairs) + ")"

    def array(columns: dict[str, str], element, source: str, order: str) -> str:
        """A JSON array of element(column expressions), one per row of `source`, in `order`."""
        if postgres:
            return f"COALESCE((SELECT json_agg({element(columns)} ORDER BY {order}) {source}), '[]')"
        # SQLite before 3.44 has no ORDER BY inside an aggregate: the aggregate reads an ordered subquery,
        # whose LIMIT keeps the planner from dropping the ORDER BY. json() keeps the array an array, as a
        # subquery's result loses the JSON subtype that json_object() goes by.
        inner = ", ".join(f"{expression} AS {alias}" for alias, expression in columns.items())
        outer = {alias: f"o.{alias}" for alias in columns}
        return (
            f"json((SELECT json_group_array({element(outer)})"
            f" FROM (SELECT {inner} {source} ORDER BY {order} LIMIT -1) o))"
        )

    p, b, s, a = "p", "b", "s", "a"
    breaks = array(
        {"quantity": col(b, PriceBreak, "min_quantity"), "price": col(b, PriceBreak, "unit_price")},
        lambda c: json_object(
            ("min_quantity", c["quantity"]), ("unit_price", decimal(c["price"], PriceBreak, "unit_price"))
        ),
        f"FROM {table(PriceBreak)} b WHERE {col(b, PriceBreak, 'product')} = {col(p, Product, 'id')}",
        col(b, PriceBreak, "min_quantity"),
    )
    specs = array(
        {
            "key": col(a, SpecAttribute, "key"),
            "name": col(a, SpecAttribute, "name"),
            "text": col(s, ProductSpec, "value_text"),
            "unit": col(a, SpecAttribute, "unit"),
            "number": col(s, ProductSpec, "value_number"),
        },
        lambda c: json_object(
            ("key", c["key"]),
            ("name", c["name"]),
            ("value", c["text"]),
            ("unit", c["unit"]),
            ("number", decimal(c["number"], ProductSpec, "value_number")),
        ),
        f"FROM {table(ProductSpec)} s JOIN {table(SpecAttribute)} a"
        f" ON {col(a, SpecAttribute, 'id')} = {col(s, ProductSpec, 'attribute')}"
        f" WHERE {col(s, ProductSpec, 'product')} = {col(p, Product, 'id')}",
        ", ".join(col(a, SpecAttribute, name) for name in ("position", "name", "id")),
    )
    card = json_object(
        ("sku", col(p, Product, "sku")),
        ("mpn", col(p, Product, "mpn")),
        ("manufacturer", col("m", Manufacturer, "name")),
        ("category", col("c", Category, "slug")),
        ("title", col(p, Product, "title")),
        ("stock", col(p, Product, "stock")),
        ("moq", col(p, Product, "moq")),
        ("order_multiple", col(p, Product, "order_multiple")),
        ("status", col(p, Product, "status")),
        ("price_from", decimal(col(p, Product, "price_from"), Product, "price_from")),
        ("price_breaks", breaks),
        ("specs", specs),
    )
    return (
        f"SELECT {col(p, Product, 'id')}, {card}{'::text' if postgres else ''} FROM {table(Product)} p"
        f" JOIN {table(Manufacturer)} m ON m.{quote('id')} = {col(p, Product, 'manufacturer')}"
        f" JOIN {table(Category)} c ON c.{quote('id')} = {col(p, Product, 'category')}"
        f" WHERE {col(p, Product, 'id')} IN ({{ids}})"
    )


def _sqlite_decimal(column: str, field) -> str:
    """SQL writing a float column as the ORM reads it into a DecimalField: rounded to 15 significant
    digits, then to the field's places, in plain notation (2 places: 0.50, 1234.00).

    With up to 15 digits before the places run out (max_digits <= 15, or a value below 10**(15 - places)),
    printf's own rounding to the places is that: the stored float is the one nearest a number with those
    places, well within half a unit of the last. Beyond (a spec number of 1 or more, with its 15 places),
    printf rounds to 15 significant digits, which then have at most `places` decimals, padded with zeros.
    One case differs: a number of more than 15 significant digits whose float lies exactly halfway at the
    15th (615222885702.4375), which printf rounds down and the ORM to even; a store's numbers have fewer.
    """
    places = field.decimal_places
    direct = f"printf('%%.{places}f', {column})"  # %% is % once the parameters are bound
    if field.max_digits <= 15:
        return direct
    digits = f"printf('%%.15g', {column})"  # no exponent from 10**-4 up to 10**15
    zeros = "0" * places
    return (
        f"CASE WHEN abs({column}) < 1e{15 - places} THEN {direct}"
        f" WHEN instr({digits}, '.') THEN {digits} || substr('{zeros}', 1, {places} - length({digits})"
        f" + instr({digits}, '.')) ELSE {digits} || '.{zeros}' END"
    )

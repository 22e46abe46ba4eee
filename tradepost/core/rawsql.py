"""Plain rows from hand-written statements, converted as the ORM would convert them.

For the hottest reads (catalog cards, the product row, the active policy on every page), compiling an ORM
query costs more than the database takes to answer it. Such statements are written once from the models'
names, and their rows go through the same converters the ORM would apply (on SQLite, text to datetimes and
floats to quantized Decimals).
"""

import functools
from collections.abc import Callable
from decimal import Context, Decimal

from django.db import connection, models

Converters = tuple[tuple[int, Callable], ...]  # (column position, value -> value)


def converters_for(fields: dict[int, models.Field]) -> Converters:
    """What the ORM would run on the values of these columns, by position in the row."""
    found = []
    for position, model_field in fields.items():
        column = model_field.get_col(model_field.model._meta.db_table)
        steps = connection.ops.get_db_converters(column) + model_field.get_db_converters(connection)
        if steps:
            convert = functools.partial(_apply, steps, column)
            if connection.vendor == "sqlite" and isinstance(model_field, models.DecimalField):
                convert = sqlite_decimal_converter(model_field, convert)
            found.append((position, convert))
    return tuple(found)


# Every decimal with up to 15 significant digits survives the trip through a float (DBL_DIG).
_FLOAT_DIGITS = 15
_EXACT = Context(prec=28)  # ample for the product of a 15-digit integer and a power of ten


def sqlite_decimal_converter(model_field: models.DecimalField, fallback: Callable) -> Callable:
    """`fallback` (Django's converter for this field on SQLite) made cheap for the values it is mostly given.

    SQLite keeps a decimal as a float; Django rounds the float to 15 significant digits, then to the field's
    decimal places: about a microsecond a value, and a product card has dozens of prices and numbers. When
    the float is the nearest one to a whole number of the field's smallest units (0.4836 is to 4836
    ten-thousandths), that number has at most 15 digits and is what both roundings arrive at, so it is
    built directly; any other value (0, which may be -0.0, too many digits, inf) goes through `fallback`.
    """
    places = model_field.decimal_places
    scale = 10**places
    unit = Decimal(1).scaleb(-places)
    bound = 10 ** min(_FLOAT_DIGITS, model_field.max_digits) / scale

    def convert(value):
        if -bound < value < bound:
            units = round(value * scale)
            if units and units / scale == value:
                return _EXACT.multiply(units, unit)
        return fallback(value)

    return convert


def converted(rows: list[tuple], converters: Converters) -> list[tuple]:
    if not converters:
        return rows
    if len(converters) == 1:  # the card statements: one converted column in many rows
        ((position, convert),) = converters
        result = []
        for row in rows:
            if row[position] is not None:
                row = list(row)
                row[position] = convert(row[position])
            result.append(row)
        return result
    result = []
    for row in rows:
        values = list(row)
        for position, convert in converters:
            if values[position] is not None:
                values[position] = convert(values[position])
        result.append(values)
    return result


def _apply(steps: list, column, value):
    for step in steps:
        value = step(value, column, connection)
    return value

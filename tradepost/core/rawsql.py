"""Plain rows from hand-written statements, converted as the ORM would convert them.

For the hottest reads (catalog cards, the product row, the active policy on every page), compiling an ORM
query costs more than the database takes to answer it. Such statements are written once from the models'
names, and their rows go through the same converters the ORM would apply (on SQLite, text to datetimes and
floats to quantized Decimals).
"""

import functools
from collections.abc import Callable

from django.db import connection, models

Converters = tuple[tuple[int, Callable], ...]  # (column position, value -> value)


def converters_for(fields: dict[int, models.Field]) -> Converters:
    """What the ORM would run on the values of these columns, by position in the row."""
    found = []
    for position, model_field in fields.items():
        column = model_field.get_col(model_field.model._meta.db_table)
        steps = connection.ops.get_db_converters(column) + model_field.get_db_converters(connection)
        if steps:
            found.append((position, functools.partial(_apply, steps, column)))
    return tuple(found)


def converted(rows: list[tuple], converters: Converters) -> list[tuple]:
    if not converters:
        return rows
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

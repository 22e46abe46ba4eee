from decimal import Decimal, InvalidOperation

import pytest
from django.db.backends.sqlite3.base import DatabaseOperations
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradepost.catalog.models import PriceBreak, ProductSpec
from tradepost.core.rawsql import sqlite_decimal_converter

PROPERTY = settings(max_examples=500, deadline=None)
FIELDS = [PriceBreak._meta.get_field("unit_price"), ProductSpec._meta.get_field("value_number")]


def _django_converter(field):
    """What Django runs on this field's values read from SQLite, whatever database the tests use."""
    column = field.get_col(field.model._meta.db_table)
    convert = DatabaseOperations(connection=None).get_decimalfield_converter(column)
    return lambda value: convert(value, column, None)


def _outcome(convert, value):
    try:
        result = convert(value)
    except (InvalidOperation, OverflowError, ValueError) as exc:
        return type(exc)
    return str(result), result.as_tuple()  # as_tuple tells 0.0000 from -0.0000 and 5 from 5.0000


# What SQLite hands back for a decimal column: floats of decimals written with few places (the usual case),
# any float at all, and whole numbers (stored as integers).
stored_decimals = st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False).map(float)
values = st.one_of(stored_decimals, st.floats(), st.integers(min_value=-(10**18), max_value=10**18))


@PROPERTY
@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f"{f.model.__name__}.{f.name}")
@given(value=values)
@example(value=0.0)
@example(value=-0.0)
@example(value=0.1 + 0.2)
@example(value=99_999_999.9999)
@example(value=1e15)
@example(value=float("inf"))
@example(value=5)
def test_the_sqlite_decimal_fast_path_converts_exactly_as_django_does(field, value):
    django_convert = _django_converter(field)
    assert _outcome(sqlite_decimal_converter(field, django_convert), value) == _outcome(django_convert, value)


@pytest.mark.parametrize("value", [0.4836, 12.5, 3, -0.0001, 1234567.8901])
def test_a_price_read_as_a_float_skips_the_slow_conversion(value):
    def fallback(value):
        raise AssertionError(f"{value!r} took the slow path")

    field = PriceBreak._meta.get_field("unit_price")
    assert sqlite_decimal_converter(field, fallback)(value) == Decimal(str(value)).quantize(Decimal("0.0001"))

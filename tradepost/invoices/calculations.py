"""Pure helpers for invoices: numbers, the request window, values as printed. No database."""

from datetime import datetime, timedelta
from decimal import Decimal

from tradepost.core.money import round_money, to_decimal

NUMBER_PREFIX = "CI"

# What each incoterm means for the buyer, printed next to it on the invoice.
INCOTERM_MEANINGS = {
    "DDP": "Delivered Duty Paid: import duties and taxes are paid by the seller.",
    "DAP": "Delivered At Place: import duties and taxes are paid by the buyer on arrival.",
}


def invoice_number(year: int, sequence: int) -> str:
    """CI-2026-000001: the year the invoice was issued in and its position in that year."""
    return f"{NUMBER_PREFIX}-{year:04d}-{sequence:06d}"


def request_deadline(first_shipped_at: datetime | None, days: int | None) -> datetime | None:
    """The last moment a buyer may still ask for an invoice after shipment; None when they can't at all."""
    if first_shipped_at is None or days is None:
        return None
    return first_shipped_at + timedelta(days=days)


def money(value) -> str:
    """A USD amount as stored in the frozen document: two decimals, as text."""
    return str(round_money(value))


def unit_value(value) -> str:
    """A unit price as printed: four decimals, trailing zeros dropped down to two (0.44, 0.004)."""
    text = f"{to_decimal(value).quantize(Decimal('0.0001')):f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{whole}.{fraction}"


def weight_kg(grams: int) -> str:
    """Grams as kilograms with three decimals, e.g. 1250 -> '1.250'."""
    return f"{Decimal(grams) / 1000:.3f}"
